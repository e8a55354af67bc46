package store_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// TestApplyKeepsNoCopyOfTheBatch: once a large batch is applied and
// synced, the store holds about its cache, not a copy of the batch (it
// used to keep a buffer as large as the largest batch ever applied).
func TestApplyKeepsNoCopyOfTheBatch(t *testing.T) {
	const cache = 4 << 20
	s, err := store.Open(filepath.Join(t.TempDir(), "big.db"), &store.Options{CacheBytes: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	const values, size = 48, 1 << 20 // 48 MiB in one batch
	b := batch.New(1)
	for i := range values {
		v := make([]byte, size)
		v[0] = byte(i)
		b.Put(1, []byte{byte(i)}, v)
	}
	if err := s.Apply(b); err != nil {
		t.Fatal(err)
	}
	b = nil
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	after := heap()
	if grew := int64(after) - int64(before); grew > 3*cache {
		t.Fatalf("heap grew %d MiB after a %d MiB batch, with a %d MiB cache", grew>>20, values*size>>20, cache>>20)
	}
	runtime.KeepAlive(s)
}
