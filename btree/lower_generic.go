//go:build purego || !amd64

package btree

var kernel = lowerBoundGo

func lowerBound(h []uint64, q uint64) int { return kernel(h, q) }

type namedKernel struct {
	name string
	fn   func([]uint64, uint64) int
}

func searchKernels() []namedKernel { return []namedKernel{{"go", lowerBoundGo}} }

// SearchKernel names the in-node head search in use.
func SearchKernel() string { return "go-branchless" }
