package column

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"pgregory.net/rapid"
)

func TestAffinityOf(t *testing.T) {
	// The examples of https://www.sqlite.org/datatype3.html §3.1.1, plus the
	// rule-order cases the page calls out.
	tests := []struct {
		decl string
		want Affinity
	}{
		{"INT", AffinityInteger}, {"INTEGER", AffinityInteger}, {"TINYINT", AffinityInteger},
		{"SMALLINT", AffinityInteger}, {"MEDIUMINT", AffinityInteger}, {"BIGINT", AffinityInteger},
		{"UNSIGNED BIG INT", AffinityInteger}, {"INT2", AffinityInteger}, {"INT8", AffinityInteger},
		{"CHARACTER(20)", AffinityText}, {"VARCHAR(255)", AffinityText},
		{"VARYING CHARACTER(255)", AffinityText}, {"NCHAR(55)", AffinityText},
		{"NATIVE CHARACTER(70)", AffinityText}, {"NVARCHAR(100)", AffinityText},
		{"TEXT", AffinityText}, {"CLOB", AffinityText},
		{"BLOB", AffinityBlob}, {"", AffinityBlob}, {"  ", AffinityBlob},
		{"REAL", AffinityReal}, {"DOUBLE", AffinityReal}, {"DOUBLE PRECISION", AffinityReal},
		{"FLOAT", AffinityReal},
		{"NUMERIC", AffinityNumeric}, {"DECIMAL(10,5)", AffinityNumeric},
		{"BOOLEAN", AffinityNumeric}, {"DATE", AffinityNumeric}, {"DATETIME", AffinityNumeric},
		{"TIMESTAMP", AffinityNumeric}, {"STRING", AffinityNumeric},
		{"FLOATING POINT", AffinityInteger}, // "POINT" contains "INT"
		{"CHARINT", AffinityInteger},        // rule 1 before rule 2
		{"BLOBTEXT", AffinityText},          // rule 2 before rule 3
		{"integer", AffinityInteger}, {"VarChar", AffinityText},
	}
	for _, tt := range tests {
		if got := AffinityOf(tt.decl); got != tt.want {
			t.Errorf("AffinityOf(%q) = %v, want %v", tt.decl, got, tt.want)
		}
	}
}

func TestTypeOf(t *testing.T) {
	tests := []struct {
		decl string
		want Type
	}{
		{"INTEGER", Integer}, {"BIGINT", Integer}, {"VARCHAR(8)", Text}, {"TEXT", Text},
		{"BLOB", Blob}, {"", Any}, {"REAL", Real}, {"DOUBLE", Real}, {"NUMERIC", Any},
		{"DECIMAL(10,2)", Any}, {"BOOLEAN", Boolean}, {"bool", Boolean},
		{"TIMESTAMP", Timestamp}, {"DATETIME", Timestamp}, {"DATE", Any},
	}
	for _, tt := range tests {
		if got := TypeOf(tt.decl); got != tt.want {
			t.Errorf("TypeOf(%q) = %v, want %v", tt.decl, got, tt.want)
		}
	}
}

