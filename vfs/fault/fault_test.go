package fault

import (
	"bytes"
	"errors"
	"io/fs"
	"slices"
	"syscall"
	"testing"

	"github.com/projstore/projstore/vfs"
)

func openFault(t *testing.T, f *FS, path string) vfs.File {
	t.Helper()
	h, err := f.Open(path, vfs.Create)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func write(t *testing.T, h vfs.File, s string, off int64) {
	t.Helper()
	if _, err := h.WriteAt([]byte(s), off); err != nil {
		t.Fatal(err)
	}
}

func TestFaultCrashDropsUnsynced(t *testing.T) {
	f := New()
	h := openFault(t, f, "db")
	write(t, h, "durable", 0)
	if err := h.Sync(); err != nil {
		t.Fatal(err)
	}
	write(t, h, "VOLATILE", 0)
	write(t, h, "tail", 20)
	if got := string(f.Image("db")); got != "VOLATILE\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00tail" {
		t.Fatalf("Image before crash = %q", got)
	}
	f.Crash(CrashOptions{})
	if got := string(f.Image("db")); got != "durable" {
		t.Fatalf("Image after crash = %q, want durable", got)
	}
	h2 := openFault(t, f, "db")
	buf := make([]byte, 7)
	if _, err := h2.ReadAt(buf, 0); err != nil || string(buf) != "durable" {
		t.Fatalf("ReadAt after crash = %q, %v", buf, err)
	}
	if p := f.Pending("db"); len(p) != 0 {
		t.Fatalf("pending after crash: %v", p)
	}
}

func TestFaultKeepSubset(t *testing.T) {
	f := New()
	h := openFault(t, f, "db")
	write(t, h, "aaaa", 0)
	write(t, h, "bbbb", 4)
	write(t, h, "cccc", 8)
	if err := h.Truncate(10); err != nil {
		t.Fatal(err)
	}
	other := openFault(t, f, "wal")
	write(t, other, "w", 0)

	pend := f.Pending("db")
	kinds := []OpKind{OpWrite, OpWrite, OpWrite, OpTruncate}
	if len(pend) != len(kinds) {
		t.Fatalf("Pending = %v", pend)
	}
	for i, op := range pend {
		if op.Kind != kinds[i] {
			t.Fatalf("Pending[%d] = %v", i, op)
		}
	}

	var asked []int
	f.Crash(CrashOptions{Keep: func(path string, i int) bool {
		if path != "db" {
			return true
		}
		asked = append(asked, i)
		return i == 0 || i == 2 // drop "bbbb" and the truncate
	}, TearIndex: -1})
	if !slices.Equal(asked, []int{0, 1, 2, 3}) {
		t.Fatalf("Keep asked %v", asked)
	}
	if got := string(f.Image("db")); got != "aaaa\x00\x00\x00\x00cccc" {
		t.Fatalf("db = %q", got)
	}
	if got := string(f.Image("wal")); got != "w" {
		t.Fatalf("wal = %q", got)
	}
}

func TestFaultTornWrite(t *testing.T) {
	f := New()
	h := openFault(t, f, "db")
	write(t, h, "00000000", 0)
	h.Sync()
	write(t, h, "xx", 0)
	write(t, h, "ABCDEF", 2)
	f.Crash(CrashOptions{
		Keep:      func(string, int) bool { return false },
		TearPath:  "db",
		TearIndex: 1,
		TearBytes: 3,
	})
	if got := string(f.Image("db")); got != "00ABC000" {
		t.Fatalf("torn image = %q, want 00ABC000", got)
	}
}

func TestFaultFailAt(t *testing.T) {
	f := New()
	h := openFault(t, f, "db")
	write(t, h, "old", 0) // op 1
	f.FailAt(2, nil)
	if _, err := h.WriteAt([]byte("new"), 0); !errors.Is(err, ErrInjected) {
		t.Fatalf("op 2: err = %v, want ErrInjected", err)
	}
	if got := string(f.Image("db")); got != "old" {
		t.Fatalf("failed write changed the file: %q", got)
	}
	if p := f.Pending("db"); len(p) != 1 {
		t.Fatalf("failed write is pending: %v", p)
	}
	buf := make([]byte, 3)
	if _, err := h.ReadAt(buf, 0); err != nil { // op 3 succeeds
		t.Fatalf("op 3: %v", err)
	}

	custom := errors.New("disk on fire")
	f.FailAt(5, custom)
	if err := h.Sync(); err != nil { // op 4
		t.Fatal(err)
	}
	if err := h.Truncate(0); !errors.Is(err, custom) { // op 5
		t.Fatalf("op 5: err = %v, want custom", err)
	}
	if err := h.Sync(); err != nil { // op 6: not sticky
		t.Fatalf("op 6: %v", err)
	}
	if f.Ops() != 6 {
		t.Fatalf("Ops = %d, want 6", f.Ops())
	}

	f.Reset()
	if f.Ops() != 0 || len(f.Log()) != 0 {
		t.Fatalf("after Reset: Ops = %d, Log = %v", f.Ops(), f.Log())
	}
	if got := string(f.Image("db")); got != "old" {
		t.Fatalf("Reset lost the file: %q", got)
	}
	f.SetSticky(true)
	f.FailAt(2, nil)
	if _, err := h.ReadAt(buf, 0); err != nil { // op 1
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := h.WriteAt([]byte("x"), 0); !errors.Is(err, ErrInjected) {
			t.Fatalf("sticky op %d: err = %v", i+2, err)
		}
	}
	if err := h.Sync(); !errors.Is(err, ErrInjected) {
		t.Fatalf("sticky sync: err = %v", err)
	}
	if got := string(f.Image("db")); got != "old" {
		t.Fatalf("sticky failures changed the file: %q", got)
	}
}

func TestFaultCrashedHandles(t *testing.T) {
	f := New()
	h := openFault(t, f, "db")
	write(t, h, "data", 0)
	h.Sync()
	f.Crash(CrashOptions{TearIndex: -1})
	ops := f.Ops()
	buf := make([]byte, 4)
	calls := map[string]error{}
	_, calls["ReadAt"] = h.ReadAt(buf, 0)
	_, calls["WriteAt"] = h.WriteAt(buf, 0)
	calls["Sync"] = h.Sync()
	calls["Truncate"] = h.Truncate(0)
	_, calls["Size"] = h.Size()
	calls["Close"] = h.Close()
	for name, err := range calls {
		if !errors.Is(err, ErrCrashed) {
			t.Errorf("%s after Crash: err = %v, want ErrCrashed", name, err)
		}
	}
	if f.Ops() != ops {
		t.Errorf("calls on crashed handle counted as ops")
	}
	h2 := openFault(t, f, "db")
	if _, err := h2.ReadAt(buf, 0); err != nil || string(buf) != "data" {
		t.Fatalf("reopen: %q, %v", buf, err)
	}
}

func TestFaultLog(t *testing.T) {
	f := New()
	h := openFault(t, f, "db")
	w := openFault(t, f, "wal")
	write(t, h, "abc", 10)
	h.ReadAt(make([]byte, 2), 11)
	w.Sync()
	w.Truncate(7)
	h.Size()
	h.Close()
	want := []Op{
		{Seq: 1, Kind: OpWrite, Path: "db", Off: 10, Len: 3},
		{Seq: 2, Kind: OpRead, Path: "db", Off: 11, Len: 2},
		{Seq: 3, Kind: OpSync, Path: "wal"},
		{Seq: 4, Kind: OpTruncate, Path: "wal", Off: 7},
	}
	if got := f.Log(); !slices.Equal(got, want) {
		t.Fatalf("Log = %v\nwant  %v", got, want)
	}
	if f.Ops() != 4 {
		t.Fatalf("Ops = %d", f.Ops())
	}
	if s := OpTruncate.String(); s != "truncate" {
		t.Fatalf("OpTruncate.String() = %q", s)
	}
}

func TestFaultImages(t *testing.T) {
	f := New()
	if f.Image("db") != nil {
		t.Fatal("Image of missing file not nil")
	}
	if _, err := f.Open("db", vfs.ReadWrite); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open missing: %v", err)
	}
	img := []byte("hello world")
	f.SetImage("db", img)
	img[0] = 'J' // SetImage must copy
	h := openFault(t, f, "db")
	write(t, h, "W", 6)
	got := f.Image("db")
	got[0] = 'Y' // Image must copy
	if s := string(f.Image("db")); s != "hello World" {
		t.Fatalf("Image = %q", s)
	}
	f.SetImage("db", []byte("bits"))
	buf := make([]byte, 4)
	if _, err := h.ReadAt(buf, 0); err != nil || !bytes.Equal(buf, []byte("bits")) {
		t.Fatalf("open handle after SetImage: %q, %v", buf, err)
	}
	f.Crash(CrashOptions{})
	if s := string(f.Image("db")); s != "bits" {
		t.Fatalf("SetImage not durable: %q", s)
	}
}

