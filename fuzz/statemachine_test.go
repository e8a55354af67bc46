package fuzz

import (
	"bytes"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/projstore/projstore/vfs/fault"

	"pgregory.net/rapid"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// keyPool is what the state machine draws keys from: few enough that keys
// collide, with long keys sharing prefixes so that branch separators and
// the largest cells get exercised.
var keyPool = func() [][]byte {
	var keys [][]byte
	for _, k := range strings.Fields("a b c d e f g h i j k l m n") {
		keys = append(keys, []byte(k))
	}
	keys = append(keys, []byte("k\x00"), []byte("\xff\xff"))
	for _, n := range []int{300, 700, 1023, store.MaxKeySize} {
		keys = append(keys, append(bytes.Repeat([]byte("L"), n-1), byte('0'+n%10)))
	}
	return keys
}()

const smPath = "db"

// state is what a commit makes durable, as far as the model can tell.
type state struct{ applied, horizon batch.Offset }

// machine is one run of the state machine: a store over a Fault file
// system and the model it must match.
type machine struct {
	fs   *fault.FS
	opts store.Options
	s    *store.Store
	m    *Model

	durable  state  // the last acknowledged commit
	inflight *state // a commit that failed and may or may not have landed
}

func newMachine(t *rapid.T) *machine {
	mc := &machine{fs: fault.New(), m: NewModel()}
	mc.opts = store.Options{
		CacheBytes:     int64(rapid.IntRange(4, 64).Draw(t, "cachePages")) * 4096,
		SyncEveryBatch: rapid.IntRange(0, 3).Draw(t, "syncEvery") == 0,
	}
	s, err := store.Open(smPath, withFS(mc.fs, &mc.opts))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mc.s = s
	return mc
}

func (mc *machine) current() state { return state{mc.m.Applied, mc.m.Horizon} }

func drawKey(t *rapid.T, label string) []byte {
	return rapid.SampledFrom(keyPool).Draw(t, label)
}

func drawTable(t *rapid.T) batch.TableID {
	return batch.TableID(rapid.Uint64Range(1, 4).Draw(t, "table"))
}

// drawValue draws a value length from buckets (empty, small, medium,
// overflow, long overflow) and fills it from a drawn tag.
func drawValue(t *rapid.T) []byte {
	var n int
	switch b := rapid.IntRange(0, 19).Draw(t, "vbucket"); {
	case b == 0:
		n = 0
	case b < 10:
		n = rapid.IntRange(1, 24).Draw(t, "vlen")
	case b < 16:
		n = rapid.IntRange(100, 500).Draw(t, "vlen")
	case b < 19:
		n = rapid.IntRange(1300, 6000).Draw(t, "vlen")
	default:
		n = rapid.IntRange(9000, 20000).Draw(t, "vlen")
	}
	return fill(rapid.Uint64().Draw(t, "vtag"), n)
}

// drawOps draws valid ops; drops only when dropOdds > 0 (one in dropOdds).
func drawOps(t *rapid.T, max, dropOdds int) []batch.WriteOp {
	n := rapid.IntRange(1, max).Draw(t, "ops")
	b := batch.New(0)
	for range n {
		tid := drawTable(t)
		switch k := rapid.IntRange(0, 19).Draw(t, "kind"); {
		case dropOdds > 0 && k%dropOdds == 0 && k < 4:
			b.DropTable(tid)
		case k < 13:
			b.Put(tid, drawKey(t, "key"), drawValue(t))
		default:
			b.Delete(tid, drawKey(t, "key"))
		}
	}
	return b.Ops
}

// invalidOp draws an op the store must refuse, with the error it must
// refuse it with.
func invalidOp(t *rapid.T) (batch.WriteOp, error) {
	switch rapid.IntRange(0, 5).Draw(t, "invalid") {
	case 0:
		return batch.WriteOp{Kind: batch.OpPut, Table: 1, Key: []byte{}, Value: []byte("v")}, store.ErrEmptyKey
	case 1:
		return batch.WriteOp{Kind: batch.OpDelete, Table: 2, Key: []byte{}}, store.ErrEmptyKey
	case 2:
		return batch.WriteOp{Kind: batch.OpPut, Table: 3, Key: bytes.Repeat([]byte("x"), store.MaxKeySize+1), Value: []byte("v")}, store.ErrKeyTooLarge
	case 3:
		return batch.WriteOp{Kind: batch.OpDelete, Table: 1, Key: []byte("a"), Value: []byte("v")}, store.ErrBadOp
	case 4:
		return batch.WriteOp{Kind: batch.OpDropTable, Table: 1, Key: []byte("a")}, store.ErrBadOp
	default:
		return batch.WriteOp{Kind: batch.OpKind(rapid.IntRange(3, 255).Draw(t, "opkind")), Table: 1, Key: []byte("a")}, store.ErrBadOp
	}
}

// apply applies a valid next batch to the store and the model.
func (mc *machine) apply(t *rapid.T, ops []batch.WriteOp) {
	b := &batch.WriteBatch{Position: mc.m.Applied + 1, Ops: ops}
	if err := mc.s.Apply(b); err != nil {
		t.Fatalf("Apply(%d): %v", b.Position, err)
	}
	if err := mc.m.Apply(b); err != nil {
		t.Fatalf("model Apply(%d): %v", b.Position, err)
	}
	if mc.opts.SyncEveryBatch {
		mc.acknowledge()
	}
}

func (mc *machine) acknowledge() {
	mc.durable, mc.inflight = mc.current(), nil
}

// drawPos draws a read position, sometimes out of range.
func (mc *machine) drawPos(t *rapid.T) batch.Offset {
	return batch.Offset(rapid.Uint64Range(0, uint64(mc.m.Applied)+2).Draw(t, "pos"))
}

// readable says what a read at p must fail with, if anything.
func (mc *machine) readable(p batch.Offset) error {
	switch {
	case p > mc.m.Applied:
		return store.ErrPositionAhead
	case p < mc.m.Horizon:
		return store.ErrPruned
	}
	return nil
}

func (mc *machine) actApply(t *rapid.T) {
	switch k := rapid.IntRange(0, 9).Draw(t, "applyKind"); {
	case k < 6:
		mc.apply(t, drawOps(t, 12, 0))
	case k == 6: // a replay, whatever it holds, changes nothing
		pos := batch.Offset(rapid.Uint64Range(0, uint64(mc.m.Applied)).Draw(t, "replay"))
		ops := drawOps(t, 4, 5)
		if rapid.Bool().Draw(t, "replayInvalid") {
			op, _ := invalidOp(t)
			ops = append(ops, op)
		}
		if err := mc.s.Apply(&batch.WriteBatch{Position: pos, Ops: ops}); err != nil {
			t.Fatalf("replay at %d (applied %d): %v", pos, mc.m.Applied, err)
		}
	case k == 7: // a gap
		got := mc.m.Applied + 2 + batch.Offset(rapid.Uint64Range(0, 1<<40).Draw(t, "gap"))
		err := mc.s.Apply(&batch.WriteBatch{Position: got, Ops: drawOps(t, 2, 0)})
		var ns *store.NonSequentialError
		if !errors.Is(err, store.ErrNonSequentialBatch) || !errors.As(err, &ns) || ns.Expected != mc.m.Applied+1 || ns.Got != got {
			t.Fatalf("Apply(%d) with applied %d: %v, want NonSequentialError{%d, %d}", got, mc.m.Applied, err, mc.m.Applied+1, got)
		}
	default: // an invalid op among valid ones leaves no trace
		ops := drawOps(t, 8, 4)
		op, want := invalidOp(t)
		i := rapid.IntRange(0, len(ops)).Draw(t, "at")
		ops = slices.Insert(ops, i, op)
		b := &batch.WriteBatch{Position: mc.m.Applied + 1, Ops: ops}
		if w := Invalid(b); !errors.Is(w, want) {
			want = w // an earlier valid-looking op cannot be invalid; keep the model honest
		}
		if err := mc.s.Apply(b); !errors.Is(err, want) {
			t.Fatalf("Apply of a batch with %v at op %d: %v, want %v", op.Kind, i, err, want)
		}
	}
}

func (mc *machine) actDrop(t *rapid.T) {
	ops := drawOps(t, 3, 0)
	ops = append(ops, batch.WriteOp{Kind: batch.OpDropTable, Table: drawTable(t)})
	if rapid.Bool().Draw(t, "putAfterDrop") {
		ops = append(ops, drawOps(t, 3, 0)...)
	}
	mc.apply(t, ops)
}

func (mc *machine) actGet(t *rapid.T) {
	tid, key, p := drawTable(t), drawKey(t, "key"), mc.drawPos(t)
	got, err := mc.s.GetAt(tid, key, p)
	if want := mc.readable(p); want != nil {
		if !errors.Is(err, want) {
			t.Fatalf("GetAt(%d, %s, %d) with applied %d horizon %d: %v, want %v", tid, show(key), p, mc.m.Applied, mc.m.Horizon, err, want)
		}
		return
	}
	want, ok := mc.m.Get(tid, key, p)
	if err := sameValue(want, ok, got, err); err != nil {
		t.Fatalf("GetAt(%d, %s, %d): %v", tid, show(key), p, err)
	}
}

func (mc *machine) drawBounds(t *rapid.T) (lower, upper []byte) {
	if rapid.Bool().Draw(t, "hasLower") {
		lower = drawKey(t, "lower")
	}
	if rapid.Bool().Draw(t, "hasUpper") {
		upper = drawKey(t, "upper")
	}
	return lower, upper
}

func (mc *machine) actScan(t *rapid.T) {
	tid, p := drawTable(t), mc.drawPos(t)
	start, end := mc.drawBounds(t)
	limit := rapid.IntRange(-1, 6).Draw(t, "limit")
	got, err := mc.s.ScanAt(tid, start, end, limit, p)
	if want := mc.readable(p); want != nil {
		if !errors.Is(err, want) {
			t.Fatalf("ScanAt(%d, pos %d) with applied %d horizon %d: %v, want %v", tid, p, mc.m.Applied, mc.m.Horizon, err, want)
		}
		return
	}
	if err != nil {
		t.Fatalf("ScanAt(%d, %s, %s, %d, %d): %v", tid, show(start), show(end), limit, p, err)
	}
	want := mc.m.Scan(tid, start, end, p)
	if limit > 0 && len(want) > limit {
		want = want[:limit]
	}
	if err := sameRows(want, got); err != nil {
		t.Fatalf("ScanAt(%d, %s, %s, %d, %d): %v", tid, show(start), show(end), limit, p, err)
	}
}

// actIterate walks an iterator by random moves, applying batches between
// some of them: the rows at a fixed position must not change.
func (mc *machine) actIterate(t *rapid.T) {
	tid, p := drawTable(t), mc.drawPos(t)
	lower, upper := mc.drawBounds(t)
	it, err := mc.s.NewIterator(tid, lower, upper, p)
	if want := mc.readable(p); want != nil {
		if !errors.Is(err, want) {
			t.Fatalf("NewIterator(%d, pos %d) with applied %d horizon %d: %v, want %v", tid, p, mc.m.Applied, mc.m.Horizon, err, want)
		}
		return
	}
	if err != nil {
		t.Fatalf("NewIterator(%d, pos %d): %v", tid, p, err)
	}
	rows := mc.m.Scan(tid, lower, upper, p)
	idx, valid := -1, false
	moves := rapid.IntRange(1, 12).Draw(t, "moves")
	for step := range moves {
		var ok bool
		var what string
		switch mv := rapid.IntRange(0, 7).Draw(t, "move"); mv {
		case 0:
			what, ok = "First", it.First()
			idx = 0
			valid = len(rows) > 0
		case 1:
			what, ok = "Last", it.Last()
			idx = len(rows) - 1
			valid = idx >= 0
		case 2:
			k := drawKey(t, "seek")
			what, ok = "SeekGE "+show(k), it.SeekGE(k)
			idx, _ = slices.BinarySearchFunc(rows, k, func(r store.KV, k []byte) int { return bytes.Compare(r.Key, k) })
			valid = idx < len(rows)
		case 3:
			k := drawKey(t, "seek")
			what, ok = "SeekLT "+show(k), it.SeekLT(k)
			i, _ := slices.BinarySearchFunc(rows, k, func(r store.KV, k []byte) int { return bytes.Compare(r.Key, k) })
			idx = i - 1
			valid = idx >= 0
		case 4, 5:
			what, ok = "Next", it.Next()
			if valid {
				idx++
				valid = idx < len(rows)
			}
		default:
			what, ok = "Prev", it.Prev()
			if valid {
				idx--
				valid = idx >= 0
			}
		}
		if err := it.Error(); err != nil {
			t.Fatalf("iterator (table %d, pos %d, [%s, %s)) step %d %s: %v", tid, p, show(lower), show(upper), step, what, err)
		}
		if ok != valid || it.Valid() != valid {
			t.Fatalf("iterator (table %d, pos %d, [%s, %s)) step %d %s: ok=%v Valid=%v, want %v (model index %d of %d)",
				tid, p, show(lower), show(upper), step, what, ok, it.Valid(), valid, idx, len(rows))
		}
		if valid && (!bytes.Equal(it.Key(), rows[idx].Key) || !bytes.Equal(it.Value(), rows[idx].Value)) {
			t.Fatalf("iterator (table %d, pos %d) step %d %s: at %s=%s, want %s=%s", tid, p, step, what,
				show(it.Key()), show(it.Value()), show(rows[idx].Key), show(rows[idx].Value))
		}
		if rapid.IntRange(0, 3).Draw(t, "applyDuring") == 0 {
			mc.apply(t, drawOps(t, 6, 6))
		}
	}
	if err := it.Close(); err != nil {
		t.Fatalf("iterator Close: %v", err)
	}
}

func (mc *machine) actSync(t *rapid.T) {
	if err := mc.s.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	mc.acknowledge()
}

func (mc *machine) actReopen(t *rapid.T) {
	if err := mc.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	mc.acknowledge()
	if _, err := mc.s.Get(1, []byte("a")); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Get after Close: %v, want ErrClosed", err)
	}
	if rapid.IntRange(0, 3).Draw(t, "readOnly") == 0 {
		ro := mc.opts
		ro.ReadOnly = true
		s, err := store.Open(smPath, withFS(mc.fs, &ro))
		if err != nil {
			t.Fatalf("Open read-only: %v", err)
		}
		if err := verifyCurrent(s, mc.m); err != nil {
			t.Fatalf("read-only reopen: %v", err)
		}
		if err := s.Apply(&batch.WriteBatch{Position: mc.m.Applied + 1, Ops: drawOps(t, 1, 0)}); !errors.Is(err, store.ErrReadOnly) {
			t.Fatalf("Apply on a read-only store: %v, want ErrReadOnly", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close read-only: %v", err)
		}
	}
	mc.open(t)
}

func (mc *machine) open(t *rapid.T) {
	s, err := store.Open(smPath, withFS(mc.fs, &mc.opts))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mc.s = s
}

// crash cuts the power: unsynced writes survive as drawn, one may be torn.
// The reopened store must be at the acknowledged commit or, if one was in
// flight, at that one; the model is cut back to match.
func (mc *machine) crash(t *rapid.T) {
	pending := mc.fs.Pending(smPath)
	keep := rapid.SliceOfN(rapid.Bool(), len(pending), len(pending)).Draw(t, "keep")
	co := fault.CrashOptions{Keep: func(_ string, i int) bool { return keep[i] }, TearIndex: -1}
	if len(pending) > 0 && rapid.Bool().Draw(t, "tear") {
		co.TearPath = smPath
		co.TearIndex = rapid.IntRange(0, len(pending)-1).Draw(t, "tearIndex")
		co.TearBytes = rapid.IntRange(0, 4095).Draw(t, "tearBytes")
	}
	mc.fs.Crash(co)
	mc.s.Close() // after the crash: it must not commit anything
	mc.fs.Reset()
	mc.open(t)
	got := state{mc.s.AppliedPosition(), mc.s.Horizon()}
	if got != mc.durable && (mc.inflight == nil || got != *mc.inflight) {
		t.Fatalf("after a crash the store is at position %d horizon %d; acknowledged %+v, in flight %+v, applied %d",
			got.applied, got.horizon, mc.durable, mc.inflight, mc.m.Applied)
	}
	mc.m.CutTo(got.applied)
	mc.m.Horizon = got.horizon
	mc.acknowledge()
	if err := mc.s.Check(); err != nil {
		t.Fatalf("Check after crash at %d: %v", got.applied, err)
	}
	if err := verifyAt(mc.s, mc.m, mc.m.Horizon+batch.Offset(rapid.Uint64Range(0, uint64(mc.m.Applied-mc.m.Horizon)).Draw(t, "q"))); err != nil {
		t.Fatalf("after crash: %v", err)
	}
}

func (mc *machine) actCrash(t *rapid.T) { mc.crash(t) }

// actFault makes an operation of the next Apply or Sync fail. The store
// must then refuse every call until it is reopened, and the reopened store
// must be at the last durable state (or at the interrupted commit, if its
// superblock made it to the disk).
func (mc *machine) actFault(t *rapid.T) {
	mc.fs.FailAt(mc.fs.Ops()+1+int64(rapid.IntRange(0, 40).Draw(t, "failIn")), nil)
	mc.fs.SetSticky(rapid.Bool().Draw(t, "sticky"))
	failSync := rapid.Bool().Draw(t, "failSync")
	b := &batch.WriteBatch{Position: mc.m.Applied + 1, Ops: drawOps(t, 12, 0)}
	if err := mc.m.Apply(b); err != nil {
		t.Fatalf("model Apply: %v", err)
	}
	after := mc.current()
	if mc.opts.SyncEveryBatch {
		mc.inflight = &after
	}
	err := mc.s.Apply(b)
	if err == nil && mc.opts.SyncEveryBatch {
		mc.acknowledge()
	}
	if err == nil && failSync {
		mc.inflight = &after
		err = mc.s.Sync()
	}
	if err == nil {
		mc.fs.FailAt(0, nil)
		mc.fs.SetSticky(false)
		if failSync || mc.opts.SyncEveryBatch {
			mc.acknowledge()
		}
		mc.inflight = nil
		return
	}
	if !errors.Is(err, fault.ErrInjected) {
		t.Fatalf("failed operation returned %v, want the injected error", err)
	}
	mc.fs.FailAt(0, nil)
	mc.fs.SetSticky(false)
	if _, err := mc.s.Get(1, []byte("a")); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after an interrupted change: %v, want the store to refuse", err)
	}
	if err := mc.s.Apply(&batch.WriteBatch{Position: mc.m.Applied + 1, Ops: drawOps(t, 1, 0)}); err == nil {
		t.Fatal("Apply after an interrupted change succeeded")
	}
	if err := mc.s.Sync(); err == nil {
		t.Fatal("Sync after an interrupted change succeeded")
	}
	mc.crash(t)
}

