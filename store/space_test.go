package store_test

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/vfs/fault"
)

// spaceRows sizes the space tests' tables.
var spaceRows = func() int {
	if raceEnabled {
		return 1500
	}
	return 6000
}()

// load fills tables 1..tables with rows each, in batches of 500, at value
// size n, marked by seed.
func load(t *testing.T, s *store.Store, tables, rows, n int, seed uint64) {
	t.Helper()
	for tid := 1; tid <= tables; tid++ {
		for i := 0; i < rows; i += 500 {
			b := batch.New(s.AppliedPosition() + 1)
			for j := i; j < min(i+500, rows); j++ {
				b.Put(batch.TableID(tid), fmt.Appendf(nil, "k%06d", j), pattern(n, seed+uint64(j)))
			}
			must(t, s.Apply(b))
		}
	}
}

// settleStore syncs until the store has no space left to give back (each
// Sync is one commit; space freed at the end of the file comes back over
// the next few).
func settleStore(t *testing.T, s *store.Store, fsys *fault.FS) int {
	t.Helper()
	size := len(fsys.Image("db"))
	sizes := []int{size >> 10}
	for range 8 {
		must(t, s.Sync())
		size = len(fsys.Image("db"))
		sizes = append(sizes, size>>10)
	}
	t.Logf("file KiB after each Sync: %v", sizes)
	return size
}

// TestShrinkAfterDropAll loads and updates two tables, then drops both and
// prunes: the file gives the freed end back.
func TestShrinkAfterDropAll(t *testing.T) {
	fsys := fault.New()
	s := openMem(t, fsys, &store.Options{CacheBytes: 1 << 20})
	load(t, s, 2, spaceRows, 200, 1)
	must(t, s.Sync())
	loaded := len(fsys.Image("db"))
	load(t, s, 2, spaceRows, 200, 2) // every row updated: the first versions go to history
	st, err := s.Stats()
	must(t, err)
	t.Logf("after load + update + Sync: %d KiB, %d of %d pages free", len(fsys.Image("db"))>>10, st.Pages.Free, st.PageCount)
	must(t, s.Prune(s.AppliedPosition()))
	must(t, s.Sync())
	updated := settleStore(t, s, fsys)
	must(t, s.Apply(batch.New(s.AppliedPosition()+1).DropTable(1).DropTable(2)))
	must(t, s.Prune(s.AppliedPosition()))
	must(t, s.Sync())
	dropped := settleStore(t, s, fsys)
	st, err = s.Stats()
	must(t, err)
	t.Logf("file: %d KiB loaded, %d KiB after updating every row, pruning and syncing, %d KiB after dropping every table (%d pages counted)",
		loaded>>10, updated>>10, dropped>>10, st.PageCount)
	if dropped*8 > updated || st.DiskBytes != int64(dropped) {
		t.Fatalf("file of %d bytes after dropping everything (%d before; stats say %d)", dropped, updated, st.DiskBytes)
	}
	must(t, s.Check())
	must(t, s.Close())
	s = openMem(t, fsys, nil)
	defer s.Close()
	must(t, s.Check())
	load(t, s, 1, 100, 200, 3)
	must(t, s.Sync())
	must(t, s.Check())
}

// TestFullDisk fills a disk until a write fails with ENOSPC; after
// reopening, Prune and DropTable (each with its Sync) still commit, in the
// reserve, and free space that new writes then use.
func TestFullDisk(t *testing.T) {
	fsys := fault.New()
	s := openMem(t, fsys, &store.Options{CacheBytes: 1 << 20})
	load(t, s, 2, spaceRows/2, 200, 1)
	must(t, s.Sync())
	fsys.SetSpace(int64(len(fsys.Image("db"))) * 3 / 2)
	var err error
	for seed := uint64(2); err == nil && seed < 100; seed++ {
		for tid := 1; err == nil && tid <= 2; tid++ {
			b := batch.New(s.AppliedPosition() + 1)
			for j := range 500 {
				b.Put(batch.TableID(tid), fmt.Appendf(nil, "k%06d", j+int(seed)*97%spaceRows), pattern(200, seed+uint64(j)))
			}
			if err = s.Apply(b); err == nil {
				err = s.Sync()
			}
		}
	}
	if !errors.Is(err, syscall.ENOSPC) || !errors.Is(err, store.ErrDiskFull) {
		t.Fatalf("filling the disk: %v, want ENOSPC", err)
	}
	t.Logf("full: %v", err)
	s.Close()
	full := len(fsys.Image("db"))
	s = openMem(t, fsys, &store.Options{CacheBytes: 1 << 20})
	must(t, s.Check())
	// Ordinary writes that need the file to grow still fail.
	b := batch.New(s.AppliedPosition() + 1)
	for j := range 2000 {
		b.Put(3, fmt.Appendf(nil, "new%06d", j), pattern(200, uint64(j)))
	}
	if err := s.Apply(b); err == nil {
		err = s.Sync()
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("growing a full store: %v, want ENOSPC", err)
		}
	} else if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("growing a full store: %v, want ENOSPC", err)
	}
	s.Close()
	s = openMem(t, fsys, &store.Options{CacheBytes: 1 << 20})
	// Prune drops the history of the updates, DropTable a whole table.
	must(t, s.Prune(s.AppliedPosition()))
	must(t, s.Sync())
	must(t, s.Apply(batch.New(s.AppliedPosition()+1).DropTable(2)))
	must(t, s.Sync())
	must(t, s.Prune(s.AppliedPosition()))
	must(t, s.Sync())
	freed := settleStore(t, s, fsys)
	must(t, s.Check())
	st, err := s.Stats()
	must(t, err)
	t.Logf("disk full at %d KiB; %d KiB after Prune and DropTable, %d free pages", full>>10, freed>>10, st.Pages.Free)
	if st.Pages.Free == 0 && freed >= full {
		t.Fatal("Prune and DropTable freed nothing")
	}
	// The freed pages take new writes.
	load(t, s, 1, 500, 200, 7)
	must(t, s.Sync())
	must(t, s.Close())
	s = openMem(t, fsys, nil)
	defer s.Close()
	must(t, s.Check())
	if rows, err := s.Scan(2, nil, nil, 0); err != nil || len(rows) != 0 {
		t.Fatalf("dropped table: %d rows, %v", len(rows), err)
	}
}
