package sqlexec

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/column"
)

// ErrStoreReadOnly is a write statement on a table attached from the
// store: SQL writes into a store's WriteBatch are not wired yet.
var ErrStoreReadOnly = errors.New("table is attached read-only from the store")

// txSource reads one table of a column.Tx: its scanner delivers Arrow
// record batches at the Tx's position, with the Tx's pending writes.
type txSource struct {
	tx    *column.Tx
	table string
}

// Scan implements Source over column.Tx.Scan: every column, in the
// table's order.
func (s *txSource) Scan(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	sc, err := s.tx.Scan(ctx, s.table, &column.ScanOptions{Allocator: mem})
	if err != nil {
		return err
	}
	defer sc.Release()
	for sc.Next() {
		if err := fn(sc.RecordBatch()); err != nil {
			return err
		}
	}
	return sc.Err()
}

// AttachTx makes every table of tx's catalog readable by queries, through
// the column scanner at tx's position (FOR SYSTEM_TIME AS OF and writes
// through SQL are not wired yet: writes to these tables are refused with
// ErrStoreReadOnly). A table of the same name already in db is an error.
func (db *DB) AttachTx(tx *column.Tx) error {
	cat, err := tx.Catalog()
	if err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, t := range cat.Tables() {
		key := strings.ToLower(t.Name)
		if _, ok := db.tables[key]; ok {
			return fmt.Errorf("table %s already exists", t.Name)
		}
		mt := &memTable{def: *t, ipk: -1, src: &txSource{tx: tx, table: t.Name}}
		for _, c := range t.Columns {
			mt.affs = append(mt.affs, affOf(column.AffinityOf(c.DeclType)))
			mt.colls = append(mt.colls, collBinary)
			mt.notNull = append(mt.notNull, c.NotNull)
			mt.dflt = append(mt.dflt, nil)
		}
		db.tables[key] = mt
	}
	return nil
}