func (mc *machine) actPrune(t *rapid.T) {
	h := batch.Offset(rapid.Uint64Range(0, uint64(mc.m.Applied)+1).Draw(t, "horizon"))
	err := mc.s.Prune(h)
	switch {
	case h > mc.m.Applied:
		if !errors.Is(err, store.ErrPositionAhead) {
			t.Fatalf("Prune(%d) with applied %d: %v, want ErrPositionAhead", h, mc.m.Applied, err)
		}
	case err != nil:
		t.Fatalf("Prune(%d): %v", h, err)
	default:
		mc.m.Horizon = max(mc.m.Horizon, h)
	}
}

func (mc *machine) actCheck(t *rapid.T) {
	if err := mc.s.Check(); err != nil {
		t.Fatalf("Check at %d: %v", mc.m.Applied, err)
	}
	st, err := mc.s.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if st.Applied != mc.m.Applied || st.Rows != mc.m.Rows() {
		t.Fatalf("Stats: applied %d rows %d, model %d and %d", st.Applied, st.Rows, mc.m.Applied, mc.m.Rows())
	}
	if q := mc.m.Horizon + batch.Offset(rapid.Uint64Range(0, uint64(mc.m.Applied-mc.m.Horizon)).Draw(t, "q")); true {
		if err := verifyAt(mc.s, mc.m, q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStateMachine runs random sequences of every store call against the
// model. rapid shrinks a failure to a short sequence and prints it.
func TestStateMachine(t *testing.T) {
	if long() && !flagSet("rapid.steps") {
		flag.Set("rapid.steps", "200")
	}
	if !flagSet("rapid.checks") {
		checks := "300"
		if long() {
			checks = "3000"
		}
		flag.Set("rapid.checks", checks)
	}
	rapid.Check(t, func(t *rapid.T) {
		// No deferred Close: after a panic inside the store its locks may
		// be held, and the stores live in memory anyway.
		mc := newMachine(t)
		t.Repeat(map[string]func(*rapid.T){
			"apply":   mc.actApply,
			"drop":    mc.actDrop,
			"get":     mc.actGet,
			"scan":    mc.actScan,
			"iterate": mc.actIterate,
			"sync":    mc.actSync,
			"reopen":  mc.actReopen,
			"crash":   mc.actCrash,
			"fault":   mc.actFault,
			"prune":   mc.actPrune,
			"check":   mc.actCheck,
			"": func(t *rapid.T) {
				if err := verifyCurrent(mc.s, mc.m); err != nil {
					t.Fatal(err)
				}
			},
		})
	})
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
