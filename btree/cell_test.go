package btree_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/projstore/projstore/btree"
)

// leafCell builds a leaf cell by hand, from the layout in the package doc.
func leafCell(flags byte, key []byte, stamp uint64, vlen uint32, rest []byte) []byte {
	c := []byte{flags}
	c = binary.LittleEndian.AppendUint16(c, uint16(len(key)))
	c = binary.LittleEndian.AppendUint64(c, stamp)
	c = binary.LittleEndian.AppendUint32(c, vlen)
	return append(append(c, key...), rest...)
}

func TestDecodeLeaf(t *testing.T) {
	l, err := btree.DecodeLeaf(leafCell(0, []byte("key"), 7, 5, []byte("value")))
	if err != nil || string(l.Key) != "key" || l.Stamp != 7 || l.Value.Len != 5 || string(l.Value.Inline) != "value" || l.Value.Overflow != 0 {
		t.Fatalf("inline cell: %+v, %v", l, err)
	}
	l, err = btree.DecodeLeaf(leafCell(1, []byte("k"), 9, 100000, binary.LittleEndian.AppendUint64(nil, 42)))
	if err != nil || string(l.Key) != "k" || l.Stamp != 9 || l.Value.Len != 100000 || l.Value.Overflow != 42 || l.Value.Inline != nil {
		t.Fatalf("overflow cell: %+v, %v", l, err)
	}
	for name, c := range map[string][]byte{
		"short":            leafCell(0, nil, 0, 0, nil)[:14],
		"unknown flag":     leafCell(2, []byte("k"), 1, 1, []byte("v")),
		"empty key":        leafCell(0, nil, 1, 1, []byte("v")),
		"key past the end": leafCell(0, []byte("k"), 1, 0, nil)[:15],
		"key over MaxKey":  leafCell(0, bytes.Repeat([]byte("k"), btree.MaxKey+1), 1, 0, nil),
		"value too long":   leafCell(0, []byte("k"), 1, 2, []byte("v")),
		"value too short":  leafCell(0, []byte("k"), 1, 1, []byte("vv")),
		"overflow 7 bytes": leafCell(1, []byte("k"), 1, 5000, make([]byte, 7)),
		"overflow empty":   leafCell(1, []byte("k"), 1, 0, make([]byte, 8)),
		"overflow huge":    leafCell(1, []byte("k"), 1, btree.MaxValue+1, make([]byte, 8)),
	} {
		if l, err := btree.DecodeLeaf(c); err == nil {
			t.Errorf("%s: decoded as %+v", name, l)
		}
	}
}

func TestDecodeBranch(t *testing.T) {
	c := binary.LittleEndian.AppendUint64(nil, 77)
	c = binary.LittleEndian.AppendUint16(c, 3)
	c = append(c, "sep"...)
	b, err := btree.DecodeBranch(c)
	if err != nil || string(b.Key) != "sep" || b.Child != 77 {
		t.Fatalf("branch cell: %+v, %v", b, err)
	}
	for name, bad := range map[string][]byte{
		"short":     c[:9],
		"empty key": append(bytes.Clone(c[:8]), 0, 0),
		"key short": c[:12],
		"key long":  append(bytes.Clone(c), 'x'),
	} {
		if b, err := btree.DecodeBranch(bad); err == nil {
			t.Errorf("%s: decoded as %+v", name, b)
		}
	}
}
