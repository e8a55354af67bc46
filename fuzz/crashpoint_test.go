package fuzz

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strconv"
	"testing"

	"github.com/projstore/projstore/vfs/fault"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
	"github.com/projstore/projstore/vfs"
)

// recFS records every operation that reaches a Fault, with the bytes of
// each write, so that the state of the disk before any operation can be
// rebuilt afterwards. The Fault's own log numbers the operations.
type recFS struct {
	fault *fault.FS
	ops   []recOp // ops[i] is operation number i+1
}

type recOp struct {
	kind fault.OpKind
	off  int64 // the size, for a truncate
	data []byte
}

type recFile struct {
	vfs.File
	r *recFS
}

func (r *recFS) Open(path string, mode vfs.Mode) (vfs.File, error) {
	f, err := r.fault.Open(path, mode)
	if err != nil {
		return nil, err
	}
	return &recFile{File: f, r: r}, nil
}

// note records op if it reached the disk (got a sequence number).
func (f *recFile) note(before int64, op recOp) {
	if f.r.fault.Ops() > before {
		f.r.ops = append(f.r.ops, op)
	}
}

func (f *recFile) ReadAt(p []byte, off int64) (int, error) {
	before := f.r.fault.Ops()
	n, err := f.File.ReadAt(p, off)
	f.note(before, recOp{kind: fault.OpRead, off: off})
	return n, err
}

func (f *recFile) WriteAt(p []byte, off int64) (int, error) {
	before := f.r.fault.Ops()
	n, err := f.File.WriteAt(p, off)
	f.note(before, recOp{kind: fault.OpWrite, off: off, data: append([]byte(nil), p...)})
	return n, err
}

func (f *recFile) Sync() error {
	before := f.r.fault.Ops()
	err := f.File.Sync()
	f.note(before, recOp{kind: fault.OpSync})
	return err
}

func (f *recFile) Truncate(size int64) error {
	before := f.r.fault.Ops()
	err := f.File.Truncate(size)
	f.note(before, recOp{kind: fault.OpTruncate, off: size})
	return err
}

// commit is one durable state the workload asked for: the operations
// [start, end] (sequence numbers) carried it to the disk.
type commit struct {
	start, end int64
	state
}

// crashWorkload is a recorded run: the operations, the commits, and the
// model of every batch applied.
type crashWorkload struct {
	seed     uint64
	opts     store.Options
	rec      *recFS
	commits  []commit
	initEnd  int64 // the last operation of creating the file
	m        *Model
	cutCache map[state]*Model
}

const crashPath = "db"

// runCrashWorkload applies batches with syncs every few batches, prunes,
// drops and a reopen, recording every file operation. With dropAll it then
// drops every table, prunes them and syncs a few times, so that the file
// gives its end back.
func runCrashWorkload(t *testing.T, seed uint64, batches int, dropAll bool) *crashWorkload {
	t.Helper()
	w := &crashWorkload{seed: seed, opts: store.Options{CacheBytes: 16 * 4096},
		rec: &recFS{fault: fault.New()}, m: NewModel(), cutCache: make(map[state]*Model)}
	r := rand.New(rand.NewPCG(seed, 0))
	s, err := store.Open(crashPath, withFS(w.rec, &w.opts))
	if err != nil {
		t.Fatal(err)
	}
	w.initEnd = w.rec.fault.Ops()
	w.commits = append(w.commits, commit{start: 1, end: w.initEnd})
	sync := func(close bool) {
		start := w.rec.fault.Ops() + 1
		if close {
			err = s.Close()
		} else {
			err = s.Sync()
		}
		if err != nil {
			t.Fatalf("seed %d: sync at %d: %v", seed, w.m.Applied, err)
		}
		if end := w.rec.fault.Ops(); end >= start {
			w.commits = append(w.commits, commit{start: start, end: end, state: state{w.m.Applied, w.m.Horizon}})
		}
	}
	for p := batch.Offset(1); p <= batch.Offset(batches); p++ {
		b := genBatch(seed, p, 150)
		if err := s.Apply(b); err != nil {
			t.Fatalf("seed %d: Apply(%d): %v", seed, p, err)
		}
		if err := w.m.Apply(b); err != nil {
			t.Fatal(err)
		}
		switch k := r.IntN(40); {
		case k < 5:
			sync(false)
		case k == 5 && p > 30:
			h := p - 20 - batch.Offset(r.IntN(10))
			if err := s.Prune(h); err != nil {
				t.Fatalf("seed %d: Prune(%d): %v", seed, h, err)
			}
			w.m.Horizon = max(w.m.Horizon, h)
		case k == 6:
			sync(true)
			if s, err = store.Open(crashPath, withFS(w.rec, &w.opts)); err != nil {
				t.Fatalf("seed %d: reopen at %d: %v", seed, p, err)
			}
		}
	}
	if dropAll {
		p := batch.Offset(batches) + 1
		b := batch.New(p).DropTable(1)
		for _, t := range w.m.Tables() {
			b.DropTable(t)
		}
		if err := s.Apply(b); err != nil {
			t.Fatalf("seed %d: dropping every table: %v", seed, err)
		}
		if err := w.m.Apply(b); err != nil {
			t.Fatal(err)
		}
		if err := s.Prune(p); err != nil {
			t.Fatalf("seed %d: Prune(%d): %v", seed, p, err)
		}
		w.m.Horizon = p
		for range 6 {
			sync(false)
		}
	}
	sync(true)
	if got, want := int64(len(w.rec.ops)), w.rec.fault.Ops(); got != want {
		t.Fatalf("recorded %d operations, the Fault counted %d", got, want)
	}
	for i, op := range w.rec.fault.Log() {
		if op.Kind != w.rec.ops[i].kind || op.Seq != int64(i+1) {
			t.Fatalf("operation %d: recorded %v, the Fault logged %v", i+1, w.rec.ops[i].kind, op)
		}
	}
	return w
}

