package fuzz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/cespare/xxhash/v2"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// Version is one version of a key: visible at p iff Created <= p < Deleted.
type Version struct {
	Created, Deleted batch.Offset
	Value            []byte
}

// Model is the reference a store is checked against: every version of every
// key ever applied, kept as plain maps and slices so that it is obviously
// right. It never forgets a version (Prune only moves the horizon), so it
// can be cut back to any earlier position after a crash.
type Model struct {
	Applied batch.Offset
	Horizon batch.Offset
	// digests[p] is the applied digest after position p.
	digests []uint64
	tables  map[batch.TableID]map[string][]Version // versions oldest first
}

// NewModel returns the model of an empty store.
func NewModel() *Model {
	return &Model{digests: []uint64{0}, tables: make(map[batch.TableID]map[string][]Version)}
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := &Model{Applied: m.Applied, Horizon: m.Horizon, digests: slices.Clone(m.digests),
		tables: make(map[batch.TableID]map[string][]Version, len(m.tables))}
	for id, keys := range m.tables {
		ck := make(map[string][]Version, len(keys))
		for k, vs := range keys {
			ck[k] = slices.Clone(vs)
		}
		c.tables[id] = ck
	}
	return c
}

// Invalid returns the error Apply must fail with for b, judging only the
// ops (not the position), or nil if every op is valid. The first bad op in
// batch order decides.
func Invalid(b *batch.WriteBatch) error {
	for _, op := range b.Ops {
		switch op.Kind {
		case batch.OpPut, batch.OpDelete:
			switch {
			case len(op.Key) == 0:
				return store.ErrEmptyKey
			case len(op.Key) > store.MaxKeySize:
				return store.ErrKeyTooLarge
			case op.Kind == batch.OpPut && len(op.Value) > store.MaxValueSize:
				return store.ErrValueTooLarge
			case op.Kind == batch.OpDelete && len(op.Value) != 0:
				return store.ErrBadOp
			}
		case batch.OpDropTable:
			if len(op.Key) != 0 || len(op.Value) != 0 {
				return store.ErrBadOp
			}
		default:
			return store.ErrBadOp
		}
	}
	return nil
}

// Apply applies a valid batch at position Applied+1, ops in order: a later
// op on a key replaces an earlier one of the same batch without leaving a
// version behind, and a drop closes every live key of its table.
func (m *Model) Apply(b *batch.WriteBatch) error {
	if b.Position != m.Applied+1 {
		return fmt.Errorf("model: batch at %d, applied %d", b.Position, m.Applied)
	}
	if err := Invalid(b); err != nil {
		return err
	}
	enc, err := b.MarshalBinary()
	if err != nil {
		return err
	}
	pos := b.Position
	for _, op := range b.Ops {
		keys := m.tables[op.Table]
		if keys == nil {
			keys = make(map[string][]Version)
			m.tables[op.Table] = keys
		}
		switch op.Kind {
		case batch.OpPut:
			k := string(op.Key)
			vs := closeLive(keys[k], pos)
			keys[k] = append(vs, Version{Created: pos, Deleted: batch.MaxOffset, Value: bytes.Clone(op.Value)})
		case batch.OpDelete:
			k := string(op.Key)
			keys[k] = closeLive(keys[k], pos)
		case batch.OpDropTable:
			for k, vs := range keys {
				keys[k] = closeLive(vs, pos)
			}
		}
	}
	var prev [8]byte
	binary.LittleEndian.PutUint64(prev[:], m.digests[m.Applied])
	d := xxhash.New()
	d.Write(prev[:])
	d.Write(enc)
	m.digests = append(m.digests, d.Sum64())
	m.Applied = pos
	return nil
}

// closeLive ends the live version of a key at pos. A version created at pos
// itself (earlier in the same batch) leaves no trace.
func closeLive(vs []Version, pos batch.Offset) []Version {
	n := len(vs)
	if n == 0 || vs[n-1].Deleted != batch.MaxOffset {
		return vs
	}
	if vs[n-1].Created == pos {
		return vs[:n-1]
	}
	vs[n-1].Deleted = pos
	return vs
}

// Digest returns the applied digest after position p <= Applied.
func (m *Model) Digest(p batch.Offset) uint64 { return m.digests[p] }

// CutTo forgets every batch after p: the model of a store recovered at p.
func (m *Model) CutTo(p batch.Offset) {
	if p >= m.Applied {
		return
	}
	for _, keys := range m.tables {
		for k, vs := range keys {
			out := vs[:0]
			for _, v := range vs {
				if v.Created > p {
					continue
				}
				if v.Deleted > p {
					v.Deleted = batch.MaxOffset
				}
				out = append(out, v)
			}
			keys[k] = out
		}
	}
	m.digests = m.digests[:p+1]
	m.Applied = p
}

// Get returns the value of key in table t at position p.
func (m *Model) Get(t batch.TableID, key []byte, p batch.Offset) ([]byte, bool) {
	for _, v := range m.tables[t][string(key)] {
		if v.Created <= p && p < v.Deleted {
			return v.Value, true
		}
	}
	return nil, false
}

// Scan returns the rows of table t in [start, end) at position p, in key
// order (nil end: no bound).
func (m *Model) Scan(t batch.TableID, start, end []byte, p batch.Offset) []store.KV {
	var out []store.KV
	for k, vs := range m.tables[t] {
		kb := []byte(k)
		if bytes.Compare(kb, start) < 0 || end != nil && bytes.Compare(kb, end) >= 0 {
			continue
		}
		for _, v := range vs {
			if v.Created <= p && p < v.Deleted {
				out = append(out, store.KV{Key: kb, Value: v.Value})
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b store.KV) int { return bytes.Compare(a.Key, b.Key) })
	return out
}

// Tables returns every table id the model has seen, in order.
func (m *Model) Tables() []batch.TableID {
	return slices.Sorted(maps.Keys(m.tables))
}

// Keys returns every key table t ever held, in order.
func (m *Model) Keys(t batch.TableID) [][]byte {
	var out [][]byte
	for k := range m.tables[t] {
		out = append(out, []byte(k))
	}
	slices.SortFunc(out, bytes.Compare)
	return out
}

// Rows counts the live rows at the applied position.
func (m *Model) Rows() uint64 {
	var n uint64
	for _, keys := range m.tables {
		for _, vs := range keys {
			if len(vs) > 0 && vs[len(vs)-1].Deleted == batch.MaxOffset {
				n++
			}
		}
	}
	return n
}
