package vfs_test

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"github.com/projstore/projstore/vfs"
	"github.com/projstore/projstore/vfs/fault"
	"pgregory.net/rapid"
)

// TestModel runs random operations on each vfs.FS and on a plain []byte and
// checks that they agree, so vfs.Mem and Fault behave like the vfs.OS.
func TestModel(t *testing.T) {
	dir := t.TempDir()
	n := 0
	for _, tc := range []struct {
		name string
		fs   func() (vfs.FS, string)
	}{
		{"OS", func() (vfs.FS, string) { n++; return vfs.OS, filepath.Join(dir, fmt.Sprint(n)) }},
		{"Mem", func() (vfs.FS, string) { return vfs.NewMem(), "db" }},
		{"Fault", func() (vfs.FS, string) { return fault.New(), "db" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				fsys, path := tc.fs()
				f, err := fsys.Open(path, vfs.Create)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				var model []byte
				t.Repeat(map[string]func(*rapid.T){
					"write": func(t *rapid.T) {
						off := rapid.Int64Range(0, 300).Draw(t, "off")
						p := rapid.SliceOfN(rapid.Byte(), 0, 100).Draw(t, "p")
						n, err := f.WriteAt(p, off)
						if n != len(p) || err != nil {
							t.Fatalf("WriteAt = %d, %v", n, err)
						}
						model = writeModel(model, p, off)
					},
					"read": func(t *rapid.T) {
						off := rapid.Int64Range(0, 400).Draw(t, "off")
						p := make([]byte, rapid.IntRange(0, 100).Draw(t, "n"))
						n, err := f.ReadAt(p, off)
						want, wantErr := readModel(model, len(p), off)
						if n != len(want) || err != wantErr || !bytes.Equal(p[:n], want) {
							t.Fatalf("ReadAt(%d, %d) = %d, %v; want %d, %v", len(p), off, n, err, len(want), wantErr)
						}
					},
					"truncate": func(t *rapid.T) {
						size := rapid.Int64Range(0, 400).Draw(t, "size")
						if err := f.Truncate(size); err != nil {
							t.Fatal(err)
						}
						if int(size) < len(model) {
							model = model[:size]
						} else {
							model = append(model, make([]byte, int(size)-len(model))...)
						}
					},
					"sync": func(t *rapid.T) {
						if err := f.Sync(); err != nil {
							t.Fatal(err)
						}
					},
					"": func(t *rapid.T) {
						if size, err := f.Size(); size != int64(len(model)) || err != nil {
							t.Fatalf("Size = %d, %v; want %d", size, err, len(model))
						}
					},
				})
			})
		})
	}
}

func writeModel(b, p []byte, off int64) []byte {
	if len(p) == 0 {
		return b
	}
	for int64(len(b)) < off+int64(len(p)) {
		b = append(b, 0)
	}
	copy(b[off:], p)
	return b
}

func readModel(b []byte, n int, off int64) ([]byte, error) {
	if off >= int64(len(b)) {
		if n == 0 {
			return nil, nil
		}
		return nil, io.EOF
	}
	if rest := b[off:]; len(rest) < n {
		return rest, io.EOF
	}
	return b[off : off+int64(n)], nil
}

// TestConcurrent is for the race detector: handles on one file used from
// several goroutines at once.
func TestConcurrent(t *testing.T) {
	for _, fsys := range []vfs.FS{vfs.NewMem(), fault.New()} {
		var wg sync.WaitGroup
		for g := range 4 {
			f, err := fsys.Open("db", vfs.Create)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				defer f.Close()
				p := bytes.Repeat([]byte{byte(g)}, 64)
				for i := range 100 {
					off := int64(g*64 + i%3*256)
					if _, err := f.WriteAt(p, off); err != nil {
						t.Error(err)
					}
					buf := make([]byte, 64)
					if _, err := f.ReadAt(buf, off); err != nil || !bytes.Equal(buf, p) {
						t.Errorf("ReadAt = %v, %v", buf, err)
					}
					f.Size()
					f.Sync()
				}
			})
		}
		wg.Wait()
	}
}
