package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/projstore/projstore/vfs/fault"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/vfs"
)

func TestThousandTables(t *testing.T) {
	fsys := vfs.NewMem()
	s := openMem(t, fsys, nil)
	const n = 1000
	b := batch.New(1)
	for i := range n {
		tid := batch.TableID(i*7919 + 1)
		b.Put(tid, []byte("k"), fmt.Appendf(nil, "table %d", tid))
		b.Put(tid, fmt.Appendf(nil, "k%d", i), []byte("v"))
	}
	must(t, s.Apply(b))
	must(t, s.Close())
	s = openMem(t, fsys, nil)
	defer s.Close()
	for i := range n {
		tid := batch.TableID(i*7919 + 1)
		got, err := s.Get(tid, []byte("k"))
		wantValue(t, got, err, fmt.Appendf(nil, "table %d", tid), fmt.Sprintf("table %d", tid))
		rows, err := s.Scan(tid, nil, nil, 0)
		if err != nil || len(rows) != 2 {
			t.Fatalf("table %d: %d rows, %v", tid, len(rows), err)
		}
	}
	st, err := s.Stats()
	must(t, err)
	if st.Tables != n || st.Rows != 2*n {
		t.Fatalf("Stats: %d tables, %d rows", st.Tables, st.Rows)
	}
	must(t, s.Check())
}

func TestKeySizeLimits(t *testing.T) {
	s, err := store.OpenMemory(nil)
	must(t, err)
	defer s.Close()
	max := bytes.Repeat([]byte{'k'}, store.MaxKeySize)
	max2 := bytes.Repeat([]byte{'k'}, store.MaxKeySize-1)
	b := batch.New(1)
	for i := range 40 { // enough 1 KiB keys for branches full of 1 KiB separators
		k := bytes.Clone(max)
		copy(k, fmt.Sprintf("%04d", i))
		b.Put(1, k, []byte{byte(i)})
	}
	b.Put(1, max, []byte("max")).Put(1, max2, []byte("max-1"))
	must(t, s.Apply(b))
	got, err := s.Get(1, max)
	wantValue(t, got, err, []byte("max"), "1024-byte key")
	got, err = s.Get(1, max2)
	wantValue(t, got, err, []byte("max-1"), "1023-byte key")
	put(t, s, 1, max, []byte("again")) // its old version moves to history under key ‖ suffix
	got, err = s.GetAt(1, max, 1)
	wantValue(t, got, err, []byte("max"), "1024-byte key at 1")
	if h, err := s.Stats(); err != nil || h.MaxHeight < 2 {
		t.Fatalf("Stats: height %d, %v; 1 KiB keys should need branches", h.MaxHeight, err)
	}

	over := append(bytes.Clone(max), 'k')
	for name, b := range map[string]*batch.WriteBatch{
		"put":    batch.New(3).Put(1, over, []byte("v")),
		"delete": batch.New(3).Delete(1, over),
	} {
		if err := s.Apply(b); !errors.Is(err, store.ErrKeyTooLarge) {
			t.Fatalf("%s of a 1025-byte key: %v, want ErrKeyTooLarge", name, err)
		}
	}
	if _, err := s.Get(1, over); !errors.Is(err, store.ErrKeyTooLarge) {
		t.Fatalf("Get of a 1025-byte key: %v", err)
	}
	for name, b := range map[string]*batch.WriteBatch{
		"put":    batch.New(3).Put(1, nil, []byte("v")),
		"delete": batch.New(3).Delete(1, []byte{}),
	} {
		if err := s.Apply(b); !errors.Is(err, store.ErrEmptyKey) {
			t.Fatalf("%s of an empty key: %v, want ErrEmptyKey", name, err)
		}
	}
	if _, err := s.Get(1, nil); !errors.Is(err, store.ErrEmptyKey) {
		t.Fatalf("Get of an empty key: %v", err)
	}
	must(t, s.Check())
}

