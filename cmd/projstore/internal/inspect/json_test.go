package inspect

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/projstore/projstore/page"
)

// TestDescribeJSON: the JSON form finds what Describe finds in every page
// of a sound file, whole keys and values included.
func TestDescribeJSON(t *testing.T) {
	path, _ := build(t)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	for id := range f.NumPages() {
		b, err := f.ReadPage(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, history := range []bool{false, true} {
			j, err := DescribeJSON(b, id, DescribeOptions{History: history})
			if err != nil {
				t.Fatal(err)
			}
			if j.ID != id || (!j.Blank && (j.HeaderID != id || j.Error != "" || j.CRCStored != j.CRCComputed)) {
				t.Fatalf("page %d of a sound file: %+v", id, j)
			}
			for _, c := range j.Cells {
				if c.Error != "" || c.Key == nil {
					t.Fatalf("page %d cell %d: %+v", id, c.Index, c)
				}
				switch {
				case *c.Key == "alpha" && c.Value != nil && *c.Value == "world" && *c.Stamp == 2:
					seen["alpha now"] = true
				case *c.Key == "alpha" && c.Created != nil && *c.Created == 1 && *c.Value == "hello":
					seen["alpha in history"] = true
				case *c.Key == "big" && c.Overflow != nil && *c.ValueLength == 10000:
					seen["big"] = true
				case c.Child != nil && strings.HasPrefix(*c.Key, "key-"):
					seen["branch"] = true
				}
			}
			if j.Superblock != nil && j.Superblock.Position == 4 && strings.HasPrefix(j.Superblock.Digest, "0x") {
				seen["superblock"] = true
			}
			if j.Payload != nil && strings.HasPrefix(*j.Payload, "xxxx") && j.Next != nil {
				seen["overflow"] = true
			}
			if _, err := json.Marshal(j); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, want := range []string{"alpha now", "alpha in history", "big", "branch", "superblock", "overflow"} {
		if !seen[want] {
			t.Errorf("no page shows %s", want)
		}
	}
}

// TestDescribeJSONGarbage: damaged pages decode without a panic, and say
// what fails.
func TestDescribeJSONGarbage(t *testing.T) {
	path, _ := build(t)
	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for id := range uint64(len(img) / page.Size) {
		for range 8 {
			b := bytes.Clone(img[id*page.Size : (id+1)*page.Size])
			for range 1 + rng.IntN(8) {
				b[rng.IntN(page.HeaderSize+64)] = byte(rng.UintN(256))
			}
			j, err := DescribeJSON(b, id, DescribeOptions{History: true})
			if err != nil {
				t.Fatal(err)
			}
			if !j.Blank && j.Error == "" && j.CRCStored != j.CRCComputed {
				t.Fatalf("page %d with a checksum mismatch has no error: %+v", id, j)
			}
		}
	}
	if _, err := DescribeJSON(make([]byte, 10), 9, DescribeOptions{}); err == nil {
		t.Fatal("DescribeJSON accepted a 10-byte page")
	}
}

func FuzzDescribeJSON(f *testing.F) {
	p := page.New(5, page.TypeLeaf)
	p.Insert(0, []byte{0, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 'k', 'v'})
	p.Seal()
	f.Add(p.Bytes(), uint64(5))
	f.Fuzz(func(t *testing.T, data []byte, id uint64) {
		b := make([]byte, page.Size)
		copy(b, data)
		if _, err := DescribeJSON(b, id, DescribeOptions{History: true}); err != nil {
			t.Fatal(err)
		}
	})
}
