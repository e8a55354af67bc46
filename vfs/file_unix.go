//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package vfs

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// maxRW keeps each system call under the limits some kernels put on a
// single read or write (darwin rejects more than INT_MAX bytes).
const maxRW = 1 << 30

func (f *osFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, f.wrap("read", ErrOffset)
	}
	var n int
	var rerr error
	cerr := control(f.f, func(fd int) {
		for n < len(p) {
			b := p[n:]
			if len(b) > maxRW {
				b = b[:maxRW]
			}
			m, err := unix.Pread(fd, b, off+int64(n))
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				rerr = err
				return
			}
			if m == 0 {
				rerr = io.EOF
				return
			}
			n += m
		}
	})
	if cerr != nil {
		return 0, f.wrap("read", cerr)
	}
	if rerr == io.EOF {
		return n, io.EOF
	}
	if rerr != nil {
		return n, f.wrap("read", rerr)
	}
	return n, nil
}

func (f *osFile) WriteAt(p []byte, off int64) (int, error) {
	if f.readOnly {
		return 0, f.wrap("write", ErrReadOnly)
	}
	if off < 0 {
		return 0, f.wrap("write", ErrOffset)
	}
	var n int
	var werr error
	cerr := control(f.f, func(fd int) {
		for n < len(p) {
			b := p[n:]
			if len(b) > maxRW {
				b = b[:maxRW]
			}
			m, err := unix.Pwrite(fd, b, off+int64(n))
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				werr = err
				return
			}
			if m == 0 {
				werr = io.ErrShortWrite
				return
			}
			n += m
		}
	})
	if cerr != nil {
		return 0, f.wrap("write", cerr)
	}
	if werr != nil {
		return n, f.wrap("write", werr)
	}
	return n, nil
}

func lock(f *os.File, shared bool) error {
	how := unix.LOCK_EX | unix.LOCK_NB
	if shared {
		how = unix.LOCK_SH | unix.LOCK_NB
	}
	var lerr error
	cerr := control(f, func(fd int) {
		for {
			lerr = unix.Flock(fd, how)
			if lerr != unix.EINTR {
				return
			}
		}
	})
	if cerr != nil {
		return cerr
	}
	if errors.Is(lerr, unix.EWOULDBLOCK) {
		return ErrLocked
	}
	return lerr
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// control runs fn on f's descriptor. It goes through the raw connection
// rather than Fd so that a concurrent Close cannot hand the number to
// another file mid-call, and so that the os.File keeps its normal mode.
func control(f *os.File, fn func(fd int)) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	if rc.Control(func(fd uintptr) { fn(int(fd)) }) != nil {
		// The only failure is a closed file; report it the way os does.
		return os.ErrClosed
	}
	return nil
}
