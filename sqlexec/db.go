package sqlexec

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
	"github.com/projstore/projstore/store"
)

// Source is a table as the executor reads it: a stream of Arrow record
// batches holding every column of the table in its declared order. Values
// of a column are read with column.ValueAt, so a column may be a typed
// array or column.MixedType. The store-backed scanner of package column
// is to satisfy it; memTable does for in-memory databases.
type Source interface {
	Scan(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error
}

// scanBatchRows is the number of rows per batch of an in-memory scan.
const scanBatchRows = 1024

// memTable is an in-memory table.
type memTable struct {
	def     column.Table
	affs    []aff
	colls   []collation
	notNull []bool
	dflt    []sqlparse.Expr
	ipk     int // INTEGER PRIMARY KEY column, or -1
	uniques []*uniqueCons
	checks  []tableCheck
	rows    [][]Value
	rowids  []int64
	maxRow  int64
	// src, when set, is where the rows come from instead (a table
	// attached from the store); the table is then read-only to SQL.
	src Source
	// version changes with every change of rows; cache holds the rows as
	// last decoded from the table's Arrow scan, valid while cacheVer is
	// version (the struct carries both, so copies stay consistent).
	version, cacheVer uint64
	cache             [][]Value
	// vcache is the rows cut into batches for the vectorised operators,
	// with the vecs they have converted, valid while vcacheVer is version.
	vcache    *tableVecs
	vcacheVer uint64
}

var tableVersions atomic.Uint64

// changed marks the rows as changed.
func (t *memTable) changed() { t.version = tableVersions.Add(1) }

type uniqueCons struct {
	name  string // index name, "" for table constraints
	cols  []int
	colls []collation
	keys  map[string]int // key -> row index
}

func (t *memTable) affinity(i int) column.Affinity {
	return column.AffinityOf(t.def.Columns[i].DeclType)
}

// Scan implements Source: the rows as record batches of column.MixedType
// arrays, followed by an int64 column "rowid" (SQLite's rowid: the
// INTEGER PRIMARY KEY, or the hidden row number).
func (t *memTable) Scan(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	n := len(t.def.Columns)
	fields := make([]arrow.Field, n+1)
	for i, c := range t.def.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: column.MixedType, Nullable: true}
	}
	fields[n] = arrow.Field{Name: "rowid", Type: arrow.PrimitiveTypes.Int64}
	schema := arrow.NewSchema(fields, nil)
	for start := 0; start < len(t.rows); start += scanBatchRows {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(start+scanBatchRows, len(t.rows))
		b := array.NewRecordBuilder(mem, schema)
		for k, r := range t.rows[start:end] {
			for i := 0; i < n; i++ {
				if err := column.AppendValue(b.Field(i), r[i]); err != nil {
					b.Release()
					return err
				}
			}
			b.Field(n).(*array.Int64Builder).Append(t.rowids[start+k])
		}
		rec := b.NewRecordBatch()
		b.Release()
		err := fn(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// isRowidName reports whether name is one of SQLite's names for the rowid.
func isRowidName(name string) bool {
	return strings.EqualFold(name, "rowid") || strings.EqualFold(name, "oid") || strings.EqualFold(name, "_rowid_")
}

// scanRows reads the table through its Source into rows of values.
func (t *memTable) scanRows(x *execCtx) ([][]Value, error) {
	if x == nil || x.db == nil {
		return nil, errors.New("sqlexec: scan without a database")
	}
	// A statement sees one state of each table: scan it once.
	if rows, ok := x.scans[t]; ok {
		return rows, nil
	}
	if t.src == nil && t.cache != nil && t.cacheVer == t.version {
		return t.cache, nil
	}
	out := make([][]Value, 0, len(t.rows))
	var src Source = t
	if t.src != nil {
		src = t.src
	}
	err := src.Scan(x.ctx(), x.db.mem, func(rec arrow.RecordBatch) error {
		n := int(rec.NumRows())
		nc := int(rec.NumCols())
		flat := make([]Value, n*nc)
		for j := 0; j < nc; j++ {
			if err := decodeColumn(rec.Column(j), flat[j:], nc); err != nil {
				return err
			}
		}
		for i := 0; i < n; i++ {
			out = append(out, flat[i*nc:(i+1)*nc:(i+1)*nc])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if x.scans == nil {
		x.scans = map[*memTable][][]Value{}
	}
	x.scans[t] = out
	if t.src == nil {
		t.cache, t.cacheVer = out, t.version
	}
	return out, nil
}

func (x *execCtx) ctx() context.Context {
	if x.goctx != nil {
		return x.goctx
	}
	return context.Background()
}

type viewDef struct {
	name      string
	columns   []string
	sel       *sqlparse.Select
	expanding bool
}

type indexDef struct {
	name  string
	table string
}

// DB is an in-memory SQL database with SQLite's semantics.
type DB struct {
	mu        sync.Mutex
	mem       memory.Allocator
	tables    map[string]*memTable
	views     map[string]*viewDef
	indexes   map[string]*indexDef
	triggers  map[string]*triggerDef
	tx        *txState
	store     *store.Store // see AttachStore
	storeMode bool         // see OpenStore
	wtx       *writeTx     // the open write transaction of a store-mode DB
	// storeTrigs holds the store's triggers parsed, by SQL (see parsedTrigger)
	storeTrigs map[string]*triggerDef
	// storeViews holds the store's views parsed, by name and SQL (see storeView)
	storeViews map[string]*viewDef
}

type txState struct {
	tables   map[string]*memTable
	views    map[string]*viewDef
	indexes  map[string]*indexDef
	triggers map[string]*triggerDef
}

// NewMemory returns an empty in-memory database whose scans allocate from
// mem (memory.DefaultAllocator if nil).
func NewMemory(mem memory.Allocator) *DB {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &DB{mem: mem, tables: map[string]*memTable{}, views: map[string]*viewDef{}, indexes: map[string]*indexDef{}, triggers: map[string]*triggerDef{}}
}

// RunError is an error raised while a query runs, after it compiled (an
// integer overflow in sum(), a bad LIMIT, an error in a function). SQLite's
// sqllogictest harness treats it as the end of the result set.
type RunError struct{ Err error }

func (e *RunError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *RunError) Unwrap() error { return e.Err }

// RunError marks the error for callers that match on behaviour.
func (e *RunError) RunError() bool { return true }

// Result is a query result: column names and rows of int64, float64,
// string, []byte or nil.
type Result struct {
	Columns []string
	Rows    [][]any
}

// Exec runs every statement of sql and returns the number of rows the
// last one changed.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	var changed int64
	err := db.run(ctx, sql, args, func(rs *resultSet, n int64) { changed = n })
	return changed, err
}

// Query runs sql (one or more statements) and returns the result of the
// last one.
func (db *DB) Query(ctx context.Context, sql string, args ...any) (*Result, error) {
	var last *resultSet
	err := db.run(ctx, sql, args, func(rs *resultSet, n int64) { last = rs })
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if last == nil {
		return res, nil
	}
	for _, c := range last.cols {
		res.Columns = append(res.Columns, c.name)
	}
	for _, r := range last.rows {
		out := make([]any, len(r))
		for i, v := range r {
			out[i] = goValue(v)
		}
		res.Rows = append(res.Rows, out)
	}
	return res, nil
}

// QueryRecords runs a query and returns its result as Arrow record batches
// of column.MixedType columns. The caller releases them.
func (db *DB) QueryRecords(ctx context.Context, mem memory.Allocator, sql string, args ...any) ([]arrow.RecordBatch, error) {
	var last *resultSet
	if err := db.run(ctx, sql, args, func(rs *resultSet, n int64) { last = rs }); err != nil {
		return nil, err
	}
	if last == nil {
		return nil, errors.New("sqlexec: statement returns no rows")
	}
	fields := make([]arrow.Field, len(last.cols))
	for i, c := range last.cols {
		fields[i] = arrow.Field{Name: c.name, Type: column.MixedType, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	var out []arrow.RecordBatch
	for start := 0; start < len(last.rows) || start == 0; start += scanBatchRows {
		end := min(start+scanBatchRows, len(last.rows))
		b := array.NewRecordBuilder(mem, schema)
		for _, r := range last.rows[start:end] {
			for i := range fields {
				if err := column.AppendValue(b.Field(i), r[i]); err != nil {
					b.Release()
					for _, o := range out {
						o.Release()
					}
					return nil, err
				}
			}
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
		if len(last.rows) == 0 {
			break
		}
	}
	return out, nil
}

// goValue converts a value as SQLite's drivers return it.
func goValue(v Value) any {
	switch v.Type() {
	case column.Null:
		return nil
	case column.Integer, column.Boolean, column.Timestamp:
		return v.Int()
	case column.Real:
		return v.Float()
	case column.Text:
		return v.Text()
	}
	return v.Bytes()
}

func argValue(a any) (Value, error) {
	switch a := a.(type) {
	case nil:
		return null, nil
	case int:
		return column.MakeInt(int64(a)), nil
	case int32:
		return column.MakeInt(int64(a)), nil
	case int64:
		return column.MakeInt(a), nil
	case uint32:
		return column.MakeInt(int64(a)), nil
	case float64:
		return column.MakeReal(a), nil
	case float32:
		return column.MakeReal(float64(a)), nil
	case bool:
		return boolVal(a), nil
	case string:
		return column.MakeText(a), nil
	case []byte:
		return column.MakeBlob(a), nil
	case time.Time:
		return column.MakeText(a.UTC().Format("2006-01-02 15:04:05.999999999")), nil
	case Value:
		return a, nil
	}
	return null, fmt.Errorf("sqlexec: unsupported argument type %T", a)
}

func (db *DB) run(ctx context.Context, sql string, args []any, emit func(*resultSet, int64)) error {
	vals := make([]Value, len(args))
	for i, a := range args {
		v, err := argValue(a)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	s := sqlparse.NewScript(sql)
	for s.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rs, n, err := db.execStmt(ctx, s.Stmt(), vals, nil)
		if err != nil {
			return err
		}
		emit(rs, n)
	}
	return s.Err()
}

// execStmt runs one statement; a panic in the executor becomes an error.
func (db *DB) execStmt(ctx context.Context, st sqlparse.Stmt, args []Value, sink *rowSink) (rs *resultSet, n int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			rs, n, err = nil, 0, fmt.Errorf("sqlexec: internal error: %v", r)
		}
	}()
	x := &execCtx{db: db, args: args, now: time.Now(), goctx: ctx}
	defer x.release()
	c := &compiler{db: db, args: args}
	defer c.closeSnaps()
	switch st := st.(type) {
	case *sqlparse.Select:
		p, err := c.selectPlan(st, nil)
		if err != nil {
			return nil, 0, err
		}
		if sink != nil {
			if err := sink.start(p.cols); err != nil {
				return nil, 0, err
			}
			streamed, err := p.stream(x, sink.rows)
			if err != nil {
				return nil, 0, &RunError{Err: err}
			}
			if streamed {
				return nil, 0, nil
			}
		}
		rs, err := p.execCtx(nil, x)
		if err != nil {
			return nil, 0, &RunError{Err: err}
		}
		if sink != nil {
			return nil, 0, sink.rows(rs.rows)
		}
		return rs, 0, nil
	case *sqlparse.CreateTable:
		if db.storeMode && !st.Temp {
			return nil, 0, db.storeCreateTable(c, st)
		}
		return nil, 0, db.createTable(c, x, st)
	case *sqlparse.CreateIndex:
		if db.storeMode && db.tables[strings.ToLower(st.Table)] == nil {
			return nil, 0, db.storeCreateIndex(st)
		}
		return nil, 0, db.createIndex(st)
	case *sqlparse.CreateView:
		if db.storeMode && !st.Temp {
			return nil, 0, db.storeCreateView(c, st)
		}
		return nil, 0, db.createView(c, st)
	case *sqlparse.Drop:
		if db.storeMode && db.tables[strings.ToLower(st.Name)] == nil {
			if handled, err := db.storeDrop(st); handled || err != nil {
				return nil, 0, err
			}
		}
		return nil, 0, db.drop(st)
	case *sqlparse.Insert, *sqlparse.Update, *sqlparse.Delete:
		n, err := db.topWrite(c, x, st)
		return nil, n, err
	case *sqlparse.Begin:
		if db.tx != nil {
			return nil, 0, errors.New("cannot start a transaction within a transaction")
		}
		if db.storeMode {
			w, err := db.beginWrite()
			if err != nil {
				return nil, 0, err
			}
			db.wtx = w
		}
		db.tx = db.snapshot()
		return nil, 0, nil
	case *sqlparse.Commit:
		if db.tx == nil {
			return nil, 0, errors.New("cannot commit - no transaction is active")
		}
		if db.wtx != nil {
			w := db.wtx
			db.wtx = nil
			if err := w.commit(db.store); err != nil {
				db.restore(db.tx)
				db.tx = nil
				return nil, 0, err
			}
		}
		db.tx = nil
		return nil, 0, nil
	case *sqlparse.Rollback:
		if db.tx == nil {
			return nil, 0, errors.New("cannot rollback - no transaction is active")
		}
		db.restore(db.tx)
		db.tx = nil
		if db.wtx != nil {
			db.wtx.discard()
			db.wtx = nil
		}
		return nil, 0, nil
	case *sqlparse.CreateTrigger:
		return nil, 0, db.createTrigger(st)
	case *sqlparse.Reindex:
		return nil, 0, db.reindex(st)
	case *sqlparse.Analyze:
		return nil, 0, errors.New("ANALYZE is not supported")
	case *sqlparse.Explain:
		rs, err := db.explain(c, st.Stmt)
		return rs, 0, err
	}
	return nil, 0, fmt.Errorf("unsupported statement %T", st)
}

func (db *DB) restore(s *txState) {
	db.tables, db.views, db.indexes, db.triggers = s.tables, s.views, s.indexes, s.triggers
}

// snapshot copies the catalog and every table's rows (shallowly: rows are
// never modified in place).
func (db *DB) snapshot() *txState {
	s := &txState{tables: map[string]*memTable{}, views: map[string]*viewDef{}, indexes: map[string]*indexDef{}, triggers: map[string]*triggerDef{}}
	for k, v := range db.triggers {
		s.triggers[k] = v
	}
	for k, t := range db.tables {
		s.tables[k] = t.clone()
	}
	for k, v := range db.views {
		s.views[k] = v
	}
	for k, v := range db.indexes {
		s.indexes[k] = v
	}
	return s
}

func (t *memTable) clone() *memTable {
	c := *t
	c.rows = append([][]Value(nil), t.rows...)
	c.rowids = append([]int64(nil), t.rowids...)
	c.uniques = nil
	for _, u := range t.uniques {
		nu := *u
		nu.keys = nil
		c.uniques = append(c.uniques, &nu)
	}
	c.rebuildKeys()
	return &c
}

func (t *memTable) rebuildKeys() error {
	// a new rowid is one more than the largest present (no AUTOINCREMENT)
	t.maxRow = 0
	for _, id := range t.rowids {
		t.maxRow = max(t.maxRow, id)
	}
	for _, u := range t.uniques {
		u.keys = map[string]int{}
		for i, r := range t.rows {
			k, ok := u.key(r)
			if !ok {
				continue
			}
			if _, dup := u.keys[k]; dup {
				return t.uniqueError(u)
			}
			u.keys[k] = i
		}
	}
	return nil
}

func (u *uniqueCons) key(r []Value) (string, bool) {
	var b []byte
	for j, c := range u.cols {
		if r[c].IsNull() {
			return "", false
		}
		b = appendKey(b, r[c], u.colls[j])
	}
	return string(b), true
}

func (t *memTable) uniqueError(u *uniqueCons) error {
	var names []string
	for _, c := range u.cols {
		names = append(names, t.def.Name+"."+t.def.Columns[c].Name)
	}
	return fmt.Errorf("UNIQUE constraint failed: %s", strings.Join(names, ", "))
}

// nameTaken reports whether an in-memory table or view is called name
// (key, lowered): an error, or nothing to do with IF NOT EXISTS.
func (db *DB) nameTaken(key, name string, ifNotExists bool) (bool, error) {
	kind := ""
	if _, ok := db.tables[key]; ok {
		kind = "table"
	} else if _, ok := db.views[key]; ok {
		kind = "view"
	}
	return takenBy(kind, name, ifNotExists)
}

// takenBy is the answer of nameTaken when kind ("table", "view", or ""
// for none) has the name.
func takenBy(kind, name string, ifNotExists bool) (bool, error) {
	switch {
	case kind == "":
		return false, nil
	case ifNotExists:
		return true, nil
	}
	return true, fmt.Errorf("%s %s already exists", kind, name)
}

func (db *DB) createTable(c *compiler, x *execCtx, st *sqlparse.CreateTable) error {
	key := strings.ToLower(st.Name)
	if taken, err := db.nameTaken(key, st.Name, st.IfNotExists); taken || err != nil {
		return err
	}
	if _, ok := db.indexes[key]; ok {
		return fmt.Errorf("there is already an index named %s", st.Name)
	}
	t := &memTable{ipk: -1}
	t.def.Name = st.Name
	var asRows [][]Value
	if st.As != nil {
		p, err := c.selectPlan(st.As, nil)
		if err != nil {
			return err
		}
		rs, err := p.execCtx(nil, x)
		if err != nil {
			return err
		}
		for _, oc := range p.cols {
			decl := map[aff]string{affText: "TEXT", affNumeric: "NUM", affInteger: "INT", affReal: "REAL"}[oc.aff]
			t.def.Columns = append(t.def.Columns, column.Column{Name: oc.name, DeclType: decl, Type: column.TypeOf(decl)})
			t.affs = append(t.affs, affOf(column.AffinityOf(decl)))
			t.colls = append(t.colls, collBinary)
			t.notNull = append(t.notNull, false)
			t.dflt = append(t.dflt, nil)
		}
		asRows = rs.rows
	}
	var pk []int
	var pkColls []collation
	var uniques [][]int
	var checkExprs []namedCheck
	for i, cd := range st.Columns {
		for _, o := range st.Columns[:i] {
			if strings.EqualFold(o.Name, cd.Name) {
				return fmt.Errorf("duplicate column name: %s", cd.Name)
			}
		}
		decl := ""
		if cd.Type != nil {
			decl = cd.Type.Name
			if len(cd.Type.Args) > 0 {
				decl += "(" + strings.Join(cd.Type.Args, ",") + ")"
			}
		}
		col := column.Column{Name: cd.Name, DeclType: decl, Type: column.TypeOf(decl)}
		coll := collBinary
		notNull := false
		var dflt sqlparse.Expr
		for _, k := range cd.Constraints {
			switch k.Kind {
			case sqlparse.CheckConstraint:
				checkExprs = append(checkExprs, namedCheck{k.Name, k.Expr})
			case sqlparse.PrimaryKeyConstraint:
				if pk != nil {
					return fmt.Errorf("table \"%s\" has more than one primary key", st.Name)
				}
				pk = []int{i}
			case sqlparse.NotNullConstraint:
				notNull = true
			case sqlparse.UniqueConstraint:
				uniques = append(uniques, []int{i})
			case sqlparse.DefaultConstraint:
				dflt = k.Expr
			case sqlparse.CollateConstraint:
				cc, ok := collationNamed(k.Collation)
				if !ok {
					return fmt.Errorf("no such collation sequence: %s", k.Collation)
				}
				coll = cc
			case sqlparse.GeneratedConstraint:
				return errors.New("generated columns are not supported")
			}
		}
		col.NotNull = notNull
		t.def.Columns = append(t.def.Columns, col)
		t.affs = append(t.affs, affOf(column.AffinityOf(decl)))
		t.colls = append(t.colls, coll)
		t.notNull = append(t.notNull, notNull)
		t.dflt = append(t.dflt, dflt)
	}
	colIndex := func(name string) (int, error) {
		for i, cdef := range t.def.Columns {
			if strings.EqualFold(cdef.Name, name) {
				return i, nil
			}
		}
		return -1, fmt.Errorf("no such column: %s", name)
	}
	termCols := func(terms []*sqlparse.OrderTerm) ([]int, error) {
		var out []int
		for _, term := range terms {
			x := term.Expr
			if cl, ok := x.(*sqlparse.Collate); ok {
				x = cl.X
			}
			col, ok := x.(*sqlparse.Column)
			if !ok {
				return nil, errors.New("expressions prohibited in PRIMARY KEY and UNIQUE constraints")
			}
			i, err := colIndex(col.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, i)
		}
		return out, nil
	}
	for _, tc := range st.Constraints {
		switch tc.Kind {
		case sqlparse.PrimaryKeyConstraint:
			if pk != nil {
				return fmt.Errorf("table \"%s\" has more than one primary key", st.Name)
			}
			cols, err := termCols(tc.Columns)
			if err != nil {
				return err
			}
			pk = cols
		case sqlparse.UniqueConstraint:
			cols, err := termCols(tc.Columns)
			if err != nil {
				return err
			}
			uniques = append(uniques, cols)
		case sqlparse.ForeignKeyConstraint:
			for _, n := range tc.FKColumns {
				if _, err := colIndex(n); err != nil {
					return err
				}
			}
		case sqlparse.CheckConstraint:
			checkExprs = append(checkExprs, namedCheck{tc.Name, tc.Check})
		}
	}
	_ = pkColls
	if len(t.def.Columns) == 0 {
		return errors.New("a table must have at least one column")
	}
	if pk != nil {
		t.def.PrimaryKey = pk
		if len(pk) == 1 && strings.EqualFold(strings.TrimSpace(t.def.Columns[pk[0]].DeclType), "INTEGER") {
			t.ipk = pk[0]
		}
		uniques = append([][]int{pk}, uniques...)
	}
	for _, u := range uniques {
		uc := &uniqueCons{cols: u}
		for _, c := range u {
			uc.colls = append(uc.colls, t.colls[c])
		}
		t.uniques = append(t.uniques, uc)
	}
	if err := t.compileChecks(c, checkExprs); err != nil {
		return err
	}
	t.rebuildKeys()
	for _, r := range asRows {
		if err := t.insertRow(r, sqlparse.ConflictAbort); err != nil {
			return err
		}
	}
	db.tables[key] = t
	return nil
}

func (db *DB) createIndex(st *sqlparse.CreateIndex) error {
	key := strings.ToLower(st.Name)
	if _, ok := db.indexes[key]; ok {
		if st.IfNotExists {
			return nil
		}
		return fmt.Errorf("index %s already exists", st.Name)
	}
	if _, ok := db.tables[key]; ok {
		return fmt.Errorf("there is already a table named %s", st.Name)
	}
	t, ok := db.tables[strings.ToLower(st.Table)]
	if !ok {
		return fmt.Errorf("no such table: main.%s", st.Table)
	}
	if t.src != nil {
		return fmt.Errorf("%s: %w", st.Table, ErrStoreReadOnly)
	}
	var cols []int
	var colls []collation
	for _, term := range st.Columns {
		x := term.Expr
		coll := collation(255)
		if cl, ok := x.(*sqlparse.Collate); ok {
			cc, ok := collationNamed(cl.Collation)
			if !ok {
				return fmt.Errorf("no such collation sequence: %s", cl.Collation)
			}
			coll = cc
			x = cl.X
		}
		col, ok := x.(*sqlparse.Column)
		if !ok {
			if st.Unique {
				return errors.New("expressions in UNIQUE indexes are not supported")
			}
			continue
		}
		i := -1
		for j, cd := range t.def.Columns {
			if strings.EqualFold(cd.Name, col.Name) {
				i = j
			}
		}
		if i < 0 {
			return fmt.Errorf("no such column: %s", col.Name)
		}
		if coll == 255 {
			coll = t.colls[i]
		}
		cols = append(cols, i)
		colls = append(colls, coll)
	}
	if st.Unique && st.Where == nil {
		uc := &uniqueCons{name: key, cols: cols, colls: colls}
		t.uniques = append(t.uniques, uc)
		if err := t.rebuildKeys(); err != nil {
			t.uniques = t.uniques[:len(t.uniques)-1]
			return err
		}
	}
	db.indexes[key] = &indexDef{name: st.Name, table: strings.ToLower(st.Table)}
	return nil
}

func (db *DB) createView(c *compiler, st *sqlparse.CreateView) error {
	key := strings.ToLower(st.Name)
	if taken, err := db.nameTaken(key, st.Name, st.IfNotExists); taken || err != nil {
		return err
	}
	v := &viewDef{name: st.Name, columns: st.Columns, sel: st.Select}
	db.views[key] = v
	p, err := c.selectPlan(st.Select, nil)
	if err == nil && len(st.Columns) > 0 && len(st.Columns) != len(p.cols) {
		err = fmt.Errorf("expected %d columns for '%s' but got %d", len(st.Columns), st.Name, len(p.cols))
	}
	if err != nil {
		delete(db.views, key)
		return err
	}
	return nil
}

func (db *DB) drop(st *sqlparse.Drop) error {
	key := strings.ToLower(st.Name)
	switch st.Kind {
	case sqlparse.TableObject:
		if t, ok := db.tables[key]; ok && t.src != nil {
			return fmt.Errorf("%s: %w", st.Name, ErrStoreReadOnly)
		}
		if _, ok := db.tables[key]; !ok {
			if st.IfExists {
				return nil
			}
			if _, ok := db.views[key]; ok {
				return fmt.Errorf("use DROP VIEW to delete view %s", st.Name)
			}
			return fmt.Errorf("no such table: %s", st.Name)
		}
		delete(db.tables, key)
		for k, ix := range db.indexes {
			if ix.table == key {
				delete(db.indexes, k)
			}
		}
		for k, tr := range db.triggers {
			if tr.table == key {
				delete(db.triggers, k)
			}
		}
	case sqlparse.ViewObject:
		if _, ok := db.views[key]; !ok {
			if st.IfExists {
				return nil
			}
			if _, ok := db.tables[key]; ok {
				return fmt.Errorf("use DROP TABLE to delete table %s", st.Name)
			}
			return fmt.Errorf("no such view: %s", st.Name)
		}
		delete(db.views, key)
	case sqlparse.IndexObject:
		ix, ok := db.indexes[key]
		if !ok {
			if st.IfExists {
				return nil
			}
			return fmt.Errorf("no such index: %s", st.Name)
		}
		if t, ok := db.tables[ix.table]; ok {
			kept := t.uniques[:0]
			for _, u := range t.uniques {
				if u.name != key {
					kept = append(kept, u)
				}
			}
			t.uniques = kept
		}
		delete(db.indexes, key)
	case sqlparse.TriggerObject:
		if _, ok := db.triggers[key]; !ok {
			if st.IfExists {
				return nil
			}
			return fmt.Errorf("no such trigger: %s", st.Name)
		}
		delete(db.triggers, key)
	}
	return nil
}

// namedCheck is a CHECK constraint as CREATE TABLE gives it.
type namedCheck struct {
	name string
	x    sqlparse.Expr
}

// tableCheck is a compiled CHECK constraint.
type tableCheck struct {
	label string // the constraint's name, else its expression, for errors
	x     cexpr
}

// compileChecks compiles the CHECK constraints of t over a row of its
// columns. SQLite allows no subquery in one.
func (t *memTable) compileChecks(c *compiler, checks []namedCheck) error {
	for _, k := range checks {
		if hasSubquery(k.x) {
			return errors.New("subqueries prohibited in CHECK constraints")
		}
		x, err := c.compile(k.x, targetScope(t, ""))
		if err != nil {
			return err
		}
		label := k.name
		if label == "" {
			label = k.x.String()
		}
		t.checks = append(t.checks, tableCheck{label: label, x: x})
	}
	return nil
}

// check evaluates the CHECK constraints on row r: one that is false (not
// NULL) fails, as in SQLite.
func (t *memTable) check(r []Value) error {
	if len(t.checks) == 0 {
		return nil
	}
	if n := len(t.def.Columns) + 1; len(r) < n && t.hasRowid() {
		r = append(append(make([]Value, 0, n), r...), null) // the rowid is not known yet
	}
	e := &env{row: r, x: &execCtx{}}
	for _, k := range t.checks {
		v, err := k.x.fn(e)
		if err != nil {
			return err
		}
		if b, ok := truth(v); ok && !b {
			return fmt.Errorf("CHECK constraint failed: %s", k.label)
		}
	}
	return nil
}

// errRowIgnored is insertRow skipping a row that OR IGNORE drops: the
// statement goes on, but the row is not counted as changed.
var errRowIgnored = errors.New("row ignored")

// insertRow stores one complete row (affinity already applied), checking
// constraints; or resolves a conflict as the OR clause says.
func (t *memTable) insertRow(r []Value, or sqlparse.ConflictAction) error {
	for i, nn := range t.notNull {
		if nn && r[i].IsNull() {
			if or == sqlparse.ConflictIgnore {
				return errRowIgnored
			}
			return fmt.Errorf("NOT NULL constraint failed: %s.%s", t.def.Name, t.def.Columns[i].Name)
		}
	}
	if err := t.check(r); err != nil {
		if or == sqlparse.ConflictIgnore {
			return errRowIgnored
		}
		return err
	}
	var rowid int64
	if t.ipk >= 0 {
		v := r[t.ipk]
		if v.IsNull() {
			if t.maxRow == math.MaxInt64 {
				return errors.New("database or disk is full")
			}
			rowid = t.maxRow + 1
			r[t.ipk] = column.MakeInt(rowid)
		} else {
			if v.Type() == column.Real {
				if f := v.Float(); f == math.Trunc(f) && f > -9223372036854775808.0 && f < 9223372036854775808.0 {
					v = column.MakeInt(int64(f))
					r[t.ipk] = v
				}
			}
			if !isInt(v) {
				return errors.New("datatype mismatch")
			}
			rowid = v.Int()
		}
	} else {
		rowid = t.maxRow + 1
	}
	for _, u := range t.uniques {
		k, ok := u.key(r)
		if !ok {
			continue
		}
		if j, dup := u.keys[k]; dup {
			switch or {
			case sqlparse.ConflictIgnore:
				return errRowIgnored
			case sqlparse.ConflictReplace:
				t.deleteAt(j)
			default:
				if u.cols[0] == t.ipk && len(u.cols) == 1 {
					return fmt.Errorf("UNIQUE constraint failed: %s.%s", t.def.Name, t.def.Columns[t.ipk].Name)
				}
				return t.uniqueError(u)
			}
		}
	}
	// Rows stay in rowid order, the order SQLite scans a table in.
	if n := len(t.rowids); n > 0 && rowid < t.rowids[n-1] {
		at := sort.Search(n, func(i int) bool { return t.rowids[i] > rowid })
		t.changed()
		t.rows = append(t.rows[:at:at], append([][]Value{r}, t.rows[at:]...)...)
		t.rowids = append(t.rowids[:at:at], append([]int64{rowid}, t.rowids[at:]...)...)
		return t.rebuildKeys()
	}
	t.changed()
	t.rows = append(t.rows, r)
	t.rowids = append(t.rowids, rowid)
	if rowid > t.maxRow {
		t.maxRow = rowid
	}
	for _, u := range t.uniques {
		if k, ok := u.key(r); ok {
			u.keys[k] = len(t.rows) - 1
		}
	}
	return nil
}

// sortByRowid puts the rows back in rowid order after an UPDATE changed
// INTEGER PRIMARY KEY values.
func (t *memTable) sortByRowid() {
	idx := make([]int, len(t.rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return t.rowids[idx[a]] < t.rowids[idx[b]] })
	rows := make([][]Value, len(idx))
	ids := make([]int64, len(idx))
	for i, j := range idx {
		rows[i], ids[i] = t.rows[j], t.rowids[j]
	}
	t.rows, t.rowids = rows, ids
	t.changed()
}

func (t *memTable) deleteAt(j int) {
	t.changed()
	t.rows = append(t.rows[:j:j], t.rows[j+1:]...)
	t.rowids = append(t.rowids[:j:j], t.rowids[j+1:]...)
	t.rebuildKeys()
}

// writeTable returns the table a write statement changes.
func (db *DB) writeTable(tn *sqlparse.TableName) (*memTable, error) {
	key := strings.ToLower(tn.Name)
	t, ok := db.tables[key]
	if !ok {
		if _, ok := db.views[key]; ok {
			return nil, fmt.Errorf("cannot modify %s because it is a view", tn.Name)
		}
		if db.store != nil {
			return nil, fmt.Errorf("%s: %w", tn.Name, ErrStoreReadOnly)
		}
		return nil, fmt.Errorf("no such table: %s", tn.Name)
	}
	if tn.AsOf != nil {
		return nil, errors.New("a write cannot be at a past position")
	}
	if t.src != nil {
		return nil, fmt.Errorf("%s: %w", tn.Name, ErrStoreReadOnly)
	}
	return t, nil
}

func (db *DB) insert(c *compiler, x *execCtx, st *sqlparse.Insert) (int64, error) {
	t, err := db.writeTable(st.Table)
	if err != nil {
		return 0, err
	}
	ws, err := writeScope(x, st.With)
	if err != nil {
		return 0, err
	}
	cols := make([]int, 0, len(t.def.Columns))
	if len(st.Columns) == 0 {
		for i := range t.def.Columns {
			cols = append(cols, i)
		}
	} else {
		for _, name := range st.Columns {
			i := -1
			for j, cd := range t.def.Columns {
				if strings.EqualFold(cd.Name, name) {
					i = j
				}
			}
			if i < 0 {
				return 0, fmt.Errorf("table %s has no column named %s", t.def.Name, name)
			}
			cols = append(cols, i)
		}
	}
	var src [][]Value
	if st.DefaultValues {
		src = [][]Value{{}}
		cols = nil
	} else {
		p, err := c.selectPlan(st.Select, ws)
		if err != nil {
			return 0, err
		}
		if len(p.cols) != len(cols) {
			if len(st.Columns) == 0 {
				return 0, fmt.Errorf("table %s has %d columns but %d values were supplied", t.def.Name, len(cols), len(p.cols))
			}
			return 0, fmt.Errorf("%d values for %d columns", len(p.cols), len(cols))
		}
		rs, err := p.execCtx(x.trigEnv, x)
		if err != nil {
			return 0, err
		}
		src = rs.rows
	}
	// defaults of the columns not given
	dflt := make([]cexpr, len(t.def.Columns))
	given := make([]bool, len(t.def.Columns))
	for _, i := range cols {
		given[i] = true
	}
	for i, d := range t.dflt {
		if d == nil || given[i] {
			continue
		}
		e, err := c.compile(d, &scope{})
		if err != nil {
			return 0, err
		}
		dflt[i] = e
	}
	or := st.Or
	if or == sqlparse.ConflictDefault {
		or = sqlparse.ConflictAbort
	}
	var undo *memTable
	if or == sqlparse.ConflictReplace {
		undo = t.clone()
	}
	undoLen, undoMax := len(t.rows), t.maxRow
	before := db.rowTriggers(t, sqlparse.TriggerInsert, false, nil)
	after := db.rowTriggers(t, sqlparse.TriggerInsert, true, nil)
	var n int64
	for _, r := range src {
		row := make([]Value, len(t.def.Columns))
		// a DEFAULT is evaluated for each row (random(), a timestamp)
		for i, d := range dflt {
			if d.fn != nil {
				v, err := d.fn(&env{x: x})
				if err != nil {
					return 0, err
				}
				row[i] = v
			}
		}
		for j, i := range cols {
			row[i] = column.Coerce(norm(r[j]), column.Any, t.affinity(i))
		}
		if or == sqlparse.ConflictReplace {
			if err := t.replaceNulls(c, x, row); err != nil {
				return 0, err
			}
		}
		err := db.fire(x, t, before, row, nil)
		if raisedIgnore(err) {
			continue
		}
		if err == nil {
			err = t.insertRow(row, or)
			if err == errRowIgnored {
				continue
			}
		}
		if err == nil {
			n++
			if err = db.fire(x, t, after, row, nil); raisedIgnore(err) {
				err = nil
			}
		}
		if err != nil {
			if undo != nil {
				*t = *undo
			} else {
				t.rows, t.rowids, t.maxRow = t.rows[:undoLen], t.rowids[:undoLen], undoMax
				t.changed()
				t.rebuildKeys()
			}
			return 0, err
		}
	}
	return n, nil
}

// replaceNulls resolves, for OR REPLACE, a NULL in a NOT NULL column that
// has a default by storing the default, as SQLite does (a column without
// one still fails its constraint).
func (t *memTable) replaceNulls(c *compiler, x *execCtx, row []Value) error {
	for i, nn := range t.notNull {
		if !nn || !row[i].IsNull() || t.dflt[i] == nil {
			continue
		}
		e, err := c.compile(t.dflt[i], &scope{})
		if err != nil {
			return err
		}
		v, err := e.fn(&env{x: x})
		if err != nil {
			return err
		}
		row[i] = column.Coerce(norm(v), column.Any, t.affinity(i))
	}
	return nil
}

// targetScope is the scope of UPDATE and DELETE: the table's columns.
func targetScope(t *memTable, alias string) *scope {
	s := &scope{}
	if alias == "" {
		alias = t.def.Name
	}
	for i, cd := range t.def.Columns {
		s.cols = append(s.cols, scopeCol{table: alias, name: cd.Name, aff: t.affs[i], coll: t.colls[i]})
	}
	if t.hasRowid() {
		s.cols = append(s.cols, scopeCol{table: alias, name: "rowid", aff: affInteger, pseudo: true})
	}
	return s
}

// hasRowid reports whether the table's scan ends with the rowid.
func (t *memTable) hasRowid() bool {
	if t.src == nil {
		return true
	}
	ts, ok := t.src.(*txSource)
	return ok && ts.rowid
}

func (db *DB) update(c *compiler, x *execCtx, st *sqlparse.Update) (int64, error) {
	t, err := db.writeTable(st.Table)
	if err != nil {
		return 0, err
	}
	if st.From != nil {
		return 0, errors.New("UPDATE ... FROM is not supported")
	}
	ws, err := writeScope(x, st.With)
	if err != nil {
		return 0, err
	}
	s := targetScope(t, st.Table.Alias)
	s.parent = ws
	where, err := c.where(st.Where, s)
	if err != nil {
		return 0, err
	}
	type set struct {
		col int
		x   cexpr
	}
	var sets []set
	for _, a := range st.Set {
		if len(a.Columns) != 1 {
			return 0, errors.New("row value assignments are not supported")
		}
		i := -1
		for j, cd := range t.def.Columns {
			if strings.EqualFold(cd.Name, a.Columns[0]) {
				i = j
			}
		}
		if i < 0 {
			return 0, fmt.Errorf("no such column: %s", a.Columns[0])
		}
		e, err := c.compile(a.Value, s)
		if err != nil {
			return 0, err
		}
		sets = append(sets, set{i, e})
	}
	rows, err := t.scanRows(x)
	if err != nil {
		return 0, err
	}
	undo := t.clone()
	newRows := make([][]Value, len(rows))
	deleted := map[int]bool{}
	var n int64
	for i, r := range rows {
		e := &env{row: r, x: x, outer: x.trigEnv}
		newRows[i] = t.rows[i]
		if deleted[i] {
			continue // replaced away by an earlier row of this UPDATE
		}
		if ok, err := where.holds(e); err != nil {
			return 0, err
		} else if !ok {
			continue
		}
		nr := append([]Value(nil), t.rows[i]...)
		for _, s := range sets {
			v, err := s.x.fn(e)
			if err != nil {
				return 0, err
			}
			nr[s.col] = column.Coerce(norm(v), column.Any, t.affinity(s.col))
		}
		if st.Or == sqlparse.ConflictReplace {
			if err := t.replaceNulls(c, x, nr); err != nil {
				return 0, err
			}
		}
		for j, nn := range t.notNull {
			if nn && nr[j].IsNull() {
				return 0, fmt.Errorf("NOT NULL constraint failed: %s.%s", t.def.Name, t.def.Columns[j].Name)
			}
		}
		if err := t.check(nr); err != nil {
			return 0, err
		}
		if t.ipk >= 0 && !isInt(nr[t.ipk]) {
			if nr[t.ipk].IsNull() {
				nr[t.ipk] = column.MakeInt(t.rowids[i])
			} else {
				return 0, errors.New("datatype mismatch")
			}
		}
		// Constraints are checked row by row, as SQLite does, against
		// the rows as updated so far: OR IGNORE skips the row, OR REPLACE
		// deletes the rows it conflicts with.
		skip := false
		for _, u := range t.uniques {
			k, ok := u.key(nr)
			if !ok {
				continue
			}
			j, dup := u.keys[k]
			if !dup || j == i || deleted[j] {
				continue
			}
			switch st.Or {
			case sqlparse.ConflictIgnore:
				skip = true
			case sqlparse.ConflictReplace:
				deleted[j] = true
				cur := newRows[j]
				if cur == nil {
					cur = t.rows[j]
				}
				for _, u2 := range t.uniques {
					if k2, ok := u2.key(cur); ok && u2.keys[k2] == j {
						delete(u2.keys, k2)
					}
				}
			default:
				*t = *undo
				if len(u.cols) == 1 && u.cols[0] == t.ipk {
					return 0, fmt.Errorf("UNIQUE constraint failed: %s.%s", t.def.Name, t.def.Columns[t.ipk].Name)
				}
				return 0, t.uniqueError(u)
			}
			if skip {
				break
			}
		}
		if skip {
			continue
		}
		for _, u := range t.uniques {
			if k, ok := u.key(newRows[i]); ok && u.keys[k] == i {
				delete(u.keys, k)
			}
			if k, ok := u.key(nr); ok {
				u.keys[k] = i
			}
		}
		newRows[i] = nr
		n++
	}
	if len(deleted) > 0 {
		var keptRows [][]Value
		var keptIDs []int64
		for i, r := range newRows {
			if !deleted[i] {
				keptRows = append(keptRows, r)
				keptIDs = append(keptIDs, t.rowids[i])
			}
		}
		newRows, t.rowids = keptRows, keptIDs
		oldKept := make([][]Value, 0, len(keptRows))
		for i, r := range t.rows {
			if !deleted[i] {
				oldKept = append(oldKept, r)
			}
		}
		t.rows = oldKept
	}
	setCols := map[int]bool{}
	for _, s := range sets {
		setCols[s.col] = true
	}
	before := db.rowTriggers(t, sqlparse.TriggerUpdate, false, setCols)
	after := db.rowTriggers(t, sqlparse.TriggerUpdate, true, setCols)
	for i := range newRows {
		if &newRows[i][0] != &t.rows[i][0] {
			if err := db.fire(x, t, before, newRows[i], t.rows[i]); raisedIgnore(err) {
				newRows[i] = t.rows[i]
				n--
			} else if err != nil {
				return 0, err
			}
		}
	}
	oldRows := t.rows
	t.rows = newRows
	t.changed()
	if t.ipk >= 0 {
		for i := range t.rowids {
			t.rowids[i] = t.rows[i][t.ipk].Int()
		}
		t.sortByRowid()
	}
	if err := t.rebuildKeys(); err != nil {
		*t = *undo
		return 0, err
	}
	for i := range newRows {
		if &newRows[i][0] != &oldRows[i][0] {
			if err := db.fire(x, t, after, newRows[i], oldRows[i]); err != nil && !raisedIgnore(err) {
				return 0, err
			}
		}
	}
	return n, nil
}

func (db *DB) delete(c *compiler, x *execCtx, st *sqlparse.Delete) (int64, error) {
	t, err := db.writeTable(st.Table)
	if err != nil {
		return 0, err
	}
	ws, err := writeScope(x, st.With)
	if err != nil {
		return 0, err
	}
	s := targetScope(t, st.Table.Alias)
	s.parent = ws
	where, err := c.where(st.Where, s)
	if err != nil {
		return 0, err
	}
	rows, err := t.scanRows(x)
	if err != nil {
		return 0, err
	}
	before := db.rowTriggers(t, sqlparse.TriggerDelete, false, nil)
	after := db.rowTriggers(t, sqlparse.TriggerDelete, true, nil)
	var deleted [][]Value
	var keptRows [][]Value
	var keptIDs []int64
	var n int64
	for i, r := range rows {
		del, err := where.holds(&env{row: r, x: x, outer: x.trigEnv})
		if err != nil {
			return 0, err
		}
		if del {
			// RAISE(IGNORE) in a BEFORE trigger keeps the row
			err := db.fire(x, t, before, nil, t.rows[i])
			if err != nil && !raisedIgnore(err) {
				return 0, err
			}
			if err == nil {
				deleted = append(deleted, t.rows[i])
				n++
				continue
			}
		}
		keptRows = append(keptRows, t.rows[i])
		keptIDs = append(keptIDs, t.rowids[i])
	}
	t.rows, t.rowids = keptRows, keptIDs
	t.changed()
	t.rebuildKeys()
	for _, r := range deleted {
		if err := db.fire(x, t, after, nil, r); err != nil && !raisedIgnore(err) {
			return 0, err
		}
	}
	return n, nil
}

// reindex rebuilds the unique-key maps of the named index's table, of the
// named table, of the tables using the named collation, or of every
// table. The name must exist, as in SQLite.
func (db *DB) reindex(st *sqlparse.Reindex) error {
	key := strings.ToLower(st.Name)
	var targets []*memTable
	switch {
	case st.Name == "":
		for _, t := range db.tables {
			targets = append(targets, t)
		}
	case db.indexes[key] != nil:
		if t, ok := db.tables[db.indexes[key].table]; ok {
			targets = append(targets, t)
		}
	case db.tables[key] != nil:
		targets = append(targets, db.tables[key])
	case db.storeHas(st.Name):
		// the store's indexes are maintained by every write: nothing to do
	default:
		if _, ok := collationNamed(st.Name); !ok || st.Schema != "" {
			return fmt.Errorf("unable to identify the object to be reindexed")
		}
		for _, t := range db.tables {
			targets = append(targets, t)
		}
	}
	for _, t := range targets {
		if err := t.rebuildKeys(); err != nil {
			return err
		}
	}
	return nil
}

// decodeColumn writes the values of a into dst[0], dst[stride], ...,
// switching on the array's type once: typed arrays are read without a
// per-row interface call, and a column.MixedType union through its
// typed children.
func decodeColumn(a arrow.Array, dst []Value, stride int) error {
	n := a.Len()
	switch a := a.(type) {
	case *array.Int64:
		vals := a.Int64Values()
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				dst[i*stride] = column.MakeInt(vals[i])
			}
		}
		return nil
	case *array.Float64:
		vals := a.Float64Values()
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				dst[i*stride] = column.MakeReal(vals[i])
			}
		}
		return nil
	case *array.String:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				// a copy: the value outlives the record, whose memory
				// goes back to its allocator
				dst[i*stride] = column.MakeText(strings.Clone(a.Value(i)))
			}
		}
		return nil
	case *array.DenseUnion:
		children := make([]arrow.Array, a.NumFields())
		for c := range children {
			children[c] = a.Field(c)
		}
		for i := 0; i < n; i++ {
			child := children[a.ChildID(i)]
			v, err := column.ValueAt(child, int(a.ValueOffset(i)))
			if err != nil {
				return err
			}
			if !v.IsNull() && v.Type() != column.Type(a.TypeCode(i)) {
				return fmt.Errorf("sqlexec: union type code %d holds a %s", a.TypeCode(i), v.Type())
			}
			dst[i*stride] = v
		}
		return nil
	}
	for i := 0; i < n; i++ {
		v, err := column.ValueAt(a, i)
		if err != nil {
			return err
		}
		dst[i*stride] = v
	}
	return nil
}

// storeHas reports whether the attached store's catalog (at the applied
// position, or in the open write transaction) has a table or index name.
func (db *DB) storeHas(name string) bool {
	if db.store == nil {
		return false
	}
	var tx *column.Tx
	if db.wtx != nil {
		tx = db.wtx.tx
	} else {
		snap, err := db.store.Snapshot(db.store.AppliedPosition())
		if err != nil {
			return false
		}
		defer snap.Close()
		tx = column.NewTx(snap, nil)
	}
	cat, err := tx.Catalog()
	if err != nil {
		return false
	}
	if _, err := cat.Table(name); err == nil {
		return true
	}
	_, err = cat.Index(name)
	return err == nil
}
