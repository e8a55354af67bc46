package main

import (
	"math/bits"
	"time"
)

// hist is a latency histogram with fixed log-linear buckets, HDR-style:
// 32 buckets per power of two, so a quantile is off by at most 1/32
// (3%), in constant memory and with no sampling bias.
type hist struct {
	counts [nbuckets]uint64
	n      uint64
	max    uint64
}

const (
	subBits  = 5
	sub      = 1 << subBits
	nbuckets = (64 - subBits + 1) * sub
)

// bucket maps v to its bucket: values below sub have one bucket each;
// above, v's top subBits+1 bits pick it.
func bucket(v uint64) int {
	if v < sub {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return (shift+1)*sub + int(v>>shift) - sub
}

// bucketLow is the smallest value in bucket i.
func bucketLow(i int) uint64 {
	if i < sub {
		return uint64(i)
	}
	shift := i/sub - 1
	return uint64(i%sub+sub) << shift
}

func (h *hist) record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucket(v)]++
	h.n++
	h.max = max(h.max, v)
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the q-quantile (0 < q <= 1), as the midpoint of its
// bucket, capped at the largest value seen.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo := bucketLow(i)
			hi := lo
			if i+1 < nbuckets {
				hi = bucketLow(i+1) - 1
			}
			return time.Duration(min(lo+(hi-lo)/2, h.max))
		}
	}
	return time.Duration(h.max)
}
