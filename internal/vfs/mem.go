package vfs

import (
	"io"
	"io/fs"
	"math"
	"sync"
	"sync/atomic"
)

// Mem is an in-memory FS. Opening a path twice yields two handles on the
// same data; Mem takes no locks between handles. Data lives as long as the
// Mem, so Sync is a no-op.
type Mem struct {
	mu    sync.Mutex
	files map[string]*memData
}

type memData struct {
	mu sync.RWMutex
	b  []byte
}

type memFile struct {
	d        *memData
	path     string
	readOnly bool
	closed   atomic.Bool
}

// NewMem returns an empty in-memory file system.
func NewMem() *Mem {
	return &Mem{files: make(map[string]*memData)}
}

// Open implements FS.
func (m *Mem) Open(path string, create, readOnly bool) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.files[path]
	if d == nil {
		if !create {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
		}
		d = new(memData)
		m.files[path] = d
	}
	return &memFile{d: d, path: path, readOnly: readOnly}, nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.check("read", off, false); err != nil {
		return 0, err
	}
	f.d.mu.RLock()
	defer f.d.mu.RUnlock()
	return readAt(f.d.b, p, off)
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.check("write", end(off, p), true); err != nil {
		return 0, err
	}
	f.d.mu.Lock()
	defer f.d.mu.Unlock()
	f.d.b = writeAt(f.d.b, p, off)
	return len(p), nil
}

func (f *memFile) Sync() error {
	return f.check("sync", 0, false)
}

func (f *memFile) Truncate(size int64) error {
	if err := f.check("truncate", size, true); err != nil {
		return err
	}
	f.d.mu.Lock()
	defer f.d.mu.Unlock()
	f.d.b = truncate(f.d.b, size)
	return nil
}

func (f *memFile) Size() (int64, error) {
	if err := f.check("stat", 0, false); err != nil {
		return 0, err
	}
	f.d.mu.RLock()
	defer f.d.mu.RUnlock()
	return int64(len(f.d.b)), nil
}

func (f *memFile) Close() error {
	if f.closed.Swap(true) {
		return &fs.PathError{Op: "close", Path: f.path, Err: fs.ErrClosed}
	}
	return nil
}

func (f *memFile) check(op string, off int64, write bool) error {
	var err error
	switch {
	case f.closed.Load():
		err = fs.ErrClosed
	case write && f.readOnly:
		err = ErrReadOnly
	case off < 0, write && uint64(off) > math.MaxInt:
		err = ErrOffset
	default:
		return nil
	}
	return &fs.PathError{Op: op, Path: f.path, Err: err}
}

// end returns where a write of p at off ends, or -1 if that overflows, so
// that one bounds check covers both the offset and the new size.
func end(off int64, p []byte) int64 {
	e := off + int64(len(p))
	if off < 0 || e < off {
		return -1
	}
	return e
}

// readAt, writeAt and truncate give Mem and Fault the same semantics as an
// OS file over a plain byte slice.

func readAt(b, p []byte, off int64) (int, error) {
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

func writeAt(b, p []byte, off int64) []byte {
	if len(p) == 0 {
		return b
	}
	if end := off + int64(len(p)); end > int64(len(b)) {
		b = truncate(b, end)
	}
	copy(b[off:], p)
	return b
}

// truncate reuses b's storage where it can; bytes past the old length
// must read as zeros, so stale capacity is cleared when growing.
func truncate(b []byte, size int64) []byte {
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
