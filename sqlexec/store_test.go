package sqlexec

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/store"
)

// TestStoreAttached runs queries over a table written through package
// column into a real store (store.OpenMemory) and read back by its
// scanner, joined with an in-memory table; every Arrow buffer is released.
func TestStoreAttached(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Snapshot(s.AppliedPosition())
	if err != nil {
		t.Fatal(err)
	}
	b := batch.New(s.AppliedPosition() + 1)
	wtx := column.NewTx(snap, b)
	if _, err := wtx.CreateTable(&column.Table{Name: "acct", Columns: []column.Column{
		{Name: "id", Type: column.Integer, DeclType: "INTEGER"},
		{Name: "owner", Type: column.Text, DeclType: "TEXT"},
		{Name: "n", Type: column.Integer, DeclType: "INT"},
	}, PrimaryKey: []int{0}}); err != nil {
		t.Fatal(err)
	}
	for i, owner := range []string{"ann", "bob", "cy", "ann"} {
		n := column.MakeInt(int64(10 * (i + 1)))
		if i == 2 {
			n = column.Value{}
		}
		if _, err := wtx.Insert("acct", nil, []column.Value{column.MakeInt(int64(i + 1)), column.MakeText(owner), n}); err != nil {
			t.Fatal(err)
		}
	}
	snap.Close()
	if err := s.Apply(b); err != nil {
		t.Fatal(err)
	}
	snap, err = s.Snapshot(s.AppliedPosition())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db := NewMemory(mem)
	if err := db.AttachTx(column.NewTx(snap, nil)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE owners(name TEXT PRIMARY KEY, city TEXT); INSERT INTO owners VALUES('ann','Oslo'),('bob','Rome')"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		q    string
		want [][]any
	}{
		{"SELECT id, owner, n FROM acct ORDER BY id", [][]any{{int64(1), "ann", int64(10)}, {int64(2), "bob", int64(20)}, {int64(3), "cy", nil}, {int64(4), "ann", int64(40)}}},
		{"SELECT owner, count(*), sum(n), avg(n) FROM acct GROUP BY owner ORDER BY owner", [][]any{{"ann", int64(2), int64(50), 25.0}, {"bob", int64(1), int64(20), 20.0}, {"cy", int64(1), nil, nil}}},
		{"SELECT a.id, o.city FROM acct a LEFT JOIN owners o ON o.name = a.owner ORDER BY a.id", [][]any{{int64(1), "Oslo"}, {int64(2), "Rome"}, {int64(3), nil}, {int64(4), "Oslo"}}},
		{"SELECT id FROM acct WHERE n > (SELECT avg(n) FROM acct) ORDER BY 1", [][]any{{int64(4)}}},
	}
	for _, c := range cases {
		res, err := db.Query(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		if !reflect.DeepEqual(res.Rows, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.q, res.Rows, c.want)
		}
	}
	for _, q := range []string{"INSERT INTO acct VALUES(9, 'x', 1)", "DELETE FROM acct", "UPDATE acct SET n = 1", "DROP TABLE acct", "CREATE INDEX i ON acct(n)"} {
		if _, err := db.Exec(ctx, q); !errors.Is(err, ErrStoreReadOnly) {
			t.Errorf("%s: error %v, want ErrStoreReadOnly", q, err)
		}
	}
	if _, err := db.Query(ctx, "SELECT nosuch FROM acct"); err == nil {
		t.Error("unknown column: no error")
	}
}

