package vfs

import "errors"

// File is an open file. Offsets are absolute, so a File has no seek
// position and may be used from several goroutines at once, except that
// Close must not race with other calls.
type File interface {
	// ReadAt has io.ReaderAt semantics: a read that stops short at the end
	// of the file returns the bytes read and io.EOF.
	ReadAt(p []byte, off int64) (int, error)
	// WriteAt writes all of p at off, growing the file if needed.
	WriteAt(p []byte, off int64) (int, error)
	// Sync makes the file's data durable. Metadata that is not needed to
	// read the data back, such as the modification time, may stay behind.
	Sync() error
	Truncate(size int64) error
	Size() (int64, error)
	Close() error
}

// FS opens Files.
type FS interface {
	// Open opens path. With create, a missing file is created, and the new
	// name is durable before Open returns. With readOnly, the file is
	// opened for reading only and writes fail with ErrReadOnly. A missing
	// file without create returns an error matching fs.ErrNotExist.
	Open(path string, create, readOnly bool) (File, error)
}

var (
	// ErrLocked means another process or another open handle holds the file.
	ErrLocked = errors.New("vfs: file is locked")
	// ErrReadOnly means a write or truncate through a read-only handle.
	ErrReadOnly = errors.New("vfs: file is read-only")
	// ErrInjected is the error Fault returns from an operation chosen to fail.
	ErrInjected = errors.New("vfs: injected fault")
	// ErrCrashed is returned by every call on a Fault handle opened before
	// the last Crash.
	ErrCrashed = errors.New("vfs: file system crashed")
	// ErrOffset means a negative offset or size, or, for the in-memory
	// file systems, one past what a byte slice can hold.
	ErrOffset = errors.New("vfs: offset out of range")
)