func TestReadOnlyHandles(t *testing.T) {
	for _, fsys := range []vfs.FS{vfs.NewMem(), New()} {
		w, _ := fsys.Open("db", vfs.Create)
		w.WriteAt([]byte("x"), 0)
		r, err := fsys.Open("db", vfs.ReadOnly)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.WriteAt([]byte("y"), 0); !errors.Is(err, vfs.ErrReadOnly) {
			t.Fatalf("%T: WriteAt on read-only: %v", fsys, err)
		}
		if err := r.Truncate(0); !errors.Is(err, vfs.ErrReadOnly) {
			t.Fatalf("%T: Truncate on read-only: %v", fsys, err)
		}
		if _, err := r.WriteAt([]byte("y"), -1); !errors.Is(err, vfs.ErrReadOnly) {
			t.Fatalf("%T: %v", fsys, err)
		}
		if _, err := w.WriteAt([]byte("y"), -1); !errors.Is(err, vfs.ErrOffset) {
			t.Fatalf("%T: negative offset: %v", fsys, err)
		}
		r.Close()
		if _, err := r.ReadAt(make([]byte, 1), 0); !errors.Is(err, fs.ErrClosed) {
			t.Fatalf("%T: ReadAt after Close: %v", fsys, err)
		}
	}
}

