package store_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// Hot-path benchmarks beside bench_test.go's, on the same 1M-key store.

// BenchmarkGetParallel is BenchmarkGet from every GOMAXPROCS goroutine:
// readers share the store's read lock and the cache's shard read locks.
func BenchmarkGetParallel(b *testing.B) {
	s, keys := benchStore(b)
	var seed atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(seed.Add(1), 7))
		for pb.Next() {
			if _, err := s.Get(1, keys[r.IntN(benchKeys)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "gets/s")
}

// BenchmarkGetSmallSet reads 10,000 adjacent keys of the 1M (about 330
// leaves): a working set that stays in the CPU caches, so it measures the
// code rather than DRAM, which bounds BenchmarkGet.
func BenchmarkGetSmallSet(b *testing.B) {
	s, keys := benchStore(b)
	set := slices.SortedFunc(slices.Values(keys), bytes.Compare)[benchKeys/2 : benchKeys/2+10_000]
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(set), func(i, j int) { set[i], set[j] = set[j], set[i] })
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Get(1, set[i%len(set)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "gets/s")
}

// BenchmarkApply1000Sequential applies 1000-op batches of keys in log order
// (a big-endian counter), the shape of a projection keyed by sequence
// number: consecutive keys share a leaf, so inserts skip the descent.
func BenchmarkApply1000Sequential(b *testing.B) {
	s, err := store.OpenMemory(&store.Options{CacheBytes: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	val := make([]byte, benchValue)
	keys := make([][8]byte, benchBatch)
	b.ReportAllocs()
	pos := batch.Offset(0)
	wb := batch.New(0)
	for b.Loop() {
		pos++
		wb.Reset(pos)
		for j := range keys {
			binary.BigEndian.PutUint64(keys[j][:], uint64(pos)*benchBatch+uint64(j))
			wb.Put(1, keys[j][:], val)
		}
		if err := s.Apply(wb); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchBatch/b.Elapsed().Seconds(), "ops/s")
}
