//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris)

package vfs

import "os"

// Without pread, pwrite and flock, fall back to what package os offers:
// its ReadAt and WriteAt are positional too, but files are not locked.

func (f *osFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, f.wrap("read", ErrOffset)
	}
	return f.f.ReadAt(p, off)
}

func (f *osFile) WriteAt(p []byte, off int64) (int, error) {
	if f.readOnly {
		return 0, f.wrap("write", ErrReadOnly)
	}
	if off < 0 {
		return 0, f.wrap("write", ErrOffset)
	}
	return f.f.WriteAt(p, off)
}

func lock(*os.File, bool) error { return nil }

// Not every system can sync a directory (windows cannot open one as a
// file), and those that cannot make new names durable by other means.
func syncDir(string) error { return nil }
