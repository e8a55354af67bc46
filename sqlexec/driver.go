package sqlexec

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
	"github.com/projstore/projstore/store"
)

// DriverName is the database/sql driver name this package registers.
const DriverName = "projstore"

func init() {
	sql.Register(DriverName, &Driver{})
}

// ErrReadOnly is a write statement on a connection opened with ?as_of=N.
var ErrReadOnly = errors.New("projstore: read-only connection")

// BusyTimeout is how long a connection waits for another connection of
// the same store to finish its write transaction before a write fails
// with "database is locked".
var BusyTimeout = 5 * time.Second

// Driver is the database/sql driver "projstore". The DSN is a file path
// (the store is created if missing) or ":memory:", optionally followed by
// "?as_of=N", which opens a read-only view at log position N (a position
// ahead of the applied one is an error wrapping store.ErrPositionAhead, a
// pruned one store.ErrPruned).
//
// Connections of one process to one path share one *store.Store (the
// file is locked per process), closed when the last connection closes.
// The connections of one sql.DB opened on ":memory:" share one in-memory
// store, gone when the sql.DB is closed.
//
// Each connection is its own executor (see OpenStore) over the shared
// store: tables, indexes and rows are shared, while views, triggers and
// TEMP tables belong to the connection that created them. Writes are
// serialised: a connection holds the store's write lock for a write
// statement, or from BEGIN to COMMIT/ROLLBACK (database/sql's BeginTx or
// the statements themselves); others wait up to BusyTimeout. Reads never
// wait and do not see uncommitted writes of other connections.
//
// Placeholders are ?, ?NNN and :name, @name or $name (bound with
// sql.Named("name", v)), numbered as SQLite numbers them. Values come
// back as int64, float64, string, []byte or nil. ColumnType's
// DatabaseTypeName is a result column's declared type when it is a
// table's column, "" otherwise; Result.LastInsertId is the rowid of the
// last row the connection's most recent INSERT added.
type Driver struct{}

// Open implements driver.Driver.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	cn := c.(*Connector)
	cn.ownMemory = true
	return cn.Connect(context.Background())
}

// OpenConnector implements driver.DriverContext.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	return NewConnector(dsn, nil)
}

// NewConnector returns a connector for dsn (see Driver) whose connections
// allocate from mem (memory.DefaultAllocator if nil), for sql.OpenDB.
func NewConnector(dsn string, mem memory.Allocator) (*Connector, error) {
	c := &Connector{mem: mem}
	path := dsn
	if i := strings.LastIndexByte(dsn, '?'); i >= 0 {
		path = dsn[:i]
		for _, kv := range strings.Split(dsn[i+1:], "&") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "as_of":
				n, err := strconv.ParseUint(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("projstore: DSN %q: as_of must be a non-negative integer, got %q", dsn, v)
				}
				c.asOf, c.hasAsOf = batch.Offset(n), true
			default:
				return nil, fmt.Errorf("projstore: DSN %q: unknown parameter %q", dsn, k)
			}
		}
	}
	if path == "" {
		return nil, fmt.Errorf("projstore: DSN %q: empty path", dsn)
	}
	if path == ":memory:" {
		c.memory = true
		return c, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("projstore: DSN %q: %w", dsn, err)
	}
	c.path = filepath.Clean(abs)
	return c, nil
}

// Connector opens connections to one DSN. It implements driver.Connector
// and io.Closer (sql.DB.Close closes it).
type Connector struct {
	path    string // cleaned absolute path; "" for :memory:
	memory  bool
	asOf    batch.Offset
	hasAsOf bool
	mem     memory.Allocator

	// the in-memory store of a :memory: DSN, shared by the connector's
	// connections (ownMemory: one per connection, for Driver.Open)
	mu        sync.Mutex
	ownMemory bool
	shared    *shared
}

// shared is one open store and what its connections share.
type shared struct {
	key  string // registry key; "" for :memory:
	st   *store.Store
	refs int
	// wlock is the write lock: one token, held by the connection that
	// writes.
	wlock chan struct{}
}

var registry = struct {
	sync.Mutex
	m map[string]*shared
}{m: map[string]*shared{}}

func newShared(key string, st *store.Store) *shared {
	return &shared{key: key, st: st, wlock: make(chan struct{}, 1)}
}

