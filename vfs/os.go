package vfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// OS is the operating system's file system. On unix it takes an advisory
// lock on every file it opens, exclusive for read-write and shared for
// read-only, so that two writers never share a database: a conflict, even
// with another handle in the same process, fails with ErrLocked.
var OS FS = osFS{}

type osFS struct{}

type osFile struct {
	f        *os.File
	path     string
	readOnly bool
}

func (osFS) Open(path string, mode Mode) (File, error) {
	if err := mode.valid(); err != nil {
		return nil, err
	}
	readOnly := mode == ReadOnly
	flag := os.O_RDWR
	if readOnly {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flag, 0)
	if errors.Is(err, fs.ErrNotExist) && mode == Create {
		f, err = os.OpenFile(path, flag|os.O_CREATE, 0o644)
		if err == nil {
			// A new name is durable only once its directory is synced;
			// without this a crash can lose a file whose data was synced.
			err = syncDir(filepath.Dir(path))
			if err != nil {
				f.Close()
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if err := lock(f, readOnly); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "lock", Path: path, Err: err}
	}
	return &osFile{f: f, path: path, readOnly: readOnly}, nil
}

func (f *osFile) Truncate(size int64) error {
	if f.readOnly {
		return f.wrap("truncate", ErrReadOnly)
	}
	if size < 0 {
		return f.wrap("truncate", ErrOffset)
	}
	return f.f.Truncate(size)
}

func (f *osFile) Size() (int64, error) {
	fi, err := f.f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Close releases the lock along with the file.
func (f *osFile) Close() error {
	return f.f.Close()
}

func (f *osFile) wrap(op string, err error) error {
	return &fs.PathError{Op: op, Path: f.path, Err: err}
}
