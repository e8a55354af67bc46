//go:build !purego

package btree

import "golang.org/x/sys/cpu"

//go:noescape
func lowerBoundAVX512(h []uint64, q uint64) int

//go:noescape
func lowerBoundAVX2(h []uint64, q uint64) int

// kernel is the head search chosen at start-up. The assembly kernels are
// used only where the side-by-side benchmark (BenchmarkNodeSearch) shows
// them beating the branchless Go search on this machine; see useSIMD.
var kernel, kernelName = pickKernel()

func pickKernel() (func([]uint64, uint64) int, string) {
	switch {
	case useSIMD && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasPOPCNT:
		return lowerBoundAVX512, "avx512"
	case useSIMD && cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT:
		return lowerBoundAVX2, "avx2"
	}
	return lowerBoundGo, "go-branchless"
}

func lowerBound(h []uint64, q uint64) int { return kernel(h, q) }

// SearchKernel names the in-node head search in use.
func SearchKernel() string { return kernelName }

type namedKernel struct {
	name string
	fn   func([]uint64, uint64) int
}

// searchKernels lists the head searches this CPU can run, for benchmarks.
func searchKernels() []namedKernel {
	ks := []namedKernel{{"go", lowerBoundGo}}
	if cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT {
		ks = append(ks, namedKernel{"avx2", lowerBoundAVX2})
	}
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasPOPCNT {
		ks = append(ks, namedKernel{"avx512", lowerBoundAVX512})
	}
	return ks
}
