// Package membuf gives vfs.Mem and fault.FS the semantics of an OS file over
// a plain byte slice: reads past the end, writes that grow the file, and
// truncates that zero what they expose.
package membuf

import "io"

// End returns where a write of p at off ends, or -1 if that overflows, so
// that one bounds check covers both the offset and the new size.
func End(off int64, p []byte) int64 {
	e := off + int64(len(p))
	if off < 0 || e < off {
		return -1
	}
	return e
}

// ReadAt reads from b with io.ReaderAt semantics.
func ReadAt(b, p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// WriteAt writes p at off into b, growing it, and returns the new slice.
func WriteAt(b, p []byte, off int64) []byte {
	if len(p) == 0 {
		return b
	}
	if end := off + int64(len(p)); end > int64(len(b)) {
		b = Truncate(b, end)
	}
	copy(b[off:], p)
	return b
}

// Truncate sets b's length to size. It reuses b's storage where it can;
// bytes past the old length must read as zeros, so stale capacity is
// cleared when growing.
func Truncate(b []byte, size int64) []byte {
	n := int(size)
	if n <= len(b) {
		return b[:n]
	}
	if n <= cap(b) {
		old := len(b)
		b = b[:n]
		clear(b[old:])
		return b
	}
	// Double the capacity: append grows large slices by about 1.25x, and a
	// file that grows a page at a time would be copied over and over (a
	// third of an in-memory store's Apply time went there).
	nb := make([]byte, n, max(n, 2*cap(b)))
	copy(nb, b)
	return nb
}