// model returns the model cut back to st.
func (w *crashWorkload) model(st state) *Model {
	if m := w.cutCache[st]; m != nil {
		return m
	}
	m := w.m.Clone()
	m.CutTo(st.applied)
	m.Horizon = st.horizon
	w.cutCache[st] = m
	return m
}

// diskAt rebuilds the disk as it was right before operation k: what the
// last sync before k made durable, plus the writes since, in order. The
// caller must visit k in increasing order; diskAt keeps its place.
type diskAt struct {
	ops     []recOp
	next    int64 // the next operation to fold in
	durable []byte
	pending []recOp
}

func (d *diskAt) advance(k int64) {
	for ; d.next < k; d.next++ {
		op := d.ops[d.next-1]
		switch op.kind {
		case fault.OpWrite, fault.OpTruncate:
			d.pending = append(d.pending, op)
		case fault.OpSync:
			for _, p := range d.pending {
				d.durable = applyOp(d.durable, p)
			}
			d.pending = d.pending[:0]
		}
	}
}

func applyOp(b []byte, op recOp) []byte {
	if op.kind == fault.OpTruncate {
		if int64(len(b)) > op.off {
			return b[:op.off]
		}
		return append(b, make([]byte, op.off-int64(len(b)))...)
	}
	if end := op.off + int64(len(op.data)); int64(len(b)) < end {
		b = append(b, make([]byte, end-int64(len(b)))...)
	}
	copy(b[op.off:], op.data)
	return b
}

// crashAt builds, in a new Fault, the file a power loss at operation k
// leaves: the durable bytes, the pending writes replayed, operation k too
// if it is a write (it was in flight), then a Crash keeping a random subset
// and perhaps tearing one of them.
func crashAt(d *diskAt, k int64, r *rand.Rand) (*fault.FS, error) {
	d.advance(k)
	fs := fault.New()
	fs.SetImage(crashPath, d.durable)
	f, err := fs.Open(crashPath, vfs.ReadWrite)
	if err != nil {
		return nil, err
	}
	replay := d.pending
	if k <= int64(len(d.ops)) && d.ops[k-1].kind == fault.OpWrite {
		replay = append(replay[:len(replay):len(replay)], d.ops[k-1])
	}
	for _, op := range replay {
		if op.kind == fault.OpTruncate {
			err = f.Truncate(op.off)
		} else {
			_, err = f.WriteAt(op.data, op.off)
		}
		if err != nil {
			return nil, err
		}
	}
	keepOdds := r.IntN(4) // 0: keep none; 3: keep most
	co := fault.CrashOptions{TearIndex: -1, Keep: func(string, int) bool { return r.IntN(4) < keepOdds }}
	if n := len(replay); n > 0 && r.IntN(2) == 0 {
		co.TearPath, co.TearIndex, co.TearBytes = crashPath, n-1, r.IntN(4096)
		if r.IntN(3) == 0 {
			co.TearIndex = r.IntN(n)
		}
	}
	fs.Crash(co)
	return fs, nil
}

