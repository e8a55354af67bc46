package store

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/projstore/projstore/batch"
)

// Prune drops history no read at or above horizon can see: versions
// deleted at or before it, and tables dropped at or before it, freeing their
// pages for reuse after the next commits. Reads below horizon then return
// ErrPruned. A horizon at or below the current one changes nothing. While a
// Snapshot is open, the horizon rises only to the oldest open snapshot's
// position (Horizon reports the one in force).
//
// Prune, and the commit that follows it, may grow the file into the
// reserve that ordinary writes leave alone, so that it can free space when
// the disk is full (see package pager).
func (s *Store) Prune(horizon batch.Offset) error {
	return s.PruneContext(context.Background(), horizon)
}

// PruneContext is Prune that stops when ctx is done, between chunks of
// history. The horizon is raised before any history goes, so a stopped
// Prune leaves only versions no read can see; the next Prune, at any
// horizon, drops them.
func (s *Store) PruneContext(ctx context.Context, horizon batch.Offset) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if horizon > s.applied {
		s.mu.Unlock()
		return fmt.Errorf("%w: prune horizon %d > %d", ErrPositionAhead, horizon, s.applied)
	}
	// An open snapshot holds the horizon at its position: its reads must
	// keep seeing what they saw.
	horizon = min(horizon, s.oldestSnapshot())
	if horizon <= s.horizon {
		horizon = s.horizon
		if !s.pruneLeft {
			s.mu.Unlock()
			return nil
		}
	}
	// Readers below the new horizon are refused from here on, before any
	// version they could see is gone.
	s.horizon = horizon
	s.setMeta()
	s.epoch.Add(1)
	s.mu.Unlock()

	s.pruneLeft = true
	s.pg.UseReserve()
	defer s.pg.EndReserve()
	var ts []*table
	if err := s.eachTable(func(t *table) error { ts = append(ts, t); return nil }); err != nil {
		return s.fail(err)
	}
	// Dropped tables first: freeing them copies only catalog paths, so on
	// a full disk they go even if pruning a large history then outgrows
	// the reserve.
	slices.SortStableFunc(ts, func(a, b *table) int {
		return cmp.Compare(b2i(a.dropped > horizon), b2i(b.dropped > horizon))
	})
	for _, t := range ts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.pruneTable(ctx, t, horizon); err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return err
			}
			return s.fail(err)
		}
	}
	s.pruneLeft = false
	return nil
}

// pruneChunk bounds how many history entries one lock hold visits, so that
// readers wait for at most one chunk.
const pruneChunk = 1024

func (s *Store) pruneTable(ctx context.Context, t *table, horizon batch.Offset) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.epoch.Add(1)
	if t.dropped != batch.MaxOffset && t.dropped <= horizon {
		if err := t.cur.Free(); err != nil {
			return err
		}
		if err := t.hist.Free(); err != nil {
			return err
		}
		if err := t.counts.Free(); err != nil {
			return err
		}
		_, _, err := s.catalog.Delete(catalogKey(t.id, t.dropped))
		if err == nil {
			s.setMeta()
		}
		return err
	}
	if err := s.pruneCounts(t, horizon); err != nil {
		return err
	}
	var next []byte
	var doomed [][]byte
	c := t.hist.Cursor()
	for ok := c.First(); ok; {
		doomed = doomed[:0]
		for n := 0; ok && n < pruneChunk; n++ {
			if batch.Offset(c.Stamp()) <= horizon {
				doomed = append(doomed, slices.Clone(c.Key()))
			}
			ok = c.Next()
		}
		if ok {
			next = slices.Clone(c.Key())
		}
		if err := c.Err(); err != nil {
			return err
		}
		for _, k := range doomed {
			if _, _, err := t.hist.Delete(k); err != nil {
				return err
			}
			t.versions--
		}
		if len(doomed) > 0 {
			if err := s.saveTable(t); err != nil {
				return err
			}
			s.setMeta()
		}
		if !ok {
			break
		}
		// Let readers in between chunks, then pick up where we stopped.
		s.epoch.Add(1)
		s.mu.Unlock()
		if err := ctx.Err(); err != nil {
			s.mu.Lock()
			return err
		}
		if s.pg.NeedSpill() {
			if err := s.pg.Spill(); err != nil {
				s.mu.Lock()
				return err
			}
		}
		s.mu.Lock()
		c.Reset(&t.hist)
		ok = c.SeekGE(next)
	}
	return nil
}

// pruneCounts drops the row counts no read at or above horizon uses: every
// entry older than the newest one at or below horizon. The caller holds mu;
// readers wait for at most pruneChunk deletions at a time.
func (s *Store) pruneCounts(t *table, horizon batch.Offset) error {
	c := t.counts.Cursor()
	if !c.SeekLT(countsKey(horizon + 1)) {
		return c.Err()
	}
	floor := slices.Clone(c.Key())
	var doomed [][]byte
	for {
		doomed = doomed[:0]
		c.Reset(&t.counts)
		for ok := c.First(); ok && len(doomed) < pruneChunk && bytes.Compare(c.Key(), floor) < 0; ok = c.Next() {
			doomed = append(doomed, slices.Clone(c.Key()))
		}
		if err := c.Err(); err != nil {
			return err
		}
		if len(doomed) == 0 {
			return nil
		}
		for _, k := range doomed {
			if _, _, err := t.counts.Delete(k); err != nil {
				return err
			}
		}
		if err := s.saveTable(t); err != nil {
			return err
		}
		s.setMeta()
		s.epoch.Add(1)
		s.mu.Unlock()
		s.mu.Lock()
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
