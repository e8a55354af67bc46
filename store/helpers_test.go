package store_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/vfs"
)

// long reports whether PROJSTORE_LONG=1 asks for the long runs.
func long() bool { return os.Getenv("PROJSTORE_LONG") == "1" }

// pattern returns n pseudo-random bytes from seed: one draw makes a large
// key or value.
func pattern(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	for i := 0; i < n; i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], r.Uint64())
		copy(b[i:], w[:])
	}
	return b
}

// tb is what the helpers need from *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func must(t tb, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// openMem opens "db" in fsys with opts (nil: the defaults).
func openMem(t tb, fsys vfs.FS, opts *store.Options) *store.Store {
	t.Helper()
	o := store.Options{FS: fsys}
	if opts != nil {
		o, o.FS = *opts, fsys
	}
	s, err := store.Open("db", &o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// put applies a one-op batch at the next position.
func put(t tb, s *store.Store, tid batch.TableID, key, value []byte) {
	t.Helper()
	must(t, s.Apply(batch.New(s.AppliedPosition()+1).Put(tid, key, value)))
}

func wantValue(t tb, got []byte, err error, want []byte, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes %.16x…, want %d bytes %.16x…", what, len(got), got, len(want), want)
	}
}