// TestCrashPoints cuts the power before every write and sync of a workload
// (a read changes nothing on the disk, so a crash before it equals one
// before the next write) and checks the reopened store: it passes Check,
// sits at the commit acknowledged before the crash or the one in flight,
// holds exactly the model's rows at that position and an earlier one, and
// takes further batches.
func TestCrashPoints(t *testing.T) {
	sd := seed(t)
	batches, budget := 150, 700
	if long() {
		batches, budget = 500, 0
	}
	w := runCrashWorkload(t, sd, batches, false)
	checkCrashPoints(t, w, sd, batches, budget)
}

// TestCrashPointsShrink is TestCrashPoints over a workload that ends by
// dropping and pruning every table: the commits that follow drop the free
// end of the file and truncate it, each write, sync and truncate a crash
// point.
func TestCrashPointsShrink(t *testing.T) {
	sd := seed(t)
	batches, budget := 60, 400
	if long() {
		batches, budget = 300, 0
	}
	w := runCrashWorkload(t, sd, batches, true)
	most, shrunk := int64(0), false
	for _, op := range w.rec.ops {
		switch op.kind {
		case fault.OpWrite:
			most = max(most, op.off+int64(len(op.data)))
		case fault.OpTruncate:
			shrunk = shrunk || op.off*2 < most
		}
	}
	if !shrunk {
		t.Fatalf("seed %d: the workload never truncated its file of %d bytes to half", sd, most)
	}
	checkCrashPoints(t, w, sd, batches, budget)
}

func checkCrashPoints(t *testing.T, w *crashWorkload, sd uint64, batches, budget int) {
	t.Helper()
	var points []int64
	for i, op := range w.rec.ops {
		if op.kind != fault.OpRead {
			points = append(points, int64(i+1))
		}
	}
	points = append(points, int64(len(w.rec.ops))+1) // after the last operation
	only := int64(0)
	if s := os.Getenv("PROJSTORE_CRASHPOINT"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("PROJSTORE_CRASHPOINT=%q: %v", s, err)
		}
		only = v
	}
	// Sample evenly when over budget, always keeping the first and last.
	step := 1.0
	if budget > 0 && len(points) > budget {
		step = float64(len(points)) / float64(budget)
	}
	t.Logf("seed %d: %d batches, %d operations, %d commits, %d crash points, checking every %.2f",
		sd, batches, len(w.rec.ops), len(w.commits), len(points), step)
	d := &diskAt{ops: w.rec.ops, next: 1}
	checked := 0
	for f := 0.0; int(f) < len(points); f += step {
		k := points[int(f)]
		if only != 0 && k != only {
			continue
		}
		if err := w.check(d, k); err != nil {
			t.Fatalf("crash before operation %d (%v): %v\nreproduce: PROJSTORE_SEED=%d PROJSTORE_CRASHPOINT=%d go test -run '^%s$' ./fuzz/",
				k, w.describe(k), err, sd, k, t.Name())
		}
		checked++
	}
	if checked == 0 {
		t.Fatalf("no crash point checked (PROJSTORE_CRASHPOINT=%d is not a write or sync)", only)
	}
}

func (w *crashWorkload) describe(k int64) string {
	if k > int64(len(w.rec.ops)) {
		return "after the last"
	}
	op := w.rec.ops[k-1]
	return fmt.Sprintf("%v at %d, %d bytes", op.kind, op.off, len(op.data))
}