// acquire returns the shared store of c with one more reference.
func (c *Connector) acquire() (*shared, error) {
	if c.memory {
		c.mu.Lock()
		defer c.mu.Unlock()
		registry.Lock()
		defer registry.Unlock()
		if c.ownMemory || c.shared == nil {
			st, err := store.OpenMemory(nil)
			if err != nil {
				return nil, err
			}
			sh := newShared("", st)
			if c.ownMemory {
				sh.refs = 1
				return sh, nil
			}
			sh.refs = 1 // the connector's own reference, dropped by Close
			c.shared = sh
		}
		c.shared.refs++
		return c.shared, nil
	}
	registry.Lock()
	defer registry.Unlock()
	sh := registry.m[c.path]
	if sh == nil {
		st, err := store.Open(c.path, nil)
		if err != nil {
			return nil, fmt.Errorf("projstore: open %s: %w", c.path, err)
		}
		sh = newShared(c.path, st)
		registry.m[c.path] = sh
	}
	sh.refs++
	return sh, nil
}

// release drops one reference to sh, closing its store with the last.
// Reference counts change under the registry's lock only.
func release(sh *shared) error {
	registry.Lock()
	sh.refs--
	last := sh.refs == 0
	if last && sh.key != "" {
		delete(registry.m, sh.key)
	}
	if !last {
		registry.Unlock()
		return nil
	}
	// close under the lock: a new connection to the same path must not
	// open the file while this store still holds it
	defer registry.Unlock()
	return sh.st.Close()
}

// Close implements io.Closer: it drops the connector's reference to the
// in-memory store of a ":memory:" DSN.
func (c *Connector) Close() error {
	c.mu.Lock()
	sh := c.shared
	c.shared = nil
	c.mu.Unlock()
	if sh != nil {
		return release(sh)
	}
	return nil
}

var _ io.Closer = (*Connector)(nil)

// Driver implements driver.Connector.
func (c *Connector) Driver() driver.Driver { return &Driver{} }

// Connect implements driver.Connector.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sh, err := c.acquire()
	if err != nil {
		return nil, err
	}
	cn := &Conn{sh: sh}
	if c.hasAsOf {
		snap, err := sh.st.Snapshot(c.asOf)
		if err != nil {
			release(sh)
			return nil, fmt.Errorf("projstore: as_of=%d: %w", c.asOf, err)
		}
		db := NewMemory(c.mem)
		if err := db.AttachTx(column.NewTx(snap, nil)); err != nil {
			snap.Close()
			release(sh)
			return nil, fmt.Errorf("projstore: as_of=%d: %w", c.asOf, err)
		}
		cn.db, cn.snap, cn.readOnly, cn.asOf = db, snap, true, c.asOf
		return cn, nil
	}
	cn.db = OpenStore(sh.st, c.mem)
	return cn, nil
}

// Conn is a connection: an executor over the shared store. It implements
// driver.Conn, ConnBeginTx, ConnPrepareContext, ExecerContext,
// QueryerContext, Pinger and SessionResetter.
type Conn struct {
	sh       *shared
	db       *DB
	snap     *store.Snapshot // the view of an as_of connection
	readOnly bool
	asOf     batch.Offset
	locked   bool // holds sh.wlock
	inTx     bool // a database/sql transaction is open
	closed   bool
	// lastRowid is the rowid of the last row the connection's most recent
	// successful INSERT added (SQLite's sqlite3_last_insert_rowid): the
	// executor reports it through the statement's context (see
	// noteInsertRowid).
	lastRowid int64
}

var (
	_ driver.Conn               = (*Conn)(nil)
	_ driver.ConnBeginTx        = (*Conn)(nil)
	_ driver.ConnPrepareContext = (*Conn)(nil)
	_ driver.ExecerContext      = (*Conn)(nil)
	_ driver.QueryerContext     = (*Conn)(nil)
	_ driver.Pinger             = (*Conn)(nil)
	_ driver.Validator          = (*Conn)(nil)
)

// Close implements driver.Conn: an open transaction is rolled back and the
// store released with the last connection.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	c.db.mu.Lock()
	if c.db.tx != nil {
		c.db.mu.Unlock()
		_, err := c.db.Exec(context.Background(), "ROLLBACK")
		errs = append(errs, err)
	} else {
		c.db.mu.Unlock()
	}
	c.unlock()
	if c.snap != nil {
		errs = append(errs, c.snap.Close())
	}
	errs = append(errs, release(c.sh))
	return errors.Join(errs...)
}

// IsValid implements driver.Validator.
func (c *Conn) IsValid() bool { return !c.closed }

// Ping implements driver.Pinger.
func (c *Conn) Ping(ctx context.Context) error {
	if c.closed {
		return driver.ErrBadConn
	}
	return ctx.Err()
}

func (c *Conn) lock(ctx context.Context) error {
	if c.locked {
		return nil
	}
	t := time.NewTimer(BusyTimeout)
	defer t.Stop()
	select {
	case c.sh.wlock <- struct{}{}:
		c.locked = true
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errors.New("projstore: database is locked (another connection holds a write transaction)")
	}
}

