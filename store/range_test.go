package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/vfs"
)

// rangeStore fills table 1 over several positions: small, empty, inline
// and overflow values, overwritten and deleted, so that reads at older
// positions come from history. It returns the positions it applied.
func rangeStore(t *testing.T, m *model) (*store.Store, []batch.Offset) {
	t.Helper()
	s := openMem(t, vfs.NewMem(), &store.Options{CacheBytes: 256 << 10})
	r := rand.New(rand.NewPCG(11, 12))
	var positions []batch.Offset
	for p := 1; p <= 6; p++ {
		b := batch.New(batch.Offset(p))
		for i := range 600 {
			if r.IntN(3) != 0 && p > 1 {
				continue
			}
			k := fmt.Appendf(nil, "r%04d", i)
			switch x := r.IntN(20); {
			case x == 0 && p > 1:
				b.Delete(1, k)
			case x == 1:
				b.Put(1, k, nil)
			case x == 2:
				b.Put(1, k, pattern(4100+r.IntN(9000), r.Uint64())) // overflow
			default:
				b.Put(1, k, pattern(r.IntN(200), r.Uint64()))
			}
		}
		applyBoth(t, s, m, b)
		positions = append(positions, b.Position)
	}
	return s, positions
}

// TestRangeBorrowedSlices: Range hands fn each row in order, equal to the
// model while fn runs (slices it borrows from pages or from a buffer the
// next row reuses), within [start, end), at the snapshot's position.
func TestRangeBorrowedSlices(t *testing.T) {
	m := newModel()
	s, positions := rangeStore(t, m)
	defer s.Close()
	keys := m.keysOf(1)
	r := rand.New(rand.NewPCG(1, 1))
	for _, pos := range positions {
		v, err := s.Snapshot(pos)
		must(t, err)
		for trial := range 12 {
			var lo, hi []byte
			if trial > 0 {
				lo, hi = keys[r.IntN(len(keys))], keys[r.IntN(len(keys))]
				if trial%4 == 0 {
					hi = nil
				}
				if trial%5 == 0 {
					lo = nil
				}
			}
			want := m.scan(1, lo, hi, pos)
			i := 0
			err := v.Range(context.Background(), 1, lo, hi, func(k, val []byte) error {
				if i >= len(want) {
					return fmt.Errorf("row %d (%s) past the model's %d rows", i, shortKey(k), len(want))
				}
				if !bytes.Equal(k, want[i].Key) || !bytes.Equal(val, want[i].Value) {
					return fmt.Errorf("row %d is %s (%d bytes), want %s (%d bytes)", i, shortKey(k), len(val), shortKey(want[i].Key), len(want[i].Value))
				}
				i++
				return nil
			})
			if err != nil {
				t.Fatalf("Range(%s, %s) at %d: %v", shortKey(lo), shortKey(hi), pos, err)
			}
			if i != len(want) {
				t.Fatalf("Range(%s, %s) at %d: %d rows, want %d", shortKey(lo), shortKey(hi), pos, i, len(want))
			}
		}
		// An empty or inverted range calls nothing.
		for _, b := range [][2][]byte{{[]byte("r0100"), []byte("r0100")}, {[]byte("r0200"), []byte("r0100")}} {
			err := v.Range(context.Background(), 1, b[0], b[1], func(_, _ []byte) error { return errors.New("called") })
			if err != nil {
				t.Fatalf("Range(%q, %q): %v", b[0], b[1], err)
			}
		}
		// A table with no rows at the position.
		if err := v.Range(context.Background(), 9, nil, nil, func(_, _ []byte) error { return errors.New("called") }); err != nil {
			t.Fatalf("Range of a missing table: %v", err)
		}
		must(t, v.Close())
	}
}

