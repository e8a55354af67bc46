package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// fullModel applies batches 1..n of the seed's workload to a new model.
// Because the model keeps every version, it answers reads at any position
// up to n, so readers can share it while the store catches up.
func fullModel(t *testing.T, sd uint64, n, keys int) *Model {
	t.Helper()
	m := NewModel()
	for p := batch.Offset(1); p <= batch.Offset(n); p++ {
		if err := m.Apply(genBatch(sd, p, keys)); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// TestConcurrentReaders runs readers at random positions, each read
// checked against the model, while a writer applies, syncs and prunes.
func TestConcurrentReaders(t *testing.T) {
	sd := seed(t)
	const keys, readers = 100, 4
	n := 1000
	if long() {
		n = 10000
	}
	m := fullModel(t, sd, n, keys)
	s, err := store.OpenMemory(&store.Options{CacheBytes: 24 * 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer closeAfter(t, s)

	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, readers+1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		r := rand.New(rand.NewPCG(sd, 5))
		for p := batch.Offset(1); p <= batch.Offset(n); p++ {
			if err := s.Apply(genBatch(sd, p, keys)); err != nil {
				errs <- fmt.Errorf("Apply(%d): %w", p, err)
				return
			}
			switch r.IntN(20) {
			case 0:
				err = s.Sync()
			case 1:
				if p > 60 {
					err = s.Prune(p - 50)
				}
			}
			if err != nil {
				errs <- fmt.Errorf("at %d: %w", p, err)
				return
			}
		}
	}()
	var reads atomic.Int64
	for i := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(sd, uint64(10+i)))
			for !done.Load() {
				if err := readOnce(s, m, r, keys); err != nil {
					errs <- err
					return
				}
				reads.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("%v (rerun with PROJSTORE_SEED=%d)", err, sd)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d reads checked while %d batches were applied", reads.Load(), n)
}

// readOnce does one random read at a random position at or below the
// applied one and compares it with m. ErrPruned is right only if the
// horizon has passed the position by the time the error is seen.
func readOnce(s *store.Store, m *Model, r *rand.Rand, keys int) error {
	h, applied := s.Horizon(), s.AppliedPosition()
	p := batch.Offset(r.Uint64N(uint64(applied) + 1))
	if r.IntN(8) != 0 && h <= applied {
		p = h + batch.Offset(r.Uint64N(uint64(applied-h)+1))
	}
	t := batch.TableID(1 + r.IntN(3))
	pruned := func(err error) bool {
		return errors.Is(err, store.ErrPruned) && s.Horizon() > p
	}
	switch r.IntN(3) {
	case 0:
		k := workKey(r.IntN(keys))
		got, err := s.GetAt(t, k, p)
		if pruned(err) {
			return nil
		}
		want, ok := m.Get(t, k, p)
		if err := sameValue(want, ok, got, err); err != nil {
			return fmt.Errorf("GetAt(%d, %s, %d): %w", t, show(k), p, err)
		}
	case 1:
		lo, hi := workKey(r.IntN(keys)), workKey(r.IntN(keys))
		if bytes.Compare(lo, hi) > 0 {
			lo, hi = hi, lo
		}
		got, err := s.ScanAt(t, lo, hi, 0, p)
		if pruned(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ScanAt(%d, %d): %w", t, p, err)
		}
		if err := sameRows(m.Scan(t, lo, hi, p), got); err != nil {
			return fmt.Errorf("ScanAt(%d, %s, %s, %d): %w", t, show(lo), show(hi), p, err)
		}
	default:
		if err := verifyWalk(s, t, nil, nil, p, m.Scan(t, nil, nil, p)); err != nil && !pruned(err) {
			return err
		}
	}
	return nil
}

// TestIteratorDoesNotBlockApply holds an iterator open mid-scan and, in
// lockstep with its steps, has another goroutine apply a batch per step:
// if a step kept the store locked, Apply would never return. The rows the
// iterator yields must be those of its position, untouched by the batches.
func TestIteratorDoesNotBlockApply(t *testing.T) {
	sd := seed(t)
	const keys, base = 100, 60
	for _, forward := range []bool{true, false} {
		m := fullModel(t, sd, 1000, keys)
		s, err := store.OpenMemory(&store.Options{CacheBytes: 16 * 4096})
		if err != nil {
			t.Fatal(err)
		}
		for p := batch.Offset(1); p <= base; p++ {
			if err := s.Apply(genBatch(sd, p, keys)); err != nil {
				t.Fatal(err)
			}
		}
		// Scan whichever table holds the most rows at base: a seed's drops
		// can leave any one of them nearly empty.
		var tbl batch.TableID
		var want []store.KV
		for c := batch.TableID(1); c <= 3; c++ {
			if rows := m.Scan(c, nil, nil, base); len(rows) > len(want) {
				tbl, want = c, rows
			}
		}
		if len(want) < 20 {
			t.Fatalf("seed %d: no table has 20 rows at %d (most: %d)", sd, base, len(want))
		}
		it, err := s.NewIterator(tbl, nil, nil, base)
		if err != nil {
			t.Fatal(err)
		}

		requests, applied := make(chan batch.Offset), make(chan error)
		go func() {
			for p := range requests {
				err := s.Apply(genBatch(sd, p, keys))
				if err == nil && p%7 == 0 {
					err = s.Sync()
				}
				applied <- err
			}
		}()
		var got []store.KV
		next := batch.Offset(base + 1)
		ok := it.First()
		if !forward {
			ok = it.Last()
		}
		for ; ok; next++ {
			got = append(got, store.KV{Key: bytes.Clone(it.Key()), Value: bytes.Clone(it.Value())})
			requests <- next
			select {
			case err := <-applied:
				if err != nil {
					t.Fatalf("Apply(%d) with an iterator open: %v", next, err)
				}
			case <-time.After(time.Minute): // a hang detector, not a speed claim
				t.Fatalf("Apply(%d) did not return while an iterator was open mid-scan", next)
			}
			if forward {
				ok = it.Next()
			} else {
				ok = it.Prev()
			}
		}
		close(requests)
		if err := it.Close(); err != nil {
			t.Fatalf("iterator: %v", err)
		}
		if !forward {
			for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
				got[i], got[j] = got[j], got[i]
			}
		}
		if err := sameRows(want, got); err != nil {
			t.Fatalf("iterator at %d (forward %v) while %d batches were applied: %v (seed %d)", base, forward, next-base-1, err, sd)
		}
		if p := s.AppliedPosition(); p != next-1 || p-base < 20 {
			t.Fatalf("applied %d with the iterator open, want %d (at least 20)", p-base, next-1-base)
		}
		if err := verifyCurrent(s, cut(m, next-1)); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

func cut(m *Model, p batch.Offset) *Model {
	c := m.Clone()
	c.CutTo(p)
	return c
}
