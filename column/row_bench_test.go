package column

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The benchmark table: 8 non-key columns, 3 integers, 2 reals, 3 short texts.
var benchTypes = []Type{Integer, Integer, Integer, Real, Real, Text, Text, Text}

func benchRows(n int) (*Layout, [][]byte) {
	l, err := NewLayout(1, 0, benchTypes, nil)
	if err != nil {
		panic(err)
	}
	rows := make([][]byte, n)
	for i := range rows {
		vals := []Value{
			MakeInt(int64(i)), MakeInt(int64(i * 7)), MakeInt(int64(-i)),
			MakeReal(float64(i) / 3), MakeReal(float64(i) * 1.5),
			MakeText(fmt.Sprintf("name-%d", i)), MakeText("status-ok"), MakeText(fmt.Sprintf("c%d", i%97)),
		}
		rows[i], err = l.AppendRow(nil, vals)
		if err != nil {
			panic(err)
		}
	}
	return l, rows
}

func BenchmarkRowEncode(b *testing.B) {
	l, _ := benchRows(1)
	vals := []Value{MakeInt(42), MakeInt(7), MakeInt(-3), MakeReal(1.5), MakeReal(2.25),
		MakeText("name-42"), MakeText("status-ok"), MakeText("c42")}
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = l.AppendRow(buf[:0], vals)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// benchDecode decodes the given columns of 4,096 rows into Arrow
// builders per iteration, as a scan filling one record batch does.
func benchDecode(b *testing.B, cols []int) {
	const batch = 4096
	l, rows := benchRows(batch)
	mem := memory.NewGoAllocator()
	builders := make([]array.Builder, len(cols))
	for j, c := range cols {
		builders[j] = array.NewBuilder(mem, benchTypes[c].ArrowType())
		defer builders[j].Release()
	}
	var bytes int64
	for _, r := range rows {
		bytes += int64(len(r))
	}
	b.SetBytes(bytes)
	b.ReportAllocs()
	for b.Loop() {
		for _, bl := range builders {
			bl.Reserve(batch)
			if sb, ok := bl.(*array.StringBuilder); ok {
				sb.ReserveData(batch * 12) // the texts average under 12 bytes
			}
		}
		var v RowView
		for _, r := range rows {
			if err := v.Reset(l, r); err != nil {
				b.Fatal(err)
			}
			for j, c := range cols {
				if err := v.AppendTo(builders[j], c); err != nil {
					b.Fatal(err)
				}
			}
		}
		for _, bl := range builders {
			bl.NewArray().Release()
		}
	}
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchProject is benchDecode through a Projection.
func benchProject(b *testing.B, cols []int) {
	const batch = 4096
	l, rows := benchRows(batch)
	mem := memory.NewGoAllocator()
	builders := make([]array.Builder, len(cols))
	for j, c := range cols {
		builders[j] = array.NewBuilder(mem, benchTypes[c].ArrowType())
		defer builders[j].Release()
	}
	p, err := l.NewProjection(cols, builders)
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	for _, r := range rows {
		bytes += int64(len(r))
	}
	b.SetBytes(bytes)
	b.ReportAllocs()
	for b.Loop() {
		for _, bl := range builders {
			bl.Reserve(batch)
			if sb, ok := bl.(*array.StringBuilder); ok {
				sb.ReserveData(batch * 12)
			}
		}
		for _, r := range rows {
			if err := p.Append(r); err != nil {
				b.Fatal(err)
			}
		}
		for _, bl := range builders {
			bl.NewArray().Release()
		}
	}
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkProject1of8(b *testing.B) { benchProject(b, []int{1}) }
func BenchmarkProject8of8(b *testing.B) { benchProject(b, []int{0, 1, 2, 3, 4, 5, 6, 7}) }

func BenchmarkRowDecode1of8(b *testing.B)     { benchDecode(b, []int{1}) }
func BenchmarkRowDecodeText1of8(b *testing.B) { benchDecode(b, []int{6}) }
func BenchmarkRowDecode8of8(b *testing.B)     { benchDecode(b, []int{0, 1, 2, 3, 4, 5, 6, 7}) }

func BenchmarkRowMatch(b *testing.B) {
	l, rows := benchRows(4096)
	preds := []Predicate{{Column: 1, Op: Gt, Value: MakeInt(1000)}, {Column: 5, Op: Eq, Value: MakeText("name-77")}}
	b.ReportAllocs()
	var v RowView
	for b.Loop() {
		for _, r := range rows {
			if err := v.Reset(l, r); err != nil {
				b.Fatal(err)
			}
			for _, p := range preds {
				if _, err := v.Match(p); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(4096*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
