package btree

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/projstore/projstore/page"
)

type nodeShape struct {
	name   string
	n, k   int
	leaf   bool
	shared int // leading bytes every key shares
}

var nodeShapes = []nodeShape{
	{"leaf32x16", 32, 16, true, 0},
	{"leaf90x24", 90, 24, true, 0},
	{"branch130x16", 130, 16, false, 0},
	{"leaf90x24-shared8", 90, 24, true, 8},
}

func benchNode(b *testing.B, s nodeShape) (*page.Page, [][]byte) {
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([][]byte, 0, s.n)
	for len(keys) < s.n {
		k := make([]byte, s.k)
		for i := range k {
			k[i] = byte(r.Uint32())
		}
		copy(k, "sharedpfx"[:s.shared])
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, c []byte) int { return (&Tree{}).Compare(a, c) })
	typ := page.TypeBranch
	if s.leaf {
		typ = page.TypeLeaf
	}
	pg := page.New(5, typ)
	for i, k := range keys {
		if s.leaf {
			ref := Ref{Inline: []byte{1}, Len: 1}
			c, err := pg.Alloc(i, leafCellSize(len(k), &ref))
			if err != nil {
				b.Fatalf("%s: %v", s.name, err)
			}
			putLeafCell(c, k, 0, &ref)
		} else {
			c, err := pg.Alloc(i, branchHeader+len(k))
			if err != nil {
				b.Fatalf("%s: %v", s.name, err)
			}
			putBranchCell(c, k, 9)
		}
	}
	// Probes: half present, half absent.
	probes := make([][]byte, 1024)
	for i := range probes {
		if i%2 == 0 {
			probes[i] = keys[r.IntN(len(keys))]
		} else {
			p := make([]byte, s.k)
			binary.BigEndian.PutUint64(p, r.Uint64())
			copy(p, "sharedpfx"[:s.shared])
			probes[i] = p
		}
	}
	return pg, probes
}

// BenchmarkNodeSearch compares, in one run, the plain bytes.Compare binary
// search with the head search under each kernel this CPU supports.
func BenchmarkNodeSearch(b *testing.B) {
	tr := &Tree{}
	for _, s := range nodeShapes {
		pg, probes := benchNode(b, s)
		ix := tr.buildIndex(pg, s.leaf)
		b.Run(s.name+"/plain", func(b *testing.B) {
			i := 0
			for b.Loop() {
				tr.searchPlain(pg, probes[i&1023], s.leaf)
				i++
			}
		})
		for _, k := range searchKernels() {
			b.Run(fmt.Sprintf("%s/heads-%s", s.name, k.name), func(b *testing.B) {
				saved := kernel
				kernel = k.fn
				defer func() { kernel = saved }()
				i := 0
				for b.Loop() {
					tr.searchIndex(pg, ix, probes[i&1023], s.leaf)
					i++
				}
			})
		}
	}
}

// BenchmarkBuildIndex is what a page costs the first time it is searched.
func BenchmarkBuildIndex(b *testing.B) {
	tr := &Tree{}
	pg, _ := benchNode(b, nodeShapes[1])
	b.ReportAllocs()
	for b.Loop() {
		tr.buildIndex(pg, true)
	}
}
