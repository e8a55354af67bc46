package fault

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"slices"
	"sync"
	"syscall"

	"github.com/projstore/projstore/vfs"
	"github.com/projstore/projstore/vfs/internal/membuf"
)

// Errors of the fault-injecting file system.
var (
	// ErrInjected is the error FS returns from an operation chosen to fail.
	ErrInjected = errors.New("fault: injected fault")
	// ErrCrashed is returned by every call on a handle opened before the
	// last Crash.
	ErrCrashed = errors.New("fault: file system crashed")
)

// FS is an in-memory vfs.FS for crash tests. It models a disk with a
// volatile write cache: writes and truncates are visible at once but become
// durable only when their file is synced, and Crash decides which of the
// rest survive a power loss. Any single operation can be made to fail, and
// SetSpace makes the disk fill up.
//
// ReadAt, WriteAt, Sync and Truncate are operations: each gets the next
// sequence number, starting at 1, and is recorded in Log. Open, Size and
// Close are not. Calls rejected before they reach the disk (closed or
// read-only handle, bad offset, handle from before a Crash) are not
// operations either.
//
// An FS is safe for concurrent use; run serially, it is deterministic.
type FS struct {
	mu     sync.Mutex
	files  map[string]*faultData
	epoch  int // bumped by Crash, which invalidates older handles
	seq    int64
	log    []Op
	failAt int64
	err    error
	sticky bool
	space  int64 // bytes all files may hold together; 0: unlimited
}

// faultData is one file. view is what reads see: durable with every
// pending operation applied in order.
type faultData struct {
	durable []byte
	view    []byte
	pending []pending
}

// pending is an unsynced write, or, if truncate is set, an unsynced
// truncate to off.
type pending struct {
	seq      int64
	truncate bool
	off      int64
	data     []byte
}

type faultFile struct {
	fs       *FS
	d        *faultData
	path     string
	epoch    int
	readOnly bool
	closed   bool // guarded by fs.mu
}

// OpKind is the kind of an operation on an FS.
type OpKind int

const (
	OpRead OpKind = iota
	OpWrite
	OpSync
	OpTruncate
)

