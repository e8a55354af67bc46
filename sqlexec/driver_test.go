package sqlexec_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/sqlexec"
	"github.com/projstore/projstore/store"
)

func openDriver(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("projstore", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db interface {
	Exec(string, ...any) (sql.Result, error)
}, q string, args ...any) sql.Result {
	t.Helper()
	r, err := db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return r
}

func queryAll(t *testing.T, db interface {
	Query(string, ...any) (*sql.Rows, error)
}, q string, args ...any) [][]any {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func check(t *testing.T, got, want [][]any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

// appliedPosition opens the file's store on its own (no connection may be
// open) and returns its applied position.
func appliedPosition(t *testing.T, path string) uint64 {
	t.Helper()
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return uint64(s.AppliedPosition())
}

func TestDriverCreateInsertSelect(t *testing.T) {
	for _, dsn := range []string{filepath.Join(t.TempDir(), "a.db"), ":memory:"} {
		t.Run(dsn, func(t *testing.T) {
			db := openDriver(t, dsn)
			if err := db.Ping(); err != nil {
				t.Fatal(err)
			}
			mustExec(t, db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
			r := mustExec(t, db, "INSERT INTO t VALUES (1, 'x'), (2, 'y')")
			if n, err := r.RowsAffected(); err != nil || n != 2 {
				t.Fatalf("RowsAffected = %d, %v", n, err)
			}
			if id, err := r.LastInsertId(); err != nil || id != 2 {
				t.Fatalf("LastInsertId = %d, %v, want 2", id, err)
			}
			check(t, queryAll(t, db, "SELECT a, b FROM t ORDER BY a"), [][]any{{int64(1), "x"}, {int64(2), "y"}})
			// several pool connections see the same tables
			db.SetMaxIdleConns(4)
			c1, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer c1.Close()
			c2, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer c2.Close()
			if _, err := c1.ExecContext(context.Background(), "INSERT INTO t VALUES (3, 'z')"); err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := c2.QueryRowContext(context.Background(), "SELECT count(*) FROM t").Scan(&n); err != nil || n != 3 {
				t.Fatalf("count on the other connection = %d, %v", n, err)
			}
		})
	}
}

func TestDriverReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := sql.Open("projstore", path)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "CREATE TABLE t(a, b)")
	mustExec(t, db, "INSERT INTO t VALUES (1, 'one')")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openDriver(t, path)
	check(t, queryAll(t, db, "SELECT a, b FROM t"), [][]any{{int64(1), "one"}})
}

func TestDriverTransactions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tx.db")
	db, err := sql.Open("projstore", path)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
	db.Close()
	p0 := appliedPosition(t, path)

	db, err = sql.Open("projstore", path)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		mustExec(t, tx, "INSERT INTO t VALUES (?, ?)", i, fmt.Sprint("v", i))
	}
	mustExec(t, tx, "UPDATE t SET b = 'w' WHERE a = 2")
	// read-your-writes inside the transaction, nothing outside it
	check(t, queryAll(t, tx, "SELECT count(*) FROM t"), [][]any{{int64(3)}})
	check(t, queryAll(t, db, "SELECT count(*) FROM t"), [][]any{{int64(0)}})
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	check(t, queryAll(t, db, "SELECT a, b FROM t ORDER BY a"), [][]any{{int64(1), "v1"}, {int64(2), "w"}, {int64(3), "v3"}})

	tx, err = db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, "INSERT INTO t VALUES (10, 'gone')")
	mustExec(t, tx, "DELETE FROM t WHERE a = 1")
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	check(t, queryAll(t, db, "SELECT a FROM t ORDER BY a"), [][]any{{int64(1)}, {int64(2)}, {int64(3)}})
	db.Close()
	if p1 := appliedPosition(t, path); p1 != p0+1 {
		t.Fatalf("applied position %d after one committed transaction from %d, want %d", p1, p0, p0+1)
	}
}

