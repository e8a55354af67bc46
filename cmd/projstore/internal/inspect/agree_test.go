package inspect

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/page"
)

// mapPager holds a tree's pages in memory; every page is writable in place.
type mapPager struct {
	pages map[uint64]*page.Page
	next  uint64
}

func (m *mapPager) Page(id uint64) (*page.Page, error) {
	if pg := m.pages[id]; pg != nil {
		return pg, nil
	}
	return nil, page.Corruptf(id, "no such page")
}
func (m *mapPager) Write(id uint64) (*page.Page, error) { return m.Page(id) }
func (m *mapPager) Alloc(t page.Type) (*page.Page, error) {
	m.next++
	pg := page.New(m.next, t)
	m.pages[m.next] = pg
	return pg, nil
}
func (m *mapPager) Free(id uint64)      { delete(m.pages, id) }
func (m *mapPager) IsFresh(uint64) bool { return true }
func (m *mapPager) Epoch() uint64       { return 1 }

var (
	leafLine   = regexp.MustCompile(`(?m)^  cell \d+ @\d+: key "([^"]*)" stamp (\d+) value (\d+) bytes (?:in overflow chain from page (\d+)|(.*))$`)
	branchLine = regexp.MustCompile(`(?m)^  cell \d+ @\d+: key "([^"]*)" -> child (\d+)$`)
	leftmost   = regexp.MustCompile(`(?m)^  free \d+ bytes; leftmost child (\d+)$`)
)

// TestDescribeAgreesWithBtree dumps every page of a tree through Describe
// and reads the entries back out of the text: they must be the entries the
// tree's own cursor reads, in the same order, and the children the branches
// name must be the tree's pages. It fails if the dumper and btree ever
// disagree about the cell layout.
func TestDescribeAgreesWithBtree(t *testing.T) {
	m := &mapPager{pages: map[uint64]*page.Page{}}
	tree := &btree.Tree{P: m}
	for i := range 600 {
		v := []byte(fmt.Sprintf("value %d", i))
		if i%7 == 0 {
			v = bytes.Repeat(v, 1000) // an overflow chain
		}
		if err := tree.Put([]byte(fmt.Sprintf("key-%05d", i*37%600)), uint64(i*3+1), v); err != nil {
			t.Fatal(err)
		}
	}

	type entry struct {
		key             string
		stamp, n, chain uint64
		preview         string
	}
	var want []entry
	c := tree.Cursor()
	for ok := c.First(); ok; ok = c.Next() {
		r, err := c.Ref()
		if err != nil {
			t.Fatal(err)
		}
		e := entry{key: string(c.Key()), stamp: c.Stamp(), n: uint64(r.Len), chain: r.Overflow}
		if r.Overflow == 0 {
			e.preview = preview(r.Inline)
		}
		want = append(want, e)
	}
	if c.Err() != nil || len(want) != 600 {
		t.Fatalf("cursor read %d entries, %v", len(want), c.Err())
	}

	var got []entry
	named, below := map[uint64]bool{}, map[uint64]bool{}
	branches := 0
	err := tree.Walk(func(id uint64, pg *page.Page, depth int) error {
		if depth < 0 {
			return nil // overflow pages carry no cells
		}
		if depth > 0 {
			below[id] = true
		}
		pg.Seal()
		var out strings.Builder
		if err := Describe(&out, pg.Bytes(), id, DescribeOptions{}); err != nil {
			return err
		}
		text := out.String()
		if !strings.Contains(text, "verify      ok") {
			return fmt.Errorf("page %d does not verify:\n%s", id, text)
		}
		switch pg.Type() {
		case page.TypeLeaf:
			lines := leafLine.FindAllStringSubmatch(text, -1)
			if len(lines) != pg.Count() {
				return fmt.Errorf("leaf %d: %d cells described, it holds %d:\n%s", id, len(lines), pg.Count(), text)
			}
			for _, l := range lines {
				e := entry{key: l[1], stamp: atoi(t, l[2]), n: atoi(t, l[3]), preview: l[5]}
				if l[4] != "" {
					e.chain = atoi(t, l[4])
				}
				got = append(got, e)
			}
		case page.TypeBranch:
			branches++
			lines := branchLine.FindAllStringSubmatch(text, -1)
			aux := leftmost.FindStringSubmatch(text)
			if len(lines) != pg.Count() || aux == nil {
				return fmt.Errorf("branch %d: %d cells described, it holds %d:\n%s", id, len(lines), pg.Count(), text)
			}
			named[atoi(t, aux[1])] = true
			for _, l := range lines {
				named[atoi(t, l[2])] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if branches == 0 {
		t.Fatal("the tree has no branch page to compare")
	}
	if len(got) != len(want) {
		t.Fatalf("Describe shows %d entries, the cursor reads %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d: Describe shows %+v, the cursor reads %+v", i, got[i], want[i])
		}
	}
	if len(named) != len(below) {
		t.Fatalf("branches name %d children, the tree has %d pages below its root", len(named), len(below))
	}
	for id := range below {
		if !named[id] {
			t.Fatalf("page %d is in the tree, but no described branch names it", id)
		}
	}
}

func atoi(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
