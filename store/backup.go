package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/vfs"
)

// BackupOptions configure Snapshot.Backup. nil means the defaults.
type BackupOptions struct {
	// FS is the file system of the destination: nil means the OS.
	FS vfs.FS
	// Progress, if set, is called now and then with the rows and versions
	// copied so far and the total to copy.
	Progress func(done, total int64)
}

// ErrExists: Backup refuses a destination file that exists and is not empty.
var ErrExists = errors.New("projstore: destination file exists")

// Backup writes a new store at path (which must not exist, or be empty)
// with the snapshot's contents and every version still kept at or below its
// position: reads at any position from the source's horizon to the
// snapshot's answer the same on the copy. The copy is densely packed (each
// tree is written in key order, leaves filled), so Backup of a snapshot at
// the applied position is also how a store is compacted. It runs while a
// writer keeps applying, holding the read lock for a few rows at a time, and
// holds the source's horizon where it was until it is done. The copy's
// AppliedDigest is the snapshot's Digest when known, else 0. Until Backup
// returns, the file at path reads as an empty store (its first commit is
// the last thing Backup does).
func (v *Snapshot) Backup(ctx context.Context, path string, opts *BackupOptions) error {
	var o BackupOptions
	if opts != nil {
		o = *opts
	}
	s := v.s
	// Hold the oldest readable position too, so no version the copy keeps is
	// pruned from under it.
	floor, err := s.Snapshot(s.Horizon())
	for errors.Is(err, ErrPruned) {
		floor, err = s.Snapshot(s.Horizon())
	}
	if err != nil {
		return err
	}
	defer floor.Close()
	if floor.pos > v.pos {
		return fmt.Errorf("%w: snapshot at %d is below the horizon %d", ErrPruned, v.pos, floor.pos)
	}
	incs, total, err := v.incarnations(floor.pos)
	if err != nil {
		return err
	}
	if o.FS == nil {
		o.FS = vfs.OS
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if f, err := o.FS.Open(path, vfs.ReadOnly); err == nil {
		size, err := f.Size()
		f.Close()
		if err != nil || size > 0 {
			return fmt.Errorf("%w: %s (%d bytes)", ErrExists, path, size)
		}
	}
	dst, err := open(path, &Options{FS: o.FS}, false)
	if err != nil {
		return err
	}
	c := &copier{src: s, dst: dst, snap: v, progress: o.Progress, total: total}
	if err := c.run(ctx, incs, floor.pos); err != nil {
		dst.pg.Close()
		return err
	}
	return dst.Close()
}

// incarnations lists the table incarnations a copy at v's position keeps:
// those created at or before it and dropped after the horizon. Live ones
// are the shared tables the writer updates in place, so a copy follows
// their current roots.
func (v *Snapshot) incarnations(horizon batch.Offset) ([]*table, int64, error) {
	s := v.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := v.usable(); err != nil {
		return nil, 0, err
	}
	var out []*table
	var total int64
	c := s.catalog.Cursor()
	for ok := c.First(); ok; ok = c.Next() {
		r, err := c.Ref()
		if err != nil {
			return nil, 0, err
		}
		t, err := s.decodeTable(c.Key(), r.Inline)
		if err != nil {
			return nil, 0, err
		}
		if t.start > v.pos || t.dropped <= horizon {
			continue
		}
		if t.dropped == batch.MaxOffset {
			if t, err = s.liveTable(t.id); err != nil {
				return nil, 0, err
			}
		}
		total += int64(t.rows + t.versions)
		out = append(out, t)
	}
	return out, total, c.Err()
}

// copier writes one backup.
type copier struct {
	src, dst *Store
	snap     *Snapshot
	progress func(done, total int64)
	done     int64
	total    int64
}

func (c *copier) run(ctx context.Context, incs []*table, horizon batch.Offset) error {
	d := c.dst
	pos := c.snap.pos
	for _, src := range incs {
		dropped := src.dropped
		if dropped > pos {
			dropped = batch.MaxOffset // live at the snapshot's position
		}
		t := &table{id: src.id, dropped: dropped, start: src.start,
			cur: btree.Tree{P: d.pg}, hist: btree.Tree{P: d.pg, Versioned: true}, counts: btree.Tree{P: d.pg}}
		var err error
		if dropped == batch.MaxOffset {
			err = c.current(ctx, src, t)
		} else {
			err = c.tree(ctx, func() *btree.Tree { return &src.cur }, func(k []byte, stamp uint64, val []byte) error {
				t.rows++
				t.size += uint64(len(k) + len(val))
				return t.cur.Put(k, stamp, val)
			})
		}
		if err != nil {
			return err
		}
		err = c.tree(ctx, func() *btree.Tree { return &src.hist }, func(k []byte, deleted uint64, val []byte) error {
			if batch.Offset(deleted) > pos || batch.Offset(deleted) <= horizon {
				return nil // still visible at pos (copied as current), or garbage
			}
			t.versions++
			return t.hist.Put(k, deleted, val)
		})
		if err != nil {
			return err
		}
		err = c.tree(ctx, func() *btree.Tree { return &src.counts }, func(k []byte, _ uint64, val []byte) error {
			if p, _, _, err := decodeCounts(k, val, src.counts.Root); err != nil || p > pos {
				return err
			}
			return t.counts.Put(k, 0, val)
		})
		if err != nil {
			return err
		}
		if err := d.saveTable(t); err != nil {
			return err
		}
	}
	d.applied, d.horizon = pos, horizon
	d.digest, _ = c.snap.Digest()
	d.setMeta()
	return d.commit()
}

// current copies the rows of src visible at the snapshot's position into
// t's current tree, with the positions that created them.
func (c *copier) current(ctx context.Context, src, t *table) error {
	it := &Iterator{s: c.src, snap: c.snap, id: src.id, pos: c.snap.pos, borrow: true}
	return c.src.walkBetween(ctx, it, func() error {
		t.rows++
		t.size += uint64(len(it.key) + len(it.value))
		return t.cur.Put(it.key, uint64(it.created), it.value)
	}, c.step)
}

// step runs between chunks of a copy, without the source's lock: it spills
// the copy's dirty pages when they grow and reports progress.
func (c *copier) step() error {
	if c.dst.pg.NeedSpill() {
		if err := c.dst.pg.Spill(); err != nil {
			return err
		}
	}
	if c.progress != nil {
		c.progress(min(c.done, c.total), c.total)
	}
	return nil
}

// copyChunk is how many entries tree copies under one hold of the lock.
const copyChunk = 4 * scanChunk

// tree calls fn for every entry of the tree root returns (read afresh under
// each hold of the lock, as the writer may have moved it), in key order,
// copyChunk entries at a time. The entries it visits are ones the writer
// does not change while the copy holds the horizon: closed versions, row
// counts, rows of a dropped table.
func (c *copier) tree(ctx context.Context, root func() *btree.Tree, fn func(key []byte, stamp uint64, value []byte) error) error {
	s := c.src
	var next []byte
	var val []byte
	cur := new(btree.Cursor)
	for first := true; ; first = false {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.RLock()
		if err := c.snap.usable(); err != nil {
			s.mu.RUnlock()
			return err
		}
		tr := root()
		cur.Reset(tr)
		ok := false
		if first {
			ok = cur.First()
		} else {
			ok = cur.SeekGE(next)
		}
		var err error
		for n := 0; ok && n < copyChunk && err == nil; n++ {
			var r btree.Ref
			if r, err = cur.Ref(); err == nil {
				if val, err = tr.Value(val[:0], r); err == nil {
					err = fn(cur.Key(), cur.Stamp(), val)
					c.done++
				}
			}
			ok = cur.Next()
		}
		if err == nil {
			err = cur.Err()
		}
		if ok {
			next = slices.Clone(cur.Key())
		}
		s.mu.RUnlock()
		if err != nil {
			return err
		}
		if err := c.step(); err != nil {
			return err
		}
		if !ok {
			return nil
		}
	}
}