func TestApply(t *testing.T) {
	big := MakeReal(9223372036854775808.0)
	tests := []struct {
		a    Affinity
		in   Value
		want Value
	}{
		{AffinityInteger, MakeText("12"), MakeInt(12)},
		{AffinityInteger, MakeText("12.0"), MakeInt(12)},
		{AffinityInteger, MakeText("1e3"), MakeInt(1000)},
		{AffinityInteger, MakeText("3.0e+5"), MakeInt(300000)},
		{AffinityInteger, MakeText("12.5"), MakeReal(12.5)},
		{AffinityNumeric, MakeText("12.5"), MakeReal(12.5)},
		{AffinityInteger, MakeText("abc"), MakeText("abc")},
		{AffinityInteger, MakeText("12abc"), MakeText("12abc")},
		{AffinityInteger, MakeText("0x10"), MakeText("0x10")},
		{AffinityInteger, MakeText(""), MakeText("")},
		{AffinityInteger, MakeText("."), MakeText(".")},
		{AffinityInteger, MakeText("1e"), MakeText("1e")},
		{AffinityInteger, MakeText("inf"), MakeText("inf")},
		{AffinityInteger, MakeText(" 7 "), MakeInt(7)},
		{AffinityInteger, MakeText("+5"), MakeInt(5)},
		{AffinityInteger, MakeText("-0"), MakeInt(0)},
		{AffinityInteger, MakeText(".5"), MakeReal(0.5)},
		{AffinityInteger, MakeText("5."), MakeInt(5)},
		{AffinityInteger, MakeText("9223372036854775807"), MakeInt(math.MaxInt64)},
		{AffinityInteger, MakeText("-9223372036854775808"), MakeInt(math.MinInt64)},
		{AffinityInteger, MakeText("9223372036854775808"), big},
		{AffinityInteger, MakeText("1e999"), MakeReal(math.Inf(1))},
		{AffinityInteger, MakeReal(12.0), MakeInt(12)},
		{AffinityInteger, MakeReal(12.5), MakeReal(12.5)},
		{AffinityInteger, MakeReal(-9223372036854775808.0), MakeReal(-9223372036854775808.0)},
		{AffinityInteger, big, big},
		{AffinityInteger, MakeBlob([]byte("12")), MakeBlob([]byte("12"))},
		{AffinityInteger, Value{}, Value{}},
		{AffinityReal, MakeInt(3), MakeReal(3)},
		{AffinityReal, MakeText("12"), MakeReal(12)},
		{AffinityReal, MakeText("abc"), MakeText("abc")},
		{AffinityReal, MakeReal(2.5), MakeReal(2.5)},
		{AffinityText, MakeInt(12), MakeText("12")},
		{AffinityText, MakeReal(1.0), MakeText("1.0")},
		{AffinityText, MakeReal(1e20), MakeText("1.0e+20")},
		{AffinityText, MakeReal(12.5), MakeText("12.5")},
		{AffinityText, MakeReal(0.1), MakeText("0.1")},
		{AffinityText, MakeBlob([]byte{1}), MakeBlob([]byte{1})},
		{AffinityText, Value{}, Value{}},
		{AffinityBlob, MakeText("12"), MakeText("12")},
		{AffinityBlob, MakeInt(12), MakeInt(12)},
		{AffinityBlob, MakeReal(12.0), MakeReal(12.0)},
	}
	for _, tt := range tests {
		got := tt.a.Apply(tt.in)
		if got != tt.want {
			t.Errorf("%v.Apply(%v) = %v (%v), want %v (%v)", tt.a, tt.in, got, got.Type(), tt.want, tt.want.Type())
		}
	}
}

func TestCoerce(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 30, 0, 500000000, time.UTC)
	tests := []struct {
		typ  Type
		in   Value
		want Value
	}{
		{Boolean, MakeInt(1), MakeBool(true)},
		{Boolean, MakeText("0"), MakeBool(false)},
		{Boolean, MakeInt(2), MakeInt(2)},
		{Boolean, MakeBool(true), MakeBool(true)},
		{Timestamp, MakeText("2024-05-01 12:30:00.5"), MakeTime(ts)},
		{Timestamp, MakeText("2024-05-01T12:30:00.5Z"), MakeTime(ts)},
		{Timestamp, MakeText("2024-05-01T14:30:00.5+02:00"), MakeTime(ts)},
		{Timestamp, MakeText("2024-05-01"), MakeTime(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))},
		{Timestamp, MakeText("2024-05-01 12:30:00.0000001"), MakeText("2024-05-01 12:30:00.0000001")},
		{Timestamp, MakeText("yesterday"), MakeText("yesterday")},
		{Timestamp, MakeInt(5), MakeTimestamp(5)},
		{Timestamp, MakeReal(5.5), MakeReal(5.5)},
		{Real, MakeReal(math.Copysign(0, -1)), MakeReal(0)},
		{Any, MakeReal(math.Copysign(0, -1)), MakeReal(0)},
		{Integer, MakeBool(true), MakeInt(1)},
		{Text, MakeBool(true), MakeText("1")},
		{Text, MakeTime(ts), MakeText("2024-05-01 12:30:00.5")},
		{Real, MakeTimestamp(3), MakeReal(3)},
		{Any, MakeBool(true), MakeInt(1)},
		{Any, MakeTimestamp(7), MakeInt(7)},
		{Any, MakeText("12"), MakeText("12")},
	}
	for _, tt := range tests {
		a := AffinityOf(tt.typ.String())
		if tt.typ == Any {
			a = AffinityBlob // declared with no type
		}
		got := Coerce(tt.in, tt.typ, a)
		if got != tt.want {
			t.Errorf("Coerce(%v, %v) = %v, want %v", tt.in, tt.typ, got, tt.want)
		}
	}
}

