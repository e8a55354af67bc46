package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/projstore/projstore/vfs/fault"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// concWorkload is a log whose state at every position is known in advance.
type concWorkload struct {
	batches []*batch.WriteBatch
	states  []*model // states[p]: after batch p
}

func newConcWorkload(n int) *concWorkload {
	w := &concWorkload{states: []*model{newModel()}}
	r := rand.New(rand.NewPCG(7, 7))
	for p := 1; p <= n; p++ {
		b := batch.New(batch.Offset(p))
		for range 1 + r.IntN(12) {
			k := fmt.Appendf(nil, "key%03d", r.IntN(80))
			if r.IntN(4) == 0 {
				b.Delete(1, k)
			} else {
				b.Put(1, k, fmt.Appendf(nil, "%d:%s:%s", p, k, bytes.Repeat([]byte{'x'}, r.IntN(2000))))
			}
		}
		m := w.states[p-1].clone()
		m.apply(b)
		w.batches = append(w.batches, b)
		w.states = append(w.states, m)
	}
	return w
}

// TestConcurrentReaders runs readers (Get, GetAt, ScanAt and slow
// iterators at fixed positions) against a writer that applies, syncs and
// prunes, on a cache so small that pages are spilled and evicted under the
// readers. Every read sees exactly the state of its position, or
// ErrPruned. Then the disk fails under them: every call reports it.
func TestConcurrentReaders(t *testing.T) {
	n := 400
	if raceEnabled {
		n = 150
	}
	w := newConcWorkload(n)
	fsys := fault.New()
	s := openMem(t, fsys, &store.Options{CacheBytes: 128 << 10})
	defer s.Close()

	var done, failing atomic.Bool
	var reads atomic.Int64 // verified reads: the writer waits for them to move
	errs := make(chan error, 16)
	report := func(err error) {
		if failing.Load() && errors.Is(err, fault.ErrInjected) {
			return // the disk is gone: readers may say so
		}
		select {
		case errs <- err:
		default:
		}
	}
	check := func(pos batch.Offset, got []store.KV) error {
		want := w.states[pos].scan(1, nil, nil, pos)
		if len(got) != len(want) {
			return fmt.Errorf("at %d: %d rows, want %d", pos, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i].Key, want[i].Key) || !bytes.Equal(got[i].Value, want[i].Value) {
				return fmt.Errorf("at %d: row %d is %q, want %q", pos, i, got[i].Key, want[i].Key)
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 11))
			for !done.Load() {
				reads.Add(1)
				applied := s.AppliedPosition()
				pos := batch.Offset(r.IntN(int(applied) + 1))
				switch g {
				case 0: // point reads
					k := fmt.Appendf(nil, "key%03d", r.IntN(80))
					got, err := s.GetAt(1, k, pos)
					want, ok := w.states[pos].get(1, string(k), pos)
					switch {
					case errors.Is(err, store.ErrPruned):
					case !ok && errors.Is(err, store.ErrNotFound):
					case ok && err == nil && bytes.Equal(got, want):
					default:
						report(fmt.Errorf("GetAt(%s, %d) = %d bytes, %w; want %d bytes (found %v)", k, pos, len(got), err, len(want), ok))
						return
					}
				case 1: // scans
					got, err := s.ScanAt(1, nil, nil, 0, pos)
					if errors.Is(err, store.ErrPruned) {
						continue
					}
					if err == nil {
						err = check(pos, got)
					}
					if err != nil {
						report(fmt.Errorf("ScanAt: %w", err))
						return
					}
				case 2: // a slow iterator, backward, across many batches
					it, err := s.NewIterator(1, nil, nil, pos)
					if errors.Is(err, store.ErrPruned) {
						continue
					}
					if err != nil {
						report(err)
						return
					}
					var got []store.KV
					for ok := it.Last(); ok; ok = it.Prev() {
						got = append(got, store.KV{Key: bytes.Clone(it.Key()), Value: bytes.Clone(it.Value())})
						if r.IntN(4) == 0 {
							runtime.Gosched()
						}
					}
					if err := it.Close(); errors.Is(err, store.ErrPruned) {
						continue
					} else if err != nil {
						report(err)
						return
					}
					for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
						got[i], got[j] = got[j], got[i]
					}
					if err := check(pos, got); err != nil {
						report(fmt.Errorf("iterator: %w", err))
						return
					}
				}
			}
		}()
	}
	for p, b := range w.batches {
		if err := s.Apply(b); err != nil {
			t.Fatalf("Apply(%d): %v", p+1, err)
		}
		// Interleave for sure: let the readers make progress first.
		for r := reads.Load(); reads.Load() < r+3 && len(errs) == 0; {
			runtime.Gosched()
		}
		if p%25 == 24 {
			must(t, s.Sync())
		}
		if p%40 == 39 && p > 60 {
			must(t, s.Prune(batch.Offset(p+1-60)))
		}
	}
	// The disk goes away under the readers.
	failing.Store(true)
	fsys.FailAt(fsys.Ops()+1, nil)
	fsys.SetSticky(true)
	b := batch.New(batch.Offset(n + 1))
	for i := range 500 { // enough to spill to the failing disk
		b.Put(1, fmt.Appendf(nil, "late%04d", i), make([]byte, 1000))
	}
	if err := s.Apply(b); err == nil {
		err = s.Sync()
		if !errors.Is(err, fault.ErrInjected) {
			t.Fatalf("Sync on a failed disk: %v", err)
		}
	}
	done.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := s.Get(1, []byte("key001")); !errors.Is(err, fault.ErrInjected) {
		t.Fatalf("Get after the failure: %v", err)
	}
	if err := s.Apply(batch.New(s.AppliedPosition() + 1)); !errors.Is(err, fault.ErrInjected) {
		t.Fatalf("Apply after the failure: %v", err)
	}
}
