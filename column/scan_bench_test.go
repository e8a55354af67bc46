package column

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	_ "modernc.org/sqlite"
)

// The scan benchmarks: a table of 1M rows by 8 columns (an INTEGER
// PRIMARY KEY, three integers, two reals, two short texts), the same rows
// in SQLite (modernc.org/sqlite, in memory, as the store is), and 20% of
// the rows updated after position p0 so that a scan at p0 merges history.
// They only run with -bench; TestBenchFixture runs the same set-up small.

var benchCols = []Column{
	{Name: "id", Type: Integer, DeclType: "INTEGER"},
	{Name: "i1", Type: Integer, DeclType: "INTEGER"},
	{Name: "i2", Type: Integer, DeclType: "INTEGER"},
	{Name: "i3", Type: Integer, DeclType: "INTEGER"},
	{Name: "r1", Type: Real, DeclType: "REAL"},
	{Name: "r2", Type: Real, DeclType: "REAL"},
	{Name: "t1", Type: Text, DeclType: "TEXT"},
	{Name: "t2", Type: Text, DeclType: "TEXT"},
}

func benchRow(i int, gen int) []Value {
	return []Value{
		MakeInt(int64(i + 1)),
		MakeInt(int64(i * 7)),
		MakeInt(int64(i%1000 + gen)),
		MakeInt(int64(i) << 20),
		MakeReal(float64(i) / 3),
		MakeReal(float64(i%97) * 1.5),
		MakeText(fmt.Sprintf("name-%06d", i)),
		MakeText([]string{"red", "green", "blue", "cyan"}[i%4]),
	}
}

type benchFixture struct {
	s      *store.Store
	p0, p1 batch.Offset // all rows at p0; 20% updated by p1
	db     *sql.DB
	rows   int
}

var (
	benchOnce sync.Once
	bench     *benchFixture
	benchErr  error
)

