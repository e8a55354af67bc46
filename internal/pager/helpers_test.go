package pager_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/vfs"
)

// long reports whether PROJSTORE_LONG=1 asks for the long runs.
func long() bool { return os.Getenv("PROJSTORE_LONG") == "1" }

const dbPath = "db"

// harness is a pager with one B+tree on it, rooted at Meta.Catalog, and the
// contents the tree must hold. Meta.Applied numbers the workload steps, so
// a state is identified by its step and its contents must match that step.
type harness struct {
	fsys  vfs.FS
	p     *pager.Pager
	tree  btree.Tree
	model map[string][]byte
	step  uint64
}

func open(fsys vfs.FS, opts pager.Options) (*harness, error) {
	f, err := fsys.Open(dbPath, mode(opts.ReadOnly))
	if err != nil {
		return nil, err
	}
	p, err := pager.Open(f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	h := &harness{fsys: fsys, p: p, model: map[string][]byte{}}
	h.tree = btree.Tree{P: p, Root: p.Meta().Catalog}
	h.step = p.Meta().Applied
	h.model, err = contents(&h.tree)
	if err != nil {
		p.Close()
		return nil, err
	}
	return h, nil
}

func contents(t *btree.Tree) (map[string][]byte, error) {
	m := map[string][]byte{}
	c := t.Cursor()
	for ok := c.First(); ok; ok = c.Next() {
		r, err := c.Ref()
		if err != nil {
			return nil, err
		}
		v, err := t.Value(nil, r)
		if err != nil {
			return nil, err
		}
		m[string(c.Key())] = v
	}
	return m, c.Err()
}

func value(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 3))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// apply runs workload step n: a deterministic mix of inserts, updates
// (some with overflow values) and deletes, spilling when the cache asks.
// Steps are deterministic given the state they start from.
func (h *harness) apply(n uint64, ops int) error {
	r := rand.New(rand.NewPCG(n, 42))
	for range ops {
		k := binary.BigEndian.AppendUint32([]byte("key-"), uint32(r.IntN(4*ops+50)))
		var err error
		switch x := r.IntN(10); {
		case x < 7:
			vlen := r.IntN(300)
			if r.IntN(8) == 0 {
				vlen = 1000 + r.IntN(9000)
			}
			v := value(vlen, r.Uint64())
			err = h.tree.Put(k, n, v)
			h.model[string(k)] = v
		default:
			_, _, err = h.tree.Delete(k)
			delete(h.model, string(k))
		}
		if err != nil {
			return err
		}
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

// state is what a reopened pager must equal: one committed step.
type state struct {
	step  uint64
	model map[string][]byte
}

func (h *harness) state() state { return state{h.step, maps.Clone(h.model)} }

func (h *harness) is(s state) bool {
	return h.step == s.step && maps.EqualFunc(h.model, s.model, bytes.Equal)
}

// account checks that every page of the file is used exactly once: by the
// tree, the free list (its pages and the ids it holds), the ids freed in
// the current epoch, or the reserved free-list tail.
func account(p *pager.Pager, roots ...uint64) error { return accountPages(p, nil, roots...) }

// accountPages is account with pages in use outside any tree.
func accountPages(p *pager.Pager, pages []uint64, roots ...uint64) error {
	count := p.PageCount()
	owner := map[uint64]string{}
	claim := func(id uint64, what string) error {
		if id < 2 || id >= count {
			return fmt.Errorf("%s: page %d outside the file of %d pages", what, id, count)
		}
		if prev, ok := owner[id]; ok {
			return fmt.Errorf("page %d used by %s and by %s", id, prev, what)
		}
		owner[id] = what
		return nil
	}
	for _, root := range roots {
		t := btree.Tree{P: p, Root: root}
		if _, _, err := t.Check(); err != nil {
			return err
		}
		if err := t.Walk(func(id uint64, _ *page.Page, _ int) error { return claim(id, "tree") }); err != nil {
			return err
		}
	}
	for _, id := range pages {
		if err := claim(id, "in use"); err != nil {
			return err
		}
	}
	next := p.Next()
	if err := p.FreeList(next, func(id, _ uint64) error { return claim(id, "free list") }); err != nil {
		return err
	}
	for _, id := range p.Freed() {
		if err := claim(id, "freed this epoch"); err != nil {
			return err
		}
	}
	if err := claim(next.FreeTail, "free-list tail"); err != nil {
		return err
	}
	if uint64(len(owner)) != count-2 {
		var lost []uint64
		for id := uint64(2); id < count; id++ {
			if _, ok := owner[id]; !ok {
				lost = append(lost, id)
			}
		}
		return fmt.Errorf("%d of %d pages unaccounted for (leaked): %v", len(lost), count-2, lost[:min(len(lost), 10)])
	}
	return nil
}

func mustOpen(t testing.TB, fsys vfs.FS, opts pager.Options) *harness {
	t.Helper()
	h, err := open(fsys, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return h
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sortedIDs(m map[uint64]bool) []uint64 { return slices.Sorted(maps.Keys(m)) }

func mode(readOnly bool) vfs.Mode {
	if readOnly {
		return vfs.ReadOnly
	}
	return vfs.Create
}