func (k OpKind) String() string {
	switch k {
	case OpRead:
		return "read"
	case OpWrite:
		return "write"
	case OpSync:
		return "sync"
	case OpTruncate:
		return "truncate"
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Op is one recorded operation. For a truncate, Off is the new size.
type Op struct {
	Seq  int64
	Kind OpKind
	Path string
	Off  int64
	Len  int
}

func (o Op) String() string {
	return fmt.Sprintf("#%d %s %s off=%d len=%d", o.Seq, o.Kind, o.Path, o.Off, o.Len)
}

// CrashOptions says which unsynced operations survive a Crash. Pending
// operations are indexed per file from 0 in the order they were issued;
// Pending lists them.
type CrashOptions struct {
	// Keep reports whether pending operation i of path survives.
	// Nil drops every pending operation.
	Keep func(path string, i int) bool
	// TearPath's pending write number TearIndex lands only its first
	// TearBytes bytes, whatever Keep says. TearIndex -1 means no tear; so
	// does a TearPath naming no file, as in the zero CrashOptions.
	TearPath  string
	TearIndex int
	TearBytes int
}

// New returns an empty FS.
func New() *FS {
	return &FS{files: make(map[string]*faultData)}
}

// Open implements vfs.FS. A created file's name is durable at once, as with
// OS, which syncs the directory.
func (f *FS) Open(path string, mode vfs.Mode) (vfs.File, error) {
	if mode < vfs.ReadWrite || mode > vfs.ReadOnly {
		return nil, fmt.Errorf("fault: open mode %d: %w", int(mode), vfs.ErrMode)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.files[path]
	if d == nil {
		if mode != vfs.Create {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
		}
		d = new(faultData)
		f.files[path] = d
	}
	return &faultFile{fs: f, d: d, path: path, epoch: f.epoch, readOnly: mode == vfs.ReadOnly}, nil
}

// FailAt makes operation number n fail with err, or ErrInjected if err is
// nil. A failed write or truncate changes nothing and a failed sync makes
// nothing durable. n <= 0 disables the failure.
func (f *FS) FailAt(n int64, err error) {
	if err == nil {
		err = ErrInjected
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAt, f.err = n, err
}

// SetSticky sets whether every operation after the one chosen by FailAt
// fails too, as when a disk goes away rather than hitting one bad sector.
func (f *FS) SetSticky(sticky bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sticky = sticky
}

// SetSpace models a disk of n bytes: a write or truncate that would make
// the files' sizes (as reads see them) add up to more than n, and grows its
// file, fails with syscall.ENOSPC and changes nothing. Shrinking and
// overwriting always succeed. n <= 0 means no limit. Reset keeps the limit.
func (f *FS) SetSpace(n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.space = max(n, 0)
}

// full reports whether growing d to size bytes exceeds the space. The
// caller holds f.mu.
func (f *FS) full(d *faultData, size int64) bool {
	if f.space == 0 || size <= int64(len(d.view)) {
		return false
	}
	total := size - int64(len(d.view))
	for _, o := range f.files {
		total += int64(len(o.view))
	}
	return total > f.space
}

// Ops returns how many operations have been issued.
func (f *FS) Ops() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq
}

// Log returns every operation issued so far, failed ones included, in order.
func (f *FS) Log() []Op {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

// Reset clears the operation count, the log and the failure settings.
// Files, including their unsynced operations, and open handles are kept.
func (f *FS) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq, f.log = 0, nil
	f.failAt, f.err, f.sticky = 0, nil, false
}

// Pending returns path's unsynced writes and truncates in issue order; the
// index of each is the index CrashOptions uses.
func (f *FS) Pending(path string) []Op {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.files[path]
	if d == nil {
		return nil
	}
	ops := make([]Op, len(d.pending))
	for i, p := range d.pending {
		ops[i] = p.op(path)
	}
	return ops
}

// Image returns a copy of what path reads as now, or nil if there is no
// such file.
func (f *FS) Image(path string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.files[path]
	if d == nil {
		return nil
	}
	return slices.Clone(d.view)
}

// SetImage makes b the durable content of path, creating it if needed and
// dropping its unsynced operations. Open handles see the new content.
func (f *FS) SetImage(path string, b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.files[path]
	if d == nil {
		d = new(faultData)
		f.files[path] = d
	}
	d.durable = slices.Clone(b)
	d.view = slices.Clone(b)
	d.pending = nil
}

// Crash simulates power loss. Each file becomes its durable content plus
// the pending operations c selects, applied in order, and that becomes
// durable. Keep is called for every pending operation, files in path
// order. Handles opened before Crash fail every call with ErrCrashed.
func (f *FS) Crash(c CrashOptions) {
	f.mu.Lock()
	defer f.mu.Unlock()
	files := make(map[string]*faultData, len(f.files))
	// Sorted, so that a Keep drawing from a seeded random source picks
	// the same writes on every run.
	for _, path := range slices.Sorted(maps.Keys(f.files)) {
		d := f.files[path]
		b := d.durable
		for i, p := range d.pending {
			torn := path == c.TearPath && i == c.TearIndex && !p.truncate
			switch {
			case torn:
				n := min(max(c.TearBytes, 0), len(p.data))
				b = membuf.WriteAt(b, p.data[:n], p.off)
			case c.Keep != nil && c.Keep(path, i):
				b = p.apply(b)
			}
		}
		// durable and view must not share storage: growing one in place
		// would otherwise show through the other.
		files[path] = &faultData{durable: b, view: slices.Clone(b)}
	}
	f.files = files
	f.epoch++
}

// begin starts an operation: it numbers and logs it and returns the
// error it must fail with, if any. The caller holds f.mu.
func (f *FS) begin(kind OpKind, path string, off int64, n int) error {
	f.seq++
	f.log = append(f.log, Op{Seq: f.seq, Kind: kind, Path: path, Off: off, Len: n})
	if f.failAt > 0 && (f.seq == f.failAt || f.sticky && f.seq > f.failAt) {
		return f.err
	}
	return nil
}

func (p pending) op(path string) Op {
	if p.truncate {
		return Op{Seq: p.seq, Kind: OpTruncate, Path: path, Off: p.off}
	}
	return Op{Seq: p.seq, Kind: OpWrite, Path: path, Off: p.off, Len: len(p.data)}
}

// apply returns b with p applied. b may be modified in place.
func (p pending) apply(b []byte) []byte {
	if p.truncate {
		return membuf.Truncate(b, p.off)
	}
	return membuf.WriteAt(b, p.data, p.off)
}

// check rejects calls that never reach the disk. The caller holds fs.mu.
func (h *faultFile) check(op string, off int64, write bool) error {
	var err error
	switch {
	case h.epoch != h.fs.epoch:
		err = ErrCrashed
	case h.closed:
		err = fs.ErrClosed
	case write && h.readOnly:
		err = vfs.ErrReadOnly
	case off < 0, write && uint64(off) > math.MaxInt:
		err = vfs.ErrOffset
	default:
		return nil
	}
	return h.wrap(op, err)
}

func (h *faultFile) wrap(op string, err error) error {
	return &fs.PathError{Op: op, Path: h.path, Err: err}
}

func (h *faultFile) ReadAt(p []byte, off int64) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("read", off, false); err != nil {
		return 0, err
	}
	if err := h.fs.begin(OpRead, h.path, off, len(p)); err != nil {
		return 0, h.wrap("read", err)
	}
	return membuf.ReadAt(h.d.view, p, off)
}

func (h *faultFile) WriteAt(p []byte, off int64) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("write", membuf.End(off, p), true); err != nil {
		return 0, err
	}
	if err := h.fs.begin(OpWrite, h.path, off, len(p)); err != nil {
		return 0, h.wrap("write", err)
	}
	if h.fs.full(h.d, membuf.End(off, p)) {
		return 0, h.wrap("write", syscall.ENOSPC)
	}
	w := pending{seq: h.fs.seq, off: off, data: slices.Clone(p)}
	h.d.pending = append(h.d.pending, w)
	h.d.view = w.apply(h.d.view)
	return len(p), nil
}

func (h *faultFile) Sync() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("sync", 0, false); err != nil {
		return err
	}
	if err := h.fs.begin(OpSync, h.path, 0, 0); err != nil {
		return h.wrap("sync", err)
	}
	h.d.durable = slices.Clone(h.d.view)
	h.d.pending = nil
	return nil
}

func (h *faultFile) Truncate(size int64) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("truncate", size, true); err != nil {
		return err
	}
	if err := h.fs.begin(OpTruncate, h.path, size, 0); err != nil {
		return h.wrap("truncate", err)
	}
	if h.fs.full(h.d, size) {
		return h.wrap("truncate", syscall.ENOSPC)
	}
	t := pending{seq: h.fs.seq, truncate: true, off: size}
	h.d.pending = append(h.d.pending, t)
	h.d.view = t.apply(h.d.view)
	return nil
}

func (h *faultFile) Size() (int64, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("stat", 0, false); err != nil {
		return 0, err
	}
	return int64(len(h.d.view)), nil
}

func (h *faultFile) Close() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("close", 0, false); err != nil {
		return err
	}
	h.closed = true
	return nil
}
