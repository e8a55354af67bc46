package store_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

const (
	benchKeys    = 1_000_000
	benchUpdated = 100_000 // keys updated once after the load: GetAt finds history
	benchBatch   = 1000
	benchValue   = 100
)

// The read benchmarks share one store of 1M random 16-byte keys with
// 100-byte values, loaded in 1000-op batches at positions 1..1000, then the
// first 100k keys updated at 1001..1100. It is built on first use, so a run
// that does not select these benchmarks never pays for it.
var benchData struct {
	once sync.Once
	s    *store.Store
	keys [][]byte
	err  error
}

func benchKey(r *rand.Rand) []byte {
	k := make([]byte, 16)
	binary.LittleEndian.PutUint64(k, r.Uint64())
	binary.LittleEndian.PutUint64(k[8:], r.Uint64())
	return k
}

func benchStore(b *testing.B) (*store.Store, [][]byte) {
	benchData.once.Do(func() {
		s, err := store.OpenMemory(&store.Options{CacheBytes: 256 << 20})
		if err != nil {
			benchData.err = err
			return
		}
		r := rand.New(rand.NewPCG(1, 1))
		keys := make([][]byte, benchKeys)
		val := make([]byte, benchValue)
		pos := batch.Offset(0)
		wb := batch.New(0)
		for i := 0; i < benchKeys+benchUpdated; i += benchBatch {
			pos++
			wb.Reset(pos)
			for j := i; j < i+benchBatch; j++ {
				if j < benchKeys {
					keys[j] = benchKey(r)
				}
				binary.LittleEndian.PutUint64(val, uint64(j))
				wb.Put(1, keys[j%benchKeys], append([]byte(nil), val...))
			}
			if err := s.Apply(wb); err != nil {
				benchData.err = err
				return
			}
		}
		if err := s.Sync(); err != nil {
			benchData.err = err
			return
		}
		benchData.s, benchData.keys = s, keys
	})
	if benchData.err != nil {
		b.Fatal(benchData.err)
	}
	return benchData.s, benchData.keys
}

func benchApply(b *testing.B, ops int) {
	s, _ := benchStore(b)
	r := rand.New(rand.NewPCG(uint64(ops), 2))
	val := make([]byte, benchValue)
	wb := batch.New(0)
	b.ReportAllocs()
	for b.Loop() {
		wb.Reset(s.AppliedPosition() + 1)
		for range ops {
			wb.Put(2, benchKey(r), val) // inserts into a second table of the 1M-key file
		}
		if err := s.Apply(wb); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*ops)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkApply1 applies one-op batches (the Kimberlite pattern), unsynced.
func BenchmarkApply1(b *testing.B) { benchApply(b, 1) }

// BenchmarkApply1000 applies 1000-op batches of random inserts, unsynced.
func BenchmarkApply1000(b *testing.B) { benchApply(b, 1000) }

func BenchmarkGet(b *testing.B) {
	s, keys := benchStore(b)
	r := rand.New(rand.NewPCG(3, 3))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(1, keys[r.IntN(benchKeys)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "gets/s")
}

// BenchmarkGetAt reads updated keys as of a position before their update:
// current has a newer version, the answer comes from history.
func BenchmarkGetAt(b *testing.B) {
	s, keys := benchStore(b)
	r := rand.New(rand.NewPCG(4, 4))
	b.ReportAllocs()
	for b.Loop() {
		i := r.IntN(benchUpdated)
		pos := batch.Offset(i/benchBatch + 1 + r.IntN(benchKeys/benchBatch-i/benchBatch))
		v, err := s.GetAt(1, keys[i], pos)
		if err != nil || binary.LittleEndian.Uint64(v) != uint64(i) {
			b.Fatalf("GetAt(key %d, %d): %x, %v", i, pos, v, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "gets/s")
}

// BenchmarkScan1000 scans 1000 rows from a random key at the applied position.
func BenchmarkScan1000(b *testing.B) {
	s, keys := benchStore(b)
	r := rand.New(rand.NewPCG(5, 5))
	b.ReportAllocs()
	for b.Loop() {
		rows, err := s.Scan(1, keys[r.IntN(benchKeys)], nil, 1000)
		if err != nil || len(rows) == 0 {
			b.Fatalf("Scan: %d rows, %v", len(rows), err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSpace inserts 1M random keys (16-byte keys, 100-byte values) in
// 1000-op batches into a file and reports its size per logical byte.
func BenchmarkSpace(b *testing.B) {
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "db")
		s, err := store.Open(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		r := rand.New(rand.NewPCG(6, 6))
		val := make([]byte, benchValue)
		wb := batch.New(0)
		for p := 1; p <= benchKeys/benchBatch; p++ {
			wb.Reset(batch.Offset(p))
			for range benchBatch {
				wb.Put(1, benchKey(r), val)
			}
			if err := s.Apply(wb); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Sync(); err != nil {
			b.Fatal(err)
		}
		st, err := s.Stats()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.FileBytes)/float64(st.LogicalBytes), "disk-bytes/logical-byte")
		b.ReportMetric(float64(st.Pages.Leaf)/float64(st.PageCount), "leaf-fraction")
	}
}

// BenchmarkRange1000 visits 1000 rows from a random key through a snapshot
// with borrowed slices: the same rows as BenchmarkScan1000 without copies.
func BenchmarkRange1000(b *testing.B) {
	s, keys := benchStore(b)
	r := rand.New(rand.NewPCG(5, 5))
	v, err := s.Snapshot(s.AppliedPosition())
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	b.ReportAllocs()
	var sum int
	for b.Loop() {
		n := 0
		err := v.Range(ctx, 1, keys[r.IntN(benchKeys)], nil, func(k, val []byte) error {
			sum += len(k) + len(val)
			if n++; n == 1000 {
				return store.ErrStop
			}
			return nil
		})
		if err != nil || n == 0 {
			b.Fatalf("Range: %d rows, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "rows/s")
}
