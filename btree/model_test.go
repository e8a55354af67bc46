package btree_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/page"
)

// memPager is a Pager over a map that behaves like the real one where the
// tree can tell: Write copies a page that is not fresh in the current epoch
// to a new id, and commit ends the epoch. It never reuses an id, keeps the
// pages freed in an epoch readable until commit (so a snapshot of the
// previous state stays readable) and records every misuse.
type memPager struct {
	pages  map[uint64]*page.Page // in use
	fresh  map[uint64]bool       // allocated in this epoch
	limbo  map[uint64]*page.Page // durable pages freed in this epoch
	next   uint64
	epoch  uint64
	allocs int
	frees  int
	bad    error // first misuse: double free, read of a freed page
}

func newMemPager() *memPager {
	return &memPager{pages: map[uint64]*page.Page{}, fresh: map[uint64]bool{}, limbo: map[uint64]*page.Page{}, next: 1}
}

func (m *memPager) misuse(format string, args ...any) {
	if m.bad == nil {
		m.bad = fmt.Errorf(format, args...)
	}
}

func (m *memPager) Page(id uint64) (*page.Page, error) {
	pg := m.pages[id]
	if pg == nil {
		m.misuse("read of page %d, which is not in use", id)
		return nil, page.Corruptf(id, "not in use")
	}
	return pg, nil
}

func (m *memPager) Alloc(t page.Type) (*page.Page, error) {
	m.next++
	m.allocs++
	pg := page.New(m.next, t)
	m.pages[m.next] = pg
	m.fresh[m.next] = true
	return pg, nil
}

func (m *memPager) Write(id uint64) (*page.Page, error) {
	old, err := m.Page(id)
	if err != nil || m.fresh[id] {
		return old, err
	}
	pg, _ := m.Alloc(old.Type())
	nid := pg.ID()
	pg.CopyFrom(old)
	pg.SetID(nid)
	m.Free(id)
	return pg, nil
}

func (m *memPager) Free(id uint64) {
	pg := m.pages[id]
	if pg == nil {
		m.misuse("free of page %d, which is not in use", id)
		return
	}
	m.frees++
	delete(m.pages, id)
	if m.fresh[id] {
		delete(m.fresh, id)
		return
	}
	m.limbo[id] = pg
}

func (m *memPager) IsFresh(id uint64) bool { return m.fresh[id] }
func (m *memPager) Epoch() uint64          { return m.epoch }

// commit ends the epoch: every page in use is sealed, so that a durable
// page changed in place later fails verification.
func (m *memPager) commit() {
	m.epoch++
	for _, pg := range m.pages {
		pg.Seal()
	}
	clear(m.fresh)
	clear(m.limbo)
}

// verifyDurable checks that no page of the last commit was changed in
// place, whether still in use or freed since.
func (m *memPager) verifyDurable() error {
	for id, pg := range m.pages {
		if !m.fresh[id] {
			if err := page.Verify(pg.Bytes(), id); err != nil {
				return fmt.Errorf("durable page changed in place: %w", err)
			}
		}
	}
	for id, pg := range m.limbo {
		if err := page.Verify(pg.Bytes(), id); err != nil {
			return fmt.Errorf("durable page changed in place before being freed: %w", err)
		}
	}
	return nil
}

// snapshot reads the pages of the last commit: in use or freed since.
type snapshot struct{ m *memPager }

func (s snapshot) Page(id uint64) (*page.Page, error) {
	if pg := s.m.limbo[id]; pg != nil {
		return pg, nil
	}
	if pg := s.m.pages[id]; pg != nil && !s.m.fresh[id] {
		return pg, nil
	}
	return nil, page.Corruptf(id, "not in the snapshot")
}
func (s snapshot) Write(uint64) (*page.Page, error) { panic("snapshot is read-only") }
func (s snapshot) Alloc(page.Type) (*page.Page, error) {
	panic("snapshot is read-only")
}
func (s snapshot) Free(uint64)         { panic("snapshot is read-only") }
func (s snapshot) IsFresh(uint64) bool { return false }
func (s snapshot) Epoch() uint64       { return s.m.epoch - 1 }

type entry struct {
	stamp uint64
	value []byte
}

// treeModel is a tree under test and the map it must agree with.
type treeModel struct {
	m     *memPager
	tree  *btree.Tree
	model map[string]entry

	snapRoot  uint64
	snapModel map[string]entry
}

