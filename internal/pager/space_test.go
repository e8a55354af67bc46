package pager_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"

	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/superblock"
	"github.com/projstore/projstore/vfs/fault"
)

// shrinkOps sizes the workload of the shrink tests.
var shrinkOps = func() int {
	if raceEnabled {
		return 300
	}
	return 1000
}()

// deleteAll empties the harness's tree as step n.
func (h *harness) deleteAll(n uint64) error {
	for _, k := range slices.Sorted(maps.Keys(h.model)) {
		if _, _, err := h.tree.Delete([]byte(k)); err != nil {
			return err
		}
		delete(h.model, k)
		if h.p.NeedSpill() {
			if err := h.p.Spill(); err != nil {
				return err
			}
		}
	}
	h.step = n
	h.p.SetMeta(pager.Meta{Applied: n, Catalog: h.tree.Root, Digest: n * 7})
	return nil
}

// settle commits while the pager has space to give back (a bounded number
// of times).
func settle(p *pager.Pager) error {
	for i := 0; p.Dirty(); i++ {
		if i == 8 {
			return fmt.Errorf("still dirty after %d commits", i)
		}
		if err := p.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// slotsFit checks that the file holds every page either slot counts.
func slotsFit(img []byte) error {
	f := fault.New()
	f.SetImage(dbPath, img)
	h, err := f.Open(dbPath, 0)
	if err != nil {
		return err
	}
	defer h.Close()
	slots := superblock.Read(h)
	for _, pick := range []func() (*superblock.Superblock, error){slots.Newest, slots.Older} {
		if sb, err := pick(); err == nil && sb.PageCount*page.Size > uint64(len(img)) {
			return fmt.Errorf("superblock %d counts %d pages, the file holds %d bytes", sb.Generation, sb.PageCount, len(img))
		}
	}
	return nil
}

// TestShrinkAfterDeleteAll loads a tree, deletes every key and commits:
// the file gives back the pages at its end, down to a few pages and the
// reserve, within the commits that follow (a commit with nothing else to
// write still runs while space is pending). Both slots stay whole.
func TestShrinkAfterDeleteAll(t *testing.T) {
	fsys := fault.New()
	h := mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
	for n := uint64(1); n <= 3; n++ {
		must(t, h.apply(n, shrinkOps))
		must(t, h.p.Commit())
	}
	loaded := len(fsys.Image(dbPath))
	must(t, h.deleteAll(4))
	must(t, h.p.Commit())
	must(t, settle(h.p))
	empty := len(fsys.Image(dbPath))
	t.Logf("file: %d pages loaded, %d after deleting everything (%d counted)", loaded/page.Size, empty/page.Size, h.p.PageCount())
	if limit := int64(pager.Reserve(h.p.PageCount())+h.p.PageCount()) * page.Size * 2; int64(empty) > limit || empty*4 > loaded {
		t.Fatalf("file of %d bytes after deleting everything (%d when loaded, %d counted pages)", empty, loaded, h.p.PageCount())
	}
	must(t, slotsFit(fsys.Image(dbPath)))
	must(t, account(h.p, h.tree.Root))
	h.p.Close()
	for _, older := range []bool{false, true} {
		h := mustOpen(t, fsys, pager.Options{Older: older, ReadOnly: true})
		if h.step != 4 || len(h.model) != 0 {
			t.Fatalf("older %v: step %d with %d keys", older, h.step, len(h.model))
		}
		must(t, account(h.p, h.tree.Root))
		h.p.Close()
	}
	// The file grows again over the truncated end.
	h = mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
	must(t, h.apply(5, shrinkOps))
	must(t, h.p.Commit())
	want := h.state()
	h.p.Close()
	h = mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
	defer h.p.Close()
	if !h.is(want) {
		t.Fatalf("after growing again: step %d with %d keys", h.step, len(h.model))
	}
	must(t, account(h.p, h.tree.Root))
}

// TestShrinkInterrupted cuts short, at every file operation (write, sync,
// truncate), the commits that give back the end of a file whose tree was
// emptied: by a failed operation or a power loss keeping none, all, some
// or a torn part of the unsynced operations. The file reopens at the
// emptied step with every page accounted for, holds every page both slots
// count, and takes further commits.
func TestShrinkInterrupted(t *testing.T) {
	setup := func(t *testing.T) (*fault.FS, *harness) {
		fsys := fault.New()
		h := mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
		for n := uint64(1); n <= 2; n++ {
			must(t, h.apply(n, shrinkOps))
			must(t, h.p.Commit())
		}
		must(t, h.deleteAll(3))
		must(t, h.p.Commit())
		fsys.Reset()
		return fsys, h
	}
	fsys, h := setup(t)
	before := len(fsys.Image(dbPath))
	must(t, settle(h.p))
	total := fsys.Ops()
	var truncates int
	for _, op := range fsys.Log() {
		if op.Kind == fault.OpTruncate && op.Off < int64(before) {
			truncates++
		}
	}
	if truncates == 0 || len(fsys.Image(dbPath))*2 > before {
		t.Fatalf("reference run: %d truncates, file from %d to %d bytes", truncates, before, len(fsys.Image(dbPath)))
	}
	h.p.Close()
	for k := int64(1); k <= total+1; k++ {
		r := rand.New(rand.NewPCG(uint64(k), 11))
		keepSome := func(string, int) bool { return r.IntN(2) == 0 }
		keepAll := func(string, int) bool { return true }
		for _, c := range []crashCase{
			{name: "fail", at: k},
			{name: "stop, drop unsynced", at: k, sticky: true, crash: &fault.CrashOptions{}},
			{name: "stop, keep unsynced", at: k, sticky: true, crash: &fault.CrashOptions{Keep: keepAll}},
			{name: "stop, keep some", at: k, sticky: true, crash: &fault.CrashOptions{Keep: keepSome}},
			{name: "stop, tear last write", at: k, sticky: true, crash: &fault.CrashOptions{Keep: keepSome, TearBytes: 1 + r.IntN(4095)}, tear: true},
		} {
			t.Run(fmt.Sprintf("op %d %s", c.at, c.name), func(t *testing.T) {
				fsys, h := setup(t)
				fsys.FailAt(c.at, nil)
				fsys.SetSticky(c.sticky)
				err := settle(h.p)
				if err != nil && !errors.Is(err, fault.ErrInjected) {
					t.Fatalf("run failed with %v, want the injected fault", err)
				}
				h.p.Close()
				fsys.Reset()
				if c.crash != nil {
					opts := *c.crash
					opts.TearIndex = -1
					if n := len(fsys.Pending(dbPath)); c.tear && n > 0 {
						opts.TearPath, opts.TearIndex = dbPath, n-1
					}
					fsys.Crash(opts)
				}
				if err := slotsFit(fsys.Image(dbPath)); err != nil {
					t.Fatal(err)
				}
				for _, older := range []bool{true, false} {
					o := mustOpen(t, fsys, pager.Options{Older: older, ReadOnly: true})
					if !older && (o.step != 3 || len(o.model) != 0) {
						t.Fatalf("reopened at step %d with %d keys, want step 3, empty", o.step, len(o.model))
					}
					if err := account(o.p, o.tree.Root); err != nil {
						t.Fatalf("older %v, step %d: %v", older, o.step, err)
					}
					o.p.Close()
				}
				h = mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
				must(t, settle(h.p))
				must(t, h.apply(4, shrinkOps/2))
				must(t, h.p.Commit())
				want := h.state()
				h.p.Close()
				h = mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
				defer h.p.Close()
				if !h.is(want) {
					t.Fatalf("after one more commit: step %d with %d keys", h.step, len(h.model))
				}
				must(t, account(h.p, h.tree.Root))
			})
		}
	}
}

// TestReserveOnFullDisk fills a disk: growing the file then fails with
// ENOSPC, while changes that free pages, allowed into the reserve, commit.
func TestReserveOnFullDisk(t *testing.T) {
	fsys := fault.New()
	h := mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
	must(t, h.apply(1, shrinkOps))
	must(t, h.p.Commit())
	space := 3 * len(fsys.Image(dbPath))
	fsys.SetSpace(int64(space))
	var err error
	for n := uint64(2); err == nil && n < 100; n++ {
		if err = h.apply(n, shrinkOps); err == nil {
			err = h.p.Commit()
		}
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the disk: %v, want ENOSPC", err)
	}
	h.p.Close()
	filled := len(fsys.Image(dbPath))
	h = mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
	full := h.state()
	h.p.UseReserve()
	must(t, h.deleteAll(full.step+1))
	h.p.EndReserve()
	must(t, h.p.Commit())
	must(t, settle(h.p))
	t.Logf("disk of %d pages: full at %d, %d after deleting everything (%d counted)", space/page.Size, filled/page.Size, len(fsys.Image(dbPath))/page.Size, h.p.PageCount())
	must(t, account(h.p, h.tree.Root))
	h.p.Close()
	h = mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
	defer h.p.Close()
	if h.step != full.step+1 || len(h.model) != 0 {
		t.Fatalf("after freeing: step %d with %d keys", h.step, len(h.model))
	}
	// The freed pages take new writes.
	must(t, h.apply(h.step+1, shrinkOps/4))
	must(t, h.p.Commit())
	must(t, account(h.p, h.tree.Root))
}

// TestReserveKeptFromOrdinaryGrowth fills the disk right after a commit:
// ordinary growth that would leave less than the reserve fails with ENOSPC
// and commits nothing, while the same growth under UseReserve commits, in
// the pages the file already holds.
func TestReserveKeptFromOrdinaryGrowth(t *testing.T) {
	fsys := fault.New()
	p := openPager(t, fsys, pager.Options{})
	var live []uint64
	for range 500 {
		pg, err := p.Alloc(page.TypeLeaf)
		must(t, err)
		live = append(live, pg.ID())
	}
	must(t, p.Commit())
	size := int64(len(fsys.Image(dbPath)))
	count := p.PageCount()
	if want := int64(count+pager.Reserve(count)) * page.Size; size < want {
		t.Fatalf("file of %d bytes after a commit of %d pages: want the reserve too, %d", size, count, want)
	}
	fsys.SetSpace(size)
	grow := uint64(size/page.Size) - count - pager.Reserve(count) + 1 // one page into the reserve
	allocs := func(p *pager.Pager) (ids []uint64) {
		for range grow {
			pg, err := p.Alloc(page.TypeLeaf)
			must(t, err)
			ids = append(ids, pg.ID())
		}
		return ids
	}
	allocs(p)
	if err := p.Commit(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("ordinary growth into the reserve: %v, want ENOSPC", err)
	}
	p.Close()
	p = openPager(t, fsys, pager.Options{})
	defer p.Close()
	if p.PageCount() != count {
		t.Fatalf("failed commit left %d pages, want %d", p.PageCount(), count)
	}
	p.UseReserve()
	live = append(live, allocs(p)...)
	p.EndReserve()
	must(t, p.Commit())
	if p.Durable().PageCount != count+grow || int64(len(fsys.Image(dbPath))) != size {
		t.Fatalf("after growing into the reserve: %d pages counted, file of %d bytes (was %d)", p.Durable().PageCount, len(fsys.Image(dbPath)), size)
	}
	must(t, accountPages(p, live))
}
