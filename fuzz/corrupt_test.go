package fuzz

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/projstore/projstore/vfs/fault"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/vfs"
)

// closedFile is a store file at rest with everything the corruption tests
// need to know about it.
type closedFile struct {
	seed   uint64
	image  []byte
	final  *Model // at the last commit (Close)
	older  *Model // at the commit before it, which the older slot holds
	newest uint64 // the slot of the last commit
	gen    uint64 // its generation
	kinds  map[page.Type][]uint64
	free   map[uint64]bool // ids whose content no state reads: free, or the reserved tail
	count  uint64
}

const damagePath = "db"

// buildClosed runs a workload with syncs, a prune, overflow values, long
// keys and a drop or two, syncs once more at Pa, applies a few batches and
// closes at Pb: the newer slot holds Pb, the older one Pa.
func buildClosed(t *testing.T, sd uint64) *closedFile {
	t.Helper()
	fs := fault.New()
	opts := &store.Options{CacheBytes: 32 * 4096}
	s, err := store.Open(damagePath, withFS(fs, opts))
	if err != nil {
		t.Fatal(err)
	}
	m := NewModel()
	apply := func(p batch.Offset) {
		b := genBatch(sd, p, 150)
		if err := s.Apply(b); err != nil {
			t.Fatalf("seed %d: Apply(%d): %v", sd, p, err)
		}
		m.Apply(b)
	}
	const pa, pb = 140, 150
	for p := batch.Offset(1); p <= pa; p++ {
		apply(p)
		if p%10 == 0 {
			if err := s.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		if p == 100 {
			if err := s.Prune(80); err != nil {
				t.Fatal(err)
			}
			m.Horizon = 80
		}
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	older := m.Clone()
	for p := batch.Offset(pa + 1); p <= pb; p++ {
		apply(p)
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	cf := &closedFile{seed: sd, image: fs.Image(damagePath), final: m, older: older,
		gen: st.Generation + 1, kinds: make(map[page.Type][]uint64), free: make(map[uint64]bool)}
	cf.newest = cf.gen % 2

	// Which pages the newest state does not read: the free list's entries
	// and the reserved tail. Everything else in the file is reachable.
	f, err := fs.Open(damagePath, vfs.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := pager.Open(f, pager.Options{CacheBytes: 1 << 20, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	sb := pg.Durable()
	if sb.Generation != cf.gen || sb.Applied != pb {
		t.Fatalf("closed at generation %d position %d, want %d and %d", sb.Generation, sb.Applied, cf.gen, pb)
	}
	cf.count = sb.PageCount
	err = pg.FreeList(sb, func(id, gen uint64) error {
		if gen != 0 {
			cf.free[id] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cf.free[sb.FreeTail] = true
	pg.Close()

	// The file may end before the reserved tail, which is not written yet.
	for id := uint64(0); id < cf.count && (id+1)*page.Size <= uint64(len(cf.image)); id++ {
		typ := page.Type(cf.image[id*page.Size+4])
		cf.kinds[typ] = append(cf.kinds[typ], id)
	}
	for _, k := range []page.Type{page.TypeSuperblock, page.TypeBranch, page.TypeLeaf, page.TypeOverflow, page.TypeFree} {
		reachable := 0
		for _, id := range cf.kinds[k] {
			if !cf.free[id] {
				reachable++
			}
		}
		if reachable == 0 {
			t.Fatalf("seed %d: the workload left no reachable %v page; pages by kind: %v", sd, k, cf.kinds)
		}
	}
	return cf
}

// open opens a copy of the image with damage applied.
func (cf *closedFile) open(damage func(img []byte)) (*store.Store, error) {
	img := slices.Clone(cf.image)
	damage(img)
	fs := fault.New()
	fs.SetImage(damagePath, img)
	return store.Open(damagePath, &store.Options{FS: fs})
}

func pageOf(img []byte, id uint64) []byte { return img[id*page.Size : (id+1)*page.Size] }

// pick returns up to n ids of kind k, reachable ones first, and one free
// one if there is one; all of them in long mode.
func (cf *closedFile) pick(k page.Type, n int, r *rand.Rand) []uint64 {
	ids := slices.Clone(cf.kinds[k])
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	if long() {
		return ids
	}
	var out []uint64
	freeTaken := false
	for _, id := range ids {
		switch {
		case cf.free[id] && !freeTaken:
			freeTaken = true
			out = append(out, id)
		case !cf.free[id] && len(out) < n:
			out = append(out, id)
		}
	}
	return out
}

// verifyDamaged reads everything at several positions: each read must
// return the model's answer or a CorruptionError naming one of the damaged
// pages. It reports whether any read saw corruption.
func verifyDamaged(s *store.Store, m *Model, damaged []uint64) (bool, error) {
	saw := false
	ok := func(err error) (bool, error) {
		if err == nil {
			return true, nil
		}
		if corruptionIn(err, damaged...) {
			saw = true
			return false, nil
		}
		return false, err
	}
	for _, q := range []batch.Offset{m.Horizon, (m.Horizon + m.Applied) / 2, m.Applied} {
		for _, t := range append(m.Tables(), noTable) {
			rows, err := s.ScanAt(t, nil, nil, 0, q)
			if good, err := ok(err); err != nil {
				return saw, fmt.Errorf("ScanAt(table %d, %d): %w", t, q, err)
			} else if good {
				if err := sameRows(m.Scan(t, nil, nil, q), rows); err != nil {
					return saw, fmt.Errorf("ScanAt(table %d, %d) served wrong data: %w", t, q, err)
				}
			}
			for _, k := range m.Keys(t) {
				v, err := s.GetAt(t, k, q)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					if _, err := ok(err); err != nil {
						return saw, fmt.Errorf("GetAt(table %d, %s, %d): %w", t, show(k), q, err)
					}
					continue
				}
				want, found := m.Get(t, k, q)
				if err := sameValue(want, found, v, err); err != nil {
					return saw, fmt.Errorf("GetAt(table %d, %s, %d) served wrong data: %w", t, show(k), q, err)
				}
			}
			if err := verifyWalk(s, t, nil, nil, q, m.Scan(t, nil, nil, q)); err != nil {
				if _, err := ok(err); err != nil {
					return saw, fmt.Errorf("iterator over table %d at %d: %w", t, q, err)
				}
			}
		}
	}
	return saw, nil
}

// checkDamage opens the damaged image and holds the store to §2.5: if a
// reachable page was damaged, Check reports it by id; reads are right or
// report a damaged page; if only unreachable pages were damaged, nothing
// notices and every read is right.
func (cf *closedFile) checkDamage(t *testing.T, what string, damaged []uint64, damage func(img []byte)) {
	t.Helper()
	s, err := cf.open(damage)
	if err != nil {
		t.Fatalf("%s: open: %v (seed %d)", what, err, cf.seed)
	}
	defer closeAfter(t, s)
	reachable := false
	for _, id := range damaged {
		reachable = reachable || !cf.free[id]
	}
	err = s.Check()
	switch {
	case reachable && !corruptionIn(err, damaged...):
		t.Fatalf("%s: Check returned %v, want a CorruptionError naming one of pages %v (rerun with PROJSTORE_SEED=%d)", what, err, damaged, cf.seed)
	case !reachable && err != nil:
		t.Fatalf("%s: only unused pages damaged, yet Check returned %v (rerun with PROJSTORE_SEED=%d)", what, err, cf.seed)
	}
	saw, err := verifyDamaged(s, cf.final, damaged)
	if err != nil {
		t.Fatalf("%s: %v (rerun with PROJSTORE_SEED=%d)", what, err, cf.seed)
	}
	if !reachable && saw {
		t.Fatalf("%s: only unused pages damaged, yet a read reported corruption", what)
	}
}

// TestBitFlips flips one to three random bits in pages of every kind of a
// closed file.
func TestBitFlips(t *testing.T) {
	sd := seed(t)
	cf := buildClosed(t, sd)
	r := rand.New(rand.NewPCG(sd, 2))
	for _, k := range []page.Type{page.TypeBranch, page.TypeLeaf, page.TypeOverflow, page.TypeFree} {
		for _, id := range cf.pick(k, 6, r) {
			bits := make([]int, 1+r.IntN(3))
			for i := range bits {
				bits[i] = r.IntN(page.Size * 8)
			}
			what := fmt.Sprintf("%v page %d (free %v), bits %v flipped", k, id, cf.free[id], bits)
			cf.checkDamage(t, what, []uint64{id}, func(img []byte) {
				b := pageOf(img, id)
				for _, bit := range bits {
					b[bit/8] ^= 1 << (bit % 8)
				}
			})
		}
	}
}

// TestMisdirectedWrites swaps two pages, or lands one page's bytes on
// another's place, within and across kinds.
func TestMisdirectedWrites(t *testing.T) {
	sd := seed(t)
	cf := buildClosed(t, sd)
	r := rand.New(rand.NewPCG(sd, 3))
	kinds := []page.Type{page.TypeBranch, page.TypeLeaf, page.TypeOverflow, page.TypeFree}
	cases := 30
	if long() {
		cases = 200
	}
	for range cases {
		ka, kb := kinds[r.IntN(len(kinds))], kinds[r.IntN(len(kinds))]
		a, b := cf.kinds[ka][r.IntN(len(cf.kinds[ka]))], cf.kinds[kb][r.IntN(len(cf.kinds[kb]))]
		if a == b {
			continue
		}
		if r.IntN(2) == 0 {
			what := fmt.Sprintf("%v page %d (free %v) swapped with %v page %d (free %v)", ka, a, cf.free[a], kb, b, cf.free[b])
			cf.checkDamage(t, what, []uint64{a, b}, func(img []byte) {
				pa, pb := slices.Clone(pageOf(img, a)), pageOf(img, b)
				copy(pageOf(img, a), pb)
				copy(pb, pa)
			})
		} else {
			what := fmt.Sprintf("%v page %d written over %v page %d (free %v)", ka, a, kb, b, cf.free[b])
			cf.checkDamage(t, what, []uint64{b}, func(img []byte) {
				copy(pageOf(img, b), pageOf(img, a))
			})
		}
	}
}

// TestSuperblockFallback damages superblock slots: a damaged newer slot
// makes Open use the older one (a synced position with a complete tree);
// a damaged older slot changes nothing; both damaged, Open fails cleanly.
// A damaged page only the newer tree uses is repaired by Recover.
func TestSuperblockFallback(t *testing.T) {
	sd := seed(t)
	cf := buildClosed(t, sd)
	r := rand.New(rand.NewPCG(sd, 4))
	flip := func(id uint64) func([]byte) {
		bit := r.IntN(page.Size * 8)
		return func(img []byte) { pageOf(img, id)[bit/8] ^= 1 << (bit % 8) }
	}
	leaf := cf.pick(page.TypeLeaf, 1, r)[0]
	damages := []struct {
		what   string
		damage func([]byte)
		want   *Model // nil: Open must fail
	}{
		{"newer slot bit flip", flip(cf.newest), cf.older},
		{"newer slot zeroed", func(img []byte) { clear(pageOf(img, cf.newest)) }, cf.older},
		{"newer slot torn", func(img []byte) { clear(pageOf(img, cf.newest)[60:]) }, cf.older},
		{"older slot copied over the newer", func(img []byte) { copy(pageOf(img, cf.newest), pageOf(img, 1-cf.newest)) }, cf.older},
		{"leaf written over the newer slot", func(img []byte) { copy(pageOf(img, cf.newest), pageOf(img, leaf)) }, cf.older},
		{"older slot bit flip", flip(1 - cf.newest), cf.final},
		{"newer slot copied over the older", func(img []byte) { copy(pageOf(img, 1-cf.newest), pageOf(img, cf.newest)) }, cf.final},
		{"both slots bit flipped", func(img []byte) { flip(0)(img); flip(1)(img) }, nil},
	}
	for _, d := range damages {
		s, err := cf.open(d.damage)
		if d.want == nil {
			if err == nil || !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("%s: Open returned %v, want an error matching ErrCorrupt", d.what, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: Open: %v", d.what, err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("%s: Check: %v (seed %d)", d.what, err, sd)
		}
		if err := verifyMeta(s, d.want); err != nil {
			t.Fatalf("%s: %v (seed %d)", d.what, err, sd)
		}
		if err := verifyAt(s, d.want, d.want.Applied); err != nil {
			t.Fatalf("%s: %v (seed %d)", d.what, err, sd)
		}
		if err := verifyScans(s, d.want, d.want.Horizon); err != nil {
			t.Fatalf("%s: %v (seed %d)", d.what, err, sd)
		}
		s.Close()
	}

	// A page written by the last commit only: the newer tree is damaged,
	// the older one is whole, and recovery returns to it.
	var mine []uint64
	for _, id := range cf.kinds[page.TypeLeaf] {
		var pg page.Page
		copy(pg.Bytes(), pageOf(cf.image, id))
		if !cf.free[id] && pg.Gen() == cf.gen {
			mine = append(mine, id)
		}
	}
	if len(mine) == 0 {
		t.Fatalf("seed %d: no leaf written by the last commit", sd)
	}
	id := mine[r.IntN(len(mine))]
	img := slices.Clone(cf.image)
	flip(id)(img)
	fs := fault.New()
	fs.SetImage(damagePath, img)
	s, err := store.Open(damagePath, &store.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); !corruptionIn(err, id) {
		t.Fatalf("leaf %d of the newer tree flipped: Check returned %v, want a CorruptionError naming it", id, err)
	}
	s.Close()
	s, err = store.Recover(damagePath, &store.Options{FS: fs})
	if err != nil {
		t.Fatalf("Recover with leaf %d of the newer tree damaged: %v", id, err)
	}
	if err := verifyMeta(s, cf.older); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if err := verifyAt(s, cf.older, cf.older.Applied); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The recovered state was committed as the newest: a plain Open finds it.
	s, err = store.Open(damagePath, &store.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer closeAfter(t, s)
	if err := s.Check(); err != nil {
		t.Fatalf("Open after Recover: Check: %v", err)
	}
	if err := verifyMeta(s, cf.older); err != nil {
		t.Fatalf("Open after Recover: %v", err)
	}
}