func TestLargeValue(t *testing.T) {
	fsys := vfs.NewMem()
	s := openMem(t, fsys, &store.Options{CacheBytes: 1 << 20})
	v := pattern(16<<20, 1)
	put(t, s, 1, []byte("big"), v)
	put(t, s, 1, []byte("small"), []byte("s"))
	got, err := s.Get(1, []byte("big"))
	wantValue(t, got, err, v, "16 MiB value")
	v2 := pattern(16<<20+1, 2)
	put(t, s, 1, []byte("big"), v2) // the old chain moves to history
	must(t, s.Close())
	s = openMem(t, fsys, &store.Options{CacheBytes: 1 << 20})
	defer s.Close()
	got, err = s.Get(1, []byte("big"))
	wantValue(t, got, err, v2, "16 MiB value after reopen")
	got, err = s.GetAt(1, []byte("big"), 2)
	wantValue(t, got, err, v, "older 16 MiB value after reopen")
	rows, err := s.ScanAt(1, nil, nil, 0, 2)
	if err != nil || len(rows) != 2 || !bytes.Equal(rows[0].Value, v) {
		t.Fatalf("ScanAt: %d rows, %v", len(rows), err)
	}
	if err := s.Apply(batch.New(4).Put(1, []byte("huge"), make([]byte, store.MaxValueSize+1))); !errors.Is(err, store.ErrValueTooLarge) {
		t.Fatalf("value over the limit: %v", err)
	}
	must(t, s.Check())
}

// A batch with one bad op is refused whole: position, digest and contents
// stay as they were, and the next good batch applies.
func TestBadBatchLeavesNoTrace(t *testing.T) {
	s, err := store.OpenMemory(nil)
	must(t, err)
	defer s.Close()
	must(t, s.Apply(batch.New(1).Put(1, []byte("a"), []byte("1")).Put(2, []byte("b"), []byte("2"))))
	pos, digest := s.AppliedPosition(), s.AppliedDigest()
	before, err := s.Stats()
	must(t, err)
	bad := []struct {
		b      *batch.WriteBatch
		target error
	}{
		{batch.New(2).Put(1, []byte("a"), []byte("X")).DropTable(2).Put(3, make([]byte, 1025), nil), store.ErrKeyTooLarge},
		{batch.New(2).Delete(1, []byte("a")).Put(1, []byte{}, []byte("v")), store.ErrEmptyKey},
		{batch.New(2).Put(4, []byte("new"), []byte("v")).Put(1, []byte("k"), make([]byte, store.MaxValueSize+1)), store.ErrValueTooLarge},
		{&batch.WriteBatch{Position: 2, Ops: []batch.WriteOp{{Kind: batch.OpPut, Table: 1, Key: []byte("a"), Value: []byte("v")}, {Kind: 7, Table: 1, Key: []byte("a")}}}, store.ErrBadOp},
		{&batch.WriteBatch{Position: 2, Ops: []batch.WriteOp{{Kind: batch.OpDropTable, Table: 1, Key: []byte("a")}}}, store.ErrBadOp},
	}
	for i, c := range bad {
		if err := s.Apply(c.b); !errors.Is(err, c.target) {
			t.Fatalf("bad batch %d: %v, want %v", i, err, c.target)
		}
		if s.AppliedPosition() != pos || s.AppliedDigest() != digest {
			t.Fatalf("bad batch %d moved the store", i)
		}
		after, err := s.Stats()
		must(t, err)
		if after.Rows != before.Rows || after.Tables != before.Tables || after.Versions != before.Versions || after.PageCount != before.PageCount {
			t.Fatalf("bad batch %d left a trace: %+v, was %+v", i, after, before)
		}
		got, err := s.Get(1, []byte("a"))
		wantValue(t, got, err, []byte("1"), "row after a bad batch")
	}
	if err := s.Apply(nil); !errors.Is(err, store.ErrBadOp) {
		t.Fatalf("Apply(nil): %v", err)
	}
	must(t, s.Apply(batch.New(2).Put(1, []byte("a"), []byte("2"))))
	must(t, s.Check())
}

