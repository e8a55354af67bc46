package store

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/projstore/projstore/batch"
)

// The hot-path benchmarks share one 1M-key in-memory store (16-byte random
// keys, 100-byte values), built once per process on first use.
var hot struct {
	once sync.Once
	s    *Store
	keys [][]byte
	err  error
}

const hotKeys = 1_000_000

func hotKey(i int) []byte {
	var k [16]byte
	r := rand.New(rand.NewPCG(uint64(i), 0x9e3779b97f4a7c15))
	binary.BigEndian.PutUint64(k[:], r.Uint64())
	binary.BigEndian.PutUint64(k[8:], r.Uint64())
	return k[:]
}

func hotStore(b *testing.B) (*Store, [][]byte) {
	hot.once.Do(func() {
		s, err := OpenMemory(&Options{CacheBytes: 512 << 20})
		if err != nil {
			hot.err = err
			return
		}
		val := make([]byte, 100)
		keys := make([][]byte, hotKeys)
		for p := 0; p < hotKeys/1000; p++ {
			wb := batch.New(batch.Offset(p + 1))
			for j := 0; j < 1000; j++ {
				i := p*1000 + j
				keys[i] = hotKey(i)
				wb.Put(1, keys[i], val)
			}
			if err := s.Apply(wb); err != nil {
				hot.err = err
				return
			}
		}
		if err := s.Sync(); err != nil {
			hot.err = err
			return
		}
		hot.s, hot.keys = s, keys
	})
	if hot.err != nil {
		b.Fatal(hot.err)
	}
	return hot.s, hot.keys
}

func BenchmarkHotGet(b *testing.B) {
	s, keys := hotStore(b)
	for i := range keys[:100000] { // warm the cache
		if _, err := s.Get(1, keys[i*10]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := s.Get(1, keys[(i*7919)%hotKeys]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "gets/s")
}

// BenchmarkHotGetSmallSet reads 10,000 adjacent keys of the 1M (about 330
// leaves): a working set that stays in the CPU caches, so it measures the
// code rather than DRAM.
func BenchmarkHotGetSmallSet(b *testing.B) {
	s, keys := hotStore(b)
	set := slices.SortedFunc(slices.Values(keys), bytes.Compare)[500_000:510_000]
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

func BenchmarkHotGetParallel(b *testing.B) {
	s, keys := hotStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	var seed uint64
	var mu sync.Mutex
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		seed++
		r := rand.New(rand.NewPCG(seed, 1))
		mu.Unlock()
		for pb.Next() {
			if _, err := s.Get(1, keys[r.IntN(hotKeys)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "gets/s")
}

// BenchmarkHotApply1000 applies 1000-op batches of random updates and
// inserts to a fresh in-memory store, unsynced.
func BenchmarkHotApply1000(b *testing.B) {
	s, err := OpenMemory(&Options{CacheBytes: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	val := make([]byte, 100)
	keys := make([][]byte, 1000)
	pool := make([][]byte, 1<<20) // keys made up front: the benchmark measures Apply
	for i := range pool {
		pool[i] = hotKey(i + hotKeys)
	}
	b.ReportAllocs()
	pos := batch.Offset(0)
	wb := batch.New(0)
	for b.Loop() {
		pos++
		wb.Reset(pos)
		for j := range keys {
			keys[j] = pool[(int(pos)*1000+j)%len(pool)]
			wb.Put(1, keys[j], val)
		}
		if err := s.Apply(wb); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkHotApply1000Sequential applies 1000-op batches of keys in log
// order (a big-endian counter), the shape of an event-sourced projection
// keyed by sequence number: consecutive keys share a leaf.
func BenchmarkHotApply1000Sequential(b *testing.B) {
	s, err := OpenMemory(&Options{CacheBytes: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	val := make([]byte, 100)
	keys := make([][8]byte, 1000)
	b.ReportAllocs()
	pos := batch.Offset(0)
	wb := batch.New(0)
	for b.Loop() {
		pos++
		wb.Reset(pos)
		for j := range keys {
			binary.BigEndian.PutUint64(keys[j][:], uint64(pos)*1000+uint64(j))
			wb.Put(1, keys[j][:], val)
		}
		if err := s.Apply(wb); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "ops/s")
}
