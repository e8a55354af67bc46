//go:build !purego

package btree

import (
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
	"pgregory.net/rapid"
)

// Every kernel the CPU supports must agree with slices.BinarySearch,
// whichever one is selected by default.
func TestLowerBoundKernels(t *testing.T) {
	kernels := map[string]func([]uint64, uint64) int{"go": lowerBoundGo}
	if cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT {
		kernels["avx2"] = lowerBoundAVX2
	}
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL {
		kernels["avx512"] = lowerBoundAVX512
	}
	rapid.Check(t, func(t *rapid.T) {
		h := rapid.SliceOfN(rapid.Uint64Range(0, 30), 0, 400).Draw(t, "heads")
		if rapid.Bool().Draw(t, "wide") { // exercise the unsigned compare
			h = rapid.SliceOfN(rapid.Uint64(), 0, 400).Draw(t, "wideheads")
		}
		slices.Sort(h)
		q := rapid.Uint64().Draw(t, "q")
		switch rapid.IntRange(0, 2).Draw(t, "qkind") {
		case 0:
			q %= 32
		case 1:
			if len(h) > 0 {
				q = h[rapid.IntRange(0, len(h)-1).Draw(t, "at")]
			}
		}
		want, _ := slices.BinarySearch(h, q)
		for name, k := range kernels {
			if got := k(h, q); got != want {
				t.Fatalf("%s(len %d, %#x) = %d, want %d", name, len(h), q, got, want)
			}
		}
	})
}