func TestDriverAsOf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "asof.db")
	db, err := sql.Open("projstore", path)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
	var states [][][]any
	var positions []uint64
	for i := 1; i <= 3; i++ {
		mustExec(t, db, "INSERT INTO t VALUES (?, ?)", i, i*10)
		db.Close()
		positions = append(positions, appliedPosition(t, path))
		db, err = sql.Open("projstore", path)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, queryAll(t, db, "SELECT a, b FROM t ORDER BY a"))
	}
	mustExec(t, db, "UPDATE t SET b = -1")
	defer db.Close()
	for i, p := range positions {
		past := openDriver(t, fmt.Sprintf("%s?as_of=%d", path, p))
		check(t, queryAll(t, past, "SELECT a, b FROM t ORDER BY a"), states[i])
		// the same past through the SQL clause on the live database
		check(t, queryAll(t, db, fmt.Sprintf("SELECT a, b FROM t FOR SYSTEM_TIME AS OF OFFSET %d ORDER BY a", p)), states[i])
		for _, w := range []string{"INSERT INTO t VALUES (100, 1)", "DELETE FROM t", "CREATE TABLE u(x)"} {
			if _, err := past.Exec(w); !errors.Is(err, sqlexec.ErrReadOnly) {
				t.Fatalf("%s at as_of=%d: err = %v, want ErrReadOnly", w, p, err)
			}
		}
		tx, err := past.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("INSERT INTO t VALUES (100, 1)"); !errors.Is(err, sqlexec.ErrReadOnly) {
			t.Fatalf("write in a transaction at as_of: %v", err)
		}
		tx.Rollback()
	}
	check(t, queryAll(t, db, "SELECT count(*) FROM t WHERE b = -1"), [][]any{{int64(3)}})

	ahead := openDriver(t, fmt.Sprintf("%s?as_of=%d", path, positions[2]+100))
	if err := ahead.Ping(); !errors.Is(err, store.ErrPositionAhead) {
		t.Fatalf("as_of ahead: err = %v, want ErrPositionAhead", err)
	}
	if _, err := sql.Open("projstore", path+"?as_of=x"); err == nil {
		t.Fatal("as_of=x: no error")
	}
	if _, err := sql.Open("projstore", path+"?bogus=1"); err == nil {
		t.Fatal("unknown DSN parameter: no error")
	}
}

func TestDriverPlaceholders(t *testing.T) {
	db := openDriver(t, ":memory:")
	mustExec(t, db, "CREATE TABLE t(a, b, c)")
	mustExec(t, db, "INSERT INTO t VALUES (?, ?, ?)", 1, "x", 1.5)
	mustExec(t, db, "INSERT INTO t VALUES (?3, ?1, ?2)", "y", 2.5, 2)
	mustExec(t, db, "INSERT INTO t VALUES (:a, @b, $c)", sql.Named("c", 3.5), sql.Named("a", 3), sql.Named("b", "z"))
	check(t, queryAll(t, db, "SELECT a, b, c FROM t ORDER BY a"), [][]any{
		{int64(1), "x", 1.5}, {int64(2), "y", 2.5}, {int64(3), "z", 3.5}})
	// a name used twice is one parameter
	check(t, queryAll(t, db, "SELECT a FROM t WHERE a = :n OR a = :n + 1 ORDER BY a", sql.Named("n", 2)), [][]any{{int64(2)}, {int64(3)}})
	// a prepared statement, run twice
	st, err := db.Prepare("SELECT b FROM t WHERE a = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for a, want := range map[int]string{1: "x", 3: "z"} {
		var b string
		if err := st.QueryRow(a).Scan(&b); err != nil || b != want {
			t.Fatalf("a=%d: %q, %v", a, b, err)
		}
	}
	if _, err := db.Exec("SELECT :nope", sql.Named("other", 1)); err == nil {
		t.Fatal("unknown named parameter: no error")
	}
}

func TestDriverValues(t *testing.T) {
	db := openDriver(t, ":memory:")
	mustExec(t, db, "CREATE TABLE v(k INTEGER PRIMARY KEY, x)")
	in := []any{nil, int64(-7), 3.25, "text", []byte{0, 1, 2, 255}}
	for i, v := range in {
		mustExec(t, db, "INSERT INTO v VALUES (?, ?)", i, v)
	}
	got := queryAll(t, db, "SELECT x, typeof(x) FROM v ORDER BY k")
	types := []string{"null", "integer", "real", "text", "blob"}
	for i := range in {
		if !reflect.DeepEqual(got[i][0], in[i]) || got[i][1] != types[i] {
			t.Fatalf("row %d: got %#v %v, want %#v %s", i, got[i][0], got[i][1], in[i], types[i])
		}
	}
	var b []byte
	if err := db.QueryRow("SELECT x FROM v WHERE k = 4").Scan(&b); err != nil || !bytes.Equal(b, in[4].([]byte)) {
		t.Fatalf("blob: %v %v", b, err)
	}
}

