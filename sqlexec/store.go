package sqlexec

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
	"github.com/projstore/projstore/store"
)

// ErrStoreReadOnly is a write (or CREATE INDEX, CREATE TRIGGER, DROP) on
// a store table that this DB only reads: the tables of AttachTx and
// AttachStore are read through a snapshot, and only a DB made by
// OpenStore writes batches. An OpenStore DB returns it for one case, an
// UPDATE or DELETE of a table whose columns named rowid, _rowid_ and oid
// hide the rowid that keys its rows in the store (no name reaches the
// row to change; a PRIMARY KEY avoids it).
var ErrStoreReadOnly = errors.New("store table is read-only here (AttachTx and AttachStore tables are read through a snapshot; OpenStore writes)")

// txSource reads one table of a column.Tx: its scanner delivers Arrow
// record batches at the Tx's position, with the Tx's pending writes.
type txSource struct {
	tx    *column.Tx
	table string
	// rowid: the scan delivers every column then the rowid (the hidden
	// rowid, or the INTEGER PRIMARY KEY), as memTable's scan does
	rowid bool
	// rowidName is the first of SQLite's names for the rowid that no
	// column has: the name the scanner delivers the rowid under
	rowidName string
	cols      []string
	// filters restrict the scan (the rows an OR REPLACE conflicts with)
	filters []column.Filter
}

// Scan implements Source over column.Tx.Scan: every column, in the
// table's order.
func (s *txSource) Scan(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	var cols []string
	if s.rowid {
		cols = append(append(cols, s.cols...), s.rowidName)
	}
	return s.scan(ctx, mem, cols, fn)
}

func (s *txSource) scan(ctx context.Context, mem memory.Allocator, cols []string, fn func(arrow.RecordBatch) error) error {
	sc, err := s.tx.Scan(ctx, s.table, &column.ScanOptions{Allocator: mem, Columns: cols, Filters: s.filters})
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

// width implements projector: the table's columns, then the rowid.
func (s *txSource) width() int {
	if s.rowid {
		return len(s.cols) + 1
	}
	return len(s.cols)
}

// scanColumns implements projector: the scanner decodes only the
// columns need (by index; the rowid is the last).
func (s *txSource) scanColumns(ctx context.Context, mem memory.Allocator, need []int, fn func(arrow.RecordBatch) error) error {
	cols := make([]string, len(need))
	for k, j := range need {
		if j < len(s.cols) {
			cols[k] = s.cols[j]
		} else {
			cols[k] = s.rowidName
		}
	}
	if len(cols) == 0 {
		// count(*) and the like read no column, but the batches must
		// still count the rows: read the cheapest column, the rowid (in
		// the key) when there is one
		cols = []string{s.cols[0]}
		if s.rowid {
			cols[0] = s.rowidName
		}
	}
	return s.scan(ctx, mem, cols, fn)
}

// AttachTx makes every table of tx's catalog readable by queries, through
// the column scanner at tx's position. They are read-only to SQL
// (ErrStoreReadOnly): tx's batch is the caller's, and FOR SYSTEM_TIME AS
// OF reads AttachStore's tables. A table of the same name already in db
// is an error.
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
		db.tables[key] = storeTable(tx, t)
	}
	return nil
}

// storeTable is a read-only table over t as tx reads it.
func storeTable(tx *column.Tx, t *column.Table) *memTable {
	_, hasRowid := t.Rowid() // a table keyed by another PRIMARY KEY has none
	src := &txSource{tx: tx, table: t.Name}
	for _, c := range t.Columns {
		src.cols = append(src.cols, c.Name)
	}
	if hasRowid {
		for _, name := range []string{"rowid", "_rowid_", "oid"} {
			if t.ColumnIndex(name) < 0 {
				src.rowid, src.rowidName = true, name
				break
			}
		}
	}
	mt := &memTable{def: *t, ipk: -1, src: src}
	for _, c := range t.Columns {
		mt.affs = append(mt.affs, affOf(column.AffinityOf(c.DeclType)))
		mt.colls = append(mt.colls, collBinary)
		mt.notNull = append(mt.notNull, c.NotNull)
		mt.dflt = append(mt.dflt, nil)
	}
	return mt
}

// AttachStore lets queries read the tables of s: a table name that is
// not an in-memory table reads s at its applied position, and
// "FROM t FOR SYSTEM_TIME AS OF OFFSET n" (or "SELECT ... AS OF OFFSET n"
// for every table without its own) reads t at position n. Each table
// reference of a statement gets its own snapshot, held until the
// statement ends. A position ahead of the applied one or below the
// retention horizon is an error naming the table and wrapping
// store.ErrPositionAhead or store.ErrPruned. Such tables are read-only.
func (db *DB) AttachStore(s *store.Store) {
	db.mu.Lock()
	db.store = s
	db.mu.Unlock()
}

