package batch

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzUnmarshal(f *testing.F) {
	for _, b := range []*WriteBatch{
		New(0),
		New(MaxOffset).DropTable(0),
		New(7).Put(1, []byte("k"), []byte("v")).Delete(2, []byte("ab")).DropTable(300),
		sample(),
	} {
		f.Add(mustMarshal(f, b))
	}
	f.Add([]byte(nil))
	f.Add([]byte("PSWB"))
	f.Add([]byte("PSWB\x01garbage garbage garbage"))
	f.Add(seal(2, byte(OpPut), 0, 1, 'k', 1, 'v', byte(OpDelete), 0x80, 0x01, 0))
	f.Add(seal(0xFF, 0xFF, 0xFF, 0xFF, 0x0F, byte(OpDropTable), 0))

	check := func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		var b WriteBatch
		if err := b.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		enc, err := b.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded batch does not re-encode: %v", err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("re-encoding differs:\n got % x\nwant % x", enc, data)
		}
		if !bytes.Equal(orig, data) {
			t.Fatal("UnmarshalBinary modified its input")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
		// Random bytes almost never carry a valid checksum; fixing it up
		// lets the fuzzer reach the body parser too.
		if len(data) >= minSize {
			check(t, reseal(data))
		}
	})
}
