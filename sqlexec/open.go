package sqlexec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/store"
)

// Open returns a SQL handle over s, as OpenStore(s, nil) does: tables live
// in the store, each write statement (or each BEGIN..COMMIT transaction)
// is one WriteBatch, and "FROM t FOR SYSTEM_TIME AS OF OFFSET n" reads t
// at position n. Scans allocate from memory.DefaultAllocator; use
// OpenStore to pass another allocator. The caller keeps ownership of s.
//
// Exec runs statements; Query returns the rows of the last statement, and
// QueryArrow returns them as a stream of Arrow record batches.
func Open(s *store.Store) *DB {
	return OpenStore(s, nil)
}

// QueryArrow runs sql (one or more statements) and returns the result of
// the last one as an array.RecordReader of record batches whose columns
// are column.MixedType unions (values of any SQLite storage class). The
// batches are built from the executor's result when the query has run
// (the executor materialises a result before it is returned), and are
// handed out one at a time; the caller releases the reader. Batches come
// from db's allocator.
func (db *DB) QueryArrow(ctx context.Context, sql string, args ...any) (array.RecordReader, error) {
	recs, err := db.QueryRecords(ctx, db.allocator(), sql, args...)
	if err != nil {
		return nil, err
	}
	var schema *arrow.Schema
	if len(recs) > 0 {
		schema = recs[0].Schema()
	}
	rr, err := array.NewRecordReader(schema, recs)
	for _, r := range recs {
		r.Release() // the reader holds its own references
	}
	return rr, err
}

func (db *DB) allocator() memory.Allocator {
	if db.mem == nil {
		return memory.DefaultAllocator
	}
	return db.mem
}
