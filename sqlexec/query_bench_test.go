package sqlexec_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/projstore/projstore/sqlexec"
	"github.com/projstore/projstore/store"
)

// benchRows is the size of the table the query benchmarks read: large
// enough that a query is dominated by its scan, small enough to load in a
// second or two.
const benchRows = 200_000

var benchDB = struct {
	once sync.Once
	db   *sqlexec.DB
	err  error
}{}

// storeBenchDB is t(id INTEGER PRIMARY KEY, g INTEGER, a INTEGER, b REAL,
// c TEXT) in a store, with 1,000 groups of g, loaded once per process.
func storeBenchDB(b *testing.B) *sqlexec.DB {
	benchDB.once.Do(func() {
		s, err := store.OpenMemory(nil)
		if err != nil {
			benchDB.err = err
			return
		}
		db := sqlexec.OpenStore(s, nil)
		ctx := context.Background()
		if _, err := db.Exec(ctx, "CREATE TABLE t(id INTEGER PRIMARY KEY, g INTEGER, a INTEGER, b REAL, c TEXT)"); err != nil {
			benchDB.err = err
			return
		}
		const chunk = 10_000
		for start := 0; start < benchRows; start += chunk {
			var sb strings.Builder
			sb.WriteString("INSERT INTO t VALUES ")
			for i := start; i < start+chunk; i++ {
				if i > start {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, "(%d,%d,%d,%g,'name-%d')", i, i%1000, (i*7919)%100000, float64(i%977)/4, i%5000)
			}
			if _, err := db.Exec(ctx, sb.String()); err != nil {
				benchDB.err = err
				return
			}
		}
		benchDB.db = db
	})
	if benchDB.err != nil {
		b.Fatal(benchDB.err)
	}
	return benchDB.db
}

func benchQuery(b *testing.B, sql string) {
	db := storeBenchDB(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := db.Query(ctx, sql)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Rows) == 0 {
			b.Fatal("no rows")
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkQueryGroupBy(b *testing.B) {
	benchQuery(b, "SELECT g, count(*), sum(a), avg(b) FROM t GROUP BY g")
}

func BenchmarkQueryCountFilter(b *testing.B) {
	benchQuery(b, "SELECT count(*) FROM t WHERE a < 50000 AND b > 10.0")
}

func BenchmarkQueryProjectFilter(b *testing.B) {
	benchQuery(b, "SELECT id, a + 1, c FROM t WHERE g = 7")
}

func BenchmarkQuerySumExpr(b *testing.B) {
	benchQuery(b, "SELECT sum(a * 2 - g), max(b), min(a) FROM t WHERE a % 3 = 0")
}

func BenchmarkQueryJoin(b *testing.B) {
	benchQuery(b, "SELECT count(*), sum(y.a) FROM t x JOIN t y ON x.id = y.g WHERE x.g < 10")
}

func BenchmarkQueryOrderBy(b *testing.B) {
	benchQuery(b, "SELECT id, a, c FROM t WHERE g < 200 ORDER BY a DESC, c LIMIT 10")
}

func BenchmarkQueryDistinct(b *testing.B) {
	benchQuery(b, "SELECT DISTINCT c, g % 7 FROM t")
}
