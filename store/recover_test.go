package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/projstore/projstore/vfs/fault"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// TestRecoverOlderSlot damages a page that only the newest commit wrote:
// Check names it, Recover falls back to the previous commit, and replaying
// the log from there gives the same state as before the damage.
func TestRecoverOlderSlot(t *testing.T) {
	log := func(p batch.Offset) *batch.WriteBatch {
		b := batch.New(p)
		for i := range 40 {
			b.Put(1, fmt.Appendf(nil, "k%03d", (int(p)*13+i)%300), fmt.Appendf(nil, "v%d-%d", p, i))
		}
		return b.Delete(1, fmt.Appendf(nil, "k%03d", int(p)%300))
	}
	for _, victim := range []string{"first", "last"} {
		t.Run(victim, func(t *testing.T) {
			fsys := fault.New()
			s := openMem(t, fsys, nil)
			for p := batch.Offset(1); p <= 20; p++ {
				must(t, s.Apply(log(p)))
			}
			must(t, s.Sync()) // the older state: 20
			for p := batch.Offset(21); p <= 30; p++ {
				must(t, s.Apply(log(p)))
			}
			want, err := s.ScanAt(1, nil, nil, 0, 30)
			must(t, err)
			fsys.Reset()
			must(t, s.Sync()) // the newer state: 30
			must(t, s.Close())
			var written []int64
			for _, op := range fsys.Log() {
				if op.Kind == fault.OpWrite && op.Off >= 2*4096 {
					written = append(written, op.Off/4096)
				}
			}
			if len(written) == 0 {
				t.Fatal("the last commit wrote no pages")
			}
			id := written[0]
			if victim == "last" {
				id = written[len(written)-1]
			}
			img := fsys.Image("db")
			img[id*4096+100] ^= 0x40
			fsys.SetImage("db", img)

			s = openMem(t, fsys, nil)
			var ce *store.CorruptionError
			if err := s.Check(); !errors.As(err, &ce) || !errors.Is(err, store.ErrCorrupt) || ce.Page != uint64(id) {
				t.Fatalf("Check of the damaged state: %v, want corruption of page %d", err, id)
			}
			s.Close()

			s, err = store.Recover("db", &store.Options{FS: fsys})
			must(t, err)
			if s.AppliedPosition() != 20 {
				t.Fatalf("recovered at %d, want 20", s.AppliedPosition())
			}
			must(t, s.Check())
			for p := batch.Offset(21); p <= 30; p++ {
				must(t, s.Apply(log(p)))
			}
			got, err := s.Scan(1, nil, nil, 0)
			must(t, err)
			if len(got) != len(want) {
				t.Fatalf("after replay: %d rows, want %d", len(got), len(want))
			}
			for i := range got {
				if string(got[i].Key) != string(want[i].Key) || string(got[i].Value) != string(want[i].Value) {
					t.Fatalf("after replay: row %d is %q=%q, want %q=%q", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
				}
			}
			must(t, s.Close())
			// The recovered state is the newest now and opens normally.
			s = openMem(t, fsys, nil)
			defer s.Close()
			if s.AppliedPosition() != 30 {
				t.Fatalf("reopened at %d", s.AppliedPosition())
			}
			must(t, s.Check())
		})
	}
}