func TestDriverErrors(t *testing.T) {
	db := openDriver(t, ":memory:")
	_, err := db.Query("SELECT 1,\n  FROM")
	if err == nil || !strings.Contains(err.Error(), "line 2, column") {
		t.Fatalf("syntax error: %v, want a line and column", err)
	}
	_, err = db.Query("SELECT * FROM nosuch")
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("unknown table: %v", err)
	}
	if _, err := db.Exec("INSERT INTO nosuch VALUES (1)"); err == nil {
		t.Fatal("insert into an unknown table: no error")
	}
}

func TestDriverTwoOpensOnePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.db")
	a := openDriver(t, path)
	b := openDriver(t, path)
	mustExec(t, a, "CREATE TABLE t(x)")
	mustExec(t, b, "INSERT INTO t VALUES (1)")
	mustExec(t, a, "INSERT INTO t VALUES (2)")
	check(t, queryAll(t, b, "SELECT x FROM t ORDER BY x"), [][]any{{int64(1)}, {int64(2)}})
	// a transaction on one waits for none of the other's reads
	tx, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, "INSERT INTO t VALUES (3)")
	check(t, queryAll(t, b, "SELECT count(*) FROM t"), [][]any{{int64(2)}})
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	check(t, queryAll(t, b, "SELECT count(*) FROM t"), [][]any{{int64(3)}})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	// the store stays open for b
	check(t, queryAll(t, b, "SELECT count(*) FROM t"), [][]any{{int64(3)}})
}

func TestDriverConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conc.db")
	db := openDriver(t, path)
	db.SetMaxOpenConns(8)
	mustExec(t, db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if _, err := db.Exec("INSERT INTO t VALUES (?, ?)", g*100+i, g); err != nil {
					errs <- err
					return
				}
				var n int64
				if err := db.QueryRow("SELECT count(*) FROM t WHERE b = ?", g).Scan(&n); err != nil {
					errs <- err
					return
				}
				if n != int64(i+1) {
					errs <- fmt.Errorf("goroutine %d: %d rows after %d inserts", g, n, i+1)
					return
				}
			}
			tx, err := db.Begin()
			if err != nil {
				errs <- err
				return
			}
			if _, err := tx.Exec("UPDATE t SET b = b + 10 WHERE b = ?", g); err != nil {
				errs <- err
			}
			if err := tx.Commit(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	check(t, queryAll(t, db, "SELECT count(*), min(b) FROM t"), [][]any{{int64(40), int64(10)}})
}

func TestDriverCheckedAllocator(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	c, err := sqlexec.NewConnector(filepath.Join(t.TempDir(), "mem.db"), mem)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	mustExec(t, db, "CREATE TABLE t(a, b)")
	for i := 0; i < 100; i++ {
		mustExec(t, db, "INSERT INTO t VALUES (?, ?)", i, fmt.Sprint(i))
	}
	check(t, queryAll(t, db, "SELECT count(*), sum(a) FROM t WHERE b LIKE '1%'"), [][]any{{int64(11), int64(1 + 145*1 + 10*0 + 0)}})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)
}

func TestOpenQueryArrow(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db := sqlexec.OpenStore(s, mem)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x'), (2, NULL)"); err != nil {
		t.Fatal(err)
	}
	rr, err := db.QueryArrow(ctx, "SELECT a, b FROM t WHERE a > ? ORDER BY a", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if n := rr.Schema().NumFields(); n != 2 {
		t.Fatalf("%d fields", n)
	}
	var rows int64
	for rr.Next() {
		rows += rr.RecordBatch().NumRows()
	}
	if rows != 2 {
		t.Fatalf("%d rows", rows)
	}
	h := sqlexec.Open(s)
	res, err := h.Query(ctx, "SELECT count(*) FROM t")
	if err != nil || res.Rows[0][0] != int64(2) {
		t.Fatalf("Open: %v %v", res, err)
	}
}

func TestDriverAsOfPrunedAndEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pruned.db")
	db, err := sql.Open("projstore", path)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "CREATE TABLE t(a)")
	for i := 0; i < 3; i++ {
		mustExec(t, db, "INSERT INTO t VALUES (?)", i)
	}
	db.Close()
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	top := s.AppliedPosition()
	if err := s.Prune(top); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	old := openDriver(t, fmt.Sprintf("%s?as_of=%d", path, top-1))
	if err := old.Ping(); !errors.Is(err, store.ErrPruned) {
		t.Fatalf("as_of below the horizon: err = %v, want ErrPruned", err)
	}
	now := openDriver(t, fmt.Sprintf("%s?as_of=%d", path, top))
	check(t, queryAll(t, now, "SELECT count(*) FROM t"), [][]any{{int64(3)}})

	// position 0 of a new store: no tables yet
	empty := openDriver(t, filepath.Join(t.TempDir(), "new.db")+"?as_of=0")
	if _, err := empty.Query("SELECT * FROM t"); err == nil || !strings.Contains(err.Error(), "t") {
		t.Fatalf("a table at position 0: %v", err)
	}
}

func TestDriverBusy(t *testing.T) {
	old := sqlexec.BusyTimeout
	sqlexec.BusyTimeout = 50 * time.Millisecond
	defer func() { sqlexec.BusyTimeout = old }()
	db := openDriver(t, filepath.Join(t.TempDir(), "busy.db"))
	mustExec(t, db, "CREATE TABLE t(a)")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, "INSERT INTO t VALUES (1)")
	// another connection: reads go on, a write waits and then fails
	check(t, queryAll(t, db, "SELECT count(*) FROM t"), [][]any{{int64(0)}})
	if _, err := db.Exec("INSERT INTO t VALUES (2)"); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("write while another connection holds a transaction: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "INSERT INTO t VALUES (2)")
	// BEGIN and COMMIT as statements on one connection hold the lock too
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN; INSERT INTO t VALUES (3)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO t VALUES (4)"); err == nil {
		t.Fatal("write during another connection's BEGIN: no error")
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	check(t, queryAll(t, db, "SELECT a FROM t ORDER BY a"), [][]any{{int64(1)}, {int64(2)}, {int64(3)}})
}

// A store table keyed by a PRIMARY KEY other than INTEGER has no rowid:
// it is read, updated and deleted through its key.
func TestDriverTextPrimaryKey(t *testing.T) {
	db := openDriver(t, ":memory:")
	mustExec(t, db, "CREATE TABLE s(item TEXT PRIMARY KEY, qty INTEGER)")
	mustExec(t, db, "INSERT INTO s VALUES ('apple', 5), ('pear', 2)")
	check(t, queryAll(t, db, "SELECT item, qty FROM s ORDER BY item"), [][]any{{"apple", int64(5)}, {"pear", int64(2)}})
	if r := mustExec(t, db, "UPDATE s SET qty = qty - 1 WHERE item = ?", "apple"); func() int64 { n, _ := r.RowsAffected(); return n }() != 1 {
		t.Fatal("UPDATE changed no row")
	}
	mustExec(t, db, "DELETE FROM s WHERE item = 'pear'")
	check(t, queryAll(t, db, "SELECT item, qty FROM s"), [][]any{{"apple", int64(4)}})
	if _, err := db.Exec("INSERT INTO s VALUES ('apple', 1)"); err == nil {
		t.Fatal("duplicate primary key: no error")
	}
}