func TestExplainAndRecords(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db := NewMemory(mem)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE a(x INTEGER, y TEXT); CREATE TABLE b(x INTEGER, z REAL); INSERT INTO a VALUES(1,'p'),(2,NULL); INSERT INTO b VALUES(1, 2.5)"); err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, "EXPLAIN SELECT a.y, count(*) FROM a LEFT JOIN b ON a.x = b.x GROUP BY a.y ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for _, r := range res.Rows {
		plan = append(plan, r[0].(string))
	}
	want := []string{"SORT 1 key(s)", "  HASH AGGREGATE GROUP BY 1 key(s), 1 aggregate(s)", "    PROJECT 2 column(s)", "      SCAN a", "      LEFT HASH JOIN b"}
	if !reflect.DeepEqual(plan, want) {
		t.Errorf("plan:\n%q\nwant\n%q", plan, want)
	}
	recs, err := db.QueryRecords(ctx, mem, "SELECT a.x, a.y, b.z FROM a LEFT JOIN b ON a.x = b.x ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].NumRows() != 2 || recs[0].NumCols() != 3 {
		t.Fatalf("records: %d batches", len(recs))
	}
	var got []any
	for c := 0; c < 3; c++ {
		for r := 0; r < 2; r++ {
			v, err := column.ValueAt(recs[0].Column(c), r)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, goValue(v))
		}
	}
	for _, r := range recs {
		r.Release()
	}
	if want := []any{int64(1), int64(2), "p", nil, 2.5, nil}; !reflect.DeepEqual(got, want) {
		t.Errorf("records: %v, want %v", got, want)
	}
}

