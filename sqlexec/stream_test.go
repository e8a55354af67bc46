package sqlexec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/store"
)

// streamDB is a store-backed DB with t(id, g, i) of n rows, the last of
// which holds -2^63 in i (abs() of it is an error).
func streamDB(t *testing.T, n int) (*DB, *memory.CheckedAllocator) {
	t.Helper()
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() {
		s.Close()
		mem.AssertSize(t, 0)
	})
	db := OpenStore(s, mem)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE t(id INTEGER PRIMARY KEY, g INTEGER, i INTEGER)"); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO t VALUES ")
	for k := 1; k <= n; k++ {
		if k > 1 {
			sb.WriteByte(',')
		}
		i := int64(k)
		if k == n {
			i = -1 << 63
		}
		fmt.Fprintf(&sb, "(%d, %d, %d)", k, k%10, i)
	}
	if _, err := db.Exec(ctx, sb.String()); err != nil {
		t.Fatal(err)
	}
	return db, mem
}

func drain(t *testing.T, rr array.RecordReader) (rows int64, first []Value) {
	t.Helper()
	for rr.Next() {
		rec := rr.RecordBatch()
		if first == nil && rec.NumRows() > 0 {
			for c := 0; c < int(rec.NumCols()); c++ {
				v, err := column.ValueAt(rec.Column(c), 0)
				if err != nil {
					t.Fatal(err)
				}
				first = append(first, v)
			}
		}
		rows += rec.NumRows()
	}
	return rows, first
}

// TestQueryArrowStreams: the stream has every row. (That batches leave
// before the scan ends is TestQueryArrowErrors: rows arrive before the
// error in the table's last row.)
func TestQueryArrowStreams(t *testing.T) {
	const n = 20 * scanBatchRows
	db, _ := streamDB(t, n)
	ctx := context.Background()
	rr, err := db.QueryArrow(ctx, "SELECT id, i + 1 FROM t WHERE g <> 3")
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if !rr.Next() {
		t.Fatalf("no first batch: %v", rr.Err())
	}
	got := rr.RecordBatch().NumRows()
	rows, _ := drain(t, rr)
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	if want := int64(n - n/10); got+rows != want {
		t.Fatalf("%d rows, want %d", got+rows, want)
	}
}

// TestQueryArrowReleaseStops: releasing the reader after one batch stops
// the scan and gives every buffer back (the cleanup checks the allocator).
func TestQueryArrowReleaseStops(t *testing.T) {
	db, _ := streamDB(t, 10*scanBatchRows)
	rr, err := db.QueryArrow(context.Background(), "SELECT * FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if !rr.Next() {
		t.Fatal(rr.Err())
	}
	rs := rr.(*recordStream)
	rr.Release()
	select {
	case <-rs.done:
	default:
		t.Fatal("the query still runs after Release")
	}
	// db is free again
	res, err := db.Query(context.Background(), "SELECT count(*) FROM t")
	if err != nil || res.Rows[0][0] != int64(10*scanBatchRows) {
		t.Fatalf("%v %v", res, err)
	}
}

