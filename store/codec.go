package store

import (
	"encoding/binary"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/page"
)

// This file is the one home of the store's own byte layouts, drawn in
// doc.go: the history key, the catalog key and entry, and the row-count
// entry. Everything else in the package calls these.

// histSuffix is the length of the created position that ends a history key;
// btree compares history keys by it.
const histSuffix = btree.SuffixSize

// appendHistKey appends key ‖ ^created: versions of one key sort newest
// first, and a seek for key ‖ ^p lands on the newest version created at or
// before p.
func appendHistKey(dst, key []byte, created batch.Offset) []byte {
	dst = append(dst, key...)
	return binary.BigEndian.AppendUint64(dst, ^uint64(created))
}

// appendHistSeek appends key followed by eight fill bytes: with 0x00 the
// seek lands before every version of key, with 0xff after all of them.
func appendHistSeek(dst, key []byte, fill byte) []byte {
	dst = append(dst, key...)
	for range histSuffix {
		dst = append(dst, fill)
	}
	return dst
}

// splitHistKey splits a history key into the row key and the version's
// created position. ok is false for a key too short to be one.
func splitHistKey(k []byte) (key []byte, created batch.Offset, ok bool) {
	if len(k) <= histSuffix {
		return nil, 0, false
	}
	n := len(k) - histSuffix
	return k[:n], batch.Offset(^binary.BigEndian.Uint64(k[n:])), true
}

// catalogKeySize is the length of a catalog key: table id ‖ dropped_at.
const catalogKeySize = 16

func catalogKey(id batch.TableID, dropped batch.Offset) []byte {
	var k [catalogKeySize]byte
	binary.BigEndian.PutUint64(k[:], uint64(id))
	binary.BigEndian.PutUint64(k[8:], uint64(dropped))
	return k[:]
}

// catalogTable returns the table id a catalog key starts with.
func catalogTable(k []byte) batch.TableID {
	return batch.TableID(binary.BigEndian.Uint64(k))
}

// entrySize is the length of a catalog entry (one table incarnation).
const entrySize = 56

// entry is a decoded catalog entry.
type entry struct {
	start                batch.Offset
	cur, hist, counts    uint64 // tree roots
	rows, versions, size uint64
}

func (e *entry) encode() []byte {
	v := make([]byte, entrySize)
	for i, f := range []uint64{uint64(e.start), e.cur, e.hist, e.rows, e.versions, e.size, e.counts} {
		binary.LittleEndian.PutUint64(v[8*i:], f)
	}
	return v
}

func decodeEntry(key, v []byte, root uint64) (id batch.TableID, dropped batch.Offset, e entry, err error) {
	if len(key) != catalogKeySize || len(v) != entrySize {
		return 0, 0, e, page.Corruptf(root, "catalog entry of %d+%d bytes", len(key), len(v))
	}
	le := func(i int) uint64 { return binary.LittleEndian.Uint64(v[8*i:]) }
	e = entry{start: batch.Offset(le(0)), cur: le(1), hist: le(2), rows: le(3), versions: le(4), size: le(5), counts: le(6)}
	return catalogTable(key), batch.Offset(binary.BigEndian.Uint64(key[8:])), e, nil
}

// A counts entry records a table's live rows and bytes as of the batch that
// last changed them, so Tables at a past position reads them instead of
// walking the table. Key: position (8 bytes, big-endian); value: rows ‖
// bytes (little-endian).
const countsSize = 16

func countsKey(pos batch.Offset) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(pos))
}

func encodeCounts(rows, size uint64) []byte {
	v := binary.LittleEndian.AppendUint64(make([]byte, 0, countsSize), rows)
	return binary.LittleEndian.AppendUint64(v, size)
}

func decodeCounts(k, v []byte, root uint64) (pos batch.Offset, rows, size uint64, err error) {
	if len(k) != 8 || len(v) != countsSize {
		return 0, 0, 0, page.Corruptf(root, "row-count entry of %d+%d bytes", len(k), len(v))
	}
	return batch.Offset(binary.BigEndian.Uint64(k)), binary.LittleEndian.Uint64(v), binary.LittleEndian.Uint64(v[8:]), nil
}
