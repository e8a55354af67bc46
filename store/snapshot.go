package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
)

// Snapshot is a read view of a store at one position. Every read through it
// sees exactly that position, however many batches are applied meanwhile,
// and while it is open Prune stops at its position, so a long query never
// fails halfway with ErrPruned. A Snapshot copies nothing and holds no lock
// between calls; it is safe for concurrent use. Close it when done: an open
// Snapshot keeps the history it can see from being pruned.
type Snapshot struct {
	s      *Store
	pos    batch.Offset
	digest uint64
	known  bool // digest is the AppliedDigest at pos
	closed atomic.Bool
}

// ErrStop, returned by a Range callback, ends the walk early without error.
var ErrStop = errors.New("projstore: stop")

// Snapshot returns a read view at pos: ErrPositionAhead past the applied
// position, ErrPruned below the horizon, ErrClosed after Close.
func (s *Store) Snapshot(pos batch.Offset) (*Snapshot, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.readable(pos); err != nil {
		return nil, err
	}
	v := &Snapshot{s: s, pos: pos}
	if pos == s.applied {
		v.digest, v.known = s.digest, true
	}
	// Registered under the read lock: Prune reads the oldest snapshot under
	// the write lock, so it either sees this one or ran before the check
	// above.
	s.snapMu.Lock()
	if s.snaps == nil {
		s.snaps = make(map[batch.Offset]int)
	}
	s.snaps[pos]++
	s.snapMu.Unlock()
	return v, nil
}

// oldestSnapshot returns the position of the oldest open snapshot, or
// MaxOffset if none is open.
func (s *Store) oldestSnapshot() batch.Offset {
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	oldest := batch.MaxOffset
	for p := range s.snaps {
		oldest = min(oldest, p)
	}
	return oldest
}

// Position returns the position the snapshot reads at.
func (v *Snapshot) Position() batch.Offset { return v.pos }

// Digest returns the AppliedDigest at the snapshot's position. It is known
// (ok) when the snapshot was taken at the then-applied position; the store
// keeps no digests of older positions.
func (v *Snapshot) Digest() (digest uint64, ok bool) { return v.digest, v.known }

// Close releases the snapshot: later reads return ErrClosed, and Prune may
// pass its position. Closing twice is harmless.
func (v *Snapshot) Close() error {
	if v.closed.Swap(true) {
		return nil
	}
	s := v.s
	s.snapMu.Lock()
	if s.snaps[v.pos]--; s.snaps[v.pos] <= 0 {
		delete(s.snaps, v.pos)
	}
	s.snapMu.Unlock()
	return nil
}

// usable reports why the snapshot cannot serve a read. Callers hold s.mu.
func (v *Snapshot) usable() error {
	if v.closed.Load() {
		return ErrClosed
	}
	return v.s.readable(v.pos)
}

// Get returns the value key had in table t at the snapshot's position.
func (v *Snapshot) Get(t batch.TableID, key []byte) ([]byte, error) {
	v.s.mu.RLock()
	defer v.s.mu.RUnlock()
	if err := v.usable(); err != nil {
		return nil, err
	}
	return v.s.getAt(t, key, v.pos)
}

// Scan returns up to limit rows of table t in [start, end) (nil end: no
// bound; limit <= 0: no limit), copied once into one buffer.
func (v *Snapshot) Scan(t batch.TableID, start, end []byte, limit int) ([]KV, error) {
	return v.ScanContext(context.Background(), t, start, end, limit)
}

// ScanContext is Scan that stops with ctx's error when ctx is done.
func (v *Snapshot) ScanContext(ctx context.Context, t batch.TableID, start, end []byte, limit int) ([]KV, error) {
	return v.s.scan(ctx, v, t, start, end, limit, v.pos)
}

// NewIterator returns an unpositioned iterator over table t in [start,
// end) at the snapshot's position. It fails with ErrClosed once the
// snapshot is closed.
func (v *Snapshot) NewIterator(t batch.TableID, start, end []byte) (*Iterator, error) {
	return v.s.newIterator(v, t, start, end, v.pos)
}

// Range calls fn for each row of table t in [start, end), in key order. The
// key and value slices are borrowed: they point into the store's pages (or,
// for a value kept in overflow pages, into a buffer the next row reuses)
// and are valid only until fn returns. fn runs under the store's read lock,
// which Range lets go every few rows (about one leaf); so fn must be quick,
// must copy what it keeps, and must not call the Store or its Snapshots
// (the writer may be waiting for the lock). Returning ErrStop ends the walk
// with a nil error; any other error ends it with that error. Range checks
// ctx between leaves.
func (v *Snapshot) Range(ctx context.Context, t batch.TableID, start, end []byte, fn func(key, value []byte) error) error {
	if fn == nil { // ErrClosed comes before argument errors, as everywhere
		v.s.mu.RLock()
		defer v.s.mu.RUnlock()
		if err := v.usable(); err != nil {
			return err
		}
		return fmt.Errorf("%w: Range without a callback", ErrBadOp)
	}
	it := &Iterator{s: v.s, snap: v, id: t, pos: v.pos, lower: start, upper: end, borrow: true}
	err := v.s.walk(ctx, it, func() error { return fn(it.key, it.value) })
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// OpenValue returns a reader of the value key had in table t at the
// snapshot's position, for values too large to hold in memory at once: it
// reads the overflow pages as it goes, taking the read lock per read. It
// stays valid until the snapshot closes.
func (v *Snapshot) OpenValue(t batch.TableID, key []byte) (*ValueReader, error) {
	s := v.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := v.usable(); err != nil {
		return nil, err
	}
	tree, r, err := s.refAt(t, key, v.pos)
	if err != nil {
		return nil, err
	}
	if r.Overflow == 0 {
		r.Inline = append([]byte(nil), r.Inline...) // the page may change
	}
	return &ValueReader{snap: v, tree: btree.Tree{P: tree.P}, ref: r}, nil
}

// ValueReader reads one value as io.Reader, io.ReaderAt and io.Seeker. It
// is not safe for concurrent use, except ReadAt.
type ValueReader struct {
	snap *Snapshot
	tree btree.Tree
	ref  btree.Ref
	at   btree.ChainPos
	off  int64
}

// Size returns the value's length in bytes.
func (r *ValueReader) Size() int64 { return int64(r.ref.Len) }

// ReadAt implements io.ReaderAt.
func (r *ValueReader) ReadAt(p []byte, off int64) (int, error) {
	var at btree.ChainPos
	return r.readAt(p, off, &at)
}

func (r *ValueReader) readAt(p []byte, off int64, at *btree.ChainPos) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("projstore: read at negative offset %d", off)
	}
	s := r.snap.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := r.snap.usable(); err != nil {
		return 0, err
	}
	return r.tree.ReadValueAt(r.ref, p, off, at)
}

// Read implements io.Reader.
func (r *ValueReader) Read(p []byte) (int, error) {
	n, err := r.readAt(p, r.off, &r.at)
	r.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek implements io.Seeker.
func (r *ValueReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.Size()
	default:
		return 0, fmt.Errorf("projstore: seek whence %d", whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("projstore: seek to negative offset %d", offset)
	}
	r.off = offset
	return offset, nil
}
