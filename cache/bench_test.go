package cache

import (
	"sync/atomic"
	"testing"

	"github.com/projstore/projstore/page"
)

const benchPages = 1024

// hotCache returns a cache holding benchPages pages, all read twice so
// they sit in 2Q's frequent queue, as a hot working set does.
func hotCache(b *testing.B) *Cache {
	c := New(4 * benchPages * page.Size)
	for id := range uint64(benchPages) {
		c.Add(newPage(id))
		c.Get(id)
	}
	return c
}

func BenchmarkGetHit(b *testing.B) {
	c := hotCache(b)
	b.ReportAllocs()
	for i := uint64(0); b.Loop(); i++ {
		if _, ok := c.Get(i % benchPages); !ok {
			b.Fatal("miss")
		}
	}
}

func BenchmarkGetHitParallel(b *testing.B) {
	c := hotCache(b)
	var seed atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		// Each goroutine walks the pages from its own starting point.
		i := seed.Add(benchPages / 7)
		for pb.Next() {
			if _, ok := c.Get(i % benchPages); !ok {
				b.Error("miss")
				return
			}
			i++
		}
	})
}

// BenchmarkAddEvict adds pages that are never cached yet, to a full cache:
// every Add evicts.
func BenchmarkAddEvict(b *testing.B) {
	c := New(benchPages * page.Size)
	pages := make([]*page.Page, 8*benchPages)
	for id := range pages {
		pages[id] = newPage(uint64(id))
	}
	for _, p := range pages {
		c.Add(p)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Add(pages[i%len(pages)])
	}
}
