package store

import "testing"

func TestDefaultCacheFor(t *testing.T) {
	for _, c := range []struct{ mem, want int64 }{
		{0, 64 << 20},                // unknown
		{256 << 20, 64 << 20},        // small machine: the floor
		{16 << 30, 2 << 30},          // an eighth
		{512 << 30, 4 << 30},         // large machine: the ceiling
		{(1 << 30) + 8, 128<<20 + 1}, // rounding down
	} {
		if got := defaultCacheFor(c.mem); got != c.want {
			t.Errorf("defaultCacheFor(%d) = %d, want %d", c.mem, got, c.want)
		}
	}
	for _, c := range []struct{ cache, want int64 }{{64 << 20, 32 << 20}, {4 << 30, 64 << 20}} {
		if got := defaultDirtyFor(c.cache); got != c.want {
			t.Errorf("defaultDirtyFor(%d) = %d, want %d", c.cache, got, c.want)
		}
	}
	if d := DefaultCacheBytes(); d < minDefaultCache || d > maxDefaultCache {
		t.Errorf("DefaultCacheBytes() = %d, outside [%d, %d]", d, minDefaultCache, maxDefaultCache)
	}
	if m := availableMemory(); m > 0 && DefaultCacheBytes() > max(m/8, minDefaultCache) {
		t.Errorf("DefaultCacheBytes() = %d with %d bytes of memory", DefaultCacheBytes(), m)
	}
}
