package store_test

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// defaultsKeys is the size of the workload: 1M random 16-byte keys
// with 100-byte values on a real file at default options. PROJSTORE_KEYS
// overrides it for a quick run.
func defaultsKeys() int {
	if n, err := strconv.Atoi(os.Getenv("PROJSTORE_KEYS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// cpuTime is the process's user and system time so far: on a shared
// machine it varies less than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func defaultsLoad(b *testing.B, s *store.Store, n int, r *rand.Rand) [][]byte {
	keys := make([][]byte, n)
	val := make([]byte, benchValue)
	wb := batch.New(0)
	for i := 0; i < n; i += benchBatch {
		wb.Reset(s.AppliedPosition() + 1)
		for j := i; j < min(i+benchBatch, n); j++ {
			keys[j] = benchKey(r)
			binary.LittleEndian.PutUint64(val, uint64(j))
			wb.Put(1, keys[j], val)
		}
		if err := s.Apply(wb); err != nil {
			b.Fatal(err)
		}
	}
	return keys
}

// BenchmarkDefaultsLoad loads the workload into a new file at
// default options, in 1000-op unsynced batches, then syncs once. It
// reports load throughput (ops/s, the Sync included) and the final Sync's
// time (sync-ms). Run it with -benchtime=1x.
func BenchmarkDefaultsLoad(b *testing.B) {
	n := defaultsKeys()
	var syncTime, cpu time.Duration
	for i := 0; b.Loop(); i++ {
		c0 := cpuTime()
		path := filepath.Join(b.TempDir(), "db"+strconv.Itoa(i))
		s, err := store.Open(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		defaultsLoad(b, s, n, rand.New(rand.NewPCG(7, uint64(i))))
		t0 := time.Now()
		if err := s.Sync(); err != nil {
			b.Fatal(err)
		}
		syncTime += time.Since(t0)
		cpu += cpuTime() - c0
		b.StopTimer()
		s.Close()
		os.Remove(path)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(syncTime.Milliseconds())/float64(b.N), "sync-ms")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/op")
}

// BenchmarkDefaultsUpdate loads the workload (untimed, synced),
// then updates random existing keys in 1000-op unsynced batches: b.N ops,
// with a final Sync, are timed.
func BenchmarkDefaultsUpdate(b *testing.B) {
	s, keys := defaultsStore(b)
	n := len(keys)
	r := rand.New(rand.NewPCG(8, uint64(s.AppliedPosition())))
	val := make([]byte, benchValue)
	wb := batch.New(0)
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for done := 0; done < b.N; {
		wb.Reset(s.AppliedPosition() + 1)
		for j := 0; j < benchBatch && done < b.N; j++ {
			binary.LittleEndian.PutUint64(val, uint64(done))
			wb.Put(1, keys[r.IntN(n)], val)
			done++
		}
		if err := s.Apply(wb); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Sync(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// defaultsStore is the loaded store BenchmarkDefaultsUpdate updates, built
// once per process (the benchmark runs more than once).
var defaults struct {
	s    *store.Store
	keys [][]byte
	dir  string
}

func defaultsStore(b *testing.B) (*store.Store, [][]byte) {
	if defaults.s == nil {
		dir, err := os.MkdirTemp("", "projstore-bench")
		if err != nil {
			b.Fatal(err)
		}
		s, err := store.Open(filepath.Join(dir, "db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		keys := defaultsLoad(b, s, defaultsKeys(), rand.New(rand.NewPCG(7, 7)))
		if err := s.Sync(); err != nil {
			b.Fatal(err)
		}
		defaults.s, defaults.keys, defaults.dir = s, keys, dir
		b.Cleanup(func() {}) // the store lives until the process ends
	}
	return defaults.s, defaults.keys
}

// TestMain removes the defaults store's directory.
func TestMain(m *testing.M) {
	code := m.Run()
	if defaults.s != nil {
		defaults.s.Close()
		os.RemoveAll(defaults.dir)
	}
	os.Exit(code)
}