func TestLogOrder(t *testing.T) {
	s, err := store.OpenMemory(nil)
	must(t, err)
	defer s.Close()
	if s.AppliedPosition() != 0 {
		t.Fatalf("new store at %d", s.AppliedPosition())
	}
	err = s.Apply(batch.New(2).Put(1, []byte("a"), []byte("v")))
	var nse *store.NonSequentialError
	if !errors.As(err, &nse) || !errors.Is(err, store.ErrNonSequentialBatch) || nse.Expected != 1 || nse.Got != 2 {
		t.Fatalf("first batch at 2: %v", err)
	}
	must(t, s.Apply(batch.New(1).Put(1, []byte("a"), []byte("1"))))
	must(t, s.Apply(batch.New(2).Put(1, []byte("a"), []byte("2"))))
	err = s.Apply(batch.New(9).Put(1, []byte("a"), []byte("9")))
	if !errors.As(err, &nse) || nse.Expected != 3 || nse.Got != 9 {
		t.Fatalf("gap: %v", err)
	}
	digest := s.AppliedDigest()
	for _, p := range []batch.Offset{0, 1, 2} { // replays, even different ones, change nothing
		if err := s.Apply(batch.New(p).Put(1, []byte("a"), []byte("replayed")).DropTable(1)); err != nil {
			t.Fatalf("replay of %d: %v", p, err)
		}
	}
	got, err := s.Get(1, []byte("a"))
	wantValue(t, got, err, []byte("2"), "after replays")
	if s.AppliedPosition() != 2 || s.AppliedDigest() != digest {
		t.Fatal("a replay moved the store")
	}
	got, err = s.GetAt(1, []byte("a"), 1)
	wantValue(t, got, err, []byte("1"), "GetAt(1)")
	if _, err := s.GetAt(1, []byte("a"), 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetAt(0): %v", err)
	}
	if _, err := s.GetAt(1, []byte("a"), 3); !errors.Is(err, store.ErrPositionAhead) {
		t.Fatalf("GetAt(3): %v", err)
	}
	if _, err := s.NewIterator(1, nil, nil, 3); !errors.Is(err, store.ErrPositionAhead) {
		t.Fatalf("NewIterator(3): %v", err)
	}
	if err := s.Prune(3); !errors.Is(err, store.ErrPositionAhead) {
		t.Fatalf("Prune(3): %v", err)
	}
	// Deleting a missing key is a no-op, as is deleting in a missing table.
	must(t, s.Apply(batch.New(3).Delete(1, []byte("missing")).Delete(77, []byte("x"))))
	st, err := s.Stats()
	must(t, err)
	if st.Versions != 1 || st.Rows != 1 || st.Tables != 1 {
		t.Fatalf("after deleting missing keys: %d versions, %d rows, %d tables", st.Versions, st.Rows, st.Tables)
	}
}

func TestPruned(t *testing.T) {
	s, err := store.OpenMemory(nil)
	must(t, err)
	defer s.Close()
	for i := 1; i <= 10; i++ {
		put(t, s, 1, []byte("k"), []byte{byte(i)})
	}
	must(t, s.Prune(6))
	if s.Horizon() != 6 {
		t.Fatalf("Horizon = %d", s.Horizon())
	}
	for p := batch.Offset(0); p < 6; p++ {
		if _, err := s.GetAt(1, []byte("k"), p); !errors.Is(err, store.ErrPruned) {
			t.Fatalf("GetAt(%d) below the horizon: %v", p, err)
		}
		if _, err := s.ScanAt(1, nil, nil, 0, p); !errors.Is(err, store.ErrPruned) {
			t.Fatalf("ScanAt(%d) below the horizon: %v", p, err)
		}
	}
	for p := batch.Offset(6); p <= 10; p++ {
		got, err := s.GetAt(1, []byte("k"), p)
		wantValue(t, got, err, []byte{byte(p)}, fmt.Sprintf("GetAt(%d)", p))
	}
	st, err := s.Stats()
	must(t, err)
	if st.Versions != 4 { // versions created at 6..9 remain
		t.Fatalf("%d versions after Prune(6), want 4", st.Versions)
	}
	// An iterator opened before a prune that passes its position fails.
	it, err := s.NewIterator(1, nil, nil, 7)
	must(t, err)
	if !it.First() || it.Value()[0] != 7 {
		t.Fatalf("iterator at 7: %v %v", it.Valid(), it.Error())
	}
	must(t, s.Prune(8))
	if it.Next() || !errors.Is(it.Error(), store.ErrPruned) {
		t.Fatalf("iterator past the horizon: valid %v, error %v", it.Valid(), it.Error())
	}
	must(t, s.Prune(2)) // lower: no-op
	if s.Horizon() != 8 {
		t.Fatalf("Horizon = %d after a lower Prune", s.Horizon())
	}
	must(t, s.Check())
}

func TestClosedAndReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := store.Open(path, nil)
	must(t, err)
	put(t, s, 1, []byte("a"), []byte("1"))
	it, err := s.NewIterator(1, nil, nil, 1)
	must(t, err)
	must(t, s.Close())
	calls := map[string]error{
		"Close": s.Close(),
		"Apply": s.Apply(batch.New(2).Put(1, []byte("b"), nil)),
		"Sync":  s.Sync(),
		"Prune": s.Prune(1),
		"Check": s.Check(),
	}
	_, calls["Get"] = s.Get(1, []byte("a"))
	_, calls["GetAt"] = s.GetAt(1, []byte("a"), 1)
	_, calls["Scan"] = s.Scan(1, nil, nil, 0)
	_, calls["NewIterator"] = s.NewIterator(1, nil, nil, 1)
	_, calls["Stats"] = s.Stats()
	it.First()
	calls["iterator"] = it.Error()
	for name, err := range calls {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}

	if _, err := store.Open(filepath.Join(t.TempDir(), "missing"), &store.Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only Open of a missing file succeeded")
	}
	ro, err := store.Open(path, &store.Options{ReadOnly: true})
	must(t, err)
	got, err := ro.Get(1, []byte("a"))
	wantValue(t, got, err, []byte("1"), "read-only Get")
	if err := ro.Apply(batch.New(2).Put(1, []byte("b"), nil)); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("read-only Apply: %v", err)
	}
	if err := ro.Prune(1); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("read-only Prune: %v", err)
	}
	must(t, ro.Sync())
	must(t, ro.Check())
	must(t, ro.Close())
	if err := ro.Close(); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

// Within a batch the last op on a key wins and the earlier ones leave no
// version behind.
func TestLastOpWins(t *testing.T) {
	s, err := store.OpenMemory(nil)
	must(t, err)
	defer s.Close()
	must(t, s.Apply(batch.New(1).Put(1, []byte("k"), []byte("a")).Put(1, []byte("k"), []byte("b")).Put(1, []byte("k"), []byte("c"))))
	got, err := s.Get(1, []byte("k"))
	wantValue(t, got, err, []byte("c"), "last of three puts")
	must(t, s.Apply(batch.New(2).Put(1, []byte("k"), []byte("d")).Delete(1, []byte("k")).Put(1, []byte("k"), []byte("e")).Put(1, []byte("n"), []byte("x")).Delete(1, []byte("n"))))
	got, err = s.Get(1, []byte("k"))
	wantValue(t, got, err, []byte("e"), "put, delete, put")
	if _, err := s.Get(1, []byte("n")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("put then delete of a new key: %v", err)
	}
	st, err := s.Stats()
	must(t, err)
	if st.Versions != 1 || st.Rows != 1 { // only "c", closed at 2
		t.Fatalf("%d versions and %d rows, want 1 and 1", st.Versions, st.Rows)
	}
	got, err = s.GetAt(1, []byte("k"), 1)
	wantValue(t, got, err, []byte("c"), "GetAt(1)")
}

