package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/store"
)

// build makes a store holding a small key, an updated key (so history has
// a version), a value large enough for an overflow chain, and enough keys
// for branch pages; several commits leave free-list pages behind.
func build(t *testing.T) (path string, st store.Stats) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	apply := func(b *batch.WriteBatch) {
		t.Helper()
		if err := s.Apply(b); err != nil {
			t.Fatal(err)
		}
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	apply(batch.New(1).Put(1, []byte("alpha"), []byte("hello")).Put(1, []byte("big"), bytes.Repeat([]byte("x"), 10000)))
	apply(batch.New(2).Put(1, []byte("alpha"), []byte("world")))
	b := batch.New(3)
	for i := range 1500 {
		b.Put(2, []byte(fmt.Sprintf("key-%06d", i)), []byte("some value"))
	}
	apply(b)
	apply(batch.New(4).Delete(2, []byte("key-000001")))
	if st, err = s.Stats(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, st
}

func describe(t *testing.T, f *File, id uint64, opts DescribeOptions) string {
	t.Helper()
	b, err := f.ReadPage(id)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := Describe(&out, b, id, opts); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestPages(t *testing.T) {
	path, st := build(t)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sb := f.Newest(); sb == nil || sb.Applied != 4 {
		t.Fatalf("newest superblock %+v, want applied 4", sb)
	}
	if f.NumPages() != uint64(f.Size()/page.Size) || f.NumPages() < 3 {
		t.Fatalf("NumPages %d for a file of %d bytes", f.NumPages(), f.Size())
	}
	counts := map[page.Type]uint64{}
	var descs = map[page.Type][]string{}
	for id := range f.NumPages() {
		b, err := f.ReadPage(id)
		if err != nil {
			t.Fatal(err)
		}
		s := Summarize(b, id)
		if s.ID != id {
			t.Fatalf("summary of page %d names page %d", id, s.ID)
		}
		if s.Blank {
			continue
		}
		if s.Err != nil {
			t.Fatalf("page %d of a sound file fails: %v", id, s.Err)
		}
		counts[s.Type]++
		switch s.Type {
		case page.TypeLeaf, page.TypeBranch:
			if s.Free < 0 || s.Free > page.Size-page.HeaderSize {
				t.Fatalf("page %d: free space %d", id, s.Free)
			}
		case page.TypeSuperblock:
			if id > 1 || !strings.Contains(s.Note, "position") {
				t.Fatalf("superblock summary at page %d: %+v", id, s)
			}
		}
		descs[s.Type] = append(descs[s.Type], describe(t, f, id, DescribeOptions{History: s.Type == page.TypeLeaf}))
	}
	// The file holds at least the pages the live trees use (stale copies
	// of earlier generations may add more).
	for typ, want := range map[page.Type]uint64{
		page.TypeSuperblock: 2, page.TypeBranch: st.Pages.Branch, page.TypeLeaf: st.Pages.Leaf,
		page.TypeOverflow: st.Pages.Overflow, page.TypeFree: st.Pages.FreeList,
	} {
		if counts[typ] < want || want == 0 && typ != page.TypeFree {
			t.Fatalf("%d %v pages in the file, the store uses %d", counts[typ], typ, want)
		}
	}
	all := func(typ page.Type, re string) {
		t.Helper()
		rx := regexp.MustCompile(re)
		for _, d := range descs[typ] {
			if rx.MatchString(d) {
				return
			}
		}
		t.Fatalf("no %v page description matches %q; first one:\n%s", typ, re, first(descs[typ]))
	}
	all(page.TypeSuperblock, `(?m)^    applied      4$`)
	all(page.TypeSuperblock, `verify      ok`)
	all(page.TypeLeaf, `key "alpha" stamp 2 value 5 bytes "world"`)
	// The history tree holds the first version of alpha: created 1, deleted 2.
	all(page.TypeLeaf, `key "alpha" created 1 stamp 2 value 5 bytes "hello"`)
	all(page.TypeLeaf, `key "big" stamp 1 value 10000 bytes in overflow chain from page \d+`)
	all(page.TypeLeaf, `(?m)^      0[0-9a-f]{3}  ([0-9a-f]{2} ){8} ([0-9a-f]{2} ){8} \|.{16}\|$`) // cells are hex-dumped
	all(page.TypeBranch, `key "key-\d+" -> child \d+`)
	all(page.TypeOverflow, `overflow payload 4056 bytes, next page \d+`)
	all(page.TypeOverflow, `\|xxxxxxxxxxxxxxxx\|`)
	if st.Pages.FreeList > 0 {
		all(page.TypeFree, `free-list page: \d+ ids freed by commit \d+`)
	}

	if _, err := f.ReadPage(f.NumPages()); !errors.Is(err, ErrNoPage) {
		t.Fatalf("ReadPage past the end: %v", err)
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return s[0]
}

// TestCorruptPage flips one byte of each page kind and checks that the
// summary and the description both report it.
func TestCorruptPage(t *testing.T) {
	path, _ := build(t)
	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for id := range uint64(len(img) / page.Size) {
		b := bytes.Clone(img[id*page.Size : (id+1)*page.Size])
		if isZero(b) {
			continue
		}
		b[page.Size-100] ^= 0x10
		s := Summarize(b, id)
		if !errors.Is(s.Err, page.ErrCorrupt) {
			t.Fatalf("page %d with a flipped byte: summary error %v", id, s.Err)
		}
		var out strings.Builder
		if err := Describe(&out, b, id, DescribeOptions{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "verify      FAILED") || !strings.Contains(out.String(), "computed") {
			t.Fatalf("page %d with a flipped byte described as:\n%s", id, out.String())
		}
	}
	// A page stored under the wrong id (a misdirected write) is reported too.
	b := img[2*page.Size : 3*page.Size]
	if s := Summarize(b, 7); !errors.Is(s.Err, page.ErrCorrupt) || !strings.Contains(s.Err.Error(), "misdirected") {
		t.Fatalf("page 2 read as page 7: %v", s.Err)
	}
}

// TestGarbage feeds damaged pages to Summarize and Describe: they must
// describe anything without panicking.
func TestGarbage(t *testing.T) {
	path, _ := build(t)
	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for id := range uint64(len(img) / page.Size) {
		for range 4 {
			b := bytes.Clone(img[id*page.Size : (id+1)*page.Size])
			for range 1 + rng.IntN(8) {
				b[rng.IntN(page.HeaderSize+64)] = byte(rng.UintN(256))
			}
			Summarize(b, id)
			var out strings.Builder
			if err := Describe(&out, b, id, DescribeOptions{History: true, Full: true}); err != nil || out.Len() == 0 {
				t.Fatalf("Describe of a damaged page %d: %v, %d bytes", id, err, out.Len())
			}
		}
	}
	var out strings.Builder
	if err := Describe(&out, make([]byte, page.Size), 9, DescribeOptions{}); err != nil || !strings.Contains(out.String(), "blank") {
		t.Fatalf("zero page: %v %q", err, out.String())
	}
	if err := Describe(&out, make([]byte, 10), 9, DescribeOptions{}); err == nil {
		t.Fatal("Describe accepted a 10-byte page")
	}
}

func FuzzDescribe(f *testing.F) {
	p := page.New(5, page.TypeLeaf)
	p.Insert(0, []byte{0, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 'k', 'v'})
	p.Seal()
	f.Add(p.Bytes(), uint64(5))
	q := page.New(6, page.TypeBranch)
	q.Insert(0, []byte{9, 0, 0, 0, 0, 0, 0, 0, 1, 0, 'k'})
	q.Seal()
	f.Add(q.Bytes(), uint64(6))
	f.Fuzz(func(t *testing.T, data []byte, id uint64) {
		b := make([]byte, page.Size)
		copy(b, data)
		Summarize(b, id)
		var out strings.Builder
		if err := Describe(&out, b, id, DescribeOptions{History: true}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"acct-0001":                "acct-0001",
		"a b":                      "a b",
		"tab\there":                `tab\there`,
		"nl\n":                     `nl\n`,
		"back\\slash":              `back\\slash`,
		"\x00\xff":                 `\x00\xff`,
		"é€":                       "é€",
		"\u202eevil":               `\xe2\x80\xaeevil`,
		`say "hi"`:                 `say "hi"`,
		"\x1b[31mred":              `\x1b[31mred`,
		string([]byte{0xe2, 0x82}): `\xe2\x82`,
	} {
		if got := Escape([]byte(in)); got != want {
			t.Errorf("Escape(%q) = %s, want %s", in, got, want)
		}
	}
	if got := Quote([]byte(`say "hi"`)); got != `"say \"hi\""` {
		t.Errorf("Quote = %s", got)
	}
}
