//go:build !linux

package vfs

func (f *osFile) Sync() error {
	return f.f.Sync()
}