// TestAsOf reads a store's table at past positions, per table reference
// and per statement.
func TestAsOf(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	write := func(fn func(tx *column.Tx)) {
		snap, err := s.Snapshot(s.AppliedPosition())
		if err != nil {
			t.Fatal(err)
		}
		b := batch.New(s.AppliedPosition() + 1)
		fn(column.NewTx(snap, b))
		snap.Close()
		if err := s.Apply(b); err != nil {
			t.Fatal(err)
		}
	}
	write(func(tx *column.Tx) {
		if _, err := tx.CreateTable(&column.Table{Name: "kv", Columns: []column.Column{
			{Name: "k", Type: column.Integer, DeclType: "INTEGER"}, {Name: "v", Type: column.Text, DeclType: "TEXT"}}, PrimaryKey: []int{0}}); err != nil {
			t.Fatal(err)
		}
		tx.Insert("kv", nil, []column.Value{column.MakeInt(1), column.MakeText("a")})
	})
	p1 := s.AppliedPosition()
	write(func(tx *column.Tx) {
		tx.Insert("kv", nil, []column.Value{column.MakeInt(2), column.MakeText("b")})
		if err := tx.Update("kv", []column.Value{column.MakeInt(1)}, []string{"v"}, []column.Value{column.MakeText("a2")}); err != nil {
			t.Fatal(err)
		}
	})
	p2 := s.AppliedPosition()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db := NewMemory(mem)
	db.AttachStore(s)
	ctx := context.Background()
	q := func(sql string, args ...any) [][]any {
		t.Helper()
		res, err := db.Query(ctx, sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return res.Rows
	}
	if got := q("SELECT k, v FROM kv ORDER BY k"); !reflect.DeepEqual(got, [][]any{{int64(1), "a2"}, {int64(2), "b"}}) {
		t.Errorf("now: %v", got)
	}
	if got := q("SELECT k, v FROM kv FOR SYSTEM_TIME AS OF OFFSET ? ORDER BY k", int64(p1)); !reflect.DeepEqual(got, [][]any{{int64(1), "a"}}) {
		t.Errorf("at %d: %v", p1, got)
	}
	if got := q(fmt.Sprintf("SELECT k, v FROM kv ORDER BY k AS OF OFFSET %d", p1)); !reflect.DeepEqual(got, [][]any{{int64(1), "a"}}) {
		t.Errorf("statement at %d: %v", p1, got)
	}
	got := q(fmt.Sprintf("SELECT n.k, o.v, n.v FROM kv FOR SYSTEM_TIME AS OF OFFSET %d AS o JOIN kv AS n ON n.k = o.k", p1))
	if !reflect.DeepEqual(got, [][]any{{int64(1), "a", "a2"}}) {
		t.Errorf("then and now: %v", got)
	}
	_, err = db.Query(ctx, fmt.Sprintf("SELECT * FROM kv FOR SYSTEM_TIME AS OF OFFSET %d", p2+5))
	if !errors.Is(err, store.ErrPositionAhead) || !strings.Contains(err.Error(), "kv") {
		t.Errorf("ahead: %v", err)
	}
	if _, err := db.Query(ctx, "SELECT * FROM kv FOR SYSTEM_TIME AS OF OFFSET 0"); err == nil {
		t.Error("table before it existed: no error")
	}
	if _, err := db.Exec(ctx, "INSERT INTO kv VALUES(3, 'c')"); err == nil {
		t.Error("write to a store table: no error")
	}
}

// TestOpenStore: SQL writes become one batch per statement (or per
// transaction), failing statements and ROLLBACK leave nothing, a
// transaction reads its own writes, and past positions stay readable.
func TestOpenStore(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db := OpenStore(s, mem)
	ctx := context.Background()
	exec := func(q string) error { _, err := db.Exec(ctx, q); return err }
	rows := func(q string) [][]any {
		t.Helper()
		res, err := db.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return res.Rows
	}
	if err := exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c)"); err != nil {
		t.Fatal(err)
	}
	p0 := s.AppliedPosition()
	if err := exec("INSERT INTO t VALUES(1, 'x', 1.5), (2, 'y', NULL)"); err != nil {
		t.Fatal(err)
	}
	if s.AppliedPosition() != p0+1 {
		t.Errorf("one INSERT: position %d -> %d, want one batch", p0, s.AppliedPosition())
	}
	p1 := s.AppliedPosition()
	if err := exec("INSERT INTO t VALUES(3, 'z', 0), (4, 'x', 0)"); err == nil {
		t.Error("duplicate unique value: no error")
	}
	if s.AppliedPosition() != p1 || !reflect.DeepEqual(rows("SELECT count(*) FROM t"), [][]any{{int64(2)}}) {
		t.Error("a failing INSERT left rows or a batch")
	}
	if err := exec("BEGIN; INSERT INTO t VALUES(3, 'z', 0); UPDATE t SET c = a * 10 WHERE a > 1; DELETE FROM t WHERE a = 1"); err != nil {
		t.Fatal(err)
	}
	if got := rows("SELECT a, b, c FROM t ORDER BY a"); !reflect.DeepEqual(got, [][]any{{int64(2), "y", int64(20)}, {int64(3), "z", int64(30)}}) {
		t.Errorf("inside the transaction: %v", got)
	}
	if s.AppliedPosition() != p1 {
		t.Error("writes applied before COMMIT")
	}
	if err := exec("UPDATE t SET b = 'y' WHERE a = 3"); err == nil {
		t.Error("unique clash in UPDATE: no error")
	}
	if err := exec("COMMIT"); err != nil {
		t.Fatal(err)
	}
	if s.AppliedPosition() != p1+1 {
		t.Errorf("COMMIT: position %d, want %d", s.AppliedPosition(), p1+1)
	}
	if got := rows("SELECT a, b, c FROM t ORDER BY a"); !reflect.DeepEqual(got, [][]any{{int64(2), "y", int64(20)}, {int64(3), "z", int64(30)}}) {
		t.Errorf("after COMMIT: %v", got)
	}
	if err := exec("BEGIN; DELETE FROM t; ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if got := rows(fmt.Sprintf("SELECT a, b, c FROM t FOR SYSTEM_TIME AS OF OFFSET %d ORDER BY a", p1)); !reflect.DeepEqual(got, [][]any{{int64(1), "x", 1.5}, {int64(2), "y", nil}}) {
		t.Errorf("at %d: %v", p1, got)
	}
	if got := rows("SELECT count(*) FROM t"); !reflect.DeepEqual(got, [][]any{{int64(2)}}) {
		t.Errorf("after ROLLBACK: %v", got)
	}
}