func TestAppendText(t *testing.T) {
	// The real renderings are what SQLite 3.54.1 (modernc.org/sqlite
	// v1.62.0) returns for CAST(x AS TEXT) of the same double.
	tests := []struct {
		v    Value
		want string
	}{
		{MakeReal(1.0), "1.0"}, {MakeReal(1e20), "1.0e+20"}, {MakeReal(0.1), "0.1"},
		{MakeReal(-2.5), "-2.5"}, {MakeReal(100), "100.0"}, {MakeReal(0), "0.0"},
		{MakeReal(math.Copysign(0, -1)), "0.0"},
		{MakeReal(1.0 / 3), "0.33333333333333332"}, {MakeReal(2.0 / 3), "0.66666666666666663"},
		{MakeReal(1e15), "1000000000000000.0"}, {MakeReal(1e16), "10000000000000000.0"},
		{MakeReal(1e17), "1.0e+17"}, {MakeReal(123456789012345678), "1.2345678901234568e+17"},
		{MakeReal(0.0001), "0.0001"}, {MakeReal(0.00001), "1.0e-05"},
		{MakeReal(49.47), "49.47"}, // shortened: the 17-digit text is 49.469999999999999
		{MakeReal(9.999999999999999e14), "999999999999999.88"},
		{MakeReal(99999999999999.99), "99999999999999.984"},
		{MakeReal(97071949484351.75), "97071949484351.75"},
		{MakeReal(1.088998488074735), "1.088998488074735"},
		{MakeReal(-2190943806479.375), "-2190943806479.375"},
		{MakeReal(673891646213642.5), "673891646213642.5"},
		{MakeReal(6.115851539872725e+18), "6.115851539872725e+18"},
		{MakeReal(1.5e300), "1.5e+300"}, {MakeReal(-1.5e-100), "-1.5e-100"},
		{MakeReal(math.Inf(1)), "Inf"}, {MakeReal(math.Inf(-1)), "-Inf"},
		{MakeReal(123.456), "123.456"},
		{MakeInt(-42), "-42"}, {MakeInt(math.MinInt64), "-9223372036854775808"},
		{MakeText("x"), "x"}, {Value{}, ""}, {MakeBool(false), "0"},
		{MakeTimestamp(0), "1970-01-01 00:00:00"}, {MakeTimestamp(1500), "1970-01-01 00:00:00.0015"},
	}
	for _, tt := range tests {
		if got := string(AppendText(nil, tt.v)); got != tt.want {
			t.Errorf("AppendText(%v bits %x) = %q, want %q", tt.v.Type(), tt.v.bits, got, tt.want)
		}
	}
}

// TestAppendTextReadsBack checks that every rendered real parses back
// to the same double, the point of SQLite's 17 digits.
func TestAppendTextReadsBack(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := rapid.Float64().Draw(t, "f")
		if math.IsInf(f, 0) {
			return
		}
		s := string(AppendText(nil, MakeReal(f)))
		g, err := strconv.ParseFloat(s, 64)
		if err != nil || g != f {
			t.Fatalf("AppendText(%v) = %q, reads back as %v, %v", f, s, g, err)
		}
		if !strings.ContainsAny(s, ".e") {
			t.Fatalf("AppendText(%v) = %q has neither point nor exponent", f, s)
		}
	})
}

func TestMakeRealNaNIsNull(t *testing.T) {
	if v := MakeReal(math.NaN()); !v.IsNull() {
		t.Fatalf("MakeReal(NaN) = %v, want NULL", v)
	}
}

