package store

import (
	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
)

// TableInfo describes one table as of a position.
type TableInfo struct {
	ID      batch.TableID
	Rows    int64        // live rows
	Bytes   int64        // bytes of live keys and values
	Created batch.Offset // the position that created this incarnation of the table
}

// Tables lists the tables live at the snapshot's position, by id, with their
// row counts and sizes as of that position. The counts come from the
// catalog (each batch records a table's counts when it changes them), not
// from a walk of the rows.
func (v *Snapshot) Tables() ([]TableInfo, error) {
	s := v.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := v.usable(); err != nil {
		return nil, err
	}
	var out []TableInfo
	c := s.catalog.Cursor()
	for ok := c.First(); ok; ok = c.Next() {
		r, err := c.Ref()
		if err != nil {
			return nil, err
		}
		t, err := s.decodeTable(c.Key(), r.Inline)
		if err != nil {
			return nil, err
		}
		if t.start > v.pos || t.dropped <= v.pos {
			continue // not this position's incarnation
		}
		info, err := t.infoAt(v.pos)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, c.Err()
}

// infoAt reads t's counts as of pos, which lies in its life.
func (t *table) infoAt(pos batch.Offset) (TableInfo, error) {
	info := TableInfo{ID: t.id, Created: t.start}
	c := cursors.Get().(*btree.Cursor)
	defer cursors.Put(c)
	c.Reset(&t.counts)
	if !c.SeekLT(countsKey(pos + 1)) {
		if err := c.Err(); err != nil {
			return info, err
		}
		return info, nil // created by a batch that left it empty
	}
	r, err := c.Ref()
	if err != nil {
		return info, err
	}
	_, rows, size, err := decodeCounts(c.Key(), r.Inline, t.counts.Root)
	info.Rows, info.Bytes = int64(rows), int64(size)
	return info, err
}