func TestDriverLastInsertId(t *testing.T) {
	for _, dsn := range []string{filepath.Join(t.TempDir(), "a.db"), ":memory:"} {
		t.Run(dsn, func(t *testing.T) {
			db := openDriver(t, dsn)
			db.SetMaxOpenConns(1) // LastInsertId is per connection
			lastID := func(r sql.Result) int64 {
				t.Helper()
				id, err := r.LastInsertId()
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			r := mustExec(t, db, "CREATE TABLE h(a TEXT)") // hidden rowid
			if id := lastID(r); id != 0 {
				t.Fatalf("before any INSERT: %d, want 0", id)
			}
			mustExec(t, db, "CREATE TABLE k(id INTEGER PRIMARY KEY, v TEXT)")
			mustExec(t, db, "CREATE TABLE s(name TEXT PRIMARY KEY, v INTEGER)")
			if id := lastID(mustExec(t, db, "INSERT INTO h VALUES ('a'), ('b'), ('c')")); id != 3 {
				t.Fatalf("hidden rowid: %d, want 3", id)
			}
			if id := lastID(mustExec(t, db, "INSERT INTO k(v) VALUES ('x')")); id != 1 {
				t.Fatalf("allocated INTEGER PRIMARY KEY: %d, want 1", id)
			}
			if id := lastID(mustExec(t, db, "INSERT INTO k VALUES (40, 'y'), (7, 'z')")); id != 7 {
				t.Fatalf("given keys: %d, want 7 (the last row, not the largest)", id)
			}
			if id := lastID(mustExec(t, db, "INSERT INTO k(v) VALUES (?)", "w")); id != 41 {
				t.Fatalf("after the largest: %d, want 41", id)
			}
			// statements that insert no row with a rowid leave it as it was
			if id := lastID(mustExec(t, db, "INSERT OR IGNORE INTO k VALUES (7, 'dup')")); id != 41 {
				t.Fatalf("ignored row: %d, want 41", id)
			}
			if id := lastID(mustExec(t, db, "INSERT INTO s VALUES ('n', 1)")); id != 41 {
				t.Fatalf("table without a rowid: %d, want 41", id)
			}
			if _, err := db.Exec("INSERT INTO k VALUES (1, 'clash')"); err == nil {
				t.Fatal("duplicate key: no error")
			}
			if id := lastID(mustExec(t, db, "SELECT 1")); id != 41 {
				t.Fatalf("after a failed INSERT: %d, want 41", id)
			}
			// in a transaction, and with a prepared statement
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			st, err := tx.Prepare("INSERT INTO h VALUES (?)")
			if err != nil {
				t.Fatal(err)
			}
			r, err = st.Exec("d")
			if err != nil {
				t.Fatal(err)
			}
			if id := lastID(r); id != 4 {
				t.Fatalf("in a transaction: %d, want 4", id)
			}
			st.Close()
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := db.QueryRow("SELECT rowid FROM h WHERE a = 'd'").Scan(&n); err != nil || n != 4 {
				t.Fatalf("rowid of the row: %d, %v", n, err)
			}
		})
	}
}

func TestDriverColumnTypes(t *testing.T) {
	db := openDriver(t, filepath.Join(t.TempDir(), "a.db"))
	mustExec(t, db, "CREATE TABLE t(id INTEGER PRIMARY KEY, name varchar(20), price REAL, raw, n NUMERIC)")
	mustExec(t, db, "CREATE TABLE u(id INTEGER, note TEXT)")
	mustExec(t, db, "INSERT INTO t VALUES (1, 'a', 2.5, x'00', 3)")
	mustExec(t, db, "INSERT INTO u VALUES (1, 'n')")
	mustExec(t, db, "CREATE VIEW v AS SELECT name AS label, price * 2 AS twice FROM t")
	mustExec(t, db, "CREATE TABLE r(w TEXT)") // position 6 (the view is a batch too)
	mustExec(t, db, "DROP TABLE r")
	mustExec(t, db, "CREATE TABLE r(w BLOB)")
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"SELECT * FROM t", []string{"INTEGER", "VARCHAR(20)", "REAL", "", "NUMERIC"}},
		{"SELECT name, price + 1, 'x', id, raw FROM t", []string{"VARCHAR(20)", "", "", "INTEGER", ""}},
		{"SELECT x.name AS nm, rowid FROM t AS x", []string{"VARCHAR(20)", "INTEGER"}},
		{"SELECT * FROM t JOIN u USING (id)", []string{"INTEGER", "VARCHAR(20)", "REAL", "", "NUMERIC", "TEXT"}},
		{"SELECT u.*, t.price FROM t, u WHERE t.id = u.id", []string{"INTEGER", "TEXT", "REAL"}},
		{"SELECT label, twice FROM v", []string{"VARCHAR(20)", ""}},
		{"SELECT p FROM (SELECT price AS p FROM t)", []string{"REAL"}},
		{"WITH c(z) AS (SELECT note FROM u) SELECT z FROM c", []string{"TEXT"}},
		{"SELECT (SELECT note FROM u), count(*) FROM t", []string{"TEXT", ""}},
		{"SELECT name FROM t UNION SELECT note FROM u", []string{"VARCHAR(20)"}},
		{"SELECT name FROM t AS OF OFFSET 3", []string{"VARCHAR(20)"}},
		{"SELECT (name), name COLLATE nocase FROM t", []string{"VARCHAR(20)", ""}},
		{"SELECT w FROM (SELECT w FROM r) AS OF OFFSET 6", []string{"TEXT"}},
		{"SELECT w FROM r", []string{"BLOB"}},
		{"SELECT 1, 'a'", []string{"", ""}},
		{"VALUES (1, 2)", []string{"", ""}},
	} {
		rows, err := db.Query(tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		cts, err := rows.ColumnTypes()
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		got := make([]string, len(cts))
		for i, ct := range cts {
			got[i] = ct.DatabaseTypeName()
		}
		rows.Close()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: declared types %q, want %q", tc.q, got, tc.want)
		}
	}
}

