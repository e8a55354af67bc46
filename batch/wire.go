package batch

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"slices"
)

const (
	magic       = "PSWB"
	version     = 1
	headerSize  = 13 // magic, version, position
	trailerSize = 4  // CRC32C
	minSize     = headerSize + 1 + trailerSize
	minOpSize   = 2 // kind and a one-byte table
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes b in the wire format described in the package
// documentation.
func (b *WriteBatch) MarshalBinary() ([]byte, error) {
	return b.AppendBinary(nil)
}

// AppendBinary appends the wire encoding of b to dst and returns the
// extended slice. It grows dst at most once, and not at all if dst has
// room, so the store can encode into a reused buffer without allocating.
//
// It fails, returning dst unchanged and an error wrapping ErrBadOp, if an
// op has an unknown kind, a Delete has a non-empty value, or a DropTable
// has a non-empty key or value: the wire format has no room for those,
// and dropping them silently would make the log disagree with the caller.
// Key and value sizes are not checked here; the store owns those limits.
func (b *WriteBatch) AppendBinary(dst []byte) ([]byte, error) {
	n, err := b.size()
	if err != nil {
		return dst, err
	}
	start := len(dst)
	dst = slices.Grow(dst, n)
	dst = append(dst, magic...)
	dst = append(dst, version)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(b.Position))
	dst = binary.AppendUvarint(dst, uint64(len(b.Ops)))
	for i := range b.Ops {
		op := &b.Ops[i]
		dst = append(dst, byte(op.Kind))
		dst = binary.AppendUvarint(dst, uint64(op.Table))
		if op.Kind == OpDropTable {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(op.Key)))
		dst = append(dst, op.Key...)
		if op.Kind == OpPut {
			dst = binary.AppendUvarint(dst, uint64(len(op.Value)))
			dst = append(dst, op.Value...)
		}
	}
	sum := crc32.Checksum(dst[start:], castagnoli)
	return binary.LittleEndian.AppendUint32(dst, sum), nil
}

// WriteTo writes the wire encoding of b to w, the same bytes as
// AppendBinary, without holding the whole encoding in memory: headers go
// through a small buffer and keys and values straight from the ops, so a
// writer that only hashes or streams a batch (the store's digest) costs
// no copy of it. It fails as AppendBinary does, before writing anything,
// on an op the wire format cannot hold.
func (b *WriteBatch) WriteTo(w io.Writer) (int64, error) {
	if _, err := b.size(); err != nil {
		return 0, err
	}
	var (
		buf [64]byte
		sum uint32
		n   int64
	)
	put := func(p []byte) error {
		sum = crc32.Update(sum, castagnoli, p)
		k, err := w.Write(p)
		n += int64(k)
		return err
	}
	h := append(buf[:0], magic...)
	h = append(h, version)
	h = binary.LittleEndian.AppendUint64(h, uint64(b.Position))
	h = binary.AppendUvarint(h, uint64(len(b.Ops)))
	if err := put(h); err != nil {
		return n, err
	}
	for i := range b.Ops {
		op := &b.Ops[i]
		h = append(buf[:0], byte(op.Kind))
		h = binary.AppendUvarint(h, uint64(op.Table))
		if op.Kind != OpDropTable {
			h = binary.AppendUvarint(h, uint64(len(op.Key)))
			if err := put(h); err != nil {
				return n, err
			}
			h = buf[:0]
			if err := put(op.Key); err != nil {
				return n, err
			}
			if op.Kind == OpPut {
				h = binary.AppendUvarint(h, uint64(len(op.Value)))
				if err := put(h); err != nil {
					return n, err
				}
				h = buf[:0]
				if err := put(op.Value); err != nil {
					return n, err
				}
			}
		}
		if len(h) > 0 {
			if err := put(h); err != nil {
				return n, err
			}
		}
	}
	k, err := w.Write(binary.LittleEndian.AppendUint32(buf[:0], sum))
	return n + int64(k), err
}

// size returns the encoded size of b, validating its ops on the way so
// that AppendBinary never leaves a half-written batch in dst.
func (b *WriteBatch) size() (int, error) {
	n := headerSize + uvarintLen(uint64(len(b.Ops))) + trailerSize
	for i := range b.Ops {
		op := &b.Ops[i]
		n += 1 + uvarintLen(uint64(op.Table))
		switch op.Kind {
		case OpPut:
			n += uvarintLen(uint64(len(op.Key))) + len(op.Key)
			n += uvarintLen(uint64(len(op.Value))) + len(op.Value)
		case OpDelete:
			if len(op.Value) != 0 {
				return 0, badOp(i, op, "delete with a value")
			}
			n += uvarintLen(uint64(len(op.Key))) + len(op.Key)
		case OpDropTable:
			if len(op.Key) != 0 || len(op.Value) != 0 {
				return 0, badOp(i, op, "drop table with a key or value")
			}
		default:
			return 0, badOp(i, op, "unknown kind")
		}
	}
	return n, nil
}

