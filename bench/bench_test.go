package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// The testing.B side of the harness: the same steps as the workloads, one
// sub-benchmark per engine (BenchmarkGet/projstore, ...), for benchstat
// across commits:
//
//	go test -run '^$' -bench . -count 10 | tee new.txt
//
// ns/op is per step (a batch, a read, a scan); rows/s counts rows. The data
// set is 50k keys, 1M with PROJSTORE_LONG=1.

func benchKeys() int {
	if long() {
		return 1_000_000
	}
	return 50_000
}

func benchParams() Params {
	p := defaultParams(false)
	p.Keys = benchKeys()
	p.CacheBytes = 256 << 20
	return p
}

// forEngines runs fn as a sub-benchmark per engine, on a fresh engine in a
// temporary directory. With load, the data set is loaded (and warm) first;
// with history, 20 batches of 1000 updates add versions for GetAt.
func forEngines(b *testing.B, load, history bool, fn func(b *testing.B, r *runner)) {
	for _, spec := range engines {
		b.Run(spec.name, func(b *testing.B) {
			e, err := spec.open(Config{Dir: b.TempDir(), CacheBytes: benchParams().CacheBytes})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				if err := e.Close(); err != nil {
					b.Error(err)
				}
			})
			r := newRunner(e, benchParams(), 1)
			if load {
				if _, err := r.load(); err != nil {
					b.Fatal(err)
				}
				if history {
					if _, err := r.apply(20, 1000, false); err != nil {
						b.Fatal(err)
					}
				}
				if err := r.warmUp(); err != nil {
					b.Fatal(err)
				}
			}
			fn(b, r)
		})
	}
}

// loop runs st under b.Loop and reports rows/s.
func loop(b *testing.B, st step) {
	var rows int64
	for b.Loop() {
		n, err := st()
		if err != nil {
			b.Fatal(err)
		}
		rows += int64(n)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLoad loads fresh rows in batches of 1000 into a growing store;
// the last batch syncs.
func BenchmarkLoad(b *testing.B) {
	forEngines(b, false, false, func(b *testing.B, r *runner) {
		r.p.Keys = 1 << 40 // never the last batch: no per-step sync
		next := uint64(0)
		loop(b, r.loadStep(&next))
	})
}

func BenchmarkApply(b *testing.B) {
	for _, c := range []struct {
		size int
		sync bool
	}{{1, false}, {1000, false}, {1, true}, {1000, true}} {
		name := fmt.Sprintf("batch=%d/sync=%v", c.size, c.sync)
		b.Run(name, func(b *testing.B) {
			forEngines(b, true, false, func(b *testing.B, r *runner) {
				loop(b, r.applyStep(c.size, c.sync))
			})
		})
	}
}

func BenchmarkGet(b *testing.B) {
	forEngines(b, true, false, func(b *testing.B, r *runner) { loop(b, r.getStep()) })
}

func BenchmarkGetAt(b *testing.B) {
	forEngines(b, true, true, func(b *testing.B, r *runner) { loop(b, r.getAtStep()) })
}

func BenchmarkScan(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			forEngines(b, true, false, func(b *testing.B, r *runner) { loop(b, r.scanStep(n, false)) })
		})
	}
}

func BenchmarkScanAt(b *testing.B) {
	forEngines(b, true, true, func(b *testing.B, r *runner) { loop(b, r.scanStep(100, true)) })
}

// hotKeyed updates the hot key 10,000 times before fn.
func hotKeyed(b *testing.B, fn func(b *testing.B, r *runner)) {
	forEngines(b, true, false, func(b *testing.B, r *runner) {
		r.hot = keyOf(nil, uint64(r.p.Keys))
		up := r.hotUpdateStep()
		for range 10_000 {
			if _, err := up(); err != nil {
				b.Fatal(err)
			}
		}
		fn(b, r)
	})
}

func BenchmarkHotKeyUpdate(b *testing.B) {
	hotKeyed(b, func(b *testing.B, r *runner) { loop(b, r.hotUpdateStep()) })
}

func BenchmarkHotKeyGet(b *testing.B) {
	hotKeyed(b, func(b *testing.B, r *runner) { loop(b, r.hotGetStep(false)) })
}

func BenchmarkHotKeyGetAt(b *testing.B) {
	hotKeyed(b, func(b *testing.B, r *runner) { loop(b, r.hotGetStep(true)) })
}

// BenchmarkReadWhileWrite measures random gets from parallel readers while
// one writer applies batches of 100 updates; it reports the writer's rows/s
// as write-rows/s.
func BenchmarkReadWhileWrite(b *testing.B) {
	forEngines(b, true, false, func(b *testing.B, r *runner) {
		var (
			stop   atomic.Bool
			wg     sync.WaitGroup
			writes int64
			werr   error
		)
		b.ResetTimer() // the setup is not part of it
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := r.applyStep(r.p.RWBatch, false)
			for !stop.Load() {
				n, err := st()
				if err != nil {
					werr = err
					return
				}
				writes += int64(n)
			}
		}()
		var seed atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			// Each reader has its own runner view: its own random source,
			// the same engine.
			rr := &runner{e: r.e, p: r.p}
			rr.reseed(100 + seed.Add(1))
			st := rr.getStep()
			for pb.Next() {
				if _, err := st(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		stop.Store(true)
		wg.Wait()
		if werr != nil {
			b.Fatal(werr)
		}
		b.ReportMetric(float64(writes)/b.Elapsed().Seconds(), "write-rows/s")
	})
}
