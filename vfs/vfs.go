package vfs

import (
	"errors"
	"fmt"
)

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
	// Open opens path as mode says. Create makes a missing file, and the
	// new name is durable before Open returns; a missing file otherwise
	// returns an error matching fs.ErrNotExist. Through a ReadOnly file,
	// writes fail with ErrReadOnly. A file another handle holds for
	// writing (or, for a writer, any other handle) fails with ErrLocked.
	Open(path string, mode Mode) (File, error)
}

// Mode says how FS.Open opens a file.
type Mode int

const (
	ReadWrite Mode = iota // an existing file, for reading and writing
	Create                // for reading and writing, created if missing
	ReadOnly              // an existing file, for reading only
)

func (m Mode) valid() error {
	if m < ReadWrite || m > ReadOnly {
		return fmt.Errorf("vfs: open mode %d: %w", int(m), ErrMode)
	}
	return nil
}

var (
	// ErrLocked means another process or another open handle holds the file.
	ErrLocked = errors.New("vfs: file is locked")
	// ErrReadOnly means a write or truncate through a read-only handle.
	ErrReadOnly = errors.New("vfs: file is read-only")
	// ErrMode means Open was given a Mode that is none of the three.
	ErrMode = errors.New("vfs: unknown open mode")
	// ErrOffset means a negative offset or size, or, for the in-memory
	// file systems, one past what a byte slice can hold.
	ErrOffset = errors.New("vfs: offset out of range")
)
