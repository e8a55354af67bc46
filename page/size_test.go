package page_test

import (
	"runtime"
	"testing"

	"github.com/projstore/projstore/page"
)

// TestPageMemory: a page held in memory costs its 4,096 bytes and a
// small header, not the next size class of Go's allocator (4,864 bytes
// for a page with its fields inline).
func TestPageMemory(t *testing.T) {
	const n = 4096
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	pages := make([]*page.Page, n)
	before := heap()
	for i := range pages {
		pages[i] = page.New(uint64(i+2), page.TypeLeaf)
	}
	per := (heap() - before) / n
	runtime.KeepAlive(pages)
	if per > page.Size+64 {
		t.Fatalf("a page costs %d bytes of heap, want at most %d", per, page.Size+64)
	}
}
