package sqlexec

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/projstore/projstore/store"
)

// openFileStore opens (or reopens) the store in file path.
func openFileStore(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustExecDB(t *testing.T, db *DB, q string) {
	t.Helper()
	if _, err := db.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func queryRows(t *testing.T, db *DB, q string) [][]any {
	t.Helper()
	res, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return res.Rows
}

// TestStoreTriggers: triggers on store tables live in the store's
// catalog, fire inside the statement's WriteBatch, survive closing and
// reopening the store, and a failing one leaves nothing behind.
func TestStoreTriggers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s := openFileStore(t, path)
	db := OpenStore(s, nil)
	mustExecDB(t, db, `CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
		CREATE TABLE log(ev TEXT, a, b, ob);
		CREATE TRIGGER ti AFTER INSERT ON t BEGIN INSERT INTO log VALUES('ins', new.a, new.b, NULL); END;
		CREATE TRIGGER tu AFTER UPDATE OF b ON t WHEN new.b <> old.b BEGIN INSERT INTO log VALUES('upd', new.a, new.b, old.b); END;
		CREATE TRIGGER td BEFORE DELETE ON t BEGIN INSERT INTO log SELECT 'del', old.a, old.b, count(*) FROM t; END;`)
	pos := s.AppliedPosition()
	mustExecDB(t, db, "INSERT INTO t VALUES(1, 'x'), (2, 'y')")
	if got := s.AppliedPosition(); got != pos+1 {
		t.Fatalf("an INSERT firing triggers took %d batches, want 1", got-pos)
	}
	mustExecDB(t, db, "UPDATE t SET b = 'z' WHERE a = 1")
	mustExecDB(t, db, "UPDATE t SET b = 'y' WHERE a = 2") // WHEN is false: no log
	mustExecDB(t, db, "UPDATE t SET a = a WHERE a = 2")   // not an update of b: no log
	mustExecDB(t, db, "DELETE FROM t WHERE a = 2")
	want := [][]any{{"ins", int64(1), "x", nil}, {"ins", int64(2), "y", nil}, {"upd", int64(1), "z", "x"}, {"del", int64(2), "y", int64(2)}}
	if got := queryRows(t, db, "SELECT * FROM log"); !reflect.DeepEqual(got, want) {
		t.Errorf("log:\n got %v\nwant %v", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openFileStore(t, path)
	defer s.Close()
	db = OpenStore(s, nil)
	mustExecDB(t, db, "INSERT INTO t VALUES(3, 'w')")
	want = append(want, []any{"ins", int64(3), "w", nil})
	if got := queryRows(t, db, "SELECT * FROM log"); !reflect.DeepEqual(got, want) {
		t.Errorf("log after reopening:\n got %v\nwant %v", got, want)
	}
	// a second DB over the same store sees the triggers too
	other := OpenStore(s, nil)
	if _, err := other.Exec(context.Background(), "CREATE TRIGGER ti AFTER INSERT ON t BEGIN SELECT 1; END"); err == nil {
		t.Error("a trigger name taken in the store: no error from another DB")
	}

	// a failing trigger leaves nothing: not its table's row, not the log's
	mustExecDB(t, db, "CREATE TRIGGER bad AFTER INSERT ON t WHEN new.a = 4 BEGIN INSERT INTO log VALUES('bad', 1, 2, 3); INSERT INTO nosuch VALUES(1); END")
	pos = s.AppliedPosition()
	if _, err := db.Exec(context.Background(), "INSERT INTO t VALUES(4, 'v')"); err == nil {
		t.Error("an insert firing a failing trigger: no error")
	}
	if s.AppliedPosition() != pos {
		t.Error("a failed statement applied a batch")
	}
	// in a transaction, only the failing statement is undone
	mustExecDB(t, db, "BEGIN; INSERT INTO t VALUES(5, 'u')")
	if _, err := db.Exec(context.Background(), "UPDATE t SET a = 4 WHERE a = 5; INSERT INTO t VALUES(4, 'v')"); err == nil {
		t.Error("a failing trigger in a transaction: no error")
	}
	mustExecDB(t, db, "COMMIT")
	if got := queryRows(t, db, "SELECT a FROM t ORDER BY a"); !reflect.DeepEqual(got, [][]any{{int64(1)}, {int64(3)}, {int64(4)}}) {
		t.Errorf("rows after the failed statement in a transaction: %v", got)
	}
	if got := queryRows(t, db, "SELECT count(*) FROM log WHERE ev = 'bad'"); !reflect.DeepEqual(got, [][]any{{int64(0)}}) {
		t.Errorf("the failed trigger's write survived: %v", got)
	}

	// DROP TRIGGER, and DROP TABLE drops the table's triggers
	mustExecDB(t, db, "DROP TRIGGER bad; DROP TABLE t")
	for _, q := range []string{"DROP TRIGGER ti", "CREATE TRIGGER x AFTER INSERT ON nosuch BEGIN SELECT 1; END", "CREATE TRIGGER x AFTER INSERT ON log BEGIN SELECT nosuch FROM log; END; INSERT INTO log VALUES(1, 2, 3, 4)"} {
		if _, err := db.Exec(context.Background(), q); err == nil {
			t.Errorf("%s: no error", q)
		}
	}
}

// TestStoreLikeMemory runs the same statements on a memory DB and a
// store DB and compares what each query returns.
func TestStoreLikeMemory(t *testing.T) {
	steps := []string{
		"CREATE TABLE u(k INTEGER PRIMARY KEY, v TEXT UNIQUE, w)",
		"INSERT INTO u VALUES(1, 'a', 10), (2, 'b', 20), (3, 'c', 30)",
		"INSERT OR REPLACE INTO u VALUES(4, 'b', 40)",
		"?SELECT * FROM u ORDER BY k",
		"UPDATE OR REPLACE u SET v = 'a' WHERE k = 3",
		"?SELECT * FROM u ORDER BY k",
		"UPDATE OR REPLACE u SET k = 1 WHERE k = 4",
		"?SELECT * FROM u ORDER BY k",
		"CREATE TABLE c AS SELECT k, v || '!' AS x, w * 2 FROM u",
		"?SELECT * FROM c ORDER BY 1",
		"?SELECT typeof(k), typeof(x) FROM c ORDER BY 1",
		"CREATE TABLE n(a, b)",
		"INSERT INTO n VALUES(1, 2), (1, 2), (3, 4)",
		"UPDATE n SET b = b + 1 WHERE a = 1",
		"DELETE FROM n WHERE a = 3",
		"?SELECT * FROM n",
		"CREATE TABLE r(rowid TEXT, x)",
		"INSERT INTO r VALUES('a', 1), ('b', 2)",
		"UPDATE r SET x = x * 10 WHERE rowid = 'b'",
		"DELETE FROM r WHERE x = 1",
		"?SELECT * FROM r",
		"CREATE TABLE wr(a TEXT PRIMARY KEY, b) WITHOUT ROWID",
		"INSERT INTO wr VALUES('x', 1), ('y', 2)",
		"REPLACE INTO wr VALUES('x', 3)",
		"?SELECT * FROM wr ORDER BY a",
		"REINDEX",
		"REINDEX u",
		"CREATE TABLE g(a INTEGER PRIMARY KEY, b)",
		"CREATE TRIGGER g1 BEFORE INSERT ON g BEGIN INSERT INTO n VALUES(new.a, new.b); END",
		"CREATE TRIGGER g2 AFTER DELETE ON g BEGIN UPDATE n SET b = -1 WHERE a = old.a; END",
		"INSERT INTO g VALUES(7, 70), (8, 80)",
		"DELETE FROM g WHERE a = 8",
		"?SELECT * FROM n ORDER BY a, b",
	}
	mem := NewMemory(nil)
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sdb := OpenStore(s, nil)
	for _, q := range steps {
		if q[0] != '?' {
			mustExecDB(t, mem, q)
			mustExecDB(t, sdb, q)
			continue
		}
		want := queryRows(t, mem, q[1:])
		if got := queryRows(t, sdb, q[1:]); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nstore  %v\nmemory %v", q[1:], got, want)
		}
	}
}

// TestStoreViews: views of a store DB live in the store's catalog: other
// DBs over the store see them, they survive reopening it, DROP VIEW
// removes them, and a read AS OF a past position sees the views (and
// their tables) of that position.
func TestStoreViews(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s := openFileStore(t, path)
	db := OpenStore(s, nil)
	mustExecDB(t, db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES(1, 'x'), (2, 'y')")
	mustExecDB(t, db, "CREATE VIEW v(n, s) AS SELECT a * 10, b FROM t WHERE a > 1")
	p1 := s.AppliedPosition()
	other := OpenStore(s, nil)
	if got := queryRows(t, other, "SELECT n, s FROM v"); !reflect.DeepEqual(got, [][]any{{int64(20), "y"}}) {
		t.Errorf("the view from another DB: %v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openFileStore(t, path)
	defer s.Close()
	db = OpenStore(s, nil)
	mustExecDB(t, db, "INSERT INTO t VALUES(3, 'z')")
	if got := queryRows(t, db, "SELECT n FROM v ORDER BY n"); !reflect.DeepEqual(got, [][]any{{int64(20)}, {int64(30)}}) {
		t.Errorf("the view after reopening: %v", got)
	}
	for _, q := range []string{
		"CREATE VIEW v AS SELECT 1",
		"CREATE TABLE v(x)",
		"CREATE INDEX vi ON v(n)",
		"INSERT INTO v VALUES(1, 2)",
		"DELETE FROM v",
		"DROP TABLE v",
		"DROP VIEW t",
		"CREATE TRIGGER vt AFTER INSERT ON v BEGIN SELECT 1; END",
		"CREATE VIEW w(a, b) AS SELECT 1",
		"CREATE VIEW w AS SELECT nosuch FROM t",
	} {
		if _, err := db.Exec(context.Background(), q); err == nil {
			t.Errorf("%s: no error", q)
		}
	}
	mustExecDB(t, db, "CREATE VIEW IF NOT EXISTS v AS SELECT 1")
	mustExecDB(t, db, "DROP VIEW v")
	if _, err := db.Query(context.Background(), "SELECT * FROM v"); err == nil {
		t.Error("a dropped view still reads")
	}
	// the view at the position it existed, over its table at that position
	q := fmt.Sprintf("SELECT n FROM v AS OF OFFSET %d", p1)
	if got := queryRows(t, db, q); !reflect.DeepEqual(got, [][]any{{int64(20)}}) {
		t.Errorf("%s: %v", q, got)
	}
	q = fmt.Sprintf("SELECT count(*) FROM v FOR SYSTEM_TIME AS OF OFFSET %d", p1)
	if got := queryRows(t, db, q); !reflect.DeepEqual(got, [][]any{{int64(1)}}) {
		t.Errorf("%s: %v", q, got)
	}
	// a view made later under the same name is a new one
	mustExecDB(t, db, "CREATE VIEW v AS SELECT b FROM t WHERE a = 1")
	if got := queryRows(t, db, "SELECT * FROM v"); !reflect.DeepEqual(got, [][]any{{"x"}}) {
		t.Errorf("the new view: %v", got)
	}
	// a view in a rolled-back transaction leaves nothing
	mustExecDB(t, db, "BEGIN; CREATE VIEW gone AS SELECT 1; ROLLBACK")
	if _, err := db.Query(context.Background(), "SELECT * FROM gone"); err == nil {
		t.Error("a view of a rolled-back transaction reads")
	}
	// TEMP views stay with their DB, and have no past
	mustExecDB(t, db, "CREATE TEMP VIEW tv AS SELECT 1")
	if _, err := db.Query(context.Background(), "SELECT * FROM tv FOR SYSTEM_TIME AS OF OFFSET 1"); err == nil || strings.Contains(err.Error(), "internal error") {
		t.Errorf("a TEMP view AS OF: %v", err)
	}
	if _, err := OpenStore(s, nil).Query(context.Background(), "SELECT * FROM tv"); err == nil {
		t.Error("a TEMP view reads from another DB")
	}
}

// TestRaise: RAISE(IGNORE) skips the row that fired the trigger;
// RAISE(ABORT|FAIL, msg) fails the statement with msg, leaving nothing;
// RAISE(ROLLBACK, msg) also ends the transaction; RAISE outside a trigger
// is an error. Memory and store tables behave alike.
func TestRaise(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, db := range map[string]*DB{"memory": NewMemory(nil), "store": OpenStore(s, nil)} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			mustExecDB(t, db, `CREATE TABLE t(a INTEGER PRIMARY KEY, b); CREATE TABLE log(x);
				CREATE TRIGGER ig BEFORE INSERT ON t WHEN new.b < 0 BEGIN SELECT RAISE(IGNORE); END;
				CREATE TRIGGER ab BEFORE UPDATE ON t WHEN new.b > 100 BEGIN INSERT INTO log VALUES('ab'); SELECT RAISE(ABORT, 'b ' || new.b || ' too big'); END;
				CREATE TRIGGER fl AFTER DELETE ON t WHEN old.a = 3 BEGIN INSERT INTO log VALUES('fl'); SELECT RAISE(FAIL, 'keep 3'); END;
				CREATE TRIGGER rb AFTER INSERT ON t WHEN new.a = 9 BEGIN SELECT RAISE(ROLLBACK, 'not 9'); END;
				CREATE TRIGGER dg BEFORE DELETE ON t WHEN old.a = 1 BEGIN SELECT RAISE(IGNORE); END;`)
			mustExecDB(t, db, "INSERT INTO t VALUES(1, 5), (2, -1), (3, 7)")
			if got := queryRows(t, db, "SELECT a, b FROM t ORDER BY a"); !reflect.DeepEqual(got, [][]any{{int64(1), int64(5)}, {int64(3), int64(7)}}) {
				t.Errorf("after RAISE(IGNORE) on insert: %v", got)
			}
			if _, err := db.Exec(ctx, "UPDATE t SET b = b * 20"); err == nil || err.Error() != "b 140 too big" {
				t.Errorf("RAISE(ABORT): %v", err)
			}
			if _, err := db.Exec(ctx, "DELETE FROM t WHERE a = 3"); err == nil || err.Error() != "keep 3" {
				t.Errorf("RAISE(FAIL): %v", err)
			}
			mustExecDB(t, db, "DROP TRIGGER fl; DELETE FROM t") // dg keeps row 1
			if _, err := db.Exec(ctx, "BEGIN; INSERT INTO t VALUES(8, 0); INSERT INTO t VALUES(9, 0)"); err == nil || err.Error() != "not 9" {
				t.Errorf("RAISE(ROLLBACK): %v", err)
			}
			if _, err := db.Exec(ctx, "COMMIT"); err == nil {
				t.Error("RAISE(ROLLBACK) left the transaction open")
			}
			if got := queryRows(t, db, "SELECT a FROM t UNION ALL SELECT x FROM log"); !reflect.DeepEqual(got, [][]any{{int64(1)}}) {
				t.Errorf("rows left: %v", got)
			}
			for _, q := range []string{"SELECT RAISE(IGNORE)", "UPDATE t SET b = RAISE(ABORT, 'x')"} {
				if _, err := db.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "trigger-program") {
					t.Errorf("%s: %v", q, err)
				}
			}
		})
	}
}

// TestStoreVolatileDefault: a DEFAULT that changes per row (random(),
// CURRENT_TIMESTAMP) is kept as SQL and evaluated by each INSERT, not
// once when the table is made.
func TestStoreVolatileDefault(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := OpenStore(s, nil)
	mustExecDB(t, db, "CREATE TABLE d(a, b DEFAULT (random()), c DEFAULT CURRENT_TIMESTAMP, e DEFAULT (1 + 2))")
	mustExecDB(t, db, "INSERT INTO d(a) VALUES(1), (2); INSERT INTO d DEFAULT VALUES; INSERT INTO d VALUES(4, 0, 'x', 9)")
	got := queryRows(t, db, "SELECT count(DISTINCT b), count(*) FILTER (WHERE c GLOB '2*-*-* *:*:*'), sum(e) FROM d WHERE a IS NOT 4")
	if !reflect.DeepEqual(got, [][]any{{int64(3), int64(3), int64(9)}}) {
		t.Errorf("defaults: %v", got)
	}
	if got := queryRows(t, db, "SELECT b, c, e FROM d WHERE a = 4"); !reflect.DeepEqual(got, [][]any{{int64(0), "x", int64(9)}}) {
		t.Errorf("given values: %v", got)
	}
}

// TestStoreRefusals: what the store's catalog cannot hold is refused
// with an error that says so, never accepted and then not enforced.
func TestStoreRefusals(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := OpenStore(s, nil)
	mustExecDB(t, db, "CREATE TABLE t(a, b)")
	for q, want := range map[string]string{
		"CREATE TABLE c1(a CHECK (nope > 0))":           "no such column",
		"CREATE TABLE c2(a, CHECK (a IN (SELECT 1)))":   "subqueries prohibited",
		"CREATE TABLE c3(a TEXT COLLATE NOCASE)":        "COLLATE",
		"CREATE TABLE c4(a, UNIQUE (a COLLATE NOCASE))": "COLLATE",
		"CREATE TABLE c5(a) WITHOUT ROWID":              "PRIMARY KEY missing",
		"CREATE INDEX i1 ON t(a COLLATE NOCASE)":        "COLLATE",
		"CREATE INDEX i2 ON t(a + b)":                   "expressions",
		"CREATE INDEX i3 ON t(a) WHERE b > 0":           "partial",
	} {
		if _, err := db.Exec(context.Background(), q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error about %s", q, err, want)
		}
	}
	if got := queryRows(t, db, "SELECT count(*) FROM t"); !reflect.DeepEqual(got, [][]any{{int64(0)}}) {
		t.Errorf("after the refusals: %v", got)
	}
}