// An endless recursive CTE stops when the statement's context ends, on a
// DB and through database/sql, rather than running to the row bound.
func TestRecursiveCTECancel(t *testing.T) {
	const q = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
	const timeout = 200 * time.Millisecond
	within := func(t *testing.T, start time.Time, err error) {
		t.Helper()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
		// generous for -race on a loaded machine; without the check the
		// query runs for many seconds
		if d := time.Since(start); d > timeout+2*time.Second {
			t.Fatalf("stopped after %s", d)
		}
	}
	t.Run("DB", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		start := time.Now()
		_, err := sqlexec.NewMemory(nil).Query(ctx, q)
		within(t, start, err)
	})
	t.Run("database/sql", func(t *testing.T) {
		db := openDriver(t, ":memory:")
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		start := time.Now()
		var n int64
		err := db.QueryRowContext(ctx, q).Scan(&n)
		within(t, start, err)
		// the connection is still usable
		if err := db.QueryRow("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5) SELECT count(*) FROM c").Scan(&n); err != nil || n != 5 {
			t.Fatalf("after the timeout: %d, %v", n, err)
		}
	})
}

// A recursive CTE whose rounds are few but wide (each a join over the
// working set) is also stopped by its context.
func TestRecursiveCTECancelWideRounds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	db := sqlexec.NewMemory(nil)
	start := time.Now()
	// the working set doubles each round
	_, err := db.Query(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c, (SELECT 1 UNION ALL SELECT 2)) SELECT count(*) FROM c")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("stopped after %s", d)
	}
}

// A cross join too large to finish stops when its context ends (without
// the checks in the join loop this test would not end).
func TestCrossJoinCancel(t *testing.T) {
	db := sqlexec.NewMemory(nil)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE c(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3000) INSERT INTO c SELECT i FROM n"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT count(*) FROM c a, c b, c d",
		"SELECT count(*) FROM c a, c b, c d WHERE a.x + b.x = d.x",
		"SELECT count(*) FROM c a LEFT JOIN c b ON a.x < b.x LEFT JOIN c d ON b.x < d.x",
	} {
		ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		_, err := db.Query(ctx, q)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want context.DeadlineExceeded", q, err)
		}
	}
}

// A store table's CHECK constraints outlive the connection that made them.
func TestStoreCheckPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ck.db")
	db := openDriver(t, path)
	mustExec(t, db, "CREATE TABLE ck(a INTEGER CHECK (a > 0))")
	mustExec(t, db, "INSERT INTO ck VALUES (1)")
	db.Close()
	db = openDriver(t, path)
	if _, err := db.Exec("INSERT INTO ck VALUES (0)"); err == nil || !strings.Contains(err.Error(), "CHECK constraint failed") {
		t.Fatalf("after reopening: %v, want a CHECK failure", err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM ck").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows, %v", n, err)
	}
}