func TestDropTable(t *testing.T) {
	fsys := vfs.NewMem()
	s := openMem(t, fsys, nil)
	b := batch.New(1)
	for i := range 500 {
		b.Put(1, fmt.Appendf(nil, "k%04d", i), pattern(100+i%3000, uint64(i)))
		b.Put(2, fmt.Appendf(nil, "k%04d", i), []byte("other"))
	}
	must(t, s.Apply(b))
	for i := range 100 {
		put(t, s, 1, fmt.Appendf(nil, "k%04d", i), []byte("updated")) // positions 2..101
	}
	before, err := s.Stats()
	must(t, err)
	must(t, s.Apply(batch.New(102).DropTable(1))) // position 102
	if rows, err := s.Scan(1, nil, nil, 0); err != nil || len(rows) != 0 {
		t.Fatalf("Scan after the drop: %d rows, %v", len(rows), err)
	}
	if _, err := s.Get(1, []byte("k0000")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after the drop: %v", err)
	}
	got, err := s.GetAt(1, []byte("k0000"), 101)
	wantValue(t, got, err, []byte("updated"), "GetAt before the drop")
	got, err = s.GetAt(1, []byte("k0000"), 1)
	wantValue(t, got, err, pattern(100, 0), "GetAt at the first version")
	if rows, err := s.ScanAt(1, nil, nil, 0, 101); err != nil || len(rows) != 500 {
		t.Fatalf("ScanAt before the drop: %d rows, %v", len(rows), err)
	}
	if rows, err := s.Scan(2, nil, nil, 0); err != nil || len(rows) != 500 {
		t.Fatalf("the other table: %d rows, %v", len(rows), err)
	}
	// A later put starts a new, empty table.
	put(t, s, 1, []byte("fresh"), []byte("new")) // position 103
	rows, err := s.Scan(1, nil, nil, 0)
	if err != nil || len(rows) != 1 || string(rows[0].Key) != "fresh" {
		t.Fatalf("new incarnation: %v, %v", rows, err)
	}
	if _, err := s.GetAt(1, []byte("fresh"), 102); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("new row before it was written: %v", err)
	}
	if rows, err := s.ScanAt(1, nil, nil, 0, 102); err != nil || len(rows) != 0 {
		t.Fatalf("ScanAt at the drop: %d rows, %v", len(rows), err)
	}
	// Dropping the same table twice in one batch, with puts around: only
	// the ops after the last drop count.
	must(t, s.Apply(batch.New(104).Put(1, []byte("x"), nil).DropTable(1).Put(1, []byte("y"), []byte("y")).DropTable(1).Put(1, []byte("z"), []byte("z"))))
	if rows, err := s.Scan(1, nil, nil, 0); err != nil || len(rows) != 1 || string(rows[0].Key) != "z" {
		t.Fatalf("after drop, put, drop, put: %v, %v", rows, err)
	}
	if rows, err := s.ScanAt(1, nil, nil, 0, 103); err != nil || len(rows) != 1 || string(rows[0].Key) != "fresh" {
		t.Fatalf("the second incarnation before its drop: %v, %v", rows, err)
	}
	must(t, s.Check())
	st, err := s.Stats()
	must(t, err)
	if st.DroppedTables != 2 || st.Tables != 2 {
		t.Fatalf("%d dropped and %d live tables, want 2 and 2", st.DroppedTables, st.Tables)
	}
	// Prune past the drops frees the dropped incarnations' pages: once
	// reusable, the old table's pages cover the new writes.
	must(t, s.Prune(104))
	must(t, s.Sync())
	put(t, s, 9, []byte("tick"), nil) // ids freed by one commit wait for the next
	must(t, s.Sync())
	st, err = s.Stats()
	must(t, err)
	if st.DroppedTables != 0 || st.Versions != 0 {
		t.Fatalf("after Prune: %d dropped tables, %d versions", st.DroppedTables, st.Versions)
	}
	if st.Pages.Free < before.Pages.Leaf+before.Pages.Overflow-before.Pages.Leaf/2 {
		t.Fatalf("after Prune: %d free pages; the dropped table had %d leaf and %d overflow pages", st.Pages.Free, before.Pages.Leaf, before.Pages.Overflow)
	}
	if _, err := s.GetAt(1, []byte("k0000"), 101); !errors.Is(err, store.ErrPruned) {
		t.Fatalf("GetAt below the horizon: %v", err)
	}
	b = batch.New(106)
	for i := range 500 {
		b.Put(3, fmt.Appendf(nil, "k%04d", i), pattern(100+i%3000, uint64(i)))
	}
	must(t, s.Apply(b))
	must(t, s.Sync())
	after, err := s.Stats()
	must(t, err)
	if after.PageCount > st.PageCount {
		t.Fatalf("file grew from %d to %d pages though the dropped table freed %d", st.PageCount, after.PageCount, st.Pages.Free)
	}
	must(t, s.Check())
	must(t, s.Close())
	s = openMem(t, fsys, nil)
	defer s.Close()
	must(t, s.Check())
	if rows, err := s.Scan(1, nil, nil, 0); err != nil || len(rows) != 1 {
		t.Fatalf("after reopen: %v, %v", rows, err)
	}
}

