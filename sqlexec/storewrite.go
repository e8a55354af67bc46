package sqlexec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
	"github.com/projstore/projstore/store"
)

// OpenStore returns a DB whose schema and rows live in s: CREATE TABLE
// (also AS SELECT), CREATE INDEX, CREATE VIEW and CREATE TRIGGER (and
// their DROPs) change the store's catalog; INSERT, UPDATE and DELETE
// (with OR REPLACE/IGNORE, and the triggers they fire, which may write
// other tables) write rows. Each write statement (or each transaction,
// from BEGIN to COMMIT) becomes exactly one WriteBatch at
// AppliedPosition()+1, so every DB over s, and s reopened, sees the same
// tables, views and triggers. Statements inside a transaction read their
// own writes; ROLLBACK and a failing statement (a failing trigger,
// RAISE(ABORT), RAISE(FAIL) too: the statement is undone whole, where
// SQLite would keep the rows FAIL did not reach) leave nothing, and
// RAISE(ROLLBACK) ends the transaction; RAISE(IGNORE) skips the row that
// fired it. A read AS OF OFFSET n sees the catalog at n: the views of n
// over their tables at n. TEMP tables, views and triggers stay with this
// DB, as in SQLite. CHECK constraints are kept in the catalog as SQL text
// and evaluated on every INSERT and UPDATE. The store's catalog has no
// place for a column's COLLATE or GENERATED clause, nor for an index on
// expressions or a partial index: CREATE statements holding them are
// refused with an error naming what is missing.
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

// writeTarget is the table an INSERT, UPDATE or DELETE names.
func writeTarget(st sqlparse.Stmt) *sqlparse.TableName {
	switch st := st.(type) {
	case *sqlparse.Insert:
		return st.Table
	case *sqlparse.Update:
		return st.Table
	case *sqlparse.Delete:
		return st.Table
	}
	return nil
}

// writeStmt runs an INSERT, UPDATE or DELETE (a statement, or one of a
// trigger's) on the table it names, in memory or in the store.
func (db *DB) writeStmt(c *compiler, x *execCtx, st sqlparse.Stmt) (int64, error) {
	tn := writeTarget(st)
	if tn == nil {
		return 0, fmt.Errorf("unsupported statement %T", st)
	}
	name := strings.ToLower(tn.Name)
	if db.storeMode && db.tables[name] == nil && db.views[name] == nil {
		switch st := st.(type) {
		case *sqlparse.Insert:
			return db.storeInsert(c, x, st)
		case *sqlparse.Update:
			return db.storeUpdate(c, x, st)
		case *sqlparse.Delete:
			return db.storeDelete(c, x, st)
		}
	}
	switch st := st.(type) {
	case *sqlparse.Insert:
		return db.insert(c, x, st)
	case *sqlparse.Update:
		return db.update(c, x, st)
	case *sqlparse.Delete:
		return db.delete(c, x, st)
	}
	return 0, fmt.Errorf("unsupported statement %T", st)
}

// topWrite runs a write statement as one unit: with triggers it may
// write several tables, in memory and in the store, and a failure must
// leave none of them changed. The store's writes share one WriteBatch
// (the statement's, or the open transaction's, rolled back to where the
// statement began); the memory tables are restored from a copy.
func (db *DB) topWrite(c *compiler, x *execCtx, st sqlparse.Stmt) (int64, error) {
	var undo *txState
	if len(db.triggers) > 0 || (db.storeMode && len(db.tables) > 0) {
		undo = db.snapshot()
	}
	var n int64
	var err error
	if db.storeMode {
		err = db.storeStmt(func(*column.Tx) error {
			var err error
			n, err = db.writeStmt(c, x, st)
			return err
		})
	} else {
		n, err = db.writeStmt(c, x, st)
	}
	if err != nil && undo != nil {
		db.restore(undo)
	}
	var re *raiseError
	if errors.As(err, &re) && re.action == sqlparse.ConflictRollback && db.tx != nil {
		// RAISE(ROLLBACK) ends the transaction, as ROLLBACK would
		db.restore(db.tx)
		db.tx = nil
		if db.wtx != nil {
			db.wtx.discard()
			db.wtx = nil
		}
	}
	return n, err
}

