package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/page"
)

// Iterator walks the rows of one table as of one position, in key order,
// forward or backward, within [lower, upper). It holds no lock between
// calls: each step takes the store's read lock, and when a batch was applied
// in between it re-seeks from the current key (a read at a fixed position
// sees the same rows whatever comes after; only Prune past the position, or
// Close, ends it with an error). Key and Value are valid until the next
// call. An Iterator is not safe for concurrent use; Close it when done.
type Iterator struct {
	s            *Store
	snap         *Snapshot // nil for Store.NewIterator
	id           batch.TableID
	pos          batch.Offset
	lower, upper []byte

	epoch     uint64
	t         *table
	cur, hist btree.Cursor
	forward   bool
	positions bool // cursors are placed for the current epoch

	valid      bool
	key, value []byte // the current row: kbuf and vbuf, or borrowed
	kbuf, vbuf []byte
	borrow     bool         // key and inline values alias the page (Range)
	created    batch.Offset // the current row's version was created here
	hk         []byte
	err        error
	closed     bool
}

// NewIterator returns an unpositioned iterator over table t at position pos,
// bounded to [lower, upper) (nil means unbounded). Call First, Last, SeekGE
// or SeekLT to position it.
func (s *Store) NewIterator(t batch.TableID, lower, upper []byte, pos batch.Offset) (*Iterator, error) {
	return s.newIterator(nil, t, lower, upper, pos)
}

func (s *Store) newIterator(snap *Snapshot, t batch.TableID, lower, upper []byte, pos batch.Offset) (*Iterator, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	it := &Iterator{s: s, snap: snap, id: t, pos: pos, lower: clone(lower), upper: clone(upper)}
	if err := it.readable(); err != nil {
		return nil, err
	}
	return it, nil
}