func (c *Conn) unlock() {
	if c.locked {
		c.locked = false
		<-c.sh.wlock
	}
}

// afterStmt releases the write lock unless a transaction is open.
func (c *Conn) afterStmt() {
	c.db.mu.Lock()
	open := c.db.tx != nil
	c.db.mu.Unlock()
	if !open && !c.inTx {
		c.unlock()
	}
}

// Begin implements driver.Conn.
func (c *Conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx implements driver.ConnBeginTx: the transaction becomes one
// WriteBatch at COMMIT. On an as_of connection it only reads.
func (c *Conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.inTx {
		return nil, errors.New("projstore: cannot start a transaction within a transaction")
	}
	if c.readOnly || opts.ReadOnly {
		c.inTx = true
		return &tx{c: c, readOnly: true}, nil
	}
	if err := c.lock(ctx); err != nil {
		return nil, err
	}
	if _, err := c.db.Exec(ctx, "BEGIN"); err != nil {
		c.afterStmt()
		return nil, err
	}
	c.inTx = true
	return &tx{c: c}, nil
}

type tx struct {
	c        *Conn
	readOnly bool
	done     bool
}

func (t *tx) end(stmt string) error {
	if t.done {
		return errors.New("projstore: transaction has already been committed or rolled back")
	}
	t.done = true
	t.c.inTx = false
	if t.readOnly {
		return nil
	}
	defer t.c.afterStmt()
	_, err := t.c.db.Exec(context.Background(), stmt)
	return err
}

func (t *tx) Commit() error   { return t.end("COMMIT") }
func (t *tx) Rollback() error { return t.end("ROLLBACK") }

// Prepare implements driver.Conn.
func (c *Conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext implements driver.ConnPrepareContext: the statement is
// parsed now (a syntax error is reported here) and run on each Exec or
// Query.
func (c *Conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	p, err := c.parse(query)
	if err != nil {
		return nil, err
	}
	return &stmt{c: c, query: query, p: p}, nil
}

// parsed is what the driver needs to know of a script.
type parsed struct {
	// lastSelect is the script's last statement when it is a SELECT, whose
	// rows a query returns: the declared types of its columns come from it
	lastSelect *sqlparse.Select
	readOnly   bool           // only SELECT and EXPLAIN
	nparams    int            // the largest parameter number
	names      map[string]int // parameter name without its prefix -> number
}

func (c *Conn) parse(query string) (*parsed, error) {
	p := &parsed{readOnly: true}
	s := sqlparse.NewScript(query)
	for s.Next() {
		st := s.Stmt()
		p.lastSelect, _ = st.(*sqlparse.Select)
		switch st.(type) {
		case *sqlparse.Select, *sqlparse.Explain:
		default:
			p.readOnly = false
			if c.readOnly {
				return nil, fmt.Errorf("%w at position %d (as_of): %s refused", ErrReadOnly, c.asOf, stmtKind(st))
			}
		}
		sqlparse.Inspect(st, func(n sqlparse.Node) bool {
			if x, ok := n.(*sqlparse.Param); ok {
				p.nparams = max(p.nparams, x.Index)
				if len(x.Name) > 1 && x.Name[0] != '?' {
					if p.names == nil {
						p.names = map[string]int{}
					}
					p.names[x.Name[1:]] = x.Index
				}
			}
			return true
		})
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func stmtKind(st sqlparse.Stmt) string {
	name := fmt.Sprintf("%T", st)
	name = strings.TrimPrefix(name, "*sqlparse.")
	return strings.ToUpper(name)
}

// bind maps database/sql's arguments to the executor's positional ones.
func (p *parsed) bind(args []driver.NamedValue) ([]any, error) {
	n := p.nparams
	for _, a := range args {
		if a.Name == "" {
			n = max(n, a.Ordinal)
		}
	}
	out := make([]any, n)
	for _, a := range args {
		if a.Name == "" {
			out[a.Ordinal-1] = a.Value
			continue
		}
		i, ok := p.names[a.Name]
		if !ok {
			return nil, fmt.Errorf("projstore: no parameter named :%s in the statement", a.Name)
		}
		out[i-1] = a.Value
	}
	return out, nil
}

// ExecContext implements driver.ExecerContext.
func (c *Conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	p, err := c.parse(query)
	if err != nil {
		return nil, err
	}
	return c.exec(ctx, query, p, args)
}

// start binds args and, for a statement that writes, takes the store's
// write lock; the caller runs done once the statement has run.
func (c *Conn) start(ctx context.Context, p *parsed, args []driver.NamedValue) (vals []any, done func(), err error) {
	if vals, err = p.bind(args); err != nil {
		return nil, nil, err
	}
	if p.readOnly {
		return vals, func() {}, nil
	}
	if err := c.lock(ctx); err != nil {
		return nil, nil, err
	}
	return vals, c.afterStmt, nil
}

func (c *Conn) exec(ctx context.Context, query string, p *parsed, args []driver.NamedValue) (driver.Result, error) {
	vals, done, err := c.start(ctx, p, args)
	if err != nil {
		return nil, err
	}
	defer done()
	n, err := c.db.Exec(c.withRowid(ctx), query, vals...)
	if err != nil {
		return nil, err
	}
	return result{changed: n, lastID: c.lastRowid}, nil
}

// insertRowidKey is the context key under which a connection lets the
// executor report the rowid of an INSERT.
type insertRowidKey struct{}

// withRowid returns ctx carrying where the executor writes the rowid of a
// successful INSERT: the connection's lastRowid. Statements of a connection
// run one at a time (database/sql holds the connection), so the executor
// writes it without a lock.
func (c *Conn) withRowid(ctx context.Context) context.Context {
	return context.WithValue(ctx, insertRowidKey{}, &c.lastRowid)
}

// noteInsertRowid records id as the last inserted rowid of the connection
// running x, if a connection asked for it. An INSERT inside a trigger body
// does not count: SQLite restores the value when the trigger ends.
func noteInsertRowid(x *execCtx, id int64) {
	if x.trigScope != nil {
		return
	}
	if p, ok := x.ctx().Value(insertRowidKey{}).(*int64); ok {
		*p = id
	}
}

// QueryContext implements driver.QueryerContext.
func (c *Conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	p, err := c.parse(query)
	if err != nil {
		return nil, err
	}
	return c.query(ctx, query, p, args)
}

func (c *Conn) query(ctx context.Context, query string, p *parsed, args []driver.NamedValue) (driver.Rows, error) {
	vals, done, err := c.start(ctx, p, args)
	if err != nil {
		return nil, err
	}
	defer done()
	res, err := c.db.Query(c.withRowid(ctx), query, vals...)
	if err != nil {
		return nil, err
	}
	return &rows{res: res, c: c, sel: p.lastSelect}, nil
}

// result implements driver.Result. LastInsertId is, as in SQLite, the
// rowid of the row the connection's most recent successful INSERT added
// last (0 before any), whatever statement the result is of. A row of a
// table keyed by a PRIMARY KEY other than INTEGER has no rowid in the
// store, so inserting it leaves the value as it was; so does an INSERT
// into a TEMP table.
type result struct {
	changed int64
	lastID  int64
}

func (r result) RowsAffected() (int64, error) { return r.changed, nil }

func (r result) LastInsertId() (int64, error) { return r.lastID, nil }

type stmt struct {
	c     *Conn
	query string
	p     *parsed
}

func (s *stmt) Close() error { return nil }

// NumInput returns -1: named parameters make the count of arguments differ
// from the count of numbers.
func (s *stmt) NumInput() int { return -1 }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.exec(ctx, s.query, s.p, args)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.query(ctx, s.query, s.p, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

// rows implements driver.Rows and RowsColumnTypeDatabaseTypeName over a
// materialised Result.
type rows struct {
	res *Result
	i   int
	// the connection and the SELECT the rows are of, for the declared
	// types, worked out on the first ColumnTypeDatabaseTypeName
	c     *Conn
	sel   *sqlparse.Select
	decl  []string
	typed bool
}

var _ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)

// ColumnTypeDatabaseTypeName implements
// driver.RowsColumnTypeDatabaseTypeName: as SQLite's sqlite3_column_decltype,
// the declared type (as written in CREATE TABLE, upper-cased as SQLite's
// drivers report it) of a result column that is a table's column, through
// views, subqueries and CTEs; "" for an expression, a column declared
// without a type, or a query whose columns cannot be traced.
func (r *rows) ColumnTypeDatabaseTypeName(index int) string {
	if !r.typed {
		r.typed = true
		if r.c != nil && r.sel != nil && !r.c.closed {
			r.decl = r.c.declTypes(r.sel, len(r.res.Columns))
		}
	}
	if index < 0 || index >= len(r.decl) {
		return ""
	}
	return r.decl[index]
}

func (r *rows) Columns() []string {
	if r.res.Columns == nil {
		return []string{}
	}
	return r.res.Columns
}

func (r *rows) Close() error { r.i = len(r.res.Rows); return nil }

func (r *rows) Next(dest []driver.Value) error {
	if r.i >= len(r.res.Rows) {
		return io.EOF
	}
	row := r.res.Rows[r.i]
	r.i++
	for i := range dest {
		dest[i] = row[i]
	}
	return nil
}