func (tm *treeModel) compare(a, b string) int { return tm.tree.Compare([]byte(a), []byte(b)) }

func (tm *treeModel) sorted() []string {
	keys := slices.Collect(maps.Keys(tm.model))
	slices.SortFunc(keys, tm.compare)
	return keys
}

// pattern fills n bytes from seed, so that large keys and values cost one
// draw each.
func pattern(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// drawKey returns an existing key, a new one of 1..1024 bytes (plus the
// version suffix in versioned trees), or a new one extending an existing
// key, so that keys that are prefixes of one another meet.
func (tm *treeModel) drawKey(t *rapid.T, label string) []byte {
	keys := tm.sorted()
	kind := rapid.IntRange(0, 9).Draw(t, label+"-kind")
	if len(keys) > 0 && kind < 4 {
		return []byte(keys[rapid.IntRange(0, len(keys)-1).Draw(t, label+"-index")])
	}
	var user []byte
	if len(keys) > 0 && kind < 6 {
		base := []byte(keys[rapid.IntRange(0, len(keys)-1).Draw(t, label+"-base")])
		if tm.tree.Versioned {
			base = base[:len(base)-btree.SuffixSize]
		}
		n := rapid.IntRange(0, max(0, 1024-len(base))).Draw(t, label+"-ext")
		user = append(slices.Clone(base), pattern(n, rapid.Uint64().Draw(t, label+"-seed"))...)
		if len(user) == 0 {
			user = []byte{0}
		}
	} else {
		n := rapid.OneOf(rapid.IntRange(1, 12), rapid.IntRange(1, 1024)).Draw(t, label+"-len")
		user = pattern(n, rapid.Uint64().Draw(t, label+"-seed"))
		user[0] = rapid.ByteRange('a', 'd').Draw(t, label+"-first")
	}
	if !tm.tree.Versioned {
		if len(user) < btree.MaxKey && rapid.Bool().Draw(t, label+"-long") {
			user = append(user, pattern(btree.MaxKey-len(user), 7)...)
		}
		return user
	}
	return binary.BigEndian.AppendUint64(user, rapid.Uint64().Draw(t, label+"-version"))
}

func drawValue(t *rapid.T, label string) []byte {
	n := rapid.OneOf(rapid.IntRange(0, 64), rapid.IntRange(0, 20000), rapid.IntRange(1300, 1400)).Draw(t, label+"-len")
	return pattern(n, rapid.Uint64().Draw(t, label+"-seed"))
}

func (tm *treeModel) put(t *rapid.T) {
	k, v := tm.drawKey(t, "key"), drawValue(t, "value")
	stamp := rapid.Uint64().Draw(t, "stamp")
	if err := tm.tree.Put(k, stamp, v); err != nil {
		t.Fatalf("Put: %v", err)
	}
	tm.model[string(k)] = entry{stamp, v}
}

// swap replaces a value and either frees the old one or moves it, chain
// and all, to another key with PutRef (which frees what it displaces), as
// the store moves versions into history. The pager catches a chain freed
// twice or leaked.
func (tm *treeModel) swap(t *rapid.T) {
	k, v := tm.drawKey(t, "key"), drawValue(t, "value")
	stamp := rapid.Uint64().Draw(t, "stamp")
	var old btree.Ref
	oldStamp, existed, err := tm.tree.Swap(k, stamp, v, &old)
	if err != nil {
		t.Fatalf("Swap: %v", err)
	}
	want, had := tm.model[string(k)]
	if existed != had {
		t.Fatalf("Swap(%q) existed = %v, model says %v", short(k), existed, had)
	}
	tm.model[string(k)] = entry{stamp, v}
	if !existed {
		return
	}
	if oldStamp != want.stamp {
		t.Fatalf("Swap(%q) old stamp %d, want %d", short(k), oldStamp, want.stamp)
	}
	got, err := tm.tree.Value(nil, old)
	if err != nil || !bytes.Equal(got, want.value) {
		t.Fatalf("Swap(%q) old value (%d bytes, %v), want %d bytes", short(k), len(got), err, len(want.value))
	}
	if rapid.Bool().Draw(t, "move") {
		dst := tm.drawKey(t, "dst")
		if string(dst) == string(k) {
			if err := tm.tree.FreeRef(old); err != nil {
				t.Fatalf("FreeRef: %v", err)
			}
			return
		}
		if err := tm.tree.PutRef(dst, oldStamp, old); err != nil {
			t.Fatalf("PutRef: %v", err)
		}
		tm.model[string(dst)] = want
		return
	}
	if err := tm.tree.FreeRef(old); err != nil {
		t.Fatalf("FreeRef: %v", err)
	}
}

func (tm *treeModel) del(t *rapid.T) {
	k := tm.drawKey(t, "key")
	keep := rapid.Bool().Draw(t, "keep-old")
	var old btree.Ref
	var stamp uint64
	var found bool
	var err error
	if keep {
		stamp, found, err = tm.tree.Take(k, &old)
	} else {
		stamp, found, err = tm.tree.Delete(k)
	}
	if err != nil {
		t.Fatalf("Delete (keep %v): %v", keep, err)
	}
	want, had := tm.model[string(k)]
	if found != had || (found && stamp != want.stamp) {
		t.Fatalf("Delete(%q) = %d, %v; model has %v, %v", short(k), stamp, found, want.stamp, had)
	}
	delete(tm.model, string(k))
	if found && keep {
		got, err := tm.tree.Value(nil, old)
		if err != nil || !bytes.Equal(got, want.value) {
			t.Fatalf("Delete(%q) old value: %d bytes, %v", short(k), len(got), err)
		}
		if err := tm.tree.FreeRef(old); err != nil {
			t.Fatalf("FreeRef: %v", err)
		}
	}
}

// bulk inserts a run of ascending keys sharing a long prefix: appends split
// leaves and branches quickly.
func (tm *treeModel) bulk(t *rapid.T) {
	n := rapid.IntRange(1, 120).Draw(t, "n")
	plen := rapid.SampledFrom([]int{1, 40, 900}).Draw(t, "prefix")
	prefix := pattern(plen, rapid.Uint64().Draw(t, "prefix-seed"))
	vlen := rapid.SampledFrom([]int{0, 10, 300, 5000}).Draw(t, "vlen")
	for i := range n {
		k := binary.BigEndian.AppendUint32(slices.Clone(prefix), uint32(i))
		if tm.tree.Versioned {
			k = binary.BigEndian.AppendUint64(k, ^uint64(i))
		}
		v := pattern(vlen, uint64(i))
		if err := tm.tree.Put(k, uint64(i), v); err != nil {
			t.Fatalf("Put: %v", err)
		}
		tm.model[string(k)] = entry{uint64(i), v}
	}
}

// deleteRun deletes a run of neighbouring keys: nodes underflow and merge.
func (tm *treeModel) deleteRun(t *rapid.T) {
	keys := tm.sorted()
	if len(keys) == 0 {
		t.Skip("empty")
	}
	i := rapid.IntRange(0, len(keys)-1).Draw(t, "from")
	n := rapid.IntRange(1, len(keys)-i).Draw(t, "n")
	if rapid.Bool().Draw(t, "reverse") {
		slices.Reverse(keys[i : i+n])
	}
	for _, k := range keys[i : i+n] {
		if _, found, err := tm.tree.Delete([]byte(k)); err != nil || !found {
			t.Fatalf("Delete(%q) = %v, %v", short([]byte(k)), found, err)
		}
		delete(tm.model, k)
	}
}

// commit ends the epoch after checking that the snapshot of the previous
// one is intact: copy-on-write never changed a durable page.
func (tm *treeModel) commit(t *rapid.T) {
	if err := tm.m.verifyDurable(); err != nil {
		t.Fatal(err)
	}
	snap := btree.Tree{P: snapshot{tm.m}, Root: tm.snapRoot, Versioned: tm.tree.Versioned}
	checkContents(t, &snap, tm.snapModel, tm.compare)
	tm.m.commit()
	tm.snapRoot, tm.snapModel = tm.tree.Root, maps.Clone(tm.model)
}

func (tm *treeModel) get(t *rapid.T) {
	k := tm.drawKey(t, "key")
	stamp, r, found, err := tm.tree.Get(k)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	want, had := tm.model[string(k)]
	if found != had {
		t.Fatalf("Get(%q) found = %v, model says %v", short(k), found, had)
	}
	if !found {
		return
	}
	v, err := tm.tree.Value(nil, r)
	if err != nil || stamp != want.stamp || !bytes.Equal(v, want.value) {
		t.Fatalf("Get(%q) = %d, %d bytes, %v; want %d, %d bytes", short(k), stamp, len(v), err, want.stamp, len(want.value))
	}
}

// seek checks SeekGE and SeekLT at a random key, then walks a few steps
// each way from there.
func (tm *treeModel) seek(t *rapid.T) {
	k := tm.drawKey(t, "key")
	keys := tm.sorted()
	ge, _ := slices.BinarySearchFunc(keys, string(k), tm.compare)
	c := tm.tree.Cursor()
	idx := ge
	ok := c.SeekGE(k)
	if rapid.Bool().Draw(t, "lt") {
		idx = ge - 1
		ok = c.SeekLT(k)
	}
	steps := rapid.SliceOfN(rapid.Bool(), 0, 8).Draw(t, "steps")
	for s := 0; ; s++ {
		inRange := idx >= 0 && idx < len(keys)
		if ok != inRange {
			t.Fatalf("cursor at model index %d of %d: valid = %v (err %v)", idx, len(keys), ok, c.Err())
		}
		if ok && string(c.Key()) != keys[idx] {
			t.Fatalf("cursor at %q, model at %q", short(c.Key()), short([]byte(keys[idx])))
		}
		if !ok || s == len(steps) {
			break
		}
		if steps[s] {
			ok, idx = c.Next(), idx+1
		} else {
			ok, idx = c.Prev(), idx-1
		}
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
}

// check compares the whole tree with the model both ways and accounts for
// every page: the pages in use are exactly the pages the tree reaches.
func (tm *treeModel) check(t *rapid.T) {
	if tm.m.bad != nil {
		t.Fatal(tm.m.bad)
	}
	height, entries, err := tm.tree.Check()
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if entries != len(tm.model) {
		t.Fatalf("Check counts %d entries, model has %d", entries, len(tm.model))
	}
	if h, err := tm.tree.Height(); err != nil || h != height {
		t.Fatalf("Height = %d, %v; Check says %d", h, err, height)
	}
	reached := map[uint64]bool{}
	err = tm.tree.Walk(func(id uint64, _ *page.Page, _ int) error {
		if reached[id] {
			return fmt.Errorf("page %d reached twice", id)
		}
		reached[id] = true
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	for id := range tm.m.pages {
		if !reached[id] {
			t.Fatalf("page %d is in use but not in the tree (leaked)", id)
		}
	}
	if len(reached) != len(tm.m.pages) || tm.m.allocs-tm.m.frees != len(tm.m.pages) {
		t.Fatalf("tree reaches %d pages, %d in use, %d allocated - %d freed", len(reached), len(tm.m.pages), tm.m.allocs, tm.m.frees)
	}
	if len(tm.model) == 0 && (tm.tree.Root != 0 || len(tm.m.pages) != 0) {
		t.Fatalf("empty tree has root %d and %d pages in use", tm.tree.Root, len(tm.m.pages))
	}
	checkContents(t, tm.tree, tm.model, tm.compare)
	checkDecoded(t, tm.tree, tm.model, tm.compare)
}

// checkDecoded reads the tree's pages raw, as the page dumper does, with
// DecodeLeaf and DecodeBranch, and expects the model's entries in the
// leaves, in order, and the tree's pages below the branches.
func checkDecoded(t *rapid.T, tree *btree.Tree, model map[string]entry, cmp func(a, b string) int) {
	keys := slices.Collect(maps.Keys(model))
	slices.SortFunc(keys, cmp)
	children := map[uint64]bool{} // named by a branch: aux or a cell's child
	var nodes []uint64            // reached below the root
	err := tree.Walk(func(id uint64, pg *page.Page, depth int) error {
		if depth > 0 {
			nodes = append(nodes, id)
		}
		for i := 0; i < pg.Count() && depth >= 0; i++ {
			if pg.Type() == page.TypeBranch {
				b, err := btree.DecodeBranch(pg.Cell(i))
				if err != nil {
					return err
				}
				children[b.Child] = true
				continue
			}
			l, err := btree.DecodeLeaf(pg.Cell(i))
			if err != nil {
				return err
			}
			if len(keys) == 0 || string(l.Key) != keys[0] {
				return fmt.Errorf("leaf %d cell %d decodes to key %s, model has %d more keys", id, i, short(l.Key), len(keys))
			}
			want := model[keys[0]]
			v, err := tree.Value(nil, l.Value)
			if err != nil || l.Stamp != want.stamp || !bytes.Equal(v, want.value) {
				return fmt.Errorf("leaf %d cell %d decodes to stamp %d, %d bytes (%v); model has %d, %d bytes", id, i, l.Stamp, len(v), err, want.stamp, len(want.value))
			}
			keys = keys[1:]
		}
		if pg.Type() == page.TypeBranch {
			children[pg.Aux()] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("decoding the tree's pages: %v", err)
	}
	if len(keys) != 0 {
		t.Fatalf("decoded leaves lack %d of the model's keys", len(keys))
	}
	if len(nodes) != len(children) {
		t.Fatalf("branches name %d children, the tree has %d pages below its root", len(children), len(nodes))
	}
	for _, id := range nodes {
		if !children[id] {
			t.Fatalf("page %d is below the root, but no decoded branch cell names it", id)
		}
	}
}

// checkContents walks tree forward and backward against model.
func checkContents(t *rapid.T, tree *btree.Tree, model map[string]entry, cmp func(a, b string) int) {
	keys := slices.Collect(maps.Keys(model))
	slices.SortFunc(keys, cmp)
	c := tree.Cursor()
	i := 0
	for ok := c.First(); ok; ok = c.Next() {
		if i >= len(keys) || string(c.Key()) != keys[i] {
			t.Fatalf("forward entry %d is %q, model has %d keys", i, short(c.Key()), len(keys))
		}
		want := model[keys[i]]
		r, err := c.Ref()
		if err != nil {
			t.Fatal(err)
		}
		v, err := tree.Value(nil, r)
		if err != nil || c.Stamp() != want.stamp || !bytes.Equal(v, want.value) {
			t.Fatalf("entry %q: stamp %d, %d bytes, %v; want %d, %d bytes", short(c.Key()), c.Stamp(), len(v), err, want.stamp, len(want.value))
		}
		i++
	}
	if c.Err() != nil || i != len(keys) {
		t.Fatalf("forward walk saw %d of %d keys (err %v)", i, len(keys), c.Err())
	}
	i = len(keys) - 1
	for ok := c.Last(); ok; ok = c.Prev() {
		if i < 0 || string(c.Key()) != keys[i] {
			t.Fatalf("backward entry %d is %q", i, short(c.Key()))
		}
		i--
	}
	if c.Err() != nil || i != -1 {
		t.Fatalf("backward walk stopped at model index %d (err %v)", i, c.Err())
	}
}

func short(k []byte) string {
	if len(k) > 24 {
		return fmt.Sprintf("%x…(%d bytes)", k[:12], len(k))
	}
	return fmt.Sprintf("%x", k)
}

func testTree(t *testing.T, versioned bool) {
	rapid.Check(t, func(t *rapid.T) {
		m := newMemPager()
		tm := &treeModel{m: m, tree: &btree.Tree{P: m, Versioned: versioned}, model: map[string]entry{}, snapModel: map[string]entry{}}
		t.Repeat(map[string]func(*rapid.T){
			"put":       tm.put,
			"swap":      tm.swap,
			"delete":    tm.del,
			"bulk":      tm.bulk,
			"deleteRun": tm.deleteRun,
			"get":       tm.get,
			"seek":      tm.seek,
			"commit":    tm.commit,
			"":          tm.check,
		})
		// Emptying the tree, or freeing it whole, gives every page back.
		if rapid.Bool().Draw(t, "free") {
			if err := tm.tree.Free(); err != nil {
				t.Fatalf("Free: %v", err)
			}
			clear(tm.model)
		}
		for _, k := range tm.sorted() {
			if _, found, err := tm.tree.Delete([]byte(k)); err != nil || !found {
				t.Fatalf("Delete(%q) = %v, %v", short([]byte(k)), found, err)
			}
			delete(tm.model, k)
		}
		tm.check(t)
	})
}

func TestTreeModel(t *testing.T)          { testTree(t, false) }
func TestVersionedTreeModel(t *testing.T) { testTree(t, true) }