func TestCompare(t *testing.T) {
	// In increasing order; equal neighbours are marked.
	ordered := []struct {
		v     Value
		equal bool // equal to the previous one
	}{
		{Value{}, false},
		{MakeReal(math.Inf(-1)), false},
		{MakeReal(-9223372036854775808.0 * 2), false},
		{MakeInt(math.MinInt64), false},
		{MakeReal(-9223372036854775808.0), true},
		{MakeInt(math.MinInt64 + 1), false},
		{MakeInt(-1), false},
		{MakeReal(-0.5), false},
		{MakeInt(0), false},
		{MakeReal(0), true},
		{MakeBool(false), true},
		{MakeReal(0.5), false},
		{MakeBool(true), false},
		{MakeInt(2), false},
		{MakeReal(2.5), false},
		{MakeTimestamp(3), false},
		{MakeInt(1 << 53), false},
		{MakeInt(1<<53 + 1), false}, // float64(2^53+1) rounds to 2^53: must still compare greater
		{MakeReal(1<<53 + 2), false},
		{MakeInt(math.MaxInt64), false},
		{MakeReal(9223372036854775808.0), false},
		{MakeReal(math.Inf(1)), false},
		{MakeText(""), false},
		{MakeText("A"), false},
		{MakeText("a"), false},
		{MakeText("a\x00"), false},
		{MakeText("ab"), false},
		{MakeBlob(nil), false},
		{MakeBlob([]byte{0}), false},
		{MakeBlob([]byte{1}), false},
	}
	for i := range ordered {
		for j := range ordered {
			want := cmp3(int64(i), int64(j))
			lo, hi := min(i, j), max(i, j)
			eq := true
			for k := lo + 1; k <= hi; k++ {
				eq = eq && ordered[k].equal
			}
			if eq {
				want = 0
			}
			if got := Compare(ordered[i].v, ordered[j].v); got != want {
				t.Errorf("Compare(%v, %v) = %d, want %d", ordered[i].v, ordered[j].v, got, want)
			}
		}
	}
}

// genValue draws a Value of any type, biased towards the edges that break
// encodings: int64 limits, integers near 2^53, integral and fractional
// reals, zero bytes in text.
func genValue() *rapid.Generator[Value] {
	return rapid.Custom(func(t *rapid.T) Value {
		switch rapid.IntRange(0, 10).Draw(t, "kind") {
		case 0:
			return Value{}
		case 1:
			return MakeInt(rapid.Int64().Draw(t, "int"))
		case 2:
			return MakeInt(rapid.SampledFrom([]int64{0, 1, -1, math.MinInt64, math.MaxInt64,
				1 << 53, 1<<53 + 1, -(1 << 53) - 1, math.MaxInt64 - 1, math.MinInt64 + 1}).Draw(t, "edge"))
		case 3:
			return MakeReal(rapid.Float64().Draw(t, "real"))
		case 4:
			return MakeReal(float64(rapid.Int64Range(-1000, 1000).Draw(t, "ireal")) / 4)
		case 5:
			return MakeReal(rapid.SampledFrom([]float64{0, math.Inf(1), math.Inf(-1), -9223372036854775808.0,
				9223372036854775808.0, 1 << 53, 1<<53 + 2, 0.5, -0.5, math.SmallestNonzeroFloat64,
				-math.MaxFloat64, 4503599627370495.5}).Draw(t, "redge"))
		case 6:
			return MakeText(rapid.StringOfN(rapid.RuneFrom([]rune{0, 1, 'a', 'b', 0xff, 'é'}), 0, 6, -1).Draw(t, "text"))
		case 7:
			return MakeBlob(rapid.SliceOfN(rapid.SampledFrom([]byte{0, 1, 0xfe, 0xff, 'a'}), 0, 6).Draw(t, "blob"))
		case 8:
			return MakeBool(rapid.Bool().Draw(t, "bool"))
		case 9:
			return MakeTimestamp(rapid.Int64Range(-1<<60, 1<<60).Draw(t, "ts"))
		default:
			return MakeInt(rapid.Int64Range(-260, 260).Draw(t, "small"))
		}
	})
}

func TestArrowRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rapid.Check(t, func(rt *rapid.T) {
		vals := rapid.SliceOfN(genValue(), 0, 20).Draw(rt, "vals")
		// Every value goes into the union; values of one type also into that type's builder.
		u := array.NewDenseUnionBuilder(mem, MixedType)
		defer u.Release()
		for _, v := range vals {
			if err := AppendValue(u, v); err != nil {
				rt.Fatal(err)
			}
		}
		arr := u.NewArray()
		defer arr.Release()
		if err := arr.(*array.DenseUnion).ValidateFull(); err != nil {
			rt.Fatal(err)
		}
		for i, v := range vals {
			got, err := ValueAt(arr, i)
			if err != nil || got != v {
				rt.Fatalf("union[%d] = %v, %v; want %v", i, got, err, v)
			}
		}
		typ := rapid.SampledFrom([]Type{Null, Integer, Real, Text, Blob, Boolean, Timestamp}).Draw(rt, "typ")
		b := array.NewBuilder(mem, typ.ArrowType())
		defer b.Release()
		var kept []Value
		for _, v := range vals {
			err := AppendValue(b, v)
			if v.typ == typ || v.typ == Null {
				if err != nil {
					rt.Fatalf("AppendValue(%s builder, %v): %v", typ, v, err)
				}
				kept = append(kept, v)
			} else if !errors.Is(err, ErrMixed) {
				rt.Fatalf("AppendValue(%s builder, %v) = %v, want ErrMixed", typ, v, err)
			}
		}
		a := b.NewArray()
		defer a.Release()
		for i, v := range kept {
			got, err := ValueAt(a, i)
			if err != nil || got != v {
				rt.Fatalf("%s[%d] = %v, %v; want %v", typ, i, got, err, v)
			}
		}
	})
}

func TestArrowTypes(t *testing.T) {
	if Timestamp.ArrowType().(*arrow.TimestampType).TimeZone != "UTC" {
		t.Error("Timestamp is not UTC")
	}
	if Any.ArrowType() != MixedType {
		t.Error("Any is not MixedType")
	}
	for i, f := range MixedType.Fields() {
		if want := Type(i).ArrowType(); !arrow.TypeEqual(f.Type, want) {
			t.Errorf("MixedType child %d is %s, want %s", i, f.Type, want)
		}
		if MixedType.TypeCodes()[i] != arrow.UnionTypeCode(i) {
			t.Errorf("MixedType child %d has code %d", i, MixedType.TypeCodes()[i])
		}
	}
}

// TestCoerceProperties checks, for every column type and affinity, that
// storing is idempotent (a stored value stores as itself) and that under
// INTEGER, NUMERIC, REAL and TEXT affinity two stored values that compare
// equal have the same key, which the key encoding relies on to keep one
// key per SQL value. The one exception is -2^63, which SQLite keeps as a
// real (it converts reals to integers only strictly inside int64) though
// it equals the integer.
func TestCoerceProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		decl := rapid.SampledFrom([]string{"", "INTEGER", "INT", "VARCHAR(8)", "TEXT", "REAL", "BLOB",
			"BOOLEAN", "TIMESTAMP", "DECIMAL(10,2)", "NUMERIC"}).Draw(t, "decl")
		typ, aff := TypeOf(decl), AffinityOf(decl)
		a := Coerce(genValue().Draw(t, "a"), typ, aff)
		b := Coerce(genValue().Draw(t, "b"), typ, aff)
		if rapid.Bool().Draw(t, "equal") {
			b = Coerce(MakeText(string(AppendText(nil, a))), typ, aff) // the same value through its text
		}
		if again := Coerce(a, typ, aff); again != a {
			t.Fatalf("%s: Coerce(%v) = %v, stored again %v", decl, a, a, again)
		}
		// Through a key and back: the stored value again.
		dec, err := DecodeKey(nil, AppendKey(nil, a))
		if err != nil || len(dec) != 1 || Coerce(dec[0], typ, aff) != a {
			t.Fatalf("%s: %v (%s) keyed and decoded is %v, %v", decl, a, a.typ, dec, err)
		}
		if aff == AffinityBlob || Compare(a, b) != 0 {
			return
		}
		if a.Float() == -9223372036854775808.0 && (a.typ == Real) != (b.typ == Real) {
			return
		}
		ka, kb := AppendKey(nil, a), AppendKey(nil, b)
		if string(ka) != string(kb) {
			t.Fatalf("%s: %v (%s) and %v (%s) are equal but keyed %x and %x", decl, a, a.typ, b, b.typ, ka, kb)
		}
	})
}