// AppliedDigest chains the batches: equal for equal logs, different as
// soon as one batch differs, and durable.
func TestAppliedDigest(t *testing.T) {
	fa, fb, fc := vfs.NewMem(), vfs.NewMem(), vfs.NewMem()
	a, b, c := openMem(t, fa, nil), openMem(t, fb, nil), openMem(t, fc, nil)
	if a.AppliedDigest() != b.AppliedDigest() {
		t.Fatal("empty stores differ")
	}
	for p := batch.Offset(1); p <= 50; p++ {
		wb := batch.New(p).Put(1, fmt.Appendf(nil, "k%d", p%7), fmt.Appendf(nil, "v%d", p))
		must(t, a.Apply(wb))
		must(t, b.Apply(wb))
		if p == 30 {
			wb = batch.New(p).Put(1, fmt.Appendf(nil, "k%d", p%7), fmt.Appendf(nil, "V%d", p))
		}
		must(t, c.Apply(wb))
		if a.AppliedDigest() != b.AppliedDigest() {
			t.Fatalf("same log, different digests at %d", p)
		}
		if (a.AppliedDigest() == c.AppliedDigest()) != (p < 30) {
			t.Fatalf("at %d: digests equal = %v", p, a.AppliedDigest() == c.AppliedDigest())
		}
	}
	want := a.AppliedDigest()
	st, err := a.Stats()
	must(t, err)
	if st.Digest != want {
		t.Fatalf("Stats digest %x, AppliedDigest %x", st.Digest, want)
	}
	for _, s := range []*store.Store{a, b, c} {
		must(t, s.Close())
	}
	a = openMem(t, fa, nil)
	defer a.Close()
	if a.AppliedDigest() != want || a.AppliedPosition() != 50 {
		t.Fatalf("after reopen: digest %x at %d, want %x at 50", a.AppliedDigest(), a.AppliedPosition(), want)
	}
	// The chain goes on from the persisted value.
	b = openMem(t, fb, nil)
	defer b.Close()
	must(t, a.Apply(batch.New(51).Delete(1, []byte("k1"))))
	must(t, b.Apply(batch.New(51).Delete(1, []byte("k1"))))
	if a.AppliedDigest() != b.AppliedDigest() || a.AppliedDigest() == want {
		t.Fatal("digest chain broken across reopen")
	}
}

// Files that are not databases fail Open cleanly.
func TestOpenGarbage(t *testing.T) {
	for name, content := range map[string][]byte{
		"text":     bytes.Repeat([]byte("not a database\n"), 1000),
		"zeros":    make([]byte, 3*4096),
		"one page": pattern(4096, 3),
		"short":    []byte("PROJSTOR"),
	} {
		fsys := fault.New()
		fsys.SetImage("db", content)
		s, err := store.Open("db", &store.Options{FS: fsys})
		if err == nil {
			s.Close()
			t.Fatalf("%s: Open succeeded", name)
		}
		if !errors.Is(err, store.ErrCorrupt) && !errors.Is(err, errNotDatabase(err)) {
			t.Fatalf("%s: Open: %v", name, err)
		}
	}
}

// errNotDatabase returns err's not-a-database sentinel, if it wraps one.
func errNotDatabase(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "projstore: not a projstore file" {
			return e
		}
	}
	return errors.New("no such error")
}

// ApplyNext refuses a batch at or below the applied position instead of
// taking it as a replay: two writers that built batches for one position
// cannot lose the second silently.
func TestApplyNextRefusesReplay(t *testing.T) {
	s, err := store.OpenMemory(nil)
	must(t, err)
	defer s.Close()
	first := batch.New(1).Put(1, []byte("k"), []byte("first"))
	second := batch.New(1).Put(1, []byte("k"), []byte("second"))
	must(t, s.ApplyNext(first))
	err = s.ApplyNext(second)
	var ns *store.NonSequentialError
	if !errors.As(err, &ns) || !errors.Is(err, store.ErrNonSequentialBatch) || ns.Expected != 2 || ns.Got != 1 {
		t.Fatalf("ApplyNext of a second batch at 1: %v", err)
	}
	if err := s.Apply(second); err != nil {
		t.Fatalf("Apply of the same batch (a replay): %v", err)
	}
	v, err := s.Get(1, []byte("k"))
	wantValue(t, v, err, []byte("first"), "Get after the refused batch")
	must(t, s.ApplyNext(batch.New(2).Put(1, []byte("k"), []byte("next"))))
	if err := s.ApplyNext(batch.New(4)); !errors.Is(err, store.ErrNonSequentialBatch) {
		t.Fatalf("ApplyNext with a gap: %v", err)
	}
}
