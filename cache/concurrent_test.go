package cache

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/projstore/projstore/page"
)

// TestConcurrent has readers look pages up and load them on a miss while
// one writer dirties, cleans, pins and frees pages, as the engine does.
// Run it with -race.
func TestConcurrent(t *testing.T) {
	const (
		ids     = 256
		readers = 8
	)
	reads, writes := 20000, 4000
	if testing.Short() {
		reads, writes = 2000, 400
	}
	c := New(64 * page.Size) // small, so that readers evict all the time
	clean := make([]*page.Page, ids)
	for id := range clean {
		clean[id] = newPage(uint64(id))
	}

	var wg sync.WaitGroup
	for r := range readers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			for range reads {
				id := rng.Uint64N(ids)
				p, ok := c.Get(id)
				if !ok {
					c.Add(clean[id])
					continue
				}
				if p.ID() != id {
					t.Errorf("Get(%d) returned page %d", id, p.ID())
					return
				}
			}
		})
	}
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(99, 1))
		for range writes {
			id := rng.Uint64N(ids)
			p := newPage(id)
			c.AddDirty(p)
			pinned := c.Pin(id)
			for range 4 {
				if got, ok := c.Get(id); !ok || got != p {
					t.Errorf("dirty page %d: Get = %p, %v; want %p", id, got, ok, p)
					return
				}
			}
			if d := c.Dirty(); len(d) == 0 || c.DirtyLen() == 0 {
				t.Errorf("no dirty pages while page %d is dirty", id)
				return
			}
			c.Stats()
			c.Clean(id)
			if pinned {
				c.Unpin(id)
			}
			if rng.IntN(8) == 0 {
				c.Remove(id)
			}
		}
	})
	wg.Wait()

	st := c.Stats()
	if st.Dirty != 0 || st.Pinned != 0 || st.Pages > 64 || st.Hits+st.Misses == 0 {
		t.Errorf("after the run: Stats = %+v", st)
	}
	checkShards(t, c)
}
