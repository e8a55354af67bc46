package batch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
)

// sample is a batch with every kind of op and multi-byte varints.
func sample() *WriteBatch {
	return New(0x0102030405060708).
		Put(1, []byte("key"), []byte("value")).
		Put(300, []byte{}, bytes.Repeat([]byte{'v'}, 200)).
		Delete(2, []byte("gone")).
		DropTable(1 << 40)
}

func mustMarshal(t testing.TB, b *WriteBatch) []byte {
	t.Helper()
	enc, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// seal returns header(pos) + body + a valid CRC, so tests can reach the
// checks that run after the checksum.
func seal(body ...byte) []byte {
	p := append([]byte("PSWB\x01"), 7, 0, 0, 0, 0, 0, 0, 0)
	p = append(p, body...)
	return binary.LittleEndian.AppendUint32(p, crc32.Checksum(p, castagnoli))
}

func reseal(p []byte) []byte {
	p = bytes.Clone(p)
	end := len(p) - trailerSize
	binary.LittleEndian.PutUint32(p[end:], crc32.Checksum(p[:end], castagnoli))
	return p
}

func TestGolden(t *testing.T) {
	// CRC32C check value: guards against the wrong polynomial.
	if got := crc32.Checksum([]byte("123456789"), castagnoli); got != 0xE3069283 {
		t.Fatalf("crc32c check value = %#x", got)
	}
	b := New(7).Put(1, []byte("k"), []byte("v")).Delete(2, []byte("ab")).DropTable(300)
	want := []byte{
		'P', 'S', 'W', 'B', 1, 7, 0, 0, 0, 0, 0, 0, 0, 3,
		0, 1, 1, 'k', 1, 'v',
		1, 2, 2, 'a', 'b',
		2, 0xAC, 0x02,
	}
	want = binary.LittleEndian.AppendUint32(want, crc32.Checksum(want, crc32.MakeTable(crc32.Castagnoli)))
	if got := mustMarshal(t, b); !bytes.Equal(got, want) {
		t.Errorf("encoding changed:\n got % x\nwant % x", got, want)
	}
	if got := mustMarshal(t, New(0)); len(got) != minSize {
		t.Errorf("empty batch is %d bytes, want %d", len(got), minSize)
	}
}

func wantCorrupt(t *testing.T, name string, data []byte, off int, reason string) {
	t.Helper()
	var b WriteBatch
	err := b.UnmarshalBinary(data)
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("%s: error = %v, want ErrCorrupt", name, err)
		return
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Errorf("%s: error %T is not a *DecodeError", name, err)
		return
	}
	if off >= 0 && de.Offset != off {
		t.Errorf("%s: offset = %d, want %d (%v)", name, de.Offset, off, err)
	}
	if !strings.Contains(de.Reason, reason) {
		t.Errorf("%s: reason = %q, want it to mention %q", name, de.Reason, reason)
	}
	if b.Len() != 0 {
		t.Errorf("%s: failed decode left %d ops", name, b.Len())
	}
}

