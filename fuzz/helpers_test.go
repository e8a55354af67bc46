package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/vfs"
)

// long reports whether PROJSTORE_LONG=1 asks for the long runs.
func long() bool { return os.Getenv("PROJSTORE_LONG") == "1" }

// seed returns PROJSTORE_SEED, or a fresh random seed; either way it is
// logged so that a failure can be reproduced.
func seed(t testing.TB) uint64 {
	t.Helper()
	if s := os.Getenv("PROJSTORE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("PROJSTORE_SEED=%q: %v", s, err)
		}
		return v
	}
	v := rand.Uint64() >> 1
	t.Logf("seed %d (rerun with PROJSTORE_SEED=%d)", v, v)
	return v
}

// fill returns n bytes derived from tag, so that values are cheap to make
// and different values rarely look alike.
func fill(tag uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(tag, uint64(n)))
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// noTable is a table id no test writes, read to check that an unknown
// table reads as empty.
const noTable batch.TableID = 1 << 40

// verifyAt compares every table of m with s at position p: a full ScanAt,
// GetAt of every key the table ever held, and iterator walks both ways.
func verifyAt(s *store.Store, m *Model, p batch.Offset) error {
	for _, t := range append(m.Tables(), noTable) {
		want := m.Scan(t, nil, nil, p)
		got, err := s.ScanAt(t, nil, nil, 0, p)
		if err != nil {
			return fmt.Errorf("ScanAt(table %d, pos %d): %w", t, p, err)
		}
		if err := sameRows(want, got); err != nil {
			return fmt.Errorf("ScanAt(table %d, pos %d): %w", t, p, err)
		}
		for _, k := range m.Keys(t) {
			if err := verifyGet(s, m, t, k, p); err != nil {
				return err
			}
		}
		if err := verifyWalk(s, t, nil, nil, p, want); err != nil {
			return err
		}
	}
	return nil
}

// verifyCurrent compares s with m at the applied position through the
// calls that read there (Get, Scan), and checks the position and digest.
func verifyCurrent(s *store.Store, m *Model) error {
	if err := verifyMeta(s, m); err != nil {
		return err
	}
	for _, t := range append(m.Tables(), noTable) {
		got, err := s.Scan(t, nil, nil, 0)
		if err != nil {
			return fmt.Errorf("Scan(table %d): %w", t, err)
		}
		if err := sameRows(m.Scan(t, nil, nil, m.Applied), got); err != nil {
			return fmt.Errorf("Scan(table %d) at %d: %w", t, m.Applied, err)
		}
		for _, k := range m.Keys(t) {
			want, ok := m.Get(t, k, m.Applied)
			got, err := s.Get(t, k)
			if err := sameValue(want, ok, got, err); err != nil {
				return fmt.Errorf("Get(table %d, %s) at %d: %w", t, show(k), m.Applied, err)
			}
		}
	}
	return nil
}

// verifyMeta checks the applied position, digest and horizon.
func verifyMeta(s *store.Store, m *Model) error {
	if got := s.AppliedPosition(); got != m.Applied {
		return fmt.Errorf("AppliedPosition %d, model %d", got, m.Applied)
	}
	if got, want := s.AppliedDigest(), m.Digest(m.Applied); got != want {
		return fmt.Errorf("AppliedDigest at %d: %#x, model %#x", m.Applied, got, want)
	}
	if got := s.Horizon(); got != m.Horizon {
		return fmt.Errorf("Horizon %d, model %d", got, m.Horizon)
	}
	return nil
}

func verifyGet(s *store.Store, m *Model, t batch.TableID, k []byte, p batch.Offset) error {
	want, ok := m.Get(t, k, p)
	got, err := s.GetAt(t, k, p)
	if err := sameValue(want, ok, got, err); err != nil {
		return fmt.Errorf("GetAt(table %d, %s, pos %d): %w", t, show(k), p, err)
	}
	return nil
}

func sameValue(want []byte, ok bool, got []byte, err error) error {
	switch {
	case !ok && errors.Is(err, store.ErrNotFound):
		return nil
	case !ok && err == nil:
		return fmt.Errorf("got %s, want ErrNotFound", show(got))
	case err != nil:
		if ok {
			return fmt.Errorf("%w (want %s)", err, show(want))
		}
		return fmt.Errorf("%w (want ErrNotFound)", err)
	case !bytes.Equal(want, got):
		return fmt.Errorf("got %s, want %s", show(got), show(want))
	}
	return nil
}

func sameRows(want, got []store.KV) error {
	for i := 0; i < len(want) || i < len(got); i++ {
		switch {
		case i >= len(got):
			return fmt.Errorf("%d rows, want %d: missing %s", len(got), len(want), show(want[i].Key))
		case i >= len(want):
			return fmt.Errorf("%d rows, want %d: extra %s", len(got), len(want), show(got[i].Key))
		case !bytes.Equal(want[i].Key, got[i].Key):
			return fmt.Errorf("row %d has key %s, want %s", i, show(got[i].Key), show(want[i].Key))
		case !bytes.Equal(want[i].Value, got[i].Value):
			return fmt.Errorf("row %d (key %s) has value %s, want %s", i, show(got[i].Key), show(got[i].Value), show(want[i].Value))
		}
	}
	return nil
}

// verifyWalk walks an iterator over [lower, upper) at p forward from First
// and backward from Last, comparing with want.
func verifyWalk(s *store.Store, t batch.TableID, lower, upper []byte, p batch.Offset, want []store.KV) error {
	it, err := s.NewIterator(t, lower, upper, p)
	if err != nil {
		return fmt.Errorf("NewIterator(table %d, pos %d): %w", t, p, err)
	}
	var fwd, back []store.KV
	for ok := it.First(); ok; ok = it.Next() {
		fwd = append(fwd, store.KV{Key: bytes.Clone(it.Key()), Value: bytes.Clone(it.Value())})
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("forward walk of table %d at %d: %w", t, p, err)
	}
	for ok := it.Last(); ok; ok = it.Prev() {
		back = append(back, store.KV{Key: bytes.Clone(it.Key()), Value: bytes.Clone(it.Value())})
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("backward walk of table %d at %d: %w", t, p, err)
	}
	if err := sameRows(want, fwd); err != nil {
		return fmt.Errorf("forward walk of table %d at %d: %w", t, p, err)
	}
	for i, j := 0, len(back)-1; i < j; i, j = i+1, j-1 {
		back[i], back[j] = back[j], back[i]
	}
	if err := sameRows(want, back); err != nil {
		return fmt.Errorf("backward walk of table %d at %d: %w", t, p, err)
	}
	return nil
}

// show prints a key or value short enough for an error message.
func show(b []byte) string {
	if len(b) > 24 {
		return fmt.Sprintf("%q...(%d bytes)", b[:24], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// corruptionIn reports whether err is a CorruptionError naming one of ids
// (any page, if ids is empty).
func corruptionIn(err error, ids ...uint64) bool {
	var ce *store.CorruptionError
	if !errors.Is(err, store.ErrCorrupt) || !errors.As(err, &ce) {
		return false
	}
	if len(ids) == 0 {
		return true
	}
	for _, id := range ids {
		if ce.Page == id {
			return true
		}
	}
	return false
}

// withFS returns a copy of o (nil: the defaults) that opens in fsys.
func withFS(fsys vfs.FS, o *store.Options) *store.Options {
	var c store.Options
	if o != nil {
		c = *o
	}
	c.FS = fsys
	return &c
}
