package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	vals := []uint64{0, 1, 31, 32, 33, 63, 64, 65, 1000, 1 << 20, 1<<40 + 12345, math.MaxUint64}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		vals = append(vals, r.Uint64()>>r.IntN(64))
	}
	for _, v := range vals {
		i := bucket(v)
		if i < 0 || i >= nbuckets {
			t.Fatalf("bucket(%d) = %d, out of [0, %d)", v, i, nbuckets)
		}
		lo := bucketLow(i)
		if v < lo {
			t.Fatalf("bucket(%d) = %d starts at %d, above the value", v, i, lo)
		}
		if i+1 < nbuckets && v >= bucketLow(i+1) {
			t.Fatalf("bucket(%d) = %d, but bucket %d starts at %d", v, i, i+1, bucketLow(i+1))
		}
		// The width of a bucket is at most 1/32 of its start.
		if i+1 < nbuckets && lo >= sub && bucketLow(i+1)-lo > lo/sub {
			t.Fatalf("bucket %d is [%d, %d): wider than 1/%d", i, lo, bucketLow(i+1), sub)
		}
	}
}

func TestQuantileMatchesSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var h hist
	var all []time.Duration
	for range 20000 {
		// Log-normal-ish latencies from 100ns to ~10ms.
		d := time.Duration(100 * math.Exp(r.Float64()*11.5))
		h.record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		want := all[min(int(q*float64(len(all))+0.5), len(all))-1]
		got := h.quantile(q)
		if diff := math.Abs(float64(got-want)) / float64(want); diff > 1.0/sub {
			t.Errorf("quantile(%v) = %v, exact %v: off by %.1f%%", q, got, want, 100*diff)
		}
	}
}

func TestMerge(t *testing.T) {
	var a, b, all hist
	for i := range 1000 {
		d := time.Duration(i * 1000)
		all.record(d)
		if i%3 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
	}
	a.merge(&b)
	if a.n != all.n || a.counts != all.counts || a.max != all.max {
		t.Fatalf("merged histogram differs: n %d vs %d, max %d vs %d", a.n, all.n, a.max, all.max)
	}
	if got, want := a.quantile(0.5), 500*time.Microsecond; got < want*31/32 || got > want*33/32 {
		t.Errorf("median of 0..999µs = %v, want about %v", got, want)
	}
}
