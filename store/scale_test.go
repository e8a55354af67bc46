package store_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// hotValue is version i of the hot key: 650 bytes, its number in front.
func hotValue(dst []byte, i uint64) []byte {
	dst = binary.BigEndian.AppendUint64(dst[:0], i)
	for len(dst) < 650 {
		dst = append(dst, byte(i)^byte(len(dst)))
	}
	return dst
}

// TestHotKey updates one key 100,000 times, one batch per update as
// Kimberlite's callers do, syncing every 1000: every version stays readable
// with GetAt, Get sees the last, and the trees check clean (Kimberlite's
// store loses rows here).
func TestHotKey(t *testing.T) {
	updates := uint64(100_000)
	switch {
	case long():
		updates = 1_000_000
	case raceEnabled:
		updates = 20_000
	}
	path := filepath.Join(t.TempDir(), "db")
	s, err := store.Open(path, nil)
	must(t, err)
	key := []byte("hot")
	var v []byte
	b := batch.New(0)
	for i := uint64(1); i <= updates; i++ {
		v = hotValue(v, i)
		b.Reset(batch.Offset(i))
		b.Put(7, key, v)
		must(t, s.Apply(b))
		if i%1000 == 0 {
			must(t, s.Sync())
		}
	}
	got, err := s.Get(7, key)
	wantValue(t, got, err, hotValue(nil, updates), "Get")
	must(t, s.Close())

	s, err = store.Open(path, &store.Options{ReadOnly: true})
	must(t, err)
	defer s.Close()
	st, err := s.Stats()
	must(t, err)
	if st.Versions != updates-1 || st.Rows != 1 {
		t.Fatalf("Stats: %d versions, %d rows; want %d and 1", st.Versions, st.Rows, updates-1)
	}
	// Every version, read by as many readers as there are CPUs.
	workers := uint64(runtime.GOMAXPROCS(0))
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var want []byte
			for p := 1 + w; p <= updates; p += workers {
				got, err := s.GetAt(7, key, batch.Offset(p))
				if want = hotValue(want, p); err != nil || !bytes.Equal(got, want) {
					errs <- fmt.Errorf("GetAt(%d): %d bytes, %v", p, len(got), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err = s.Get(7, key)
	wantValue(t, got, err, hotValue(nil, updates), "Get after reopen")
	must(t, s.Check())
}

// TestManyKeysAfterReopen writes 100,000 keys to a store that was closed
// and reopened, with a cache of 1 MiB (so the batches spill), syncs,
// reopens and reads them all (Kimberlite's store cannot sync after a
// reopen).
func TestManyKeysAfterReopen(t *testing.T) {
	keys, perBatch := 100_000, 500
	if raceEnabled {
		keys = 20_000
	}
	path := filepath.Join(t.TempDir(), "db")
	opts := &store.Options{CacheBytes: 1 << 20}
	s, err := store.Open(path, opts)
	must(t, err)
	put(t, s, 1, []byte("before"), []byte("reopen"))
	must(t, s.Close())

	s, err = store.Open(path, opts)
	must(t, err)
	key := func(i int) []byte { return fmt.Appendf(nil, "key-%08d", (i*7919)%keys) }
	val := func(i int) []byte { return fmt.Appendf(nil, "value %d %s", i, bytes.Repeat([]byte{'v'}, i%200)) }
	for i := 0; i < keys; i += perBatch {
		b := batch.New(s.AppliedPosition() + 1)
		for j := i; j < i+perBatch; j++ {
			b.Put(1, key(j), val(j))
		}
		must(t, s.Apply(b))
	}
	must(t, s.Sync())
	st, err := s.Stats()
	must(t, err)
	if st.Cache.Bytes > 4<<20 {
		t.Errorf("cache holds %d bytes with a 1 MiB budget", st.Cache.Bytes)
	}
	must(t, s.Close())

	s, err = store.Open(path, opts)
	must(t, err)
	defer s.Close()
	for i := range keys {
		got, err := s.Get(1, key(i))
		wantValue(t, got, err, val(i), fmt.Sprintf("key %d", i))
	}
	got, err := s.Get(1, []byte("before"))
	wantValue(t, got, err, []byte("reopen"), "key written before the reopen")
	rows, err := s.Scan(1, []byte("key-"), []byte("key-\xff"), 0)
	if err != nil || len(rows) != keys {
		t.Fatalf("Scan: %d rows, %v", len(rows), err)
	}
	must(t, s.Check())
}

// TestSpaceReclaimed updates the same 2000 keys round after round, pruning
// and syncing as it goes: once warm, the file stops growing.
func TestSpaceReclaimed(t *testing.T) {
	keys, rounds, warm := 2000, 200, 60
	if raceEnabled {
		keys, rounds = 500, 120
	}
	s, err := store.OpenMemory(&store.Options{CacheBytes: 8 << 20})
	must(t, err)
	defer s.Close()
	var afterWarmUp, maxAfter uint64
	val := make([]byte, 100)
	for r := 1; r <= rounds; r++ {
		b := batch.New(batch.Offset(r))
		for k := range keys {
			binary.BigEndian.PutUint64(val, uint64(r*keys+k))
			b.Put(1, fmt.Appendf(nil, "key-%05d", k), bytes.Clone(val))
		}
		must(t, s.Apply(b))
		if r%5 == 0 {
			must(t, s.Prune(batch.Offset(r-2)))
			must(t, s.Sync())
		}
		if r < warm || r%5 != 0 {
			continue
		}
		st, err := s.Stats()
		must(t, err)
		if r == warm {
			afterWarmUp = st.PageCount
		} else {
			maxAfter = max(maxAfter, st.PageCount)
		}
	}
	if maxAfter > afterWarmUp {
		t.Fatalf("file grew from %d pages after %d rounds to %d", afterWarmUp, warm, maxAfter)
	}
	got, err := s.GetAt(1, []byte("key-00007"), batch.Offset(rounds-2))
	binary.BigEndian.PutUint64(val, uint64((rounds-2)*keys+7))
	wantValue(t, got, err, val, "GetAt at the horizon")
	must(t, s.Check())
}
