package pager_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/vfs/fault"
)

const crashCache = 128 << 10 // small: the epoch under test spills

// crashOps is the size of each workload step.
var crashOps = func() int {
	if raceEnabled {
		return 60
	}
	return 200
}()

// setup commits two workload steps to a fresh Fault file (so the free list
// holds ids from both, and step 3 reuses some) and resets its op log.
func setup(t *testing.T) (*fault.FS, *harness) {
	t.Helper()
	fsys := fault.New()
	h := mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
	for n := uint64(1); n <= 2; n++ {
		must(t, h.apply(n, crashOps))
		must(t, h.p.Commit())
	}
	fsys.Reset()
	return fsys, h
}

// crashCase says how a run of step 3 is cut short.
type crashCase struct {
	name string
	// at is the first op that fails; sticky makes every later op fail too,
	// as when the machine stops right after op at-1.
	at     int64
	sticky bool
	crash  *fault.CrashOptions // nil: no power loss, the process just reopens
	tear   bool                // tear the last pending write
}

// TestCommitInterrupted cuts step 3 short at every file operation of its
// commit (and a sample of the operations before it, spills and reads; all
// of them with PROJSTORE_LONG=1), by a failed operation or a power loss
// that keeps none, all, some or a torn part of the unsynced writes. The
// reopened file must hold step 2 or step 3 exactly, never a mix, step 3
// whenever Commit returned nil, with every page accounted for; and it must
// take further commits.
func TestCommitInterrupted(t *testing.T) {
	fsys, h := setup(t)
	before := h.state()
	must(t, h.apply(3, crashOps))
	commitStart := fsys.Ops()
	must(t, h.p.Commit())
	after := h.state()
	total := fsys.Ops()
	if before.step != 2 || after.step != 3 || total <= commitStart+3 {
		t.Fatalf("reference run: steps %d and %d, commit ops %d..%d", before.step, after.step, commitStart+1, total)
	}
	var cases []crashCase
	for k := int64(1); k <= total+1; k++ {
		if k <= commitStart && !long() && k%5 != 0 {
			continue
		}
		r := rand.New(rand.NewPCG(uint64(k), 9))
		keepSome := func(string, int) bool { return r.IntN(2) == 0 }
		keepAll := func(string, int) bool { return true }
		cases = append(cases,
			crashCase{name: "fail", at: k},
			crashCase{name: "stop, drop unsynced", at: k, sticky: true, crash: &fault.CrashOptions{}},
			crashCase{name: "stop, keep unsynced", at: k, sticky: true, crash: &fault.CrashOptions{Keep: keepAll}},
			crashCase{name: "stop, keep some", at: k, sticky: true, crash: &fault.CrashOptions{Keep: keepSome}},
			crashCase{name: "stop, tear last write", at: k, sticky: true, crash: &fault.CrashOptions{Keep: keepSome, TearBytes: 1 + r.IntN(4095)}, tear: true},
		)
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("op %d %s", c.at, c.name), func(t *testing.T) {
			runCrash(t, c, before, after)
		})
	}
}

func runCrash(t *testing.T, c crashCase, before, after state) {
	fsys, h := setup(t)
	fsys.FailAt(c.at, nil)
	fsys.SetSticky(c.sticky)
	err := h.apply(3, crashOps)
	if err == nil {
		err = h.p.Commit()
	}
	if err != nil && !errors.Is(err, fault.ErrInjected) {
		t.Fatalf("run failed with %v, want the injected fault", err)
	}
	h.p.Close()
	fsys.Reset()
	if c.crash != nil {
		opts := *c.crash
		opts.TearIndex = -1
		if c.tear {
			if n := len(fsys.Pending(dbPath)); n > 0 {
				opts.TearPath, opts.TearIndex = dbPath, n-1
			}
		}
		fsys.Crash(opts)
	}
	h = mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
	defer h.p.Close()
	switch {
	case h.is(after):
	case h.is(before) && err == nil && c.crash != nil:
		t.Fatalf("Commit returned nil but the crash lost it: reopened at step %d", h.step)
	case h.is(before):
	default:
		t.Fatalf("reopened at step %d with %d keys: neither step %d (%d keys) nor step %d (%d keys)",
			h.step, len(h.model), before.step, len(before.model), after.step, len(after.model))
	}
	if err := account(h.p, h.tree.Root); err != nil {
		t.Fatalf("after reopening at step %d: %v", h.step, err)
	}
	// The older slot is a complete state too.
	older := mustOpen(t, fsys, pager.Options{Older: true, ReadOnly: true})
	if older.step != h.step-1 {
		t.Fatalf("older slot at step %d, newer at %d", older.step, h.step)
	}
	if err := account(older.p, older.tree.Root); err != nil {
		t.Fatalf("older slot (step %d): %v", older.step, err)
	}
	older.p.Close()
	// Life goes on: another step commits and reads back.
	must(t, h.apply(h.step+1, crashOps))
	must(t, h.p.Commit())
	want := h.state()
	h.p.Close()
	h = mustOpen(t, fsys, pager.Options{CacheBytes: crashCache})
	if !h.is(want) {
		t.Fatalf("after one more commit: step %d with %d keys, want step %d with %d keys", h.step, len(h.model), want.step, len(want.model))
	}
	if err := account(h.p, h.tree.Root); err != nil {
		t.Fatalf("after one more commit: %v", err)
	}
}