// TestRangeStops: ErrStop ends the walk with nil, another error ends it
// with that error, and a context cancelled before or during the walk ends
// it with the context's error; fn is not called after any of them.
func TestRangeStops(t *testing.T) {
	m := newModel()
	s, _ := rangeStore(t, m)
	defer s.Close()
	v, err := s.Snapshot(s.AppliedPosition())
	must(t, err)
	defer v.Close()
	total := len(m.scan(1, nil, nil, s.AppliedPosition()))

	calls := 0
	err = v.Range(context.Background(), 1, nil, nil, func(_, _ []byte) error {
		calls++
		if calls == 10 {
			return store.ErrStop
		}
		return nil
	})
	if err != nil || calls != 10 {
		t.Fatalf("Range stopped with ErrStop at row 10: %v after %d calls, want nil after 10", err, calls)
	}

	errBoom := errors.New("boom")
	calls = 0
	err = v.Range(context.Background(), 1, nil, nil, func(_, _ []byte) error {
		calls++
		if calls == 37 {
			return fmt.Errorf("row %d: %w", calls, errBoom)
		}
		return nil
	})
	if !errors.Is(err, errBoom) || calls != 37 {
		t.Fatalf("Range whose fn fails at row 37: %v after %d calls, want errBoom after 37", err, calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	err = v.Range(ctx, 1, nil, nil, func(_, _ []byte) error { calls++; return nil })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Fatalf("Range with a cancelled context: %v after %d calls, want context.Canceled and no call", err, calls)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	calls = 0
	err = v.Range(ctx, 1, nil, nil, func(_, _ []byte) error {
		calls++
		if calls == 100 {
			cancel()
		}
		return nil
	})
	// "Promptly": within about a leaf of rows after the cancel.
	if !errors.Is(err, context.Canceled) || calls < 100 || calls > 164 || calls >= total {
		t.Fatalf("Range cancelled at row 100 of %d: %v after %d calls, want context.Canceled soon after", total, err, calls)
	}

	dctx, dcancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer dcancel()
	time.Sleep(time.Millisecond)
	if err := v.Range(dctx, 1, nil, nil, func(_, _ []byte) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Range past its deadline: %v", err)
	}
	if _, err := v.ScanContext(ctx, 1, nil, nil, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("ScanContext with a cancelled context: %v", err)
	}
	mid := newCancelAfter(3) // done after a few leaf steps
	if rows, err := v.ScanContext(mid, 1, nil, nil, 0); !errors.Is(err, context.Canceled) || rows != nil {
		t.Fatalf("ScanContext cancelled midway: %d rows, %v; want context.Canceled", len(rows), err)
	}

}

// TestRangeDoesNotHoldUpApply: while a Range over 100,000 rows runs with
// a slow callback, a batch applies, and Apply returns long before the
// Range does; the Range still sees exactly its snapshot's position.
func TestRangeDoesNotHoldUpApply(t *testing.T) {
	s := openMem(t, vfs.NewMem(), nil)
	defer s.Close()
	const n = 100_000
	key := func(i int) []byte { return fmt.Appendf(nil, "row%07d", i) }
	for start := 0; start < n; start += 25_000 {
		b := batch.New(s.AppliedPosition() + 1)
		for i := start; i < start+25_000; i++ {
			b.Put(1, key(i), fmt.Appendf(nil, "v%d", i))
		}
		must(t, s.Apply(b))
	}
	v, err := s.Snapshot(s.AppliedPosition())
	must(t, err)
	defer v.Close()

	started := make(chan struct{})
	type result struct {
		err  error
		rows int
		at   time.Time
	}
	done := make(chan result, 1)
	go func() {
		rows := 0
		err := v.Range(context.Background(), 1, nil, nil, func(k, val []byte) error {
			if !bytes.Equal(k, key(rows)) || string(val) != fmt.Sprintf("v%d", rows) {
				return fmt.Errorf("row %d is %q = %q", rows, k, val)
			}
			if rows == 0 {
				close(started)
			}
			rows++
			if rows%400 == 0 {
				time.Sleep(time.Millisecond) // slow-ish: the whole Range takes 250ms or more
			}
			return nil
		})
		done <- result{err, rows, time.Now()}
	}()
	<-started
	b := batch.New(s.AppliedPosition() + 1)
	for i := 0; i < n; i += 1000 {
		b.Put(1, key(i), []byte("changed"))
		b.Delete(1, key(i+1))
	}
	b.Put(1, key(n), []byte("new"))
	t0 := time.Now()
	must(t, s.Apply(b))
	applied := time.Now()
	res := <-done
	if res.err != nil {
		t.Fatalf("Range: %v", res.err)
	}
	if res.rows != n {
		t.Fatalf("Range saw %d rows, want %d", res.rows, n)
	}
	if !applied.Before(res.at) {
		t.Fatalf("Apply returned %v after the Range did (Apply took %v): the Range held it up", applied.Sub(res.at), applied.Sub(t0))
	}
	t.Logf("Apply took %v; the Range ended %v after it", applied.Sub(t0), res.at.Sub(applied))
}

// TestScanLimitsAndBounds: Scan, ScanAt, Snapshot.Scan and ScanContext
// return the model's rows for every kind of bound and limit, at every
// position; rows are copies (a later batch does not change them) and
// appending to one row's slices does not spill into the next.
func TestScanLimitsAndBounds(t *testing.T) {
	m := newModel()
	s, positions := rangeStore(t, m)
	defer s.Close()
	keys := m.keysOf(1)
	bounds := [][]byte{nil, []byte("r"), []byte("r0001"), []byte("r01500"), []byte("r06"), keys[len(keys)/3], keys[2*len(keys)/3]}
	limits := []int{-1, 0, 1, 16, 17, 100}
	type saved struct {
		got, want []store.KV
	}
	var keep []saved
	for _, pos := range []batch.Offset{positions[0], positions[len(positions)/2], positions[len(positions)-1]} {
		v, err := s.Snapshot(pos)
		must(t, err)
		all := m.scan(1, nil, nil, pos)
		for _, lo := range bounds {
			for _, hi := range bounds {
				for _, limit := range limits {
					want := all[searchKV(all, lo):]
					if hi != nil {
						want = want[:searchKV(want, hi)]
					}
					if lo != nil && hi != nil && bytes.Compare(lo, hi) >= 0 {
						want = nil
					}
					if limit > 0 && len(want) > limit {
						want = want[:limit]
					}
					what := fmt.Sprintf("(%q, %q, limit %d) at %d", lo, hi, limit, pos)
					got, err := s.ScanAt(1, lo, hi, limit, pos)
					if err != nil {
						t.Fatalf("ScanAt%s: %v", what, err)
					}
					if err := diffKVs(got, want); err != nil {
						t.Fatalf("ScanAt%s: %v", what, err)
					}
					got2, err := v.Scan(1, lo, hi, limit)
					if err != nil {
						t.Fatalf("Snapshot.Scan%s: %v", what, err)
					}
					if err := diffKVs(got2, want); err != nil {
						t.Fatalf("Snapshot.Scan%s: %v", what, err)
					}
					if pos == s.AppliedPosition() {
						got3, err := s.Scan(1, lo, hi, limit)
						if err != nil {
							t.Fatalf("Scan%s: %v", what, err)
						}
						if err := diffKVs(got3, want); err != nil {
							t.Fatalf("Scan%s: %v", what, err)
						}
					}
					if len(got) > 1 {
						// Appending to a row must not write over the next.
						value0, key1 := bytes.Clone(got[0].Value), bytes.Clone(got[1].Key)
						_ = append(got[0].Key, 0xee, 0xee)
						_ = append(got[0].Value, 0xee, 0xee)
						if !bytes.Equal(got[0].Value, value0) || !bytes.Equal(got[1].Key, key1) {
							t.Fatalf("ScanAt%s: appending to row 0's key or value wrote over the next slice", what)
						}
						keep = append(keep, saved{got[1:], want[1:]})
					}
				}
			}
		}
		must(t, v.Close())
	}
	// Rows are copies: batches that rewrite every row change none of them.
	for round := range 3 {
		b := batch.New(s.AppliedPosition() + 1)
		for _, k := range keys {
			b.Put(1, k, pattern(50+round, 9))
		}
		must(t, s.Apply(b))
	}
	must(t, s.Prune(s.AppliedPosition()))
	for _, k := range keep {
		if err := diffKVs(k.got, k.want); err != nil {
			t.Fatalf("rows of an earlier scan changed after later batches: %v", err)
		}
	}
}

// TestRangeStoreClosedDuring: a Range running when the store closes ends
// with ErrClosed at its next leaf, and a ValueReader shared by goroutines
// (ReadAt is safe for concurrent use) reads the snapshot's value while a
// writer replaces it and prunes.
func TestRangeStoreClosedDuring(t *testing.T) {
	s := openMem(t, vfs.NewMem(), &store.Options{CacheBytes: 128 << 10})
	b := batch.New(1)
	for i := range 20_000 {
		b.Put(1, fmt.Appendf(nil, "row%06d", i), []byte("v"))
	}
	bigValue := pattern(200_000, 1)
	b.Put(2, []byte("big"), bigValue)
	must(t, s.Apply(b))
	v, err := s.Snapshot(1)
	must(t, err)
	vr, err := v.OpenValue(2, []byte("big"))
	must(t, err)

	// Readers of one ValueReader against a writer that replaces the value.
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	stop := make(chan struct{})
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 3))
			for i := 0; i < 200; i++ {
				off := r.Int64N(int64(len(bigValue)))
				p := make([]byte, 1+r.IntN(9000))
				n, err := vr.ReadAt(p, off)
				if (err != nil && err != io.EOF) || !bytes.Equal(p[:n], bigValue[off:off+int64(n)]) || n < min(len(p), len(bigValue)-int(off)) {
					errs <- fmt.Errorf("ReadAt(%d bytes, %d) = %d, %v or wrong bytes", len(p), off, n, err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.Apply(batch.New(s.AppliedPosition()+1).Put(2, []byte("big"), pattern(150_000, uint64(i)))); err != nil {
				errs <- err
				return
			}
			if err := s.Prune(s.AppliedPosition()); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if h := s.Horizon(); h != 1 {
		t.Fatalf("Horizon = %d with a snapshot at 1 open", h)
	}

	rows := 0
	err = v.Range(context.Background(), 1, nil, nil, func(_, _ []byte) error {
		rows++
		if rows == 1000 {
			go s.Close()
		}
		if rows >= 1000 {
			time.Sleep(50 * time.Microsecond)
		}
		return nil
	})
	if !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Range when the store closed during it: %v after %d rows, want ErrClosed", err, rows)
	}
	if _, err := vr.ReadAt(make([]byte, 1), 0); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("ReadAt after the store closed: %v, want ErrClosed", err)
	}
}