func TestQueryArrowShapes(t *testing.T) {
	db, _ := streamDB(t, 3*scanBatchRows)
	ctx := context.Background()
	for _, c := range []struct {
		sql   string
		rows  int64
		first []Value
	}{
		{"SELECT id FROM t LIMIT 5 OFFSET 1030", 5, []Value{column.MakeInt(1031)}},
		{"SELECT id FROM t WHERE g = 1 LIMIT 2", 2, []Value{column.MakeInt(1)}},
		{"SELECT id, g FROM t ORDER BY id DESC LIMIT 3", 3, []Value{column.MakeInt(3 * scanBatchRows), column.MakeInt(2)}},
		{"SELECT g, count(*) FROM t GROUP BY g", 10, []Value{column.MakeInt(0), column.MakeInt(307)}},
		{"CREATE TABLE u(x); SELECT 1, 'a'", 1, []Value{column.MakeInt(1), column.MakeText("a")}},
		{"SELECT id FROM t LIMIT 0", 0, nil},
		{"EXPLAIN SELECT id FROM t", 0, nil},
	} {
		rr, err := db.QueryArrow(ctx, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		rows, first := drain(t, rr)
		err = rr.Err()
		rr.Release()
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if strings.HasPrefix(c.sql, "EXPLAIN") {
			if rows == 0 {
				t.Errorf("%s: no plan", c.sql)
			}
			continue
		}
		if rows != c.rows || fmt.Sprint(first) != fmt.Sprint(c.first) {
			t.Errorf("%s: %d rows, first %v; want %d, %v", c.sql, rows, first, c.rows, c.first)
		}
	}
}

func TestQueryArrowErrors(t *testing.T) {
	db, _ := streamDB(t, 3*column.DefaultBatchSize)
	ctx := context.Background()
	// the error comes after batches were handed out: Err reports it
	rr, err := db.QueryArrow(ctx, "SELECT abs(i) FROM t")
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := drain(t, rr)
	err = rr.Err()
	rr.Release()
	if err == nil || !strings.Contains(err.Error(), "integer overflow") || rows == 0 {
		t.Fatalf("after %d rows: %v, want integer overflow", rows, err)
	}
	for _, q := range []string{"SELECT nope FROM t", "INSERT INTO t(g) VALUES (1)", "SELEC 1", "SELECT * FROM missing"} {
		if rr, err := db.QueryArrow(ctx, q); err == nil {
			rr.Release()
			t.Errorf("%s: no error", q)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	if rr, err := db.QueryArrow(ctx, "SELECT * FROM t"); err == nil {
		_, _ = drain(t, rr)
		err = rr.Err()
		rr.Release()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: %v", err)
		}
	} else if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestExplainVectorised: a core over one store table runs vectorised and
// its scan reads only the columns the query uses.
func TestExplainVectorised(t *testing.T) {
	db, _ := streamDB(t, 10)
	res, err := db.Query(context.Background(), "EXPLAIN SELECT g, sum(i) FROM t WHERE g > 2 GROUP BY g")
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for _, r := range res.Rows {
		plan = append(plan, r[0].(string))
	}
	want := []string{
		"HASH AGGREGATE GROUP BY 1 key(s), 1 aggregate(s) (vectorised)",
		"  PROJECT 2 column(s) (vectorised)",
		"    FILTER 1 term(s) (vectorised, selection vectors)",
		"    SCAN t (store scanner, 2 of 4 columns)",
	}
	if strings.Join(plan, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan:\n%s\nwant\n%s", strings.Join(plan, "\n"), strings.Join(want, "\n"))
	}
}

// poisonAllocator overwrites memory as it is freed, so that a value still
// pointing into a released record reads garbage.
type poisonAllocator struct{ memory.Allocator }

func (p poisonAllocator) Free(b []byte) {
	for i := range b {
		b[i] = '#'
	}
	p.Allocator.Free(b)
}

// TestValuesOutliveBatches: group keys, min/max and result rows read
// from a store table's records stay intact after the records are freed.
func TestValuesOutliveBatches(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := OpenStore(s, poisonAllocator{memory.NewGoAllocator()})
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE t(id INTEGER PRIMARY KEY, g INTEGER, c TEXT)"); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO t VALUES ")
	const n = 3 * column.DefaultBatchSize
	for k := 1; k <= n; k++ {
		if k > 1 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "(%d, %d, 'name-%05d')", k, k%3, k)
	}
	if _, err := db.Exec(ctx, sb.String()); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"SELECT g, min(c), max(c) FROM t GROUP BY g ORDER BY g":                            "[[0 name-00003 name-12288] [1 name-00001 name-12286] [2 name-00002 name-12287]]",
		"SELECT c FROM t WHERE id % 4096 = 0 ORDER BY id":                                  "[[name-04096] [name-08192] [name-12288]]",
		"SELECT c, count(*) FROM t WHERE id % 4096 = 1 GROUP BY c ORDER BY c":              "[[name-00001 1] [name-04097 1] [name-08193 1]]",
		"SELECT g, max(c) FILTER (WHERE id < 5000) FROM t GROUP BY g ORDER BY g":           "[[0 name-04998] [1 name-04999] [2 name-04997]]",
		"SELECT a.c FROM t a JOIN t b ON a.id = b.id + 1 WHERE b.id % 4096 = 0 ORDER BY 1": "[[name-04097] [name-08193]]",
	} {
		res, err := db.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got := fmt.Sprint(res.Rows); got != want {
			t.Errorf("%s:\n got %s\nwant %s", q, got, want)
		}
	}
}
