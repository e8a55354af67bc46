package sqlexec

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
	"github.com/projstore/projstore/store"
)

// OpenStore returns a DB whose tables live in s: CREATE TABLE and CREATE
// INDEX create them in the store's catalog, INSERT writes rows, and each
// write statement (or each transaction, from BEGIN to COMMIT) becomes
// exactly one WriteBatch at AppliedPosition()+1. Statements inside a
// transaction read their own writes; ROLLBACK and a failing statement
// leave nothing. Views and triggers stay in memory. UPDATE and DELETE of
// store tables are not wired yet (ErrStoreReadOnly).
func OpenStore(s *store.Store, mem memory.Allocator) *DB {
	db := NewMemory(mem)
	db.store = s
	db.storeMode = true
	return db
}

// writeTx is an open write transaction on the store.
type writeTx struct {
	snap *store.Snapshot
	b    *batch.WriteBatch
	tx   *column.Tx
}

func (db *DB) beginWrite() (*writeTx, error) {
	pos := db.store.AppliedPosition()
	snap, err := db.store.Snapshot(pos)
	if err != nil {
		return nil, err
	}
	b := batch.New(pos + 1)
	return &writeTx{snap: snap, b: b, tx: column.NewTx(snap, b)}, nil
}

func (w *writeTx) commit(s *store.Store) error {
	defer w.snap.Close()
	if w.b.Len() == 0 {
		return nil
	}
	// ApplyNext, not Apply: if another handle committed at this position
	// first, this batch must fail rather than pass as a replay and vanish.
	return s.ApplyNext(w.b)
}

func (w *writeTx) discard() { w.snap.Close() }

// storeStmt runs a statement of a store-mode DB that touches the store:
// in the open transaction, or in a transaction of its own.
func (db *DB) storeStmt(run func(tx *column.Tx) error) error {
	if db.wtx != nil {
		sp := db.wtx.tx.Savepoint()
		if err := run(db.wtx.tx); err != nil {
			if rerr := db.wtx.tx.RollbackTo(sp); rerr != nil {
				return errors.Join(err, rerr)
			}
			return err
		}
		return nil
	}
	w, err := db.beginWrite()
	if err != nil {
		return err
	}
	db.wtx = w
	err = run(w.tx)
	db.wtx = nil
	if err != nil {
		w.discard()
		return err
	}
	return w.commit(db.store)
}

// storeCreateTable creates st's table in the store.
func (db *DB) storeCreateTable(c *compiler, st *sqlparse.CreateTable) error {
	if st.As != nil {
		return errors.New("CREATE TABLE ... AS in a store database is not supported")
	}
	t := &column.Table{Name: st.Name}
	var uniques [][]string
	for i, cd := range st.Columns {
		decl := ""
		if cd.Type != nil {
			decl = cd.Type.Name
			if len(cd.Type.Args) > 0 {
				decl += "(" + strings.Join(cd.Type.Args, ",") + ")"
			}
		}
		col := column.Column{Name: cd.Name, DeclType: decl, Type: column.TypeOf(decl)}
		for _, k := range cd.Constraints {
			switch k.Kind {
			case sqlparse.PrimaryKeyConstraint:
				if t.PrimaryKey != nil {
					return fmt.Errorf("table \"%s\" has more than one primary key", st.Name)
				}
				t.PrimaryKey = []int{i}
			case sqlparse.NotNullConstraint:
				col.NotNull = true
			case sqlparse.UniqueConstraint:
				uniques = append(uniques, []string{cd.Name})
			case sqlparse.DefaultConstraint:
				e, err := c.compile(k.Expr, &scope{})
				if err != nil {
					return err
				}
				v, err := e.fn(&env{x: &execCtx{db: db}})
				if err != nil {
					return err
				}
				col.Default = column.Coerce(v, col.Type, column.AffinityOf(decl))
			case sqlparse.CollateConstraint, sqlparse.GeneratedConstraint, sqlparse.CheckConstraint:
				return fmt.Errorf("column %s: COLLATE, CHECK and generated columns are not supported in a store database", cd.Name)
			}
		}
		t.Columns = append(t.Columns, col)
	}
	for _, tc := range st.Constraints {
		var names []string
		for _, term := range tc.Columns {
			col, ok := term.Expr.(*sqlparse.Column)
			if !ok {
				return errors.New("expressions prohibited in PRIMARY KEY and UNIQUE constraints")
			}
			names = append(names, col.Name)
		}
		switch tc.Kind {
		case sqlparse.PrimaryKeyConstraint:
			if t.PrimaryKey != nil {
				return fmt.Errorf("table \"%s\" has more than one primary key", st.Name)
			}
			for _, n := range names {
				i := t.ColumnIndex(n)
				if i < 0 {
					return fmt.Errorf("no such column: %s", n)
				}
				t.PrimaryKey = append(t.PrimaryKey, i)
			}
		case sqlparse.UniqueConstraint:
			uniques = append(uniques, names)
		}
	}
	return db.storeStmt(func(tx *column.Tx) error {
		if cat, err := tx.Catalog(); err == nil {
			if _, err := cat.Table(st.Name); err == nil {
				if st.IfNotExists {
					return nil
				}
				return fmt.Errorf("table %s already exists", st.Name)
			}
		}
		if _, err := tx.CreateTable(t); err != nil {
			return err
		}
		for i, u := range uniques {
			name := fmt.Sprintf("sqlite_autoindex_%s_%d", st.Name, i+1)
			if _, err := tx.CreateIndex(context.Background(), &column.Index{Name: name, Table: st.Name, Columns: u, Unique: true}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) storeCreateIndex(st *sqlparse.CreateIndex) error {
	var cols []string
	for _, term := range st.Columns {
		col, ok := term.Expr.(*sqlparse.Column)
		if !ok {
			return errors.New("indexes on expressions are not supported in a store database")
		}
		cols = append(cols, col.Name)
	}
	if st.Where != nil {
		return errors.New("partial indexes are not supported in a store database")
	}
	return db.storeStmt(func(tx *column.Tx) error {
		if cat, err := tx.Catalog(); err == nil {
			if _, err := cat.Index(st.Name); err == nil {
				if st.IfNotExists {
					return nil
				}
				return fmt.Errorf("index %s already exists", st.Name)
			}
		}
		_, err := tx.CreateIndex(context.Background(), &column.Index{Name: st.Name, Table: st.Table, Columns: cols, Unique: st.Unique})
		return err
	})
}

func (db *DB) storeDrop(st *sqlparse.Drop) (bool, error) {
	handled := false
	err := db.storeStmt(func(tx *column.Tx) error {
		cat, err := tx.Catalog()
		if err != nil {
			return err
		}
		switch st.Kind {
		case sqlparse.TableObject:
			if _, err := cat.Table(st.Name); err == nil {
				handled = true
				return tx.DropTable(st.Name)
			}
		case sqlparse.IndexObject:
			if _, err := cat.Index(st.Name); err == nil {
				handled = true
				return tx.DropIndex(st.Name)
			}
		}
		return nil
	})
	return handled, err
}

// storeInsert runs INSERT into a store table.
func (db *DB) storeInsert(c *compiler, x *execCtx, st *sqlparse.Insert) (int64, error) {
	if st.With != nil {
		return 0, errors.New("WITH on INSERT is not supported")
	}
	var n int64
	// the rowid of the last row inserted, for LastInsertId: only a table
	// with a rowid (hidden or INTEGER PRIMARY KEY) has one to report
	var lastRowid int64
	hasLast := false
	err := db.storeStmt(func(tx *column.Tx) error {
		cat, err := tx.Catalog()
		if err != nil {
			return err
		}
		t, err := cat.Table(st.Table.Name)
		if err != nil {
			return fmt.Errorf("no such table: %s", st.Table.Name)
		}
		_, rowidTable := t.Rowid()
		cols := st.Columns
		want := len(cols)
		if want == 0 {
			want = len(t.Columns)
		}
		for _, name := range cols {
			if t.ColumnIndex(name) < 0 {
				return fmt.Errorf("table %s has no column named %s", t.Name, name)
			}
		}
		var src [][]Value
		if st.DefaultValues {
			src = [][]Value{{}}
			cols = []string{}
		} else {
			p, err := c.selectPlan(st.Select, x.trigScope)
			if err != nil {
				return err
			}
			if len(p.cols) != want {
				return fmt.Errorf("table %s has %d columns but %d values were supplied", t.Name, want, len(p.cols))
			}
			rs, err := p.execCtx(x.trigEnv, x)
			if err != nil {
				return err
			}
			src = rs.rows
		}
		for _, r := range src {
			vals := make([]Value, len(r))
			for i, v := range r {
				vals[i] = norm(v)
			}
			var key []Value
			var err error
			if st.Or == sqlparse.ConflictReplace {
				key, err = tx.Upsert(t.Name, cols, vals)
			} else {
				key, err = tx.Insert(t.Name, cols, vals)
			}
			if err != nil {
				if st.Or == sqlparse.ConflictIgnore && (errors.Is(err, column.ErrDuplicateKey) || errors.Is(err, column.ErrUnique) || errors.Is(err, column.ErrNotNull)) {
					continue
				}
				return err
			}
			if rowidTable && len(key) == 1 && key[0].Type() == column.Integer {
				lastRowid, hasLast = key[0].Int(), true
			}
			n++
		}
		return nil
	})
	if err == nil && hasLast {
		noteInsertRowid(x, lastRowid)
	}
	return n, err
}

// storeTarget is the table of an UPDATE or DELETE on a store table, read
// through the open write transaction, with the rows it holds now.
func (db *DB) storeTarget(c *compiler, x *execCtx, tx *column.Tx, tn *sqlparse.TableName) (*memTable, [][]Value, *scope, error) {
	cat, err := tx.Catalog()
	if err != nil {
		return nil, nil, nil, err
	}
	ct, err := cat.Table(tn.Name)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("no such table: %s", tn.Name)
	}
	t := storeTable(tx, ct)
	if !t.hasRowid() && len(ct.PrimaryKey) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: %w", tn.Name, ErrStoreReadOnly)
	}
	rows, err := t.scanRows(&execCtx{db: db, goctx: x.goctx})
	if err != nil {
		return nil, nil, nil, err
	}
	s := targetScope(t, tn.Alias)
	s.parent = x.trigScope
	return t, rows, s, nil
}

// storeKey is the primary key of a scanned row: the PRIMARY KEY columns,
// or the rowid of a table without one.
func storeKey(t *memTable, row []Value) []Value {
	if len(t.def.PrimaryKey) > 0 {
		key := make([]Value, len(t.def.PrimaryKey))
		for j, i := range t.def.PrimaryKey {
			key[j] = row[i]
		}
		return key
	}
	return []Value{row[len(t.def.Columns)]}
}

// storeUpdate runs UPDATE on a store table, row by row through the
// column writer (which checks NOT NULL, the primary key and unique
// indexes as each row changes).
func (db *DB) storeUpdate(c *compiler, x *execCtx, st *sqlparse.Update) (int64, error) {
	if st.From != nil || st.With != nil {
		return 0, errors.New("UPDATE ... FROM and WITH on UPDATE are not supported")
	}
	if st.Or == sqlparse.ConflictReplace {
		return 0, errors.New("UPDATE OR REPLACE of a store table is not supported")
	}
	var n int64
	err := db.storeStmt(func(tx *column.Tx) error {
		t, rows, s, err := db.storeTarget(c, x, tx, st.Table)
		if err != nil {
			return err
		}
		var where *cexpr
		if st.Where != nil {
			w, err := c.compile(st.Where, s)
			if err != nil {
				return err
			}
			where = &w
		}
		var names []string
		var sets []cexpr
		for _, a := range st.Set {
			if len(a.Columns) != 1 {
				return errors.New("row value assignments are not supported")
			}
			if t.def.ColumnIndex(a.Columns[0]) < 0 {
				return fmt.Errorf("no such column: %s", a.Columns[0])
			}
			e, err := c.compile(a.Value, s)
			if err != nil {
				return err
			}
			// a column assigned twice takes the last value, as in SQLite
			dup := false
			for i, nm := range names {
				if strings.EqualFold(nm, a.Columns[0]) {
					sets[i], dup = e, true
				}
			}
			if !dup {
				names = append(names, a.Columns[0])
				sets = append(sets, e)
			}
		}
		for _, r := range rows {
			e := &env{row: r, x: x, outer: x.trigEnv}
			if where != nil {
				ok, err := where.holds(e)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			vals := make([]Value, len(sets))
			for i, set := range sets {
				v, err := set.fn(e)
				if err != nil {
					return err
				}
				vals[i] = norm(v)
			}
			if err := tx.Update(t.def.Name, storeKey(t, r), names, vals); err != nil {
				if st.Or == sqlparse.ConflictIgnore && (errors.Is(err, column.ErrDuplicateKey) || errors.Is(err, column.ErrUnique) || errors.Is(err, column.ErrNotNull)) {
					continue
				}
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// storeDelete runs DELETE on a store table.
func (db *DB) storeDelete(c *compiler, x *execCtx, st *sqlparse.Delete) (int64, error) {
	if st.With != nil {
		return 0, errors.New("WITH on DELETE is not supported")
	}
	var n int64
	err := db.storeStmt(func(tx *column.Tx) error {
		t, rows, s, err := db.storeTarget(c, x, tx, st.Table)
		if err != nil {
			return err
		}
		var where *cexpr
		if st.Where != nil {
			w, err := c.compile(st.Where, s)
			if err != nil {
				return err
			}
			where = &w
		}
		for _, r := range rows {
			if where != nil {
				ok, err := where.holds(&env{row: r, x: x, outer: x.trigEnv})
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			ok, err := tx.Delete(t.def.Name, storeKey(t, r))
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	return n, err
}
