package pager

import (
	"errors"
	"testing"

	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/superblock"
	"github.com/projstore/projstore/vfs"
	"github.com/projstore/projstore/vfs/fault"
)

// A crash at any point of creating a file leaves one that opens as a new,
// empty store, while a non-database file of the same size is still refused.
func TestCrashDuringCreate(t *testing.T) {
	for k := int64(1); ; k++ {
		fs := fault.New()
		f, err := fs.Open("db", vfs.Create)
		if err != nil {
			t.Fatal(err)
		}
		fs.FailAt(fs.Ops()+k, nil)
		p, err := Open(f, Options{CacheBytes: 1 << 20})
		if err == nil {
			p.Close()
			break // creation completed: every earlier failure point was covered
		}
		for _, keep := range []bool{false, true} {
			fs.Crash(fault.CrashOptions{Keep: func(string, int) bool { return keep }, TearIndex: -1})
			f2, err := fs.Open("db", vfs.Create)
			if err != nil {
				t.Fatal(err)
			}
			p2, err := Open(f2, Options{CacheBytes: 1 << 20})
			if err != nil {
				t.Fatalf("crash at op %d (keep %v): reopen: %v", k, keep, err)
			}
			if g := p2.Durable().Generation; g != 1 {
				t.Fatalf("crash at op %d: generation %d, want a new store", k, g)
			}
			p2.Close()
		}
	}
	// Two pages of something else: refused, not overwritten.
	fs := fault.New()
	junk := make([]byte, 2*page.Size)
	junk[0] = 'x'
	fs.SetImage("db", junk)
	f, _ := fs.Open("db", vfs.Create)
	if _, err := Open(f, Options{}); !errors.Is(err, superblock.ErrNotDatabase) && !errors.Is(err, page.ErrCorrupt) {
		t.Fatalf("open of a foreign file: %v", err)
	}
	if img := fs.Image("db"); img[0] != 'x' {
		t.Fatal("a foreign file was overwritten")
	}
}

// After every commit the file holds every page the superblock counts, and a
// superblock that counts more than the file holds is refused as corrupt.
func TestPageCountWithinFile(t *testing.T) {
	fs := fault.New()
	f, err := fs.Open("db", vfs.Create)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Open(f, Options{CacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		// Allocate and free in one epoch: those ids are counted but the
		// pages are never written.
		var ids []uint64
		for range 5 + round {
			pg, err := p.Alloc(page.TypeLeaf)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, pg.ID())
		}
		for _, id := range ids[1:] {
			p.Free(id)
		}
		if err := p.Commit(); err != nil {
			t.Fatal(err)
		}
		if size, _ := f.Size(); uint64(size) < p.Durable().PageCount*page.Size {
			t.Fatalf("round %d: file of %d bytes, superblock counts %d pages", round, size, p.Durable().PageCount)
		}
	}
	p.Close()

	sb := superblock.Superblock{Generation: 4, PageCount: 1 << 30, FreeHead: 2, FreeTail: 2}
	img := make([]byte, 3*page.Size)
	copy(img, sb.Encode().Bytes())
	fs.SetImage("forged", img)
	f2, _ := fs.Open("forged", vfs.Create)
	if _, err := Open(f2, Options{}); !errors.Is(err, page.ErrCorrupt) {
		t.Fatalf("open of a superblock counting 2^30 pages in a 3-page file: %v", err)
	}
}
