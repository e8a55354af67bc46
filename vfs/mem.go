package vfs

import (
	"io/fs"
	"math"
	"sync"
	"sync/atomic"

	"github.com/projstore/projstore/vfs/internal/membuf"
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
func (m *Mem) Open(path string, mode Mode) (File, error) {
	if err := mode.valid(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.files[path]
	if d == nil {
		if mode != Create {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
		}
		d = new(memData)
		m.files[path] = d
	}
	return &memFile{d: d, path: path, readOnly: mode == ReadOnly}, nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.check("read", off, false); err != nil {
		return 0, err
	}
	f.d.mu.RLock()
	defer f.d.mu.RUnlock()
	return membuf.ReadAt(f.d.b, p, off)
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.check("write", membuf.End(off, p), true); err != nil {
		return 0, err
	}
	f.d.mu.Lock()
	defer f.d.mu.Unlock()
	f.d.b = membuf.WriteAt(f.d.b, p, off)
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
	f.d.b = membuf.Truncate(f.d.b, size)
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