func newBenchFixture(rows int, withSQLite bool) (*benchFixture, error) {
	s, err := store.OpenMemory(&store.Options{CacheBytes: 1 << 30})
	if err != nil {
		return nil, err
	}
	f := &benchFixture{s: s, rows: rows}
	step := func(fn func(tx *Tx) error) error {
		pos := s.AppliedPosition()
		snap, err := s.Snapshot(pos)
		if err != nil {
			return err
		}
		b := batch.New(pos + 1)
		err = fn(NewTx(snap, b))
		snap.Close()
		if err != nil {
			return err
		}
		return s.Apply(b)
	}
	if err := step(func(tx *Tx) error {
		_, err := tx.CreateTable(&Table{Name: "bench", Columns: benchCols, PrimaryKey: []int{0}})
		return err
	}); err != nil {
		return nil, err
	}
	const per = 10000
	for start := 0; start < rows; start += per {
		if err := step(func(tx *Tx) error {
			for i := start; i < min(start+per, rows); i++ {
				if _, err := tx.Insert("bench", nil, benchRow(i, 0)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	f.p0 = s.AppliedPosition()
	r := rand.New(rand.NewPCG(1, 2))
	for done := 0; done < rows/5; done += per {
		if err := step(func(tx *Tx) error {
			for j := 0; j < min(per, rows/5-done); j++ {
				i := r.IntN(rows)
				if err := tx.Update("bench", []Value{MakeInt(int64(i + 1))}, nil, benchRow(i, 1)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	f.p1 = s.AppliedPosition()
	if !withSQLite {
		return f, nil
	}
	db, err := sql.Open("sqlite", "file:bench?mode=memory")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE bench (id INTEGER PRIMARY KEY, i1 INTEGER, i2 INTEGER, i3 INTEGER, r1 REAL, r2 REAL, t1 TEXT, t2 TEXT)`); err != nil {
		return nil, err
	}
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	st, err := tx.Prepare(`INSERT INTO bench VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	for i := 0; i < rows; i++ {
		v := benchRow(i, 0)
		if _, err := st.Exec(v[0].Int(), v[1].Int(), v[2].Int(), v[3].Int(), v[4].Float(), v[5].Float(), v[6].Text(), v[7].Text()); err != nil {
			return nil, err
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	f.db = db
	return f, nil
}

func getBench(b *testing.B) *benchFixture {
	benchOnce.Do(func() {
		start := time.Now()
		bench, benchErr = newBenchFixture(1_000_000, true)
		b.Logf("fixture of 1M rows (store and SQLite) built in %v", time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

// scanAll scans the whole table at pos and returns the rows and the bytes
// of Arrow buffers produced.
func scanAll(tb testing.TB, s *store.Store, pos batch.Offset, cols []string) (rows, bytes int64) {
	snap, err := s.Snapshot(pos)
	if err != nil {
		tb.Fatal(err)
	}
	defer snap.Close()
	sc, err := NewTx(snap, nil).Scan(context.Background(), "bench", &ScanOptions{Columns: cols})
	if err != nil {
		tb.Fatal(err)
	}
	defer sc.Release()
	for sc.Next() {
		rec := sc.RecordBatch()
		rows += rec.NumRows()
		for _, c := range rec.Columns() {
			bytes += arrowBytes(c.Data())
		}
	}
	if sc.Err() != nil {
		tb.Fatal(sc.Err())
	}
	return rows, bytes
}

func arrowBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += arrowBytes(c)
	}
	return n
}

func benchScan(b *testing.B, pos func(*benchFixture) batch.Offset, cols []string) {
	f := getBench(b)
	b.ResetTimer()
	var rows, bytes int64
	for i := 0; i < b.N; i++ {
		rows, bytes = scanAll(b, f.s, pos(f), cols)
	}
	if rows != int64(f.rows) {
		b.Fatalf("scanned %d rows, want %d", rows, f.rows)
	}
	b.SetBytes(bytes)
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkScan8: every column of every row into record batches.
func BenchmarkScan8(b *testing.B) {
	benchScan(b, func(f *benchFixture) batch.Offset { return f.p1 }, nil)
}

// BenchmarkScan1: one integer column of 8.
func BenchmarkScan1(b *testing.B) {
	benchScan(b, func(f *benchFixture) batch.Offset { return f.p1 }, []string{"i1"})
}

// BenchmarkScan8Past: every column, at the position before 20% of the
// rows were updated (the scan merges current rows and history).
func BenchmarkScan8Past(b *testing.B) {
	benchScan(b, func(f *benchFixture) batch.Offset { return f.p0 }, nil)
}

// BenchmarkScanFilter: every column of the rows where i1 < 7000 (0.1%),
// the filter evaluated on the encoded rows before anything is built.
func BenchmarkScanFilter(b *testing.B) {
	benchScanOpts(b, &ScanOptions{Filters: []Filter{{Column: "i1", Op: Lt, Value: MakeInt(7000)}}}, 1000)
}

// BenchmarkScanKeyRange: every column of 1% of the rows, by a primary-key
// range that becomes the store range.
func BenchmarkScanKeyRange(b *testing.B) {
	benchScanOpts(b, &ScanOptions{Lower: &Bound{Values: []Value{MakeInt(500_001)}}, Upper: &Bound{Values: []Value{MakeInt(510_000)}}}, 10_000)
}

func benchScanOpts(b *testing.B, opts *ScanOptions, want int64) {
	f := getBench(b)
	snap, err := f.s.Snapshot(f.p1)
	if err != nil {
		b.Fatal(err)
	}
	defer snap.Close()
	tx := NewTx(snap, nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sc, err := tx.Scan(context.Background(), "bench", opts)
		if err != nil {
			b.Fatal(err)
		}
		var rows int64
		for sc.Next() {
			rows += sc.RecordBatch().NumRows()
		}
		if sc.Err() != nil || rows != want {
			b.Fatalf("%d rows, %v; want %d", rows, sc.Err(), want)
		}
		sc.Release()
	}
}

// BenchmarkSQLiteScan8: the same full scan through modernc.org/sqlite's
// database/sql API (SELECT of the 8 columns), the figure to beat.
func BenchmarkSQLiteScan8(b *testing.B) {
	f := getBench(b)
	b.ResetTimer()
	var rows int64
	for i := 0; i < b.N; i++ {
		rows = 0
		rs, err := f.db.Query(`SELECT id, i1, i2, i3, r1, r2, t1, t2 FROM bench`)
		if err != nil {
			b.Fatal(err)
		}
		var id, i1, i2, i3 int64
		var r1, r2 float64
		var t1, t2 string
		for rs.Next() {
			if err := rs.Scan(&id, &i1, &i2, &i3, &r1, &r2, &t1, &t2); err != nil {
				b.Fatal(err)
			}
			rows++
		}
		if err := rs.Err(); err != nil {
			b.Fatal(err)
		}
		rs.Close()
	}
	if rows != int64(f.rows) {
		b.Fatalf("SQLite scanned %d rows", rows)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkGet: point lookup of one row (all 8 columns) by primary key.
func BenchmarkGet(b *testing.B) {
	f := getBench(b)
	snap, err := f.s.Snapshot(f.p1)
	if err != nil {
		b.Fatal(err)
	}
	defer snap.Close()
	tx := NewTx(snap, nil)
	r := rand.New(rand.NewPCG(3, 4))
	key := make([]Value, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key[0] = MakeInt(int64(r.IntN(f.rows) + 1))
		if _, err := tx.Get("bench", key, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsert1000: a batch of 1,000 rows (8 columns) through Insert,
// then applied; the table grows as it runs.
func BenchmarkInsert1000(b *testing.B) {
	f, err := newBenchFixture(0, false)
	if err != nil {
		b.Fatal(err)
	}
	defer f.s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pos := f.s.AppliedPosition()
		snap, err := f.s.Snapshot(pos)
		if err != nil {
			b.Fatal(err)
		}
		bt := batch.New(pos + 1)
		tx := NewTx(snap, bt)
		for j := 0; j < 1000; j++ {
			if _, err := tx.Insert("bench", nil, benchRow(i*1000+j, 0)); err != nil {
				b.Fatal(err)
			}
		}
		snap.Close()
		if err := f.s.Apply(bt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "rows/s")
}

// TestBenchFixture runs the benchmarks' set-up small: the store and SQLite
// hold the same rows, scans see every row at both positions, and the
// projected scan produces less.
func TestBenchFixture(t *testing.T) {
	f, err := newBenchFixture(3000, true)
	if err != nil {
		t.Fatal(err)
	}
	defer f.s.Close()
	defer f.db.Close()
	rows8, bytes8 := scanAll(t, f.s, f.p1, nil)
	rows1, bytes1 := scanAll(t, f.s, f.p1, []string{"i1"})
	past, _ := scanAll(t, f.s, f.p0, nil)
	if rows8 != 3000 || rows1 != 3000 || past != 3000 || bytes1*3 > bytes8 {
		t.Fatalf("rows %d %d %d, bytes %d %d", rows8, rows1, past, bytes8, bytes1)
	}
	var n int64
	var sum float64
	if err := f.db.QueryRow(`SELECT count(*), sum(r1) FROM bench`).Scan(&n, &sum); err != nil || n != 3000 {
		t.Fatalf("SQLite: %d rows, %v", n, err)
	}
	snap, _ := f.s.Snapshot(f.p0)
	defer snap.Close()
	v, err := NewTx(snap, nil).Get("bench", []Value{MakeInt(1234)}, []string{"t1", "r1"})
	if err != nil || tupleString(v) != tupleString(benchRow(1233, 0)[6:7])[:len(tupleString(benchRow(1233, 0)[6:7]))-1]+", "+benchRow(1233, 0)[4].String()+")" {
		t.Fatalf("get at p0: %v %v", v, err)
	}
}

// BenchmarkRangeFloor: the store's own walk over the table's rows with a
// callback that does nothing: the floor under every scan above.
func BenchmarkRangeFloor(b *testing.B) {
	f := getBench(b)
	snap, err := f.s.Snapshot(f.p1)
	if err != nil {
		b.Fatal(err)
	}
	defer snap.Close()
	c, err := NewTx(snap, nil).Catalog()
	if err != nil {
		b.Fatal(err)
	}
	t, _ := c.Table("bench")
	b.ResetTimer()
	var rows int64
	for i := 0; i < b.N; i++ {
		rows = 0
		if err := snap.Range(context.Background(), t.ID, nil, nil, func(k, v []byte) error { rows++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
