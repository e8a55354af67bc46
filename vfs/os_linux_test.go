package vfs

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"testing"
)

func TestOSRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	if _, err := OS.Open(path, ReadWrite); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open missing: err = %v, want fs.ErrNotExist", err)
	}
	f, err := OS.Open(path, Create)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	data := bytes.Repeat([]byte("projstore"), 1000)
	if n, err := f.WriteAt(data, 100); n != len(data) || err != nil {
		t.Fatalf("WriteAt = %d, %v", n, err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if size, err := f.Size(); size != int64(100+len(data)) || err != nil {
		t.Fatalf("Size = %d, %v", size, err)
	}
	got := make([]byte, len(data))
	if n, err := f.ReadAt(got, 100); n != len(data) || err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAt = %d, %v; data equal %v", n, err, bytes.Equal(got, data))
	}
	hole := make([]byte, 100)
	if _, err := f.ReadAt(hole, 0); err != nil || !bytes.Equal(hole, make([]byte, 100)) {
		t.Fatalf("hole: %v %x", err, hole)
	}

	// A read across the end returns what is there and io.EOF.
	buf := make([]byte, 50)
	if n, err := f.ReadAt(buf, int64(100+len(data)-10)); n != 10 || err != io.EOF {
		t.Fatalf("short ReadAt = %d, %v; want 10, io.EOF", n, err)
	}
	if n, err := f.ReadAt(buf, 1<<40); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt past end = %d, %v; want 0, io.EOF", n, err)
	}

	if err := f.Truncate(150); err != nil {
		t.Fatal(err)
	}
	if size, _ := f.Size(); size != 150 {
		t.Fatalf("Size after Truncate = %d", size)
	}
	if _, err := f.WriteAt([]byte{1}, -1); !errors.Is(err, ErrOffset) {
		t.Fatalf("negative offset: err = %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadAt(buf, 0); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("ReadAt after Close: err = %v, want fs.ErrClosed", err)
	}
}

func TestOSLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	f, err := OS.Open(path, Create)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OS.Open(path, ReadWrite); !errors.Is(err, ErrLocked) {
		t.Fatalf("second writer: err = %v, want ErrLocked", err)
	}
	if _, err := OS.Open(path, ReadOnly); !errors.Is(err, ErrLocked) {
		t.Fatalf("reader beside writer: err = %v, want ErrLocked", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	// Readers share; a writer waits for all of them.
	r1, err := OS.Open(path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := OS.Open(path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OS.Open(path, ReadWrite); !errors.Is(err, ErrLocked) {
		t.Fatalf("writer beside readers: err = %v, want ErrLocked", err)
	}
	r1.Close()
	r2.Close()
	f, err = OS.Open(path, ReadWrite)
	if err != nil {
		t.Fatalf("writer after readers closed: %v", err)
	}
	f.Close()
}

func TestOSReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	f, err := OS.Open(path, Create)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("hello"), 0)
	f.Close()

	r, err := OS.Open(path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.WriteAt([]byte("x"), 0); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("WriteAt on read-only: err = %v, want ErrReadOnly", err)
	}
	if err := r.Truncate(0); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Truncate on read-only: err = %v, want ErrReadOnly", err)
	}
	buf := make([]byte, 5)
	if _, err := r.ReadAt(buf, 0); err != nil || string(buf) != "hello" {
		t.Fatalf("ReadAt = %q, %v", buf, err)
	}
	if err := r.Sync(); err != nil {
		t.Fatalf("Sync on read-only: %v", err)
	}
}
