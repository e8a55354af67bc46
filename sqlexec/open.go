package sqlexec

import (
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

func (db *DB) allocator() memory.Allocator {
	if db.mem == nil {
		return memory.DefaultAllocator
	}
	return db.mem
}