// storeItem resolves a table reference against the attached store: a
// table, or a view, read in the catalog at the reference's position. A
// view read at a past position reads its tables there too.
func (c *compiler) storeItem(t *sqlparse.TableName, alias string, asOf *sqlparse.AsOf, cs *scope) (*fromItem, error) {
	st := c.db.store
	pos := st.AppliedPosition()
	if asOf != nil {
		x, err := c.compile(asOf.Offset, &scope{})
		if err != nil {
			return nil, fmt.Errorf("table %s: AS OF OFFSET: %w", t.Name, err)
		}
		v, err := x.fn(&env{x: &execCtx{db: c.db, args: c.args}})
		if err != nil {
			return nil, fmt.Errorf("table %s: AS OF OFFSET: %w", t.Name, err)
		}
		v = applyCmpAff(v, affNumeric)
		if !isInt(v) || v.Int() < 0 {
			return nil, fmt.Errorf("table %s: AS OF OFFSET needs a non-negative integer, got %s", t.Name, quoteValue(v))
		}
		pos = batch.Offset(v.Int())
	}
	var tx *column.Tx
	if asOf == nil && c.db.wtx != nil {
		tx = c.db.wtx.tx // the open write transaction: read its writes
	} else {
		snap, err := st.Snapshot(pos)
		if err != nil {
			return nil, fmt.Errorf("table %s at position %d: %w", t.Name, pos, err)
		}
		c.snaps = append(c.snaps, snap)
		tx = column.NewTx(snap, nil)
	}
	cat, err := tx.Catalog()
	if err != nil {
		return nil, fmt.Errorf("table %s at position %d: %w", t.Name, pos, err)
	}
	tb, err := cat.Table(t.Name)
	if err != nil {
		if cv, verr := cat.View(t.Name); verr == nil {
			return c.storeViewItem(cv, alias, asOf, cs)
		}
		return nil, fmt.Errorf("no such table: %s at position %d", t.Name, pos)
	}
	mt := storeTable(tx, tb)
	it := &fromItem{alias: alias, table: mt}
	for i, col := range mt.def.Columns {
		it.cols = append(it.cols, scopeCol{name: col.Name, aff: mt.affs[i], coll: mt.colls[i]})
	}
	if mt.hasRowid() {
		it.cols = append(it.cols, scopeCol{name: "rowid", aff: affInteger, pseudo: true})
	}
	return it, nil
}

// storeViewItem expands a view of the store's catalog as the in-memory
// views are expanded. Under AS OF, the view's own table references
// without one read at the same position: the view is what it was then.
func (c *compiler) storeViewItem(cv *column.View, alias string, asOf *sqlparse.AsOf, cs *scope) (*fromItem, error) {
	v, err := c.db.parsedView(cv)
	if err != nil {
		return nil, err
	}
	if v.expanding {
		return nil, fmt.Errorf("view %s is circularly defined", cv.Name)
	}
	v.expanding = true
	saved := c.stmtAsOf
	if asOf != nil {
		c.stmtAsOf = asOf
	}
	var parent *scope
	if cs != nil {
		parent = cs.parent
	}
	p, err := c.selectPlan(v.sel, parent)
	c.stmtAsOf = saved
	v.expanding = false
	if err != nil {
		return nil, err
	}
	return viewItem(v, p, alias), nil
}

// parsedView returns a store view parsed, once per DB for each name and
// SQL text (the viewDef's expanding flag is this DB's).
func (db *DB) parsedView(cv *column.View) (*viewDef, error) {
	key := strings.ToLower(cv.Name) + "\x00" + cv.SQL + "\x00" + strings.Join(cv.Columns, "\x00")
	if v, ok := db.storeViews[key]; ok {
		return v, nil
	}
	stmt, err := sqlparse.ParseOne(cv.SQL)
	if err != nil {
		return nil, fmt.Errorf("view %s in the store: %w", cv.Name, err)
	}
	sel, ok := stmt.(*sqlparse.Select)
	if !ok {
		return nil, fmt.Errorf("view %s in the store holds a %T, not a SELECT", cv.Name, stmt)
	}
	if db.storeViews == nil {
		db.storeViews = map[string]*viewDef{}
	}
	v := &viewDef{name: cv.Name, columns: cv.Columns, sel: sel}
	db.storeViews[key] = v
	return v, nil
}

func (c *compiler) closeSnaps() {
	for _, s := range c.snaps {
		s.Close()
	}
	c.snaps = nil
}
