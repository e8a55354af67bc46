package batch

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"pgregory.net/rapid"
)

func TestBuilder(t *testing.T) {
	k, v := []byte("k"), []byte("v")
	b := New(42).Put(1, k, v).Delete(2, k).DropTable(3).Put(4, nil, nil).Delete(5, nil)
	if b.Position != 42 {
		t.Errorf("Position = %d, want 42", b.Position)
	}
	if b.Len() != 5 {
		t.Fatalf("Len = %d, want 5", b.Len())
	}
	want := []WriteOp{
		{OpPut, 1, k, v},
		{OpDelete, 2, k, nil},
		{OpDropTable, 3, nil, nil},
		{OpPut, 4, []byte{}, []byte{}},
		{OpDelete, 5, []byte{}, nil},
	}
	if !reflect.DeepEqual(b.Ops, want) {
		t.Errorf("Ops = %+v, want %+v", b.Ops, want)
	}
	// Put keeps the caller's slice rather than copying it.
	if &b.Ops[0].Key[0] != &k[0] || &b.Ops[0].Value[0] != &v[0] {
		t.Error("Put copied its arguments")
	}
	if (*WriteBatch)(nil).Len() != 0 {
		t.Error("nil batch Len != 0")
	}
}

func TestReset(t *testing.T) {
	b := New(1).Put(1, []byte("a"), []byte("b")).DropTable(2)
	c := cap(b.Ops)
	full := b.Ops[:2]
	b.Reset(9)
	if b.Position != 9 || b.Len() != 0 || cap(b.Ops) != c {
		t.Errorf("after Reset: pos %d len %d cap %d, want 9 0 %d", b.Position, b.Len(), cap(b.Ops), c)
	}
	if full[0].Key != nil || full[0].Value != nil {
		t.Error("Reset kept references to old keys and values")
	}
}

func TestOpKindString(t *testing.T) {
	for k, want := range map[OpKind]string{OpPut: "Put", OpDelete: "Delete", OpDropTable: "DropTable", 7: "OpKind(7)"} {
		if got := k.String(); got != want {
			t.Errorf("OpKind(%d).String() = %q, want %q", uint8(k), got, want)
		}
	}
	if OpPut != 0 || OpDelete != 1 || OpDropTable != 2 {
		t.Error("OpKind values changed; they are part of the wire format")
	}
}

func TestMarshalBadOp(t *testing.T) {
	for name, op := range map[string]WriteOp{
		"unknown kind":     {Kind: 3, Table: 1, Key: []byte("k")},
		"max kind":         {Kind: 255},
		"delete value":     {Kind: OpDelete, Key: []byte("k"), Value: []byte("v")},
		"drop table key":   {Kind: OpDropTable, Key: []byte("k")},
		"drop table value": {Kind: OpDropTable, Value: []byte("v")},
	} {
		b := New(1).Put(1, []byte("a"), []byte("b"))
		b.Ops = append(b.Ops, op)
		if _, err := b.MarshalBinary(); !errors.Is(err, ErrBadOp) {
			t.Errorf("%s: MarshalBinary error = %v, want ErrBadOp", name, err)
		}
		dst := []byte("prefix")
		got, err := b.AppendBinary(dst)
		if !errors.Is(err, ErrBadOp) || string(got) != "prefix" {
			t.Errorf("%s: AppendBinary = %q, %v; want dst unchanged and ErrBadOp", name, got, err)
		}
	}
	// Empty but non-nil values are fine where none is carried.
	b := &WriteBatch{Ops: []WriteOp{{Kind: OpDelete, Key: []byte("k"), Value: []byte{}}, {Kind: OpDropTable, Key: []byte{}}}}
	if _, err := b.MarshalBinary(); err != nil {
		t.Errorf("empty value on delete: %v", err)
	}
}