// readable reports why the iterator's position cannot be read. Callers
// hold the read lock.
func (it *Iterator) readable() error {
	if it.snap != nil {
		return it.snap.usable()
	}
	return it.s.readable(it.pos)
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// Valid reports whether the iterator is at a row.
func (it *Iterator) Valid() bool { return it.valid && it.err == nil }

// Key returns the current row's key.
func (it *Iterator) Key() []byte { return it.key }

// Value returns the current row's value.
func (it *Iterator) Value() []byte { return it.value }

// Error returns the error that stopped the iterator, if any.
func (it *Iterator) Error() error { return it.err }

// Close releases the iterator. Later calls find it invalid.
func (it *Iterator) Close() error {
	it.closed, it.valid = true, false
	it.t = nil
	return it.err
}

// First moves to the first row.
func (it *Iterator) First() bool { return it.seek(it.lower, true, false) }

// Last moves to the last row.
func (it *Iterator) Last() bool { return it.seek(it.upper, false, false) }

// SeekGE moves to the first row with key >= key.
func (it *Iterator) SeekGE(key []byte) bool { return it.seek(key, true, false) }

// SeekLT moves to the last row with key < key.
func (it *Iterator) SeekLT(key []byte) bool { return it.seek(key, false, false) }

// Next moves to the next row.
func (it *Iterator) Next() bool {
	if !it.Valid() {
		return false
	}
	return it.step(true)
}

// Prev moves to the previous row.
func (it *Iterator) Prev() bool {
	if !it.Valid() {
		return false
	}
	return it.step(false)
}

// lock takes the read lock and refreshes the iterator; see refresh.
func (it *Iterator) lock() bool {
	it.s.mu.RLock()
	return it.refresh()
}

// refresh makes sure the iterator's table and cursors belong to the current
// epoch. It reports false (with it.err set) if the store cannot serve the
// read. The caller holds the read lock.
func (it *Iterator) refresh() bool {
	if it.closed {
		it.err = fmt.Errorf("projstore: iterator is closed")
		return false
	}
	if err := it.readable(); err != nil {
		it.err = err
		return false
	}
	if e := it.s.epoch.Load(); e != it.epoch || it.t == nil {
		t, err := it.s.tableAt(it.id, it.pos)
		if err != nil {
			it.err = err
			return false
		}
		it.t, it.epoch, it.positions = t, e, false
	}
	return true
}

func (it *Iterator) seek(key []byte, forward, exclusive bool) bool {
	defer it.s.mu.RUnlock()
	it.valid = false
	if !it.lock() {
		return false
	}
	it.place(key, forward, exclusive)
	return it.settle()
}

func (it *Iterator) step(forward bool) bool {
	defer it.s.mu.RUnlock()
	if !it.lock() {
		it.valid = false
		return false
	}
	return it.stepLocked(forward)
}

// stepLocked moves one row; the caller holds the read lock and refreshed.
func (it *Iterator) stepLocked(forward bool) bool {
	if !it.positions || forward != it.forward {
		// Re-seek strictly past the current key, in the new direction.
		it.place(it.key, forward, true)
	} else {
		it.advance()
	}
	return it.settle()
}

// place positions both cursors at the first row >= key (forward) or the
// last row < key (backward); exclusive skips key itself going forward.
// Bounds clamp the seek key.
func (it *Iterator) place(key []byte, forward, exclusive bool) {
	it.forward, it.positions = forward, true
	if it.t == nil {
		return
	}
	it.cur.Reset(&it.t.cur)
	it.hist.Reset(&it.t.hist)
	if forward {
		if it.lower != nil && (key == nil || bytes.Compare(key, it.lower) < 0) {
			key, exclusive = it.lower, false
		}
		if key == nil {
			it.cur.First()
			it.hist.First()
		} else {
			it.cur.SeekGE(key)
			if exclusive && it.cur.Valid() && bytes.Equal(it.cur.Key(), key) {
				it.cur.Next()
			}
			fill := byte(0)
			if exclusive {
				fill = 0xff // past every version of key
			}
			it.hk = appendHistSeek(it.hk[:0], key, fill)
			it.hist.SeekGE(it.hk)
		}
	} else {
		if it.upper != nil && (key == nil || bytes.Compare(key, it.upper) > 0) {
			key = it.upper
		}
		if key == nil {
			it.cur.Last()
			it.hist.Last()
		} else {
			it.cur.SeekLT(key)
			it.hk = appendHistSeek(it.hk[:0], key, 0)
			it.hist.SeekLT(it.hk)
		}
	}
	it.skip(&it.cur, false)
	it.skip(&it.hist, true)
}

// visible reports whether the cursor's entry is visible at it.pos.
func (it *Iterator) visible(c *btree.Cursor, history bool) bool {
	if !history {
		return batch.Offset(c.Stamp()) <= it.pos
	}
	_, created, ok := splitHistKey(c.Key())
	if !ok {
		it.err = page.Corruptf(it.t.hist.Root, "history key of %d bytes", len(c.Key()))
		return false
	}
	return created <= it.pos && it.pos < batch.Offset(c.Stamp())
}

func (it *Iterator) skip(c *btree.Cursor, history bool) {
	if history && (it.pos == it.s.applied && it.t.dropped == batch.MaxOffset) {
		// Nothing in history is visible at the applied position.
		c.Reset(&btree.Tree{})
		return
	}
	if !history && it.pos == it.s.applied {
		return // every current row was created at or before the applied position
	}
	for c.Valid() && !it.visible(c, history) {
		if it.err != nil {
			c.Reset(&btree.Tree{})
			return
		}
		if it.forward {
			c.Next()
		} else {
			c.Prev()
		}
	}
}

func userKey(c *btree.Cursor, history bool) []byte {
	k := c.Key()
	if history {
		return k[:len(k)-histSuffix] // visible() checked the length
	}
	return k
}

// pick returns the cursor holding the next row in the iterator's direction.
func (it *Iterator) pick() (*btree.Cursor, bool) {
	cv, hv := it.cur.Valid(), it.hist.Valid()
	switch {
	case cv && hv:
		c := bytes.Compare(it.cur.Key(), userKey(&it.hist, true))
		if (c <= 0) == it.forward || c == 0 {
			return &it.cur, false
		}
		return &it.hist, true
	case cv:
		return &it.cur, false
	case hv:
		return &it.hist, true
	}
	return nil, false
}

func (it *Iterator) advance() {
	c, history := it.pick()
	if c == nil {
		return
	}
	if it.forward {
		c.Next()
	} else {
		c.Prev()
	}
	it.skip(c, history)
}

// settle copies out the row the cursors point at, if it is inside the bounds.
func (it *Iterator) settle() bool {
	it.valid = false
	if it.t == nil {
		return false
	}
	if err := firstErr(it.cur.Err(), it.hist.Err()); err != nil {
		it.err = err
		return false
	}
	c, history := it.pick()
	if c == nil {
		return false
	}
	k, stamp, r := c.Entry()
	it.created = batch.Offset(stamp)
	if history {
		k, it.created, _ = splitHistKey(k) // visible() checked the length
	}
	if it.forward && it.upper != nil && bytes.Compare(k, it.upper) >= 0 {
		return false
	}
	if !it.forward && it.lower != nil && bytes.Compare(k, it.lower) < 0 {
		return false
	}
	tree := &it.t.cur
	if history {
		tree = &it.t.hist
	}
	if it.borrow {
		it.key = k
		if r.Overflow == 0 {
			it.value = r.Inline
			it.valid = true
			return true
		}
	} else {
		it.kbuf = append(it.kbuf[:0], k...)
		it.key = it.kbuf
	}
	var err error
	if it.vbuf, err = tree.Value(it.vbuf[:0], r); err != nil {
		it.err = err
		return false
	}
	it.value = it.vbuf
	it.valid = true
	return true
}

// own copies a borrowed key out of its page, before the read lock goes and
// the page may change: a re-seek starts from it.
func (it *Iterator) own() {
	if it.borrow && it.valid {
		it.kbuf = append(it.kbuf[:0], it.key...)
		it.key = it.kbuf
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Scan returns up to limit rows of table t in [start, end) at the applied
// position (nil end: no bound; limit <= 0: no limit).
func (s *Store) Scan(t batch.TableID, start, end []byte, limit int) ([]KV, error) {
	s.mu.RLock()
	pos := s.applied
	s.mu.RUnlock()
	return s.ScanAt(t, start, end, limit, pos)
}

// A scan reads about one leaf under one hold of the read lock: at least
// scanChunk rows, and more while they add up to less than a page of keys and
// values, so Apply waits for at most a leaf step (DESIGN.md §2.6) while the
// lock's cost spreads over many rows. With 100-byte rows that is 35 rows.
const scanChunk = 16

// scanChunkMax bounds a chunk of small rows (see walkBetween).
const scanChunkMax = 256

// ScanAt returns up to limit rows of table t in [start, end) as of pos.
func (s *Store) ScanAt(t batch.TableID, start, end []byte, limit int, pos batch.Offset) ([]KV, error) {
	return s.scan(context.Background(), nil, t, start, end, limit, pos)
}

// errLimit ends a scan's walk at its limit.
var errLimit = errors.New("limit")

func (s *Store) scan(ctx context.Context, snap *Snapshot, t batch.TableID, start, end []byte, limit int, pos batch.Offset) ([]KV, error) {
	it, err := s.newIterator(snap, t, start, end, pos)
	if err != nil {
		return nil, err
	}
	it.borrow = true // rows are copied once, into the arena
	var out []KV
	if limit > 0 {
		out = make([]KV, 0, min(limit, 4096))
	}
	// Rows share one buffer. When a chunk of rows shows their size, the
	// buffer is sized for the rest of the limit at once instead of by
	// doubling (most of a scan's time went to growing and copying it).
	arena := make([]byte, 0, 128*scanChunk) // the first chunk's guess; resized after it
	keep := func(b []byte) []byte {
		n := len(arena)
		arena = append(arena, b...)
		return arena[n:len(arena):len(arena)]
	}
	err = s.walk(ctx, it, func() error {
		out = append(out, KV{Key: keep(it.key), Value: keep(it.value)})
		if limit > 0 && len(out) >= limit {
			return errLimit
		}
		if len(out) == scanChunk && limit > 0 {
			per := len(arena)/len(out) + 1
			if want := per * min(limit, 1<<16); want > cap(arena) {
				arena = append(make([]byte, 0, want), arena...)
				// Rows kept so far point into the old buffer, which they
				// keep alive; only new rows go to the new one.
			}
		}
		return nil
	})
	if err != nil && err != errLimit {
		return nil, err
	}
	return out, nil
}

// walk steps it forward from its lower bound to the end, calling fn at each
// row, holding the read lock for scanChunk rows at a time and checking ctx
// in between. It returns fn's first error, or the iterator's.
func (s *Store) walk(ctx context.Context, it *Iterator, fn func() error) error {
	return s.walkBetween(ctx, it, fn, nil)
}

// walkBetween is walk that also calls between, if not nil, after each
// chunk, with the read lock released.
func (s *Store) walkBetween(ctx context.Context, it *Iterator, fn, between func() error) error {
	defer it.Close()
	for first := true; ; {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.RLock()
		if !it.refresh() {
			s.mu.RUnlock()
			return it.err
		}
		// A chunk ends after scanChunk rows or a leaf's worth of bytes,
		// whichever comes last (small rows pack many to a leaf), but never
		// past scanChunkMax rows.
		for n, size := 0, 0; n < scanChunkMax && (n < scanChunk || size < page.Size); n++ {
			var ok bool
			if first {
				it.place(it.lower, true, false)
				ok, first = it.settle(), false
			} else {
				ok = it.stepLocked(true)
			}
			if !ok {
				s.mu.RUnlock()
				return it.err
			}
			if err := fn(); err != nil {
				s.mu.RUnlock()
				return err
			}
			size += len(it.key) + len(it.value)
		}
		it.own()
		s.mu.RUnlock()
		if between != nil {
			if err := between(); err != nil {
				return err
			}
		}
	}
}
