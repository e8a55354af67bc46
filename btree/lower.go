package btree

// lowerBoundGo returns the first i with h[i] >= q: a binary search whose
// step is a conditional move, not a branch, so it costs the same whatever
// the keys and never mispredicts.
func lowerBoundGo(h []uint64, q uint64) int {
	base, n := 0, len(h)
	if n == 0 {
		return 0
	}
	for n > 1 {
		half := n >> 1
		lt := 0
		if h[base+half-1] < q {
			lt = 1
		}
		base += half * lt
		n -= half
	}
	if h[base] < q {
		base++
	}
	return base
}
