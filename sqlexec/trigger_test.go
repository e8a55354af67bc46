package sqlexec

import (
	"context"
	"reflect"
	"testing"
)

func TestTriggers(t *testing.T) {
	db := NewMemory(nil)
	ctx := context.Background()
	mustExec := func(q string) {
		t.Helper()
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
		CREATE TABLE log(ev TEXT, a, b, ob);
		CREATE TRIGGER ti AFTER INSERT ON t BEGIN INSERT INTO log VALUES('ins', new.a, new.b, NULL); END;
		CREATE TRIGGER tu AFTER UPDATE OF b ON t WHEN new.b <> old.b BEGIN INSERT INTO log VALUES('upd', new.a, new.b, old.b); END;
		CREATE TRIGGER td BEFORE DELETE ON t BEGIN INSERT INTO log SELECT 'del', old.a, old.b, count(*) FROM t; END;`)
	mustExec("INSERT INTO t VALUES(1, 'x'), (2, 'y')")
	mustExec("UPDATE t SET b = 'z' WHERE a = 1")
	mustExec("UPDATE t SET b = 'y' WHERE a = 2") // WHEN is false: no log
	mustExec("UPDATE t SET a = a WHERE a = 2")   // not an update of b: no log
	mustExec("DELETE FROM t WHERE a = 2")
	res, err := db.Query(ctx, "SELECT * FROM log")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"ins", int64(1), "x", nil}, {"ins", int64(2), "y", nil}, {"upd", int64(1), "z", "x"}, {"del", int64(2), "y", int64(2)}}
	if !reflect.DeepEqual(res.Rows, want) {
		t.Errorf("log:\n got %v\nwant %v", res.Rows, want)
	}
	// errors: duplicate name, unknown table, and a failing trigger undoes the statement
	for _, q := range []string{
		"CREATE TRIGGER ti AFTER INSERT ON t BEGIN SELECT 1; END",
		"CREATE TRIGGER tx AFTER INSERT ON nosuch BEGIN SELECT 1; END",
		"DROP TRIGGER nosuch",
	} {
		if _, err := db.Exec(ctx, q); err == nil {
			t.Errorf("%s: no error", q)
		}
	}
	mustExec("CREATE TRIGGER bad AFTER INSERT ON t BEGIN INSERT INTO nosuch VALUES(1); END")
	if _, err := db.Exec(ctx, "INSERT INTO t VALUES(3, 'w')"); err == nil {
		t.Error("insert firing a failing trigger: no error")
	}
	res, _ = db.Query(ctx, "SELECT count(*) FROM t WHERE a = 3 UNION ALL SELECT count(*) FROM log")
	if !reflect.DeepEqual(res.Rows, [][]any{{int64(0)}, {int64(4)}}) {
		t.Errorf("after a failed insert: %v, want nothing written", res.Rows)
	}
	mustExec("DROP TRIGGER bad; DROP TABLE t")
	if _, err := db.Exec(ctx, "DROP TRIGGER ti"); err == nil {
		t.Error("trigger survived DROP TABLE")
	}
}