func TestFaultKeepAll(t *testing.T) {
	f := New()
	for _, path := range []string{"b", "a", "c"} {
		h := openFault(t, f, path)
		write(t, h, "synced-"+path, 0)
		h.Sync()
		write(t, h, "x", 3)
		h.Truncate(5)
		write(t, h, "tail", 9)
	}
	want := map[string][]byte{}
	for _, path := range []string{"a", "b", "c"} {
		want[path] = f.Image(path)
	}
	var order []string
	f.Crash(CrashOptions{Keep: func(path string, i int) bool {
		order = append(order, path)
		return true
	}, TearIndex: -1})
	if !slices.Equal(order, []string{"a", "a", "a", "b", "b", "b", "c", "c", "c"}) {
		t.Fatalf("Keep order %v", order)
	}
	for path, b := range want {
		if got := f.Image(path); !bytes.Equal(got, b) {
			t.Fatalf("%s: %q, want %q", path, got, b)
		}
	}
}

func TestHugeOffsets(t *testing.T) {
	for _, fsys := range []vfs.FS{vfs.NewMem(), New()} {
		h, _ := fsys.Open("db", vfs.Create)
		if _, err := h.WriteAt([]byte("x"), 1<<63-1); !errors.Is(err, vfs.ErrOffset) {
			t.Fatalf("%T: overflowing WriteAt: %v", fsys, err)
		}
		if err := h.Truncate(-1); !errors.Is(err, vfs.ErrOffset) {
			t.Fatalf("%T: negative Truncate: %v", fsys, err)
		}
		if n, err := h.ReadAt(make([]byte, 1), 1<<63-1); n != 0 || err == nil {
			t.Fatalf("%T: ReadAt far past end = %d, %v", fsys, n, err)
		}
	}
}

// TestFaultSpace fills a small disk: growing past it fails with ENOSPC and
// changes nothing, while overwrites, shrinking and other files' space
// freed make room again.
func TestFaultSpace(t *testing.T) {
	f := New()
	f.SetSpace(10)
	a, b := openFault(t, f, "a"), openFault(t, f, "b")
	write(t, a, "123456", 0)
	if _, err := b.WriteAt([]byte("abcde"), 0); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write past the space: %v, want ENOSPC", err)
	}
	if err := b.Truncate(5); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("truncate past the space: %v, want ENOSPC", err)
	}
	if got := f.Image("b"); len(got) != 0 {
		t.Fatalf("failed writes left %q", got)
	}
	write(t, b, "abcd", 0)
	write(t, a, "XYZ", 0) // overwriting needs no space
	if err := a.Truncate(2); err != nil {
		t.Fatal(err)
	}
	write(t, b, "efgh", 4)
	if got := string(f.Image("a")) + "|" + string(f.Image("b")); got != "XY|abcdefgh" {
		t.Fatalf("images %q", got)
	}
	f.SetSpace(0)
	write(t, a, "no limit", 100)
}
