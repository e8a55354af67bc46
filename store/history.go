package store

import (
	"bytes"
	"slices"

	"github.com/projstore/projstore/batch"
)

// Version is one version of a row: visible at positions [Created, Deleted).
// A live version has Deleted == batch.MaxOffset.
type Version struct {
	Created, Deleted batch.Offset
	Value            []byte
}

// History returns every version of key in table t still kept (not pruned),
// newest first, across drops of the table.
func (s *Store) History(t batch.TableID, key []byte) ([]Version, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.usable(); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var out []Version
	c := s.catalog.Cursor()
	for ok := c.SeekGE(catalogKey(t, 0)); ok && catalogTable(c.Key()) == t; ok = c.Next() {
		r, err := c.Ref()
		if err != nil {
			return nil, err
		}
		inc, err := s.decodeTable(c.Key(), r.Inline)
		if err != nil {
			return nil, err
		}
		if out, err = inc.history(out, key); err != nil {
			return nil, err
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Version) int { return -cmpOffset(a.Created, b.Created) })
	return out, nil
}

func cmpOffset(a, b batch.Offset) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (t *table) history(out []Version, key []byte) ([]Version, error) {
	created, r, found, err := t.cur.Get(key)
	if err != nil {
		return nil, err
	}
	if found {
		v, err := t.cur.Value(nil, r)
		if err != nil {
			return nil, err
		}
		out = append(out, Version{Created: batch.Offset(created), Deleted: t.dropped, Value: v})
	}
	h := t.hist.Cursor()
	for ok := h.SeekGE(appendHistSeek(nil, key, 0)); ok; ok = h.Next() {
		uk, created, valid := splitHistKey(h.Key())
		if !valid || !bytes.Equal(uk, key) {
			break
		}
		r, err := h.Ref()
		if err != nil {
			return nil, err
		}
		v, err := t.hist.Value(nil, r)
		if err != nil {
			return nil, err
		}
		out = append(out, Version{Created: created, Deleted: batch.Offset(h.Stamp()), Value: v})
	}
	return out, h.Err()
}