func (w *crashWorkload) check(d *diskAt, k int64) (err error) {
	r := rand.New(rand.NewPCG(w.seed, uint64(k)))
	fs, err := crashAt(d, k, r)
	if err != nil {
		return fmt.Errorf("building the image: %w", err)
	}
	s, err := store.Open(crashPath, withFS(fs, &w.opts))
	if k <= w.initEnd {
		// The file was being created: refusing it is fine, an empty store too.
		if err == nil {
			if p := s.AppliedPosition(); p != 0 {
				return fmt.Errorf("store created at position %d", p)
			}
			s.Close()
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer func() {
		// After a panic the store's locks may be held: report, do not Close.
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			return
		}
		s.Close()
	}()
	// The acknowledged commit is the last one finished before k; the one
	// in flight, if any, started before k and finished at or after it.
	var ack, inflight *commit
	for i := range w.commits {
		c := &w.commits[i]
		if c.end < k {
			ack = c
		} else if c.start < k {
			inflight = c
		}
	}
	got := state{s.AppliedPosition(), s.Horizon()}
	if got != ack.state && (inflight == nil || got != inflight.state) {
		return fmt.Errorf("reopened at position %d horizon %d; acknowledged %+v, in flight %+v", got.applied, got.horizon, ack.state, inflight)
	}
	if err := s.Check(); err != nil {
		return fmt.Errorf("Check at %d: %w", got.applied, err)
	}
	m := w.model(got)
	if err := verifyMeta(s, m); err != nil {
		return err
	}
	if err := verifyScans(s, m, m.Applied); err != nil {
		return err
	}
	q := m.Horizon + batch.Offset(r.Uint64N(uint64(m.Applied-m.Horizon)+1))
	if err := verifyScans(s, m, q); err != nil {
		return err
	}
	if err := w.checkOlder(fs.Image(crashPath)); err != nil {
		return err
	}
	// The recovered store must take the log from P+1 on.
	m = m.Clone()
	b := genBatch(w.seed^0x5bd1e995, m.Applied+1, 150)
	if err := s.Apply(b); err != nil {
		return fmt.Errorf("Apply(%d) after recovery: %w", b.Position, err)
	}
	if err := s.Sync(); err != nil {
		return fmt.Errorf("Sync after recovery: %w", err)
	}
	if err := s.Check(); err != nil {
		return fmt.Errorf("Check after recovery and one more batch: %w", err)
	}
	if err := m.Apply(b); err != nil {
		return err
	}
	if err := verifyMeta(s, m); err != nil {
		return err
	}
	return verifyScans(s, m, m.Applied)
}

// checkOlder holds the image to §3: when both superblock slots are valid,
// the older one too describes a complete tree (pages its tree uses are not
// reused until the commit after next), so recovery can fall back to it.
// Commit i of the workload wrote generation i+1.
func (w *crashWorkload) checkOlder(img []byte) error {
	slots := superblock.Read(bytes.NewReader(img))
	a, b := slots.SB[0], slots.SB[1]
	if a == nil || b == nil {
		return nil // one slot was never written, or is torn: nothing to fall back to
	}
	newer, older := a, b
	if newer.Generation < older.Generation {
		newer, older = older, newer
	}
	if newer.Generation != older.Generation+1 || newer.Generation > uint64(len(w.commits)) {
		return fmt.Errorf("superblock generations %d and %d; the workload made %d commits", newer.Generation, older.Generation, len(w.commits))
	}
	if got, want := (state{batch.Offset(newer.Applied), batch.Offset(newer.Horizon)}), w.commits[newer.Generation-1].state; got != want {
		return fmt.Errorf("newer superblock (generation %d) at %+v, commit %d was %+v", newer.Generation, got, newer.Generation-1, want)
	}
	fs := fault.New()
	fs.SetImage(crashPath, img)
	s, err := store.Recover(crashPath, withFS(fs, &w.opts))
	if err != nil {
		return fmt.Errorf("falling back to the older superblock (generation %d): %w", older.Generation, err)
	}
	defer s.Close()
	m := w.model(w.commits[older.Generation-1].state)
	if err := verifyMeta(s, m); err != nil {
		return fmt.Errorf("older superblock (generation %d): %w", older.Generation, err)
	}
	if err := verifyScans(s, m, m.Applied); err != nil {
		return fmt.Errorf("older superblock (generation %d): %w", older.Generation, err)
	}
	return nil
}

// verifyScans compares a ScanAt of every table at p with the model.
func verifyScans(s *store.Store, m *Model, p batch.Offset) error {
	for _, t := range append(m.Tables(), noTable) {
		got, err := s.ScanAt(t, nil, nil, 0, p)
		if err != nil {
			return fmt.Errorf("ScanAt(table %d, pos %d): %w", t, p, err)
		}
		if err := sameRows(m.Scan(t, nil, nil, p), got); err != nil {
			return fmt.Errorf("ScanAt(table %d, pos %d): %w", t, p, err)
		}
	}
	return nil
}
