package btree

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/projstore/projstore/page"
)

// genNodeKeys draws sorted, distinct keys shaped to stress heads: a shared
// prefix of random length, then short tails over a tiny alphabet (so heads
// tie and keys end inside the 8 head bytes).
func genNodeKeys(t *rapid.T, versioned bool) [][]byte {
	prefix := rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "prefix")
	tail := rapid.SliceOfN(rapid.ByteRange(0, 3), 0, 12)
	n := rapid.IntRange(1, 60).Draw(t, "n")
	var keys [][]byte
	for range n {
		k := append(slices.Clone(prefix), tail.Draw(t, "tail")...)
		if versioned {
			k = append(k, rapid.SliceOfN(rapid.Byte(), 8, 8).Draw(t, "suffix")...)
		}
		// Real keys are non-empty; history keys add an 8-byte suffix to one.
		if len(k) > 0 && (!versioned || len(k) > SuffixSize) {
			keys = append(keys, k)
		}
	}
	tr := &Tree{Versioned: versioned}
	slices.SortFunc(keys, tr.Compare)
	return slices.CompactFunc(keys, func(a, b []byte) bool { return tr.Compare(a, b) == 0 })
}

func nodeOf(t *rapid.T, keys [][]byte, leaf bool) *page.Page {
	typ := page.TypeBranch
	if leaf {
		typ = page.TypeLeaf
	}
	pg := page.New(7, typ)
	for i, k := range keys {
		var err error
		if leaf {
			r := Ref{Inline: []byte{1}, Len: 1}
			var b []byte
			if b, err = pg.Alloc(i, leafCellSize(len(k), &r)); err == nil {
				putLeafCell(b, k, 0, &r)
			}
		} else {
			var b []byte
			if b, err = pg.Alloc(i, branchHeader+len(k)); err == nil {
				putBranchCell(b, k, 9)
			}
		}
		if err != nil {
			t.Fatalf("building node: %v", err)
		}
	}
	return pg
}

func TestSearchIndexMatchesPlain(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		versioned := rapid.Bool().Draw(t, "versioned")
		leaf := rapid.Bool().Draw(t, "leaf")
		keys := genNodeKeys(t, versioned)
		if len(keys) == 0 {
			return
		}
		pg := nodeOf(t, keys, leaf)
		tr := &Tree{Versioned: versioned}
		ix := tr.buildIndex(pg, leaf)
		probes := slices.Clone(keys)
		for range 30 {
			p := rapid.SliceOfN(rapid.ByteRange(0, 4), 1, 40).Draw(t, "probe")
			if versioned {
				p = append(p, make([]byte, 8)...)
			}
			probes = append(probes, p)
		}
		for _, k := range keys { // neighbours of every key
			probes = append(probes, append(slices.Clone(k), 0), k[:len(k)-1])
		}
		for _, q := range probes {
			if len(q) == 0 || (versioned && len(q) <= SuffixSize) {
				continue
			}
			wi, weq := tr.searchPlain(pg, q, leaf)
			gi, geq := tr.searchIndex(pg, ix, q, leaf)
			if wi != gi || weq != geq {
				t.Fatalf("key %x: index search (%d,%v), plain (%d,%v); prefix %d", q, gi, geq, wi, weq, ix.Prefix)
			}
			// The reference itself must agree with a linear scan.
			li := 0
			for li < len(keys) && tr.Compare(keys[li], q) < 0 {
				li++
			}
			if li != wi {
				t.Fatalf("plain search %d, linear %d", wi, li)
			}
		}
	})
}

func TestLowerBound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := rapid.SliceOfN(rapid.Uint64Range(0, 20), 0, 300).Draw(t, "heads")
		if rapid.Bool().Draw(t, "wide") {
			h = rapid.SliceOfN(rapid.Uint64(), 0, 300).Draw(t, "wideheads")
		}
		slices.Sort(h)
		q := rapid.Uint64Range(0, 21).Draw(t, "q")
		if len(h) > 0 && rapid.Bool().Draw(t, "member") {
			q = h[rapid.IntRange(0, len(h)-1).Draw(t, "at")]
		}
		want, _ := slices.BinarySearch(h, q)
		if got := lowerBoundGo(h, q); got != want {
			t.Fatalf("lowerBoundGo = %d, want %d", got, want)
		}
		if got := lowerBound(h, q); got != want {
			t.Fatalf("lowerBound (%s) = %d, want %d", SearchKernel(), got, want)
		}
	})
}

// A mutation must drop the index: a stale one would route searches wrong.
func TestIndexDroppedOnChange(t *testing.T) {
	pg := page.New(3, page.TypeLeaf)
	tr := &Tree{}
	for i, k := range []string{"b", "d", "f", "h", "j", "l", "n", "p"} {
		r := Ref{Inline: []byte("v"), Len: 1}
		b, err := pg.Alloc(i, leafCellSize(1, &r))
		if err != nil {
			t.Fatal(err)
		}
		putLeafCell(b, []byte(k), 0, &r)
	}
	if i, _ := tr.search(pg, []byte("e"), inLeaf); i != 2 || pg.Index() == nil {
		t.Fatalf("search e = %d, index %v", i, pg.Index())
	}
	pg.Delete(0)
	if pg.Index() != nil {
		t.Fatal("Delete kept the index")
	}
	if i, eq := tr.search(pg, []byte("d"), inLeaf); i != 0 || !eq {
		t.Fatalf("after delete, search d = %d %v", i, eq)
	}
	if _, err := pg.Alloc(0, 20); err != nil || pg.Index() != nil {
		t.Fatalf("Alloc kept the index (err %v)", err)
	}
	_ = bytes.Compare
}

// A cell claiming an overflow value over MaxValue is damage: readers size
// buffers by the claim, so it is refused when the page is loaded.
func TestValidateRejectsHugeValueClaim(t *testing.T) {
	pg := page.New(4, page.TypeLeaf)
	r := Ref{Len: MaxValue + 1, Overflow: 9}
	b, err := pg.Alloc(0, leafCellSize(3, &r))
	if err != nil {
		t.Fatal(err)
	}
	putLeafCell(b, []byte("key"), 1, &r)
	if err := ValidatePage(pg); !errors.Is(err, page.ErrCorrupt) {
		t.Fatalf("ValidatePage: %v, want corruption", err)
	}
	r.Len = MaxValue
	b, _ = pg.Alloc(0, leafCellSize(3, &r))
	pg.Delete(1)
	putLeafCell(b, []byte("key"), 1, &r)
	if err := ValidatePage(pg); err != nil {
		t.Fatalf("ValidatePage of a MaxValue claim: %v", err)
	}
}
