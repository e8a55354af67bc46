package vfs

import "golang.org/x/sys/unix"

// Sync uses fdatasync: the database never reads file times, so flushing
// them on every commit would only cost an extra journal write.
func (f *osFile) Sync() error {
	var serr error
	cerr := control(f.f, func(fd int) {
		for {
			serr = unix.Fdatasync(fd)
			if serr != unix.EINTR {
				return
			}
		}
	})
	if cerr != nil {
		return f.wrap("sync", cerr)
	}
	if serr != nil {
		return f.wrap("sync", serr)
	}
	return nil
}