func TestDecodeErrors(t *testing.T) {
	enc := mustMarshal(t, sample())
	badMagic := bytes.Clone(enc)
	badMagic[1] = 'X'
	badVersion := bytes.Clone(enc)
	badVersion[4] = 2
	put := []byte{byte(OpPut), 0, 1, 'k', 1, 'v'}

	for _, c := range []struct {
		name   string
		data   []byte
		off    int
		reason string
	}{
		{"nil", nil, 0, "want at least"},
		{"short", enc[:minSize-1], minSize - 1, "want at least"},
		{"bad magic", badMagic, 0, "magic"},
		{"bad magic resealed", reseal(badMagic), 0, "magic"},
		{"bad version", badVersion, 4, "version"},
		{"bad version resealed", reseal(badVersion), 4, "version"},
		{"checksum", append(bytes.Clone(enc[:len(enc)-1]), enc[len(enc)-1]^1), len(enc) - 4, "checksum"},
		{"count too large", seal(append([]byte{100}, make([]byte, 20)...)...), 13, "exceeds"},
		{"count huge", seal(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), 13, "exceeds"},
		{"count non-minimal", seal(0x80, 0x00), 13, "non-minimal"},
		{"count overflow", seal(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02), 13, "overflows"},
		{"count truncated", seal(0x80), 13, "past the end"},
		{"unknown kind", seal(1, 3, 0), 14, "unknown op kind 3"},
		{"table non-minimal", seal(1, byte(OpDropTable), 0x81, 0x00), 15, "non-minimal"},
		{"table truncated", seal(1, byte(OpDropTable), 0x81), 15, "past the end"},
		{"key past end", seal(1, byte(OpDelete), 0, 5, 'a', 'b'), 16, "key length 5 runs past"},
		{"value past end", seal(1, byte(OpPut), 0, 1, 'k', 9, 'v'), 18, "value length 9 runs past"},
		{"value length missing", seal(1, byte(OpPut), 0, 1, 'k'), 18, "past the end"},
		{"op past end", seal(append([]byte{2}, put...)...), 20, "op 1 of 2"},
		{"delete with value", seal(1, byte(OpDelete), 0, 1, 'k', 1, 'v'), 18, "trailing"},
		{"trailing byte", seal(0, 0), 14, "1 trailing"},
		{"trailing op", seal(append([]byte{1}, append(put, put...)...)...), 20, "trailing"},
	} {
		wantCorrupt(t, c.name, c.data, c.off, c.reason)
	}

	// The same sealed body with the right count decodes, so the cases
	// above fail for the reason they claim.
	var b WriteBatch
	if err := b.UnmarshalBinary(seal(append([]byte{2}, append(put, put...)...)...)); err != nil || b.Len() != 2 || b.Position != 7 {
		t.Errorf("control batch: %v, %d ops, position %d", err, b.Len(), b.Position)
	}
}

func TestBitFlips(t *testing.T) {
	enc := mustMarshal(t, sample())
	for i := range len(enc) * 8 {
		p := bytes.Clone(enc)
		p[i/8] ^= 1 << (i % 8)
		var b WriteBatch
		if err := b.UnmarshalBinary(p); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flip of bit %d: error = %v, want ErrCorrupt", i, err)
		}
	}
}

func TestTruncations(t *testing.T) {
	enc := mustMarshal(t, sample())
	for n := range len(enc) {
		var b WriteBatch
		if err := b.UnmarshalBinary(enc[:n:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prefix of %d/%d bytes: error = %v, want ErrCorrupt", n, len(enc), err)
		}
	}
}

func TestAppendedGarbage(t *testing.T) {
	enc := mustMarshal(t, sample())
	for _, g := range [][]byte{{0}, {0xFF}, []byte("garbage"), enc} {
		var b WriteBatch
		p := append(bytes.Clone(enc), g...)
		if err := b.UnmarshalBinary(p); !errors.Is(err, ErrCorrupt) {
			t.Errorf("garbage %q: error = %v, want ErrCorrupt", g, err)
		}
		// Even with a valid checksum the extra bytes are caught.
		p = binary.LittleEndian.AppendUint32(append(bytes.Clone(enc[:len(enc)-4]), g...), 0)
		wantCorrupt(t, "resealed garbage", reseal(p), len(enc)-4, "trailing")
	}
}

func TestUnmarshalReuse(t *testing.T) {
	enc := mustMarshal(t, sample())
	b := New(1)
	for range 8 {
		b.DropTable(1)
	}
	old := b.Ops
	if err := b.UnmarshalBinary(enc); err != nil {
		t.Fatal(err)
	}
	if &b.Ops[0] != &old[0] {
		t.Error("UnmarshalBinary did not reuse the capacity of Ops")
	}
	if b.Position != sample().Position || b.Len() != sample().Len() {
		t.Errorf("decoded position %d len %d", b.Position, b.Len())
	}
	// A failed decode leaves no ops behind.
	if err := b.UnmarshalBinary(enc[:len(enc)-1]); err == nil || b.Len() != 0 {
		t.Errorf("failed decode: err %v, %d ops left", err, b.Len())
	}
	if err := b.UnmarshalBinary(seal(2, byte(OpDropTable), 1, 9)); err == nil || b.Len() != 0 {
		t.Errorf("failed decode: err %v, %d ops left", err, b.Len())
	}
	for _, op := range old {
		if op.Key != nil || op.Value != nil {
			t.Error("failed decode left references to the input behind")
		}
	}
}
