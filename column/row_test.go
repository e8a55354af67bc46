package column

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"pgregory.net/rapid"
)

var columnTypes = []Type{Integer, Real, Text, Blob, Boolean, Timestamp, Any}

// genRowValue draws a value for a column of type t: mostly of its own
// type, sometimes NULL or of another class.
func genRowValue(t Type) *rapid.Generator[Value] {
	return rapid.Custom(func(rt *rapid.T) Value {
		v := genValue().Draw(rt, "v")
		if rapid.IntRange(0, 3).Draw(rt, "home") > 0 {
			switch t {
			case Integer:
				v = MakeInt(rapid.Int64().Draw(rt, "i"))
			case Real:
				v = MakeReal(rapid.Float64().Draw(rt, "r"))
			case Text:
				v = MakeText(rapid.StringN(0, 20, -1).Draw(rt, "s"))
			case Blob:
				v = MakeBlob(rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(rt, "b"))
			case Boolean:
				v = MakeBool(rapid.Bool().Draw(rt, "bool"))
			case Timestamp:
				v = MakeTimestamp(rapid.Int64().Draw(rt, "ts"))
			}
		}
		return v
	})
}

func genLayoutTypes(rt *rapid.T) []Type {
	return rapid.SliceOfN(rapid.SampledFrom(columnTypes), 0, 12).Draw(rt, "types")
}

func builderFor(mem memory.Allocator, t Type, mixed bool) array.Builder {
	if mixed {
		return array.NewDenseUnionBuilder(mem, MixedType)
	}
	return array.NewBuilder(mem, t.ArrowType())
}

func TestRowRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rapid.Check(t, func(rt *rapid.T) {
		types := genLayoutTypes(rt)
		vals := make([]Value, len(types))
		for i, ty := range types {
			vals[i] = genRowValue(ty).Draw(rt, fmt.Sprint("col", i))
		}
		l, err := NewLayout(3, 1, types, nil)
		if err != nil {
			rt.Fatal(err)
		}
		prefix := []byte("keep")
		row, err := l.AppendRow(bytes.Clone(prefix), vals)
		if err != nil {
			rt.Fatal(err)
		}
		if !bytes.HasPrefix(row, prefix) {
			rt.Fatal("AppendRow clobbered dst")
		}
		v, err := l.View(row[len(prefix):])
		if err != nil {
			rt.Fatalf("View: %v (row % x)", err, row)
		}
		if v.Version() != 3 || v.Len() != len(types) {
			rt.Fatalf("version %d len %d", v.Version(), v.Len())
		}
		for i, want := range vals {
			got, err := v.Value(i)
			if err != nil || got != want {
				rt.Fatalf("column %d (%s): got %v, %v; want %v (%s)", i, types[i], got, err, want, want.typ)
			}
			if v.IsNull(i) != want.IsNull() {
				rt.Fatalf("column %d: IsNull = %v", i, v.IsNull(i))
			}
			// Straight into Arrow: the typed builder takes home values and
			// NULLs; the union takes everything.
			mixed := types[i] == Any || (want.typ != Null && want.typ != types[i])
			b := builderFor(mem, types[i], mixed)
			if err := v.AppendTo(b, i); err != nil {
				b.Release()
				rt.Fatalf("column %d AppendTo: %v", i, err)
			}
			a := b.NewArray()
			b.Release()
			got, err = ValueAt(a, 0)
			a.Release()
			if err != nil || got != want {
				rt.Fatalf("column %d via Arrow: got %v, %v; want %v", i, got, err, want)
			}
			if want.typ != Null && want.typ != types[i] && types[i] != Any {
				b := builderFor(mem, types[i], false)
				err := v.AppendTo(b, i)
				b.Release()
				if !errors.Is(err, ErrMixed) {
					rt.Fatalf("column %d: foreign %v into typed builder: %v, want ErrMixed", i, want, err)
				}
			}
		}
		if _, err := v.Value(len(types)); err == nil {
			rt.Fatal("Value past the last column succeeded")
		}
	})
}

// TestRowEvolution reads rows written under each earlier, shorter
// version of a layout with the newest one: the columns added since read
// as their defaults.
func TestRowEvolution(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		types := genLayoutTypes(rt)
		defaults := make([]Value, len(types))
		for i, ty := range types {
			if rapid.Bool().Draw(rt, "has default") {
				defaults[i] = genRowValue(ty).Draw(rt, "default")
			}
		}
		k := rapid.IntRange(0, len(types)).Draw(rt, "old columns")
		old, err := NewLayout(1, 1, types[:k], nil)
		if err != nil {
			rt.Fatal(err)
		}
		vals := make([]Value, k)
		for i := range vals {
			vals[i] = genRowValue(types[i]).Draw(rt, "v")
		}
		row, err := old.AppendRow(nil, vals)
		if err != nil {
			rt.Fatal(err)
		}
		cur, err := NewLayout(2, 1, types, defaults)
		if err != nil {
			rt.Fatal(err)
		}
		v, err := cur.View(row)
		if err != nil {
			rt.Fatal(err)
		}
		for i := range types {
			want := defaults[i]
			if i < k {
				want = vals[i]
			}
			got, err := v.Value(i)
			if err != nil || got != want {
				rt.Fatalf("column %d: got %v, %v; want %v", i, got, err, want)
			}
			if m, err := v.Match(Predicate{Column: i, Op: IsNull}); err != nil || m != want.IsNull() {
				rt.Fatalf("column %d IS NULL = %v, %v", i, m, err)
			}
		}
		// A newer row cannot be read by the old layout, nor an old row by
		// a layout whose base is past it.
		if _, err := old.View(mustRow(rt, cur, defaults)); !errors.Is(err, ErrVersion) {
			rt.Fatalf("old layout read a newer row: %v", err)
		}
		rebased, _ := NewLayout(3, 2, types, defaults)
		if _, err := rebased.View(row); !errors.Is(err, ErrVersion) {
			rt.Fatalf("layout based at 2 read a version 1 row: %v", err)
		}
	})
}

func mustRow(rt *rapid.T, l *Layout, vals []Value) []byte {
	row, err := l.AppendRow(nil, vals)
	if err != nil {
		rt.Fatal(err)
	}
	return row
}

func TestRowMatch(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		types := genLayoutTypes(rt)
		if len(types) == 0 {
			return
		}
		vals := make([]Value, len(types))
		for i, ty := range types {
			vals[i] = genRowValue(ty).Draw(rt, "v")
		}
		l, _ := NewLayout(1, 0, types, nil)
		row := mustRow(rt, l, vals)
		v, err := l.View(row)
		if err != nil {
			rt.Fatal(err)
		}
		i := rapid.IntRange(0, len(types)-1).Draw(rt, "column")
		op := Op(rapid.IntRange(0, int(IsNotNull)).Draw(rt, "op"))
		c := genRowValue(types[i]).Draw(rt, "constant")
		if rapid.Bool().Draw(rt, "near") && vals[i].typ != Null {
			c = vals[i] // equality is otherwise rare
		}
		got, err := v.Match(Predicate{Column: i, Op: op, Value: c})
		if err != nil {
			rt.Fatal(err)
		}
		var want bool
		x := vals[i]
		switch op {
		case IsNull:
			want = x.IsNull()
		case IsNotNull:
			want = !x.IsNull()
		default:
			if !x.IsNull() && !c.IsNull() {
				cmp := Compare(x, c)
				want = [...]bool{Eq: cmp == 0, Ne: cmp != 0, Lt: cmp < 0, Le: cmp <= 0, Gt: cmp > 0, Ge: cmp >= 0}[op]
			}
		}
		if got != want {
			rt.Fatalf("%v %s %v = %v, want %v", x, op, c, got, want)
		}
	})
}

func TestRowLayoutBytes(t *testing.T) {
	// Pin the documented layout with one column of each kind.
	l, err := NewLayout(2, 0, []Type{Integer, Text, Boolean, Integer, Real}, nil)
	if err != nil {
		t.Fatal(err)
	}
	row, err := l.AppendRow(nil, []Value{MakeInt(-2), MakeText("hi"), MakeBool(true), MakeText("x"), Value{}})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		2, 5, // version, n
		0x04,                                           // flags: 1-byte offsets, foreign bitmap
		0b10000,                                        // nulls: column 4
		0b01000,                                        // foreign: column 3
		0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // column 0: -2
		1,                      // column 2: true
		0, 0, 0, 0, 0, 0, 0, 0, // column 3: foreign, zero
		0, 0, 0, 0, 0, 0, 0, 0, // column 4: NULL, zero
		0, 2, 2, 4, 4, // end offsets
		'h', 'i', byte(Text), 'x',
	}
	if !bytes.Equal(row, want) {
		t.Fatalf("row\n% x\nwant\n% x", row, want)
	}
}

func TestRowErrors(t *testing.T) {
	l, _ := NewLayout(1, 0, []Type{Integer, Text}, nil)
	if _, err := l.AppendRow(nil, []Value{MakeInt(1)}); err == nil {
		t.Error("AppendRow with too few values succeeded")
	}
	good := mustRowT(t, l, []Value{MakeInt(1), MakeText("abc")})
	for i := 0; i < len(good); i++ {
		if _, err := l.View(good[:i]); err == nil {
			t.Errorf("View of %d of %d bytes succeeded", i, len(good))
		}
	}
	if _, err := l.View(append(bytes.Clone(good), 0)); err == nil {
		t.Error("View with a trailing byte succeeded")
	}
	if _, err := NewLayout(1, 0, []Type{Null}, nil); err == nil {
		t.Error("NewLayout with a Null column succeeded")
	}
	if _, err := NewLayout(1, 2, nil, nil); err == nil {
		t.Error("NewLayout with base above version succeeded")
	}
}

func mustRowT(t *testing.T, l *Layout, vals []Value) []byte {
	row, err := l.AppendRow(nil, vals)
	if err != nil {
		t.Fatal(err)
	}
	return row
}

var fuzzLayout, _ = NewLayout(5, 0, []Type{Integer, Real, Text, Blob, Boolean, Timestamp, Any, Integer}, nil)

func FuzzDecodeRow(f *testing.F) {
	f.Add(must(fuzzLayout.AppendRow(nil, []Value{MakeInt(1), MakeReal(2.5), MakeText("a"), MakeBlob([]byte{0}),
		MakeBool(true), MakeTimestamp(7), MakeText("any"), MakeText("foreign")})))
	f.Add(must(fuzzLayout.AppendRow(nil, make([]Value, 8))))
	f.Add([]byte{1, 2, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	mem := memory.NewGoAllocator()
	f.Fuzz(func(t *testing.T, row []byte) {
		v, err := fuzzLayout.View(row)
		if err != nil {
			return
		}
		vals := make([]Value, fuzzLayout.Len())
		ok := true
		for i := range vals {
			vals[i], err = v.Value(i)
			ok = ok && err == nil
			b := array.NewDenseUnionBuilder(mem, MixedType)
			if err2 := v.AppendTo(b, i); (err2 == nil) != (err == nil) {
				t.Fatalf("column %d: Value error %v, AppendTo error %v", i, err, err2)
			}
			b.Release()
			for op := Eq; op <= IsNotNull; op++ {
				v.Match(Predicate{Column: i, Op: op, Value: MakeInt(3)})
				v.Match(Predicate{Column: i, Op: op, Value: MakeText("a")})
			}
		}
		bs := make([]array.Builder, fuzzLayout.Len())
		cols := make([]int, fuzzLayout.Len())
		for i, ty := range fuzzLayout.Types() {
			bs[i], cols[i] = array.NewBuilder(mem, ty.ArrowType()), i
			defer bs[i].Release()
		}
		p, _ := fuzzLayout.NewProjection(cols, bs)
		if err := p.Append(row); ok && err != nil && !errors.Is(err, ErrMixed) {
			t.Fatalf("Projection.Append: %v, but every column decodes", err)
		}
		if !ok {
			return
		}
		// What decodes re-encodes to the same values.
		again, err := fuzzLayout.AppendRow(nil, vals)
		if err != nil {
			t.Fatal(err)
		}
		w, err := fuzzLayout.View(again)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range vals {
			if got, err := w.Value(i); err != nil || got != want {
				t.Fatalf("column %d: %v, %v after re-encoding, want %v", i, got, err, want)
			}
		}
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestProjection checks Projection.Append against RowView.AppendTo over
// many rows: the arrays it builds are equal.
func TestProjection(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rapid.Check(t, func(rt *rapid.T) {
		types := genLayoutTypes(rt)
		l, _ := NewLayout(2, 0, types, nil)
		old, _ := NewLayout(1, 0, types[:rapid.IntRange(0, len(types)).Draw(rt, "old")], nil)
		mixed := make([]bool, len(types))
		var rows [][]byte
		for range rapid.IntRange(0, 20).Draw(rt, "rows") {
			lay := l
			if rapid.Bool().Draw(rt, "old row") {
				lay = old
			}
			vals := make([]Value, lay.Len())
			for i := range vals {
				vals[i] = genRowValue(types[i]).Draw(rt, "v")
				mixed[i] = mixed[i] || types[i] == Any || (vals[i].typ != Null && vals[i].typ != types[i])
			}
			rows = append(rows, mustRow(rt, lay, vals))
		}
		cols := rapid.SliceOfN(rapid.IntRange(0, max(len(types)-1, 0)), 0, 8).Draw(rt, "cols")
		if len(types) == 0 {
			cols = nil
		}
		want := make([]array.Builder, len(cols))
		got := make([]array.Builder, len(cols))
		for j, c := range cols {
			want[j] = builderFor(mem, types[c], mixed[c])
			got[j] = builderFor(mem, types[c], mixed[c])
			defer want[j].Release()
			defer got[j].Release()
		}
		p, err := l.NewProjection(cols, got)
		if err != nil {
			rt.Fatal(err)
		}
		for _, r := range rows {
			if err := p.Append(r); err != nil {
				rt.Fatal(err)
			}
			v, err := l.View(r)
			if err != nil {
				rt.Fatal(err)
			}
			for j, c := range cols {
				if err := v.AppendTo(want[j], c); err != nil {
					rt.Fatal(err)
				}
			}
		}
		for j := range cols {
			a, b := want[j].NewArray(), got[j].NewArray()
			eq := array.Equal(a, b)
			a.Release()
			b.Release()
			if !eq {
				rt.Fatalf("column %d (%s) differs", cols[j], types[cols[j]])
			}
		}
	})
}
