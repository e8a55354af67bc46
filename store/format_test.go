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