func uvarintLen(x uint64) int {
	return (bits.Len64(x|1) + 6) / 7
}

// UnmarshalBinary replaces the contents of b with the batch encoded in
// data. Any error it returns is a *DecodeError wrapping ErrCorrupt, and
// leaves b with no ops.
//
// The decoded keys and values are sub-slices of data, not copies, so data
// must not be modified while b is in use. Each is capped at its own end,
// so appending to one reallocates rather than overwriting its neighbour.
// Decoded ops follow the nil rule documented on WriteOp. The capacity of
// b.Ops is reused.
func (b *WriteBatch) UnmarshalBinary(data []byte) error {
	// Drop references into whatever b held before, reused or not.
	clear(b.Ops)
	pos, ops, err := decode(data, b.Ops[:0])
	if err != nil {
		clear(ops)
		b.Ops = ops[:0]
		return err
	}
	b.Position, b.Ops = pos, ops
	return nil
}

// decode appends the ops in data to ops. On error it still returns the
// extended ops so the caller can clear them.
func decode(data []byte, ops []WriteOp) (Offset, []WriteOp, error) {
	if len(data) < minSize {
		return 0, ops, corrupt(len(data), "%d bytes, want at least %d", len(data), minSize)
	}
	if string(data[:len(magic)]) != magic {
		return 0, ops, corrupt(0, "bad magic %q", data[:len(magic)])
	}
	// The version is checked before the checksum because a later version
	// may checksum differently; "unknown version" is the useful answer.
	if data[4] != version {
		return 0, ops, corrupt(4, "unknown format version %d", data[4])
	}
	// Nothing past the header is parsed before the checksum has vouched
	// for it.
	end := len(data) - trailerSize
	if got, want := crc32.Checksum(data[:end], castagnoli), binary.LittleEndian.Uint32(data[end:]); got != want {
		return 0, ops, corrupt(end, "checksum mismatch: computed %#08x, stored %#08x", got, want)
	}
	pos := Offset(binary.LittleEndian.Uint64(data[5:headerSize]))

	d := decoder{data: data[:end], off: headerSize}
	countOff := d.off
	count, err := d.uvarint("op count")
	if err != nil {
		return 0, ops, err
	}
	// Bound the count by what the remaining bytes can hold before
	// allocating for it.
	if left := uint64(end - d.off); count > left/minOpSize {
		return 0, ops, corrupt(countOff, "op count %d exceeds what %d bytes can hold", count, left)
	}
	ops = slices.Grow(ops, int(count))
	for i := range count {
		kindOff := d.off
		if d.off == len(d.data) {
			return 0, ops, corrupt(kindOff, "op %d of %d runs past the end", i, count)
		}
		kind := OpKind(d.data[d.off])
		d.off++
		if kind > OpDropTable {
			return 0, ops, corrupt(kindOff, "unknown op kind %d", kind)
		}
		table, err := d.uvarint("table")
		if err != nil {
			return 0, ops, err
		}
		op := WriteOp{Kind: kind, Table: TableID(table)}
		if kind != OpDropTable {
			if op.Key, err = d.bytes("key", "key length"); err != nil {
				return 0, ops, err
			}
		}
		if kind == OpPut {
			if op.Value, err = d.bytes("value", "value length"); err != nil {
				return 0, ops, err
			}
		}
		ops = append(ops, op)
	}
	if d.off != end {
		return 0, ops, corrupt(d.off, "%d trailing bytes after the last op", end-d.off)
	}
	return pos, ops, nil
}

type decoder struct {
	data []byte // up to, not including, the checksum
	off  int
}

// uvarint reads a minimal uvarint. Non-minimal encodings are rejected so
// that each batch has exactly one encoding.
func (d *decoder) uvarint(what string) (uint64, error) {
	v, n := binary.Uvarint(d.data[d.off:])
	switch {
	case n == 0:
		return 0, corrupt(d.off, "%s: uvarint runs past the end", what)
	case n < 0:
		return 0, corrupt(d.off, "%s: uvarint overflows 64 bits", what)
	case n > 1 && d.data[d.off+n-1] == 0:
		return 0, corrupt(d.off, "%s: non-minimal uvarint", what)
	}
	d.off += n
	return v, nil
}

// bytes reads a length-prefixed byte string as a capped sub-slice of the
// input. The result is never nil.
// The caller passes both names as constants because building one from the
// other here would allocate on every call.
func (d *decoder) bytes(what, whatLen string) ([]byte, error) {
	lenOff := d.off
	n, err := d.uvarint(whatLen)
	if err != nil {
		return nil, err
	}
	if left := uint64(len(d.data) - d.off); n > left {
		return nil, corrupt(lenOff, "%s length %d runs past the end (%d bytes left)", what, n, left)
	}
	start, stop := d.off, d.off+int(n)
	d.off = stop
	return d.data[start:stop:stop], nil
}

func corrupt(off int, format string, args ...any) error {
	return &DecodeError{Offset: off, Reason: fmt.Sprintf(format, args...)}
}