// storeCreateTable creates st's table in the store.
func (db *DB) storeCreateTable(c *compiler, st *sqlparse.CreateTable) error {
	if st.As != nil {
		return db.storeCreateTableAs(c, st)
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
				if volatileDefault(k.Expr, e) {
					// evaluated by each INSERT (storeDefaults), not now
					col.DefaultExpr = k.Expr.String()
					break
				}
				v, err := e.fn(&env{x: &execCtx{db: db}})
				if err != nil {
					return err
				}
				col.Default = column.Coerce(v, col.Type, column.AffinityOf(decl))
			case sqlparse.CheckConstraint:
				t.Checks = append(t.Checks, column.Check{Name: k.Name, SQL: k.Expr.String()})
			case sqlparse.CollateConstraint, sqlparse.GeneratedConstraint:
				return fmt.Errorf("column %s: COLLATE and generated columns are not supported in a store database", cd.Name)
			}
		}
		t.Columns = append(t.Columns, col)
	}
	for _, tc := range st.Constraints {
		if tc.Kind == sqlparse.CheckConstraint {
			t.Checks = append(t.Checks, column.Check{Name: tc.Name, SQL: tc.Check.String()})
			continue
		}
		var names []string
		for _, term := range tc.Columns {
			if _, ok := term.Expr.(*sqlparse.Collate); ok {
				return errors.New("COLLATE in a PRIMARY KEY or UNIQUE constraint is not supported in a store database")
			}
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
	if st.WithoutRowid && t.PrimaryKey == nil {
		return fmt.Errorf("PRIMARY KEY missing on table %s", st.Name)
	}
	// the CHECKs must compile against the table now, not fail its writes
	if err := storeChecks(c, storeTable(nil, t)); err != nil {
		return err
	}
	return db.storeStmt(func(tx *column.Tx) error {
		if exists, err := storeNameTaken(tx, st); exists || err != nil {
			return err
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

// storeNameTaken reports whether CREATE TABLE st names a table or view
// the store has: an error, or nothing to do with IF NOT EXISTS.
func storeNameTaken(tx *column.Tx, st *sqlparse.CreateTable) (bool, error) {
	cat, err := tx.Catalog()
	if err != nil {
		return false, nil // the create reports it
	}
	kind := ""
	if _, err := cat.Table(st.Name); err == nil {
		kind = "table"
	} else if _, err := cat.View(st.Name); err == nil {
		kind = "view"
	}
	return takenBy(kind, st.Name, st.IfNotExists)
}

// storeCreateTableAs runs CREATE TABLE ... AS SELECT: the columns are
// named as the query's and declared from their affinities (as SQLite
// does), and the rows are written in the same batch as the table.
func (db *DB) storeCreateTableAs(c *compiler, st *sqlparse.CreateTable) error {
	return db.storeStmt(func(tx *column.Tx) error {
		if exists, err := storeNameTaken(tx, st); exists || err != nil {
			return err
		}
		p, err := c.selectPlan(st.As, nil)
		if err != nil {
			return err
		}
		rs, err := p.execCtx(nil, &execCtx{db: db, args: c.args, now: time.Now(), goctx: context.Background()})
		if err != nil {
			return err
		}
		t := &column.Table{Name: st.Name}
		for _, oc := range p.cols {
			decl := map[aff]string{affText: "TEXT", affNumeric: "NUM", affInteger: "INT", affReal: "REAL"}[oc.aff]
			t.Columns = append(t.Columns, column.Column{Name: oc.name, DeclType: decl, Type: column.TypeOf(decl)})
		}
		if _, err := tx.CreateTable(t); err != nil {
			return err
		}
		for _, r := range rs.rows {
			vals := make([]Value, len(r))
			for i, v := range r {
				vals[i] = norm(v)
			}
			if _, err := tx.Insert(t.Name, nil, vals); err != nil {
				return err
			}
		}
		return nil
	})
}

// storeCreateView keeps a view in the store's catalog, as the SQL of its
// SELECT, so that every DB over the store sees it, it survives reopening
// the store, and reads at a past position see the views of that
// position. A TEMP view stays with this DB, as in SQLite.
func (db *DB) storeCreateView(c *compiler, st *sqlparse.CreateView) error {
	key := strings.ToLower(st.Name)
	if taken, err := db.nameTaken(key, st.Name, st.IfNotExists); taken || err != nil {
		return err
	}
	return db.storeStmt(func(tx *column.Tx) error {
		cat, err := tx.Catalog()
		if err != nil {
			return err
		}
		if _, err := cat.View(st.Name); err == nil {
			if st.IfNotExists {
				return nil
			}
			return fmt.Errorf("view %s already exists", st.Name)
		}
		if _, err := cat.Table(st.Name); err == nil {
			if st.IfNotExists {
				return nil
			}
			return fmt.Errorf("table %s already exists", st.Name)
		}
		if _, err := cat.Index(st.Name); err == nil {
			return fmt.Errorf("there is already an index named %s", st.Name)
		}
		if st.Select.AsOf != nil {
			return errors.New("a view cannot be fixed at a position: read it AS OF instead")
		}
		p, err := c.selectPlan(st.Select, nil)
		if err != nil {
			return err
		}
		if len(st.Columns) > 0 && len(st.Columns) != len(p.cols) {
			return fmt.Errorf("expected %d columns for '%s' but got %d", len(st.Columns), st.Name, len(p.cols))
		}
		return tx.CreateView(&column.View{Name: st.Name, SQL: st.Select.String(), Columns: st.Columns})
	})
}

func (db *DB) storeCreateIndex(st *sqlparse.CreateIndex) error {
	var cols []string
	for _, term := range st.Columns {
		if _, ok := term.Expr.(*sqlparse.Collate); ok {
			return errors.New("COLLATE in an index is not supported in a store database: its keys compare as BINARY")
		}
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
			if _, err := cat.View(st.Table); err == nil {
				return errors.New("views may not be indexed")
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
				for k, tr := range db.triggers {
					if tr.table == strings.ToLower(st.Name) {
						delete(db.triggers, k) // TEMP triggers go with their table too
					}
				}
				return tx.DropTable(st.Name)
			}
			if _, err := cat.View(st.Name); err == nil && !st.IfExists {
				handled = true
				return fmt.Errorf("use DROP VIEW to delete view %s", st.Name)
			}
		case sqlparse.ViewObject:
			if _, ok := db.views[strings.ToLower(st.Name)]; ok {
				return nil // a TEMP view: this DB's own
			}
			if _, err := cat.View(st.Name); err == nil {
				handled = true
				return tx.DropView(st.Name)
			}
			if _, err := cat.Table(st.Name); err == nil && !st.IfExists {
				handled = true
				return fmt.Errorf("use DROP TABLE to delete table %s", st.Name)
			}
		case sqlparse.TriggerObject:
			if _, ok := db.triggers[strings.ToLower(st.Name)]; ok {
				return nil // a TEMP trigger: this DB's own
			}
			if _, err := cat.Trigger(st.Name); err == nil {
				handled = true
				return tx.DropTrigger(st.Name)
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
	ws, err := writeScope(x, st.With)
	if err != nil {
		return 0, err
	}
	var n int64
	// the rowid of the last row inserted, for LastInsertId: only a table
	// with a rowid (hidden or INTEGER PRIMARY KEY) has one to report
	var lastRowid int64
	hasLast := false
	err = db.storeStmt(func(tx *column.Tx) error {
		cat, err := tx.Catalog()
		if err != nil {
			return err
		}
		t, err := cat.Table(st.Table.Name)
		if err != nil {
			return noStoreTable(cat, st.Table.Name)
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
			p, err := c.selectPlan(st.Select, ws)
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
		mt := storeTable(tx, t)
		if err := storeChecks(c, mt); err != nil {
			return err
		}
		before, err := db.storeRowTriggers(tx, mt, sqlparse.TriggerInsert, false, nil)
		if err != nil {
			return err
		}
		after, err := db.storeRowTriggers(tx, mt, sqlparse.TriggerInsert, true, nil)
		if err != nil {
			return err
		}
		dnames, dexprs, err := storeDefaults(c, t, cols)
		if err != nil {
			return err
		}
		if len(dnames) > 0 {
			cols = append(append([]string(nil), cols...), dnames...)
		}
		for _, r := range src {
			vals := make([]Value, len(r), len(r)+len(dexprs))
			for i, v := range r {
				vals[i] = norm(v)
			}
			for _, e := range dexprs {
				v, err := e.fn(&env{x: x})
				if err != nil {
					return err
				}
				vals = append(vals, norm(v))
			}
			if len(before) > 0 {
				if err := db.fire(x, mt, before, newStoreRow(t, mt, cols, vals), nil); raisedIgnore(err) {
					continue
				} else if err != nil {
					return err
				}
			}
			var key []Value
			var err error
			if st.Or == sqlparse.ConflictReplace {
				key, err = db.storeReplace(x, tx, t, mt, cols, vals)
			} else {
				key, err = tx.Insert(t.Name, cols, vals)
			}
			if err != nil {
				if st.Or == sqlparse.ConflictIgnore && (errors.Is(err, column.ErrDuplicateKey) || errors.Is(err, column.ErrUnique) || errors.Is(err, column.ErrNotNull)) {
					continue
				}
				return err
			}
			var row []Value
			if len(mt.checks) > 0 || len(after) > 0 {
				// the row as stored, defaults and affinity applied
				if row, err = tx.Get(t.Name, key, nil); err != nil {
					return err
				}
			}
			if err := mt.check(row); err != nil {
				if st.Or != sqlparse.ConflictIgnore {
					return err
				}
				if _, err := tx.Delete(t.Name, key); err != nil {
					return err
				}
				continue
			}
			if rowidTable && len(key) == 1 && key[0].Type() == column.Integer {
				lastRowid, hasLast = key[0].Int(), true
			}
			n++
			if len(after) > 0 {
				if err := db.fire(x, mt, after, row, nil); err != nil && !raisedIgnore(err) {
					return err
				}
			}
		}
		return nil
	})
	if err == nil && hasLast {
		noteInsertRowid(x, lastRowid)
	}
	return n, err
}

// storeChecks compiles the CHECK constraints a store table keeps as SQL
// text in the catalog into mt, for its writes to evaluate.
func storeChecks(c *compiler, mt *memTable) error {
	if len(mt.def.Checks) == 0 || mt.checks != nil {
		return nil
	}
	checks := make([]namedCheck, len(mt.def.Checks))
	for i, k := range mt.def.Checks {
		x, err := sqlparse.ParseExpr(k.SQL)
		if err != nil {
			return fmt.Errorf("table %s: CHECK %q in the catalog: %w", mt.def.Name, k.SQL, err)
		}
		checks[i] = namedCheck{k.Name, x}
	}
	return mt.compileChecks(c, checks)
}

// noStoreTable is the error of a write to name, which is no table of cat.
func noStoreTable(cat *column.Catalog, name string) error {
	if _, err := cat.View(name); err == nil {
		return fmt.Errorf("cannot modify %s because it is a view", name)
	}
	return fmt.Errorf("no such table: %s", name)
}

// volatileDefault reports whether a DEFAULT takes another value in each
// row: random(), or the time of the INSERT (CURRENT_TIMESTAMP, which the
// compiler folds as a constant of the statement).
func volatileDefault(x sqlparse.Expr, e cexpr) bool {
	if !e.isConst {
		return true
	}
	volatile := false
	sqlparse.Inspect(x, func(n sqlparse.Node) bool {
		if l, ok := n.(*sqlparse.Literal); ok {
			switch l.Kind {
			case sqlparse.CurrentTimeLit, sqlparse.CurrentDateLit, sqlparse.CurrentTimestampLit:
				volatile = true
			}
		}
		return !volatile
	})
	return volatile
}

// storeReplaceNulls resolves, for UPDATE OR REPLACE, a NULL set into a
// NOT NULL column that has a default by storing the default, as SQLite
// does (a column without one still fails its constraint).
func storeReplaceNulls(c *compiler, x *execCtx, t *column.Table, names []string, vals []Value) error {
	for i, nm := range names {
		j := t.ColumnIndex(nm)
		if j < 0 || !vals[i].IsNull() || !t.Columns[j].NotNull {
			continue
		}
		col := &t.Columns[j]
		switch {
		case col.DefaultExpr != "":
			e, err := sqlparse.ParseExpr(col.DefaultExpr)
			if err != nil {
				return fmt.Errorf("column %s: DEFAULT %q in the catalog: %w", col.Name, col.DefaultExpr, err)
			}
			ce, err := c.compile(e, &scope{})
			if err != nil {
				return err
			}
			v, err := ce.fn(&env{x: x})
			if err != nil {
				return err
			}
			vals[i] = norm(v)
		case !col.Default.IsNull():
			vals[i] = col.Default
		}
	}
	return nil
}

// storeDefaults compiles the DEFAULT expressions of t's columns that an
// INSERT naming cols (nil: every column) leaves to them and that take a
// value per row (Column.DefaultExpr); the column writer fills the others.
func storeDefaults(c *compiler, t *column.Table, cols []string) ([]string, []cexpr, error) {
	if cols == nil {
		return nil, nil, nil
	}
	var names []string
	var exprs []cexpr
	for _, col := range t.Columns {
		if col.DefaultExpr == "" {
			continue
		}
		given := false
		for _, n := range cols {
			given = given || strings.EqualFold(n, col.Name)
		}
		if given {
			continue
		}
		x, err := sqlparse.ParseExpr(col.DefaultExpr)
		if err != nil {
			return nil, nil, fmt.Errorf("table %s: DEFAULT of column %s: %w", t.Name, col.Name, err)
		}
		e, err := c.compile(x, &scope{})
		if err != nil {
			return nil, nil, fmt.Errorf("table %s: DEFAULT of column %s: %w", t.Name, col.Name, err)
		}
		names = append(names, col.Name)
		exprs = append(exprs, e)
	}
	return names, exprs, nil
}

// newStoreRow is the row an INSERT of vals into cols of t will write, as
// a BEFORE INSERT trigger sees it: the other columns take their defaults,
// a rowid not given is NULL.
func newStoreRow(t *column.Table, mt *memTable, cols []string, vals []Value) []Value {
	row := make([]Value, len(t.Columns))
	given := make([]bool, len(t.Columns))
	if cols == nil {
		for i := range row {
			given[i] = i < len(vals)
			if given[i] {
				row[i] = column.Coerce(vals[i], column.Any, mt.affinity(i))
			}
		}
	} else {
		for j, name := range cols {
			if i := t.ColumnIndex(name); i >= 0 {
				row[i], given[i] = column.Coerce(vals[j], column.Any, mt.affinity(i)), true
			}
		}
	}
	for i, c := range t.Columns {
		if !given[i] {
			row[i] = c.Default
		}
	}
	return row
}

// storeReplace runs INSERT OR REPLACE of one row: the rows it conflicts
// with in a unique index are deleted first (column.Tx.Upsert replaces
// only the row with the same primary key), as SQLite does.
func (db *DB) storeReplace(x *execCtx, tx *column.Tx, t *column.Table, mt *memTable, cols []string, vals []Value) ([]Value, error) {
	// REPLACE resolves a NULL in a NOT NULL column with a default by
	// storing the default, as SQLite does
	for j, v := range vals {
		i := j
		if cols != nil {
			i = t.ColumnIndex(cols[j])
		}
		if i >= 0 && v.IsNull() && t.Columns[i].NotNull && !t.Columns[i].Default.IsNull() {
			vals[j] = t.Columns[i].Default
		}
	}
	var self []Value
	if len(t.PrimaryKey) > 0 {
		row := newStoreRow(t, mt, cols, vals)
		self = storeKey(mt, append(row, null))
	}
	if err := db.deleteConflicts(x, tx, mt, newStoreRow(t, mt, cols, vals), self, nil); err != nil {
		return nil, err
	}
	return tx.Upsert(t.Name, cols, vals)
}

// deleteConflicts deletes the rows of mt other than the one keyed self
// (or old, the row being updated) that hold row's values in the columns
// of a unique index, or (for an UPDATE moving its row) row's key.
func (db *DB) deleteConflicts(x *execCtx, tx *column.Tx, mt *memTable, row, self, old []Value) error {
	cat, err := tx.Catalog()
	if err != nil {
		return err
	}
	idx, err := cat.Indexes(mt.def.Name)
	if err != nil {
		return err
	}
	var victims [][]Value
	for _, ix := range idx {
		if !ix.Unique {
			continue
		}
		var fs []column.Filter
		for _, name := range ix.Columns {
			v := row[mt.def.ColumnIndex(name)]
			if v.IsNull() {
				fs = nil // NULLs are distinct: no conflict
				break
			}
			fs = append(fs, column.Filter{Column: name, Op: column.Eq, Value: v})
		}
		if fs == nil {
			continue
		}
		src := *mt.src.(*txSource)
		src.filters = fs
		ft := *mt
		ft.src = &src
		rows, err := ft.scanRows(&execCtx{db: db, goctx: x.goctx})
		if err != nil {
			return err
		}
		for _, r := range rows {
			k := storeKey(mt, r)
			if !sameValues(k, self) && !sameValues(k, old) {
				victims = append(victims, k)
			}
		}
	}
	if old != nil && self != nil && !sameValues(self, old) {
		victims = append(victims, self) // the row now at the key the UPDATE moves to
	}
	for _, k := range victims {
		if _, err := tx.Delete(mt.def.Name, k); err != nil {
			return err
		}
	}
	return nil
}

func sameValues(a, b []Value) bool {
	if a == nil || b == nil || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type() != b[i].Type() || compareVals(a[i], b[i], collBinary) != 0 {
			return false
		}
	}
	return true
}

// storeTarget is the table of an UPDATE or DELETE on a store table, read
// through the open write transaction, with the rows it holds now.
func (db *DB) storeTarget(c *compiler, x *execCtx, tx *column.Tx, tn *sqlparse.TableName, ws *scope) (*memTable, [][]Value, *scope, error) {
	cat, err := tx.Catalog()
	if err != nil {
		return nil, nil, nil, err
	}
	ct, err := cat.Table(tn.Name)
	if err != nil {
		return nil, nil, nil, noStoreTable(cat, tn.Name)
	}
	if tn.AsOf != nil {
		return nil, nil, nil, errors.New("a write cannot be at a past position")
	}
	t := storeTable(tx, ct)
	if err := storeChecks(c, t); err != nil {
		return nil, nil, nil, err
	}
	if !t.hasRowid() && len(ct.PrimaryKey) == 0 {
		// the store keys the rows by a rowid no name can reach: UPDATE
		// and DELETE could not say which row they change
		return nil, nil, nil, fmt.Errorf("%s: columns named rowid, _rowid_ and oid hide the rowid that keys its rows in the store; declare a PRIMARY KEY: %w", tn.Name, ErrStoreReadOnly)
	}
	rows, err := t.scanRows(&execCtx{db: db, goctx: x.goctx})
	if err != nil {
		return nil, nil, nil, err
	}
	s := targetScope(t, tn.Alias)
	s.parent = ws
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
	if st.From != nil {
		return 0, errors.New("UPDATE ... FROM is not supported")
	}
	ws, err := writeScope(x, st.With)
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.storeStmt(func(tx *column.Tx) error {
		t, rows, s, err := db.storeTarget(c, x, tx, st.Table, ws)
		if err != nil {
			return err
		}
		where, err := c.where(st.Where, s)
		if err != nil {
			return err
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
		setCols := map[int]bool{}
		for _, nm := range names {
			setCols[t.def.ColumnIndex(nm)] = true
		}
		before, err := db.storeRowTriggers(tx, t, sqlparse.TriggerUpdate, false, setCols)
		if err != nil {
			return err
		}
		after, err := db.storeRowTriggers(tx, t, sqlparse.TriggerUpdate, true, setCols)
		if err != nil {
			return err
		}
		nc := len(t.def.Columns)
		for _, r := range rows {
			e := &env{row: r, x: x, outer: x.trigEnv}
			if ok, err := where.holds(e); err != nil {
				return err
			} else if !ok {
				continue
			}
			vals := make([]Value, len(sets))
			for i, set := range sets {
				v, err := set.fn(e)
				if err != nil {
					return err
				}
				vals[i] = norm(v)
			}
			if st.Or == sqlparse.ConflictReplace {
				if err := storeReplaceNulls(c, x, &t.def, names, vals); err != nil {
					return err
				}
			}
			// the row as it will be, for triggers and OR REPLACE: the
			// old row (with its rowid, if any) with the new values
			newRow := append([]Value(nil), r...)
			for i, nm := range names {
				j := t.def.ColumnIndex(nm)
				newRow[j] = column.Coerce(vals[i], column.Any, t.affinity(j))
			}
			if len(before) > 0 {
				if err := db.fire(x, t, before, newRow[:nc], r[:nc]); raisedIgnore(err) {
					continue
				} else if err != nil {
					return err
				}
			}
			if err := t.check(newRow[:nc]); err != nil {
				if st.Or == sqlparse.ConflictIgnore {
					continue
				}
				return err
			}
			key := storeKey(t, r)
			if st.Or == sqlparse.ConflictReplace {
				if err := db.deleteConflicts(x, tx, t, newRow, storeKey(t, newRow), key); err != nil {
					return err
				}
			}
			if err := tx.Update(t.def.Name, key, names, vals); err != nil {
				if st.Or == sqlparse.ConflictIgnore && (errors.Is(err, column.ErrDuplicateKey) || errors.Is(err, column.ErrUnique) || errors.Is(err, column.ErrNotNull)) {
					continue
				}
				if len(before) > 0 && errors.Is(err, column.ErrNotFound) {
					continue // a BEFORE trigger deleted the row: SQLite skips it
				}
				return err
			}
			n++
			if len(after) > 0 {
				if err := db.fire(x, t, after, newRow[:nc], r[:nc]); err != nil && !raisedIgnore(err) {
					return err
				}
			}
		}
		return nil
	})
	return n, err
}

// storeDelete runs DELETE on a store table.
func (db *DB) storeDelete(c *compiler, x *execCtx, st *sqlparse.Delete) (int64, error) {
	ws, err := writeScope(x, st.With)
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.storeStmt(func(tx *column.Tx) error {
		t, rows, s, err := db.storeTarget(c, x, tx, st.Table, ws)
		if err != nil {
			return err
		}
		where, err := c.where(st.Where, s)
		if err != nil {
			return err
		}
		before, err := db.storeRowTriggers(tx, t, sqlparse.TriggerDelete, false, nil)
		if err != nil {
			return err
		}
		after, err := db.storeRowTriggers(tx, t, sqlparse.TriggerDelete, true, nil)
		if err != nil {
			return err
		}
		nc := len(t.def.Columns)
		for _, r := range rows {
			if ok, err := where.holds(&env{row: r, x: x, outer: x.trigEnv}); err != nil {
				return err
			} else if !ok {
				continue
			}
			if err := db.fire(x, t, before, nil, r[:nc]); raisedIgnore(err) {
				continue
			} else if err != nil {
				return err
			}
			ok, err := tx.Delete(t.def.Name, storeKey(t, r))
			if err != nil {
				return err
			}
			if !ok {
				continue // deleted already, by a trigger
			}
			n++
			if err := db.fire(x, t, after, nil, r[:nc]); err != nil && !raisedIgnore(err) {
				return err
			}
		}
		return nil
	})
	return n, err
}