func genBatch(t *rapid.T) *WriteBatch {
	b := New(Offset(rapid.Uint64().Draw(t, "pos")))
	// Builders normalise nil to empty; draw nils sometimes to cover that.
	maybeNil := func(p []byte, label string) []byte {
		if len(p) == 0 && rapid.Bool().Draw(t, label) {
			return nil
		}
		return p
	}
	for range rapid.IntRange(0, 50).Draw(t, "ops") {
		table := TableID(rapid.OneOf(rapid.Uint64Range(0, 300), rapid.Uint64()).Draw(t, "table"))
		switch OpKind(rapid.IntRange(0, 2).Draw(t, "kind")) {
		case OpPut:
			key := maybeNil(rapid.SliceOfN(rapid.Byte(), 0, 1100).Draw(t, "key"), "nilkey")
			val := maybeNil(rapid.SliceOfN(rapid.Byte(), 0, 5000).Draw(t, "value"), "nilvalue")
			b.Put(table, key, val)
		case OpDelete:
			b.Delete(table, maybeNil(rapid.SliceOfN(rapid.Byte(), 0, 1100).Draw(t, "key"), "nilkey"))
		case OpDropTable:
			b.DropTable(table)
		}
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := genBatch(t)
		enc, err := b.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary: %v", err)
		}
		size, _ := b.size()
		if len(enc) != size {
			t.Fatalf("encoded %d bytes, size() said %d", len(enc), size)
		}
		prefix := []byte("prefix")
		app, err := b.AppendBinary(prefix)
		if err != nil || !bytes.Equal(app[:len(prefix)], prefix) || !bytes.Equal(app[len(prefix):], enc) {
			t.Fatalf("AppendBinary disagrees with MarshalBinary (err %v)", err)
		}

		// Decode into a batch holding leftovers to check they are replaced.
		got := New(5).Put(9, []byte("old"), []byte("old")).DropTable(1).DropTable(2)
		if err := got.UnmarshalBinary(enc); err != nil {
			t.Fatalf("UnmarshalBinary: %v", err)
		}
		if got.Position != b.Position || got.Len() != b.Len() {
			t.Fatalf("decoded pos %d len %d, want %d %d", got.Position, got.Len(), b.Position, b.Len())
		}
		if len(b.Ops) == 0 {
			b.Ops = got.Ops[:0] // nil and empty Ops are the same batch
		}
		if !reflect.DeepEqual(got, b) {
			t.Fatalf("round trip mismatch:\n got %+v\nwant %+v", got, b)
		}
		re, err := got.MarshalBinary()
		if err != nil || !bytes.Equal(re, enc) {
			t.Fatalf("re-encoding differs (err %v)", err)
		}

		// Decoded slices are capped, so appending cannot clobber enc.
		saved := bytes.Clone(enc)
		for _, op := range got.Ops {
			if cap(op.Key) != len(op.Key) || cap(op.Value) != len(op.Value) {
				t.Fatalf("decoded slices not capped: key %d/%d value %d/%d", len(op.Key), cap(op.Key), len(op.Value), cap(op.Value))
			}
			_ = append(op.Key, 0xEE)
			_ = append(op.Value, 0xEE)
		}
		if !bytes.Equal(saved, enc) {
			t.Fatal("appending to a decoded slice overwrote the input")
		}
	})
}

func TestAppendBinaryNoAlloc(t *testing.T) {
	b := New(1)
	key, val := make([]byte, 16), make([]byte, 100)
	for range 100 {
		b.Put(1, key, val).Delete(2, key).DropTable(3)
	}
	buf, err := b.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		buf, _ = b.AppendBinary(buf[:0])
	})
	if allocs != 0 {
		t.Errorf("AppendBinary into a reused buffer: %v allocs, want 0", allocs)
	}
	// A buffer that is too small is grown once.
	allocs = testing.AllocsPerRun(100, func() {
		_, _ = b.AppendBinary(nil)
	})
	if allocs != 1 && !raceEnabled {
		t.Errorf("AppendBinary into a nil buffer: %v allocs, want 1", allocs)
	}
	// Decoding into a reused batch allocates nothing either.
	var d WriteBatch
	allocs = testing.AllocsPerRun(100, func() {
		if err := d.UnmarshalBinary(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("UnmarshalBinary into a reused batch: %v allocs, want 0", allocs)
	}
}

// WriteTo writes exactly the bytes AppendBinary appends, in pieces.
func TestWriteToMatchesAppendBinary(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := genBatch(t)
		want, err := b.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		n, err := b.WriteTo(&got)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(want)) || !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("WriteTo wrote %d bytes, differing from AppendBinary's %d", n, len(want))
		}
	})
}

// WriteTo refuses what AppendBinary refuses, writing nothing, and passes
// on the writer's error.
func TestWriteToErrors(t *testing.T) {
	b := New(1)
	b.Ops = append(b.Ops, WriteOp{Kind: OpDelete, Table: 1, Key: []byte("k"), Value: []byte("v")})
	var w bytes.Buffer
	if _, err := b.WriteTo(&w); !errors.Is(err, ErrBadOp) || w.Len() != 0 {
		t.Fatalf("bad op: %v, %d bytes written", err, w.Len())
	}
	good := New(2)
	good.Put(1, []byte("k"), []byte("v"))
	boom := errors.New("boom")
	if _, err := good.WriteTo(failWriter{boom}); !errors.Is(err, boom) {
		t.Fatalf("writer error: %v", err)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }
