package column

import (
	"bytes"
	"math"
	"testing"

	"pgregory.net/rapid"
)

// refined orders values as Compare does, breaking ties between an equal
// integer and real (2 and 2.0) the way the key encoding does: integer
// first. Booleans and timestamps are integers.
func refined(a, b Value) int {
	if c := Compare(a, b); c != 0 {
		return c
	}
	ar, br := a.typ == Real, b.typ == Real
	switch {
	case classRank(a.typ) != 1 || ar == br:
		return 0
	case br:
		return -1
	}
	return 1
}

func compareTuples(a, b []Value) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := refined(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp3(int64(len(a)), int64(len(b)))
}

// keyed returns v as DecodeKey returns it: booleans and timestamps as
// integers, -0.0 as 0.0.
func keyed(v Value) Value {
	switch v.typ {
	case Boolean, Timestamp:
		return MakeInt(int64(v.bits))
	case Real:
		if v.Float() == 0 {
			return MakeReal(0)
		}
	}
	return v
}

func genTuple() *rapid.Generator[[]Value] { return rapid.SliceOfN(genValue(), 0, 4) }

func TestKeyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genTuple().Draw(t, "a"), genTuple().Draw(t, "b")
		if rapid.Bool().Draw(t, "shared prefix") && len(a) > 0 {
			b = append(append([]Value(nil), a[:rapid.IntRange(0, len(a)).Draw(t, "n")]...), b...)
		}
		ka, kb := AppendKey(nil, a...), AppendKey(nil, b...)
		if got, want := bytes.Compare(ka, kb), compareTuples(a, b); got != want {
			t.Fatalf("bytes.Compare = %d, tuple order %d\na = %v: %x\nb = %v: %x", got, want, a, ka, b, kb)
		}
	})
}

func TestKeyRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := genTuple().Draw(t, "a")
		prefix := rapid.SliceOfN(rapid.Byte(), 0, 3).Draw(t, "dst")
		k := AppendKey(append([]byte(nil), prefix...), a...)
		if !bytes.HasPrefix(k, prefix) {
			t.Fatalf("AppendKey clobbered dst")
		}
		got, err := DecodeKey(nil, k[len(prefix):])
		if err != nil {
			t.Fatalf("DecodeKey(%x): %v", k, err)
		}
		if len(got) != len(a) {
			t.Fatalf("decoded %d values from %v, want %d", len(got), a, len(a))
		}
		rest := k[len(prefix):]
		for i := range a {
			if got[i] != keyed(a[i]) {
				t.Fatalf("element %d: got %v (%v), want %v", i, got[i], got[i].typ, a[i])
			}
			var v Value
			v, rest, err = DecodeKeyValue(rest)
			if err != nil || v != got[i] {
				t.Fatalf("DecodeKeyValue element %d = %v, %v", i, v, err)
			}
		}
		if len(rest) != 0 {
			t.Fatalf("%d bytes left", len(rest))
		}
	})
}

// TestKeyBounds checks AppendKeyLow and AppendKeyHigh against Compare:
// a key whose first element w satisfies w < v sorts before Low(v), w = v
// (in either class) between Low(v) and High(v), w > v from High(v) on.
func TestKeyBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		prefix := genTuple().Draw(t, "prefix")
		v := genValue().Draw(t, "v")
		w := genValue().Draw(t, "w")
		if rapid.Bool().Draw(t, "equal") {
			if n, ok := integralNumber(v); ok && v.typ == Real {
				w = MakeInt(n)
			} else if ok {
				w = MakeReal(float64(n)) // may round, which is fine
			} else {
				w = v
			}
		}
		rest := genTuple().Draw(t, "rest")
		p := AppendKey(nil, prefix...)
		low, high := AppendKeyLow(bytes.Clone(p), v), AppendKeyHigh(bytes.Clone(p), v)
		k := AppendKey(AppendKey(bytes.Clone(p), w), rest...)
		lowOK, highOK := bytes.Compare(low, k) <= 0, bytes.Compare(k, high) < 0
		switch c := Compare(w, v); {
		case c < 0 && lowOK:
			t.Fatalf("%v < %v but key %x >= low %x", w, v, k, low)
		case c == 0 && !(lowOK && highOK):
			t.Fatalf("%v = %v but key %x not in [%x, %x)", w, v, k, low, high)
		case c > 0 && highOK:
			t.Fatalf("%v > %v but key %x < high %x", w, v, k, high)
		}
		if end := PrefixEnd(p); end != nil && bytes.Compare(k, end) >= 0 {
			t.Fatalf("key %x >= PrefixEnd(%x) = %x", k, p, end)
		}
	})
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct{ in, want []byte }{
		{nil, nil},
		{[]byte{0xFF, 0xFF}, nil},
		{[]byte{1, 2}, []byte{1, 3}},
		{[]byte{1, 0xFF}, []byte{2}},
		{[]byte{0, 1}, []byte{0, 2}},
	}
	for _, tt := range tests {
		if got := PrefixEnd(tt.in); !bytes.Equal(got, tt.want) {
			t.Errorf("PrefixEnd(%x) = %x, want %x", tt.in, got, tt.want)
		}
	}
}

func TestKeyLayout(t *testing.T) {
	// Pin the documented bytes, so a change to the format is deliberate.
	tests := []struct {
		v    Value
		want []byte
	}{
		{Value{}, []byte{0x05}},
		{MakeInt(0), []byte{0x15, 0x80, 0, 0, 0, 0, 0, 0, 0}},
		{MakeInt(-1), []byte{0x15, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
		{MakeReal(2), []byte{0x15, 0x80, 0, 0, 0, 0, 0, 0, 2, 0xF0}},
		{MakeReal(-0.5), []byte{0x15, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF1, 0x40, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
		{MakeReal(math.Inf(1)), []byte{0x16, 0xFF, 0xF0, 0, 0, 0, 0, 0, 0}},
		{MakeReal(math.Inf(-1)), []byte{0x14, 0x00, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
		{MakeText("a\x00b"), []byte{0x25, 'a', 0, 0xFF, 'b', 0, 1}},
		{MakeBlob(nil), []byte{0x35, 0, 1}},
	}
	for _, tt := range tests {
		if got := AppendKey(nil, tt.v); !bytes.Equal(got, tt.want) {
			t.Errorf("AppendKey(%v) = % x, want % x", tt.v, got, tt.want)
		}
	}
}

func TestDecodeKeyErrors(t *testing.T) {
	bad := [][]byte{
		{0x00},
		{0x15, 1, 2},
		{0x25, 'a'},
		{0x25, 'a', 0},
		{0x25, 'a', 0, 7},
		{0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0},          // MaxInt64 is no float
		{0x15, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xF1, 0xBF, 0xF0, 0, 0, 0, 0, 0, 0}, // 1.0 is not in (0, 1)
		{0x15, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xF1, 0x80, 0, 0, 0, 0, 0, 0, 0},    // 0.0 is integral
		{0x15, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xF1, 0xFF, 0xF8, 0, 0, 0, 0, 0, 1}, // NaN
		{0x16, 0x80, 0, 0, 0, 0, 0, 0, 0},                                     // 0 is not >= 2^63
		{0x16, 0xFF, 0xF8, 0, 0, 0, 0, 0, 0},                                  // NaN
	}
	for _, b := range bad {
		if v, err := DecodeKey(nil, b); err == nil {
			t.Errorf("DecodeKey(% x) = %v, want an error", b, v)
		}
	}
}

func FuzzDecodeKey(f *testing.F) {
	f.Add(AppendKey(nil, MakeInt(3), MakeReal(2.5), MakeText("a\x00b"), Value{}, MakeBlob([]byte{0})))
	f.Add(AppendKey(nil, MakeReal(math.Inf(-1)), MakeReal(1e300), MakeReal(-7)))
	f.Add([]byte{0x15, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xF1})
	f.Fuzz(func(t *testing.T, key []byte) {
		vals, err := DecodeKey(nil, key)
		if err != nil {
			return
		}
		// Decoding accepts only canonical encodings: one tuple, one key.
		if again := AppendKey(nil, vals...); !bytes.Equal(again, key) {
			t.Fatalf("%x decodes to %v which encodes to %x", key, vals, again)
		}
	})
}

func BenchmarkAppendKey(b *testing.B) {
	vals := []Value{MakeInt(123456789), MakeText("customer-42"), MakeReal(2.5)}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendKey(buf[:0], vals...)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeKey(b *testing.B) {
	key := AppendKey(nil, MakeInt(123456789), MakeText("customer-42"), MakeReal(2.5))
	vals := make([]Value, 0, 3)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if vals, err = DecodeKey(vals[:0], key); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(key)))
}

func BenchmarkDecodeKeyRowid(b *testing.B) {
	key := AppendKey(nil, MakeInt(123456789))
	b.ReportAllocs()
	for b.Loop() {
		if v, _, err := DecodeKeyValue(key); err != nil || v.Int() != 123456789 {
			b.Fatal(v, err)
		}
	}
}
