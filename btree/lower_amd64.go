//go:build !purego

package btree

import "golang.org/x/sys/cpu"

//go:noescape
func lowerBoundAVX512(h []uint64, q uint64) int

//go:noescape
func lowerBoundAVX2(h []uint64, q uint64) int

// kernel is the head search chosen at start-up. BenchmarkNodeSearch, run
// side by side on the 2-core AMD EPYC this project is measured on (median
// of 5, ns per search; plain / Go branchless / AVX2 / AVX-512):
//
//	branch 130 x 16 B keys   52.6 / 23.9 / 18.1 / 18.4
//	leaf    32 x 16 B keys   39.9 / 17.0 / 13.6 / 14.9
//	leaf    90 x 24 B keys   49.3 / 20.9 / 16.1 / 16.4
//
// Both assembly kernels beat the Go search by about 1.25x and tie with each
// other, so AVX2 (the more widely available, and free of AVX-512 clock
// penalties on some CPUs) comes first.
var kernel, kernelName = pickKernel()

func pickKernel() (func([]uint64, uint64) int, string) {
	switch {
	case useSIMD && cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT:
		return lowerBoundAVX2, "avx2"
	case useSIMD && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasPOPCNT:
		return lowerBoundAVX512, "avx512"
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
