package store_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/store"
)

// A file from a newer format version is refused as such (not as corrupt),
// and a file that is not a store at all says so; neither is changed.
func TestOpenRefusesForeignFormats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(batch.New(1).Put(1, []byte("k"), []byte("v"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	newer := append([]byte(nil), img...)
	for slot := 0; slot < 2; slot++ {
		// The format version follows the 8-byte magic after the page header.
		binary.LittleEndian.PutUint32(newer[slot*page.Size+page.HeaderSize+8:], 99)
	}
	if err := os.WriteFile(path, newer, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, nil); !errors.Is(err, store.ErrNewerFormat) || errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("open of a newer format: %v, want ErrNewerFormat and not ErrCorrupt", err)
	}
	foreign := make([]byte, 5*page.Size)
	copy(foreign, "this is a text file, not a database\n")
	if err := os.WriteFile(path, foreign, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, nil); !errors.Is(err, store.ErrNotDatabase) {
		t.Fatalf("open of a foreign file: %v, want ErrNotDatabase", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(foreign) {
		t.Fatal("Open changed a foreign file")
	}
}

// A store created and closed at once is two pages with page 0 zero, the
// same shape a crash during creation leaves. From a newer build it must be
// refused, not taken for an interrupted creation and overwritten; so must
// any such file with foreign bytes in its second page.
func TestOpenRefusesSmallForeignFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(path)
	if err != nil || len(img) > 2*page.Size {
		t.Fatalf("new store is %d bytes (%v), want at most two pages for this test", len(img), err)
	}
	binary.LittleEndian.PutUint32(img[page.Size+page.HeaderSize+8:], 99)
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, nil); !errors.Is(err, store.ErrNewerFormat) {
		t.Fatalf("open of a new store of a newer format: %v, want ErrNewerFormat", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(img) {
		t.Fatal("Open rewrote a newer format's file")
	}
	foreign := make([]byte, 2*page.Size)
	copy(foreign[page.Size:], "user data after a zero page")
	if err := os.WriteFile(path, foreign, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, nil); err == nil {
		t.Fatal("Open accepted a foreign two-page file")
	}
	if got, _ := os.ReadFile(path); string(got) != string(foreign) {
		t.Fatal("Open rewrote a foreign file")
	}
}

// After Close every call returns ErrClosed, whatever else is wrong with it.
func TestClosedWinsOverBadArguments(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(nil); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Apply(nil) after Close: %v", err)
	}
	if _, err := s.History(1, nil); !errors.Is(err, store.ErrClosed) {
		t.Errorf("History(empty key) after Close: %v", err)
	}
	if _, err := s.Get(1, nil); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Get(empty key) after Close: %v", err)
	}
	if _, err := s.ScanAt(1, []byte("b"), []byte("a"), 0, 0); !errors.Is(err, store.ErrClosed) {
		t.Errorf("ScanAt(inverted) after Close: %v", err)
	}
}
