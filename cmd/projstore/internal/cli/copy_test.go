package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/store"
)

// oddLog is a log whose keys and values are binary, empty, large, or text
// that looks like an encoding, over tables created, dropped and written
// again.
func oddLog() []*batch.WriteBatch {
	big := bytes.Repeat([]byte("0123456789abcdef"), (testBatchBytes+100)/16) // more than one dump batch holds
	return []*batch.WriteBatch{
		batch.New(1).Put(1, []byte("a"), []byte("1")).Put(1, []byte{0, 0xff}, []byte{0xfe, 0}).Put(2, []byte("x"), nil),
		batch.New(2).Put(1, []byte("base64:AA=="), []byte("hex:00")).Put(3, []byte("big"), big).Put(7, []byte("gone"), []byte("soon")),
		batch.New(3).DropTable(7).Put(1, []byte("a"), []byte("2")).Delete(2, []byte("x")),
		batch.New(4).Put(7, []byte("back"), []byte("again")).Put(1, []byte("\n\t\"q\""), []byte("é")),
		// Values in overflow pages, which Range lends from one buffer.
		batch.New(5).Put(4, []byte("o1"), bytes.Repeat([]byte("1"), 9000)).Put(4, []byte("o2"), bytes.Repeat([]byte("2"), 7000)),
	}
}

// testBatchBytes is dumpBatchBytes in tests, so that their values need
// not be megabytes to fill a batch.
const testBatchBytes = 64 << 10

func init() { dumpBatchBytes = testBatchBytes }

// storeWith applies bs to a new store and returns its path.
func storeWith(t *testing.T, bs []*batch.WriteBatch) string {
	t.Helper()
	db := dbPath(t)
	s, err := store.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if err := s.Apply(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

// contents reads every table live at pos: table id -> rows.
func contents(t *testing.T, s *store.Store, pos batch.Offset) map[batch.TableID][]store.KV {
	t.Helper()
	snap, err := s.Snapshot(pos)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	ts, err := snap.Tables()
	if err != nil {
		t.Fatal(err)
	}
	out := map[batch.TableID][]store.KV{}
	for _, ti := range ts {
		rows, err := snap.Scan(ti.ID, nil, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > 0 {
			out[ti.ID] = rows
		}
	}
	return out
}

func sameContents(t *testing.T, what string, got, want map[batch.TableID][]store.KV) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: tables differ:\n got %d tables %v\nwant %d tables %v", what, len(got), keysOf(got), len(want), keysOf(want))
	}
}

func keysOf(m map[batch.TableID][]store.KV) map[batch.TableID]int {
	out := map[batch.TableID]int{}
	for id, rows := range m {
		out[id] = len(rows)
	}
	return out
}

// TestDumpApply: a dump at any position, in either form and any batch
// size, applied to a fresh store gives the same tables and rows.
func TestDumpApply(t *testing.T) {
	bank, _ := bankLog(smallBank, 120)
	for name, bs := range map[string][]*batch.WriteBatch{"odd": oddLog(), "bank": bank} {
		db := storeWith(t, bs)
		src := open(t, db)
		for _, pos := range []batch.Offset{0, 3, batch.Offset(len(bs))} {
			want := contents(t, src, pos)
			for _, format := range []string{formatJSONL, formatBinary} {
				for _, ops := range []string{"1", "7", "1000"}[pos%2:] {
					what := fmt.Sprintf("%s at %d, %s, --batch-ops %s", name, pos, format, ops)
					out := filepath.Join(t.TempDir(), "dump")
					r := run(t, "", "dump", db, "--at", fmt.Sprint(pos), "--format", format, "--batch-ops", ops, "-o", out).ok(t)
					r.says(t, fmt.Sprintf("at position %d to %s", pos, out))
					copyDB := dbPath(t)
					run(t, "", "apply", copyDB, out).ok(t)
					c := open(t, copyDB)
					sameContents(t, what, contents(t, c, c.AppliedPosition()), want)
					checkDumpLayout(t, what, out, ops)
					c.Close()
				}
			}
		}
		src.Close()
	}
	// To standard output, and from there into apply.
	db := storeWith(t, oddLog())
	r := run(t, "", "dump", db).ok(t)
	if !strings.HasPrefix(r.stdout, `{"pos":1,"ops":[{"op":"put","table":1,`) {
		t.Fatalf("dump to stdout starts %.60q", r.stdout)
	}
	copyDB := dbPath(t)
	run(t, r.stdout, "apply", copyDB, "-").ok(t)
	c := open(t, copyDB)
	sameContents(t, "stdout", contents(t, c, c.AppliedPosition()), contents(t, open(t, db), 5))
}

// checkDumpLayout checks that the dump at path holds batches at positions
// 1..k of at most ops puts each and nothing but puts.
func checkDumpLayout(t *testing.T, what, path, ops string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var max int
	fmt.Sscan(ops, &max)
	r := logfile.NewReader(f)
	for want := batch.Offset(1); ; want++ {
		b, err := r.Next()
		if err != nil {
			if !strings.Contains(err.Error(), "EOF") {
				t.Fatalf("%s: %v", what, err)
			}
			return
		}
		if b.Position != want || len(b.Ops) == 0 || len(b.Ops) > max {
			t.Fatalf("%s: batch at %d (want %d) with %d ops (at most %d)", what, b.Position, want, len(b.Ops), max)
		}
		for _, op := range b.Ops {
			if op.Kind != batch.OpPut {
				t.Fatalf("%s: op %v in a dump", what, op.Kind)
			}
		}
	}
}

func TestDumpErrors(t *testing.T) {
	db := storeWith(t, oddLog())
	run(t, "", "dump", db, "--batch-ops", "0").fails(t, ExitUsage, "dump", "--batch-ops must be at least 1")
	run(t, "", "dump", db, "--format", "csv").fails(t, ExitUsage, "dump", `unknown format "csv" (want jsonl or binary)`)
	run(t, "", "dump", db, "--at", "9").fails(t, ExitFailure, "dump", "ahead of the applied position")
	missing := filepath.Join(t.TempDir(), "no", "such")
	run(t, "", "dump", db, "-o", filepath.Join(missing, "x")).fails(t, ExitFailure, "dump", missing+": no such directory")
	run(t, "", "dump", db, "-o", "").fails(t, ExitUsage, "dump", "-o must not be empty")
	run(t, "", "dump", db, "-o", t.TempDir()).fails(t, ExitFailure, "dump", "is a directory")
	run(t, "", "backup", db, "").fails(t, ExitUsage, "backup", "DEST must not be empty")
	run(t, "", "backup", db, t.TempDir()).fails(t, ExitFailure, "backup", "is a directory")
	run(t, "", "compact", db, filepath.Join(missing, "c.db")).fails(t, ExitFailure, "compact", missing+": no such directory")
	// A dump that fails leaves no file behind, nor a half-written one.
	dir := t.TempDir()
	out := filepath.Join(dir, "x.jsonl")
	if c := RunContext(cancelled(), []string{"dump", db, "-o", out}, nil, new(bytes.Buffer), new(bytes.Buffer)); c != ExitInterrupted {
		t.Fatalf("interrupted dump: exit %d", c)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("an interrupted dump left %v", entries)
	}
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestTables(t *testing.T) {
	db := storeWith(t, oddLog())
	run(t, "", "tables", db).ok(t).says(t, "TABLE  ROWS", "5 tables, 8 rows at position 5")
	r := run(t, "", "tables", db, "--at", "3", "--format", "json").ok(t)
	var got []tableJSON
	for _, l := range lines(r.stdout) {
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		checkKeys(t, m)
		var tj tableJSON
		if err := json.Unmarshal([]byte(l), &tj); err != nil {
			t.Fatal(err)
		}
		got = append(got, tj)
	}
	// At 3: table 7 is dropped, table 2 is empty but live.
	want := []tableJSON{{3, 1, 3, 23, 1}, {3, 2, 0, 0, 1}, {3, 3, 1, int64(3 + len(oddLog()[1].Ops[1].Value)), 2}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("tables --at 3: %+v, want %+v", got, want)
	}
	r = run(t, "", "tables", db, "--format", "json").ok(t)
	if !strings.Contains(r.stdout, `{"position":5,"table":7,"rows":1,"bytes":9,"created":4}`) {
		t.Fatalf("table 7, written again after its drop, is not a new table:\n%s", r.stdout)
	}
	run(t, "", "tables", db, "--at", "0").ok(t).says(t, "no tables at position 0")
	run(t, "", "tables", db, "--at", "6").fails(t, ExitFailure, "tables", "ahead of the applied position")
}

func TestKeys(t *testing.T) {
	db := storeWith(t, oddLog())
	r := run(t, "", "keys", db, "1").ok(t)
	if want := "\\x00\\xff\n\\n\\t\"q\"\na\nbase64:AA==\n"; r.stdout != want {
		t.Fatalf("keys:\n%q\nwant\n%q", r.stdout, want)
	}
	run(t, "", "keys", db, "1", "--at", "1", "--start", "hex:00", "--end", "b").ok(t).says(t, "\\x00\\xff\na\n")
	if r := run(t, "", "keys", db, "1", "--limit", "2", "--format", "json").ok(t); r.stdout != `{"position":5,"key":"base64:AP8="}`+"\n"+`{"position":5,"key":"\n\t\"q\""}`+"\n" {
		t.Fatalf("keys json: %q", r.stdout)
	}
	if r := run(t, "", "keys", db, "1", "--start", "b", "--end", "a").ok(t); r.stdout != "" {
		t.Fatalf("empty range: %q", r.stdout)
	}
	if r := run(t, "", "keys", db, "99").ok(t); r.stdout != "" {
		t.Fatalf("missing table: %q", r.stdout)
	}
	run(t, "", "keys", db, "1", "--limit", "-1").fails(t, ExitUsage, "keys", "--limit must not be negative")
	run(t, "", "keys", db, "x").fails(t, ExitUsage, "keys", "TABLE must be a table number")
	if c := RunContext(cancelled(), []string{"keys", db, "1"}, nil, new(bytes.Buffer), new(bytes.Buffer)); c != ExitInterrupted {
		t.Fatalf("interrupted keys: exit %d", c)
	}
}

// TestBackupUnderWriter: a backup taken while a writer keeps applying (in
// the same process: the store is the writer's) passes check and holds the
// source's contents and history at the backup's position.
func TestBackupUnderWriter(t *testing.T) {
	bs, _ := bankLog(smallBank, smallBank.batches)
	db := dbPath(t)
	s, err := store.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, b := range bs[:150] {
		if err := s.Apply(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Prune(20); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(s.AppliedPosition())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	// The test reads the source from the horizon on once the backup is
	// done, and the writer may prune in between: hold the horizon.
	hold, err := s.Snapshot(20)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	var wg sync.WaitGroup
	var applied atomic.Int64
	stop, start := make(chan struct{}), make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-start: // the copy is under way
		case <-stop:
			return
		}
		for _, b := range bs[150:] {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.Apply(b); err != nil {
				t.Error(err)
				return
			}
			applied.Add(1)
			if b.Position%25 == 0 {
				// Pruning past the snapshot stops at it.
				if err := s.Prune(b.Position - 5); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	dest := filepath.Join(t.TempDir(), "backup.db")
	var calls atomic.Int64
	err = backup(context.Background(), snap, dest, func(done, total int64) {
		// The first time the copy lets go of the lock, let the writer
		// apply (and prune) a good many batches.
		if calls.Add(1) == 1 {
			close(start)
			for deadline := time.Now().Add(10 * time.Second); applied.Load() < 60 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		}
	})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if applied.Load() < 60 {
		t.Fatalf("the writer applied %d batches while the backup ran", applied.Load())
	}
	b := open(t, dest)
	if err := b.Check(); err != nil {
		t.Fatalf("check of the backup: %v", err)
	}
	pos := snap.Position()
	if b.AppliedPosition() != pos || b.Horizon() != 20 {
		t.Fatalf("backup at position %d horizon %d, want %d and 20", b.AppliedPosition(), b.Horizon(), pos)
	}
	if d, _ := snap.Digest(); b.AppliedDigest() != d {
		t.Fatalf("backup digest %#x, snapshot's %#x", b.AppliedDigest(), d)
	}
	for p := batch.Offset(20); p <= pos; p += 13 {
		sameContents(t, fmt.Sprintf("position %d", p), contents(t, b, p), contents(t, s, p))
	}
	sameContents(t, "backup position", contents(t, b, pos), contents(t, s, pos))
	if calls.Load() == 0 {
		t.Fatal("no progress reported")
	}
	// Backup refuses a destination that holds something, and leaves it be.
	if err := backup(context.Background(), snap, dest, nil); !errors.Is(err, store.ErrExists) {
		t.Fatalf("backup over an existing file: %v", err)
	}
	if _, err := os.Stat(dest); err != nil {
		t.Fatalf("a refused backup removed the existing file: %v", err)
	}
	// An interrupted backup leaves no file, whether it had begun writing
	// it or not.
	for _, when := range []int64{0, 1} {
		dest2 := filepath.Join(t.TempDir(), "cut.db")
		ctx, cancel := context.WithCancel(context.Background())
		if when == 0 {
			cancel()
		}
		err := backup(ctx, snap, dest2, func(done, total int64) {
			if done >= when {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("backup cancelled after %d rows: %v", when, err)
		}
		if _, err := os.Stat(dest2); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a backup cancelled after %d rows left %s: %v", when, dest2, err)
		}
		cancel()
	}
}

func TestBackupCommand(t *testing.T) {
	bs, _ := bankLog(smallBank, 200)
	db := storeWith(t, bs)
	dest := filepath.Join(t.TempDir(), "b.db")
	run(t, "", "backup", db, dest, "--at", "150").ok(t).says(t, fmt.Sprintf("backed up %s at position 150 to %s", db, dest), "history from position 0 kept")
	run(t, "", "check", dest).ok(t).says(t, "at position 150")
	src, b := open(t, db), open(t, dest)
	for _, p := range []batch.Offset{0, 1, 75, 150} {
		sameContents(t, fmt.Sprintf("position %d", p), contents(t, b, p), contents(t, src, p))
	}
	src.Close()
	b.Close()
	dest2 := filepath.Join(t.TempDir(), "b2.db")
	run(t, "", "backup", db, dest2).ok(t).says(t, "at position 200", "digest 0x")
	run(t, "", "backup", db, dest2).fails(t, ExitFailure, "backup", "destination file exists")
	run(t, "", "backup", db, filepath.Join(t.TempDir(), "x.db"), "--at", "201").fails(t, ExitFailure, "backup", "ahead of the applied position")
	// Interrupted: exit 130 and no file.
	dest3 := filepath.Join(t.TempDir(), "b3.db")
	var errb bytes.Buffer
	if c := RunContext(cancelled(), []string{"backup", db, dest3}, nil, new(bytes.Buffer), &errb); c != ExitInterrupted {
		t.Fatalf("interrupted backup: exit %d, %s", c, errb.String())
	}
	if _, err := os.Stat(dest3); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an interrupted backup left its file: %v", err)
	}
}

// TestCompact: a store with churned, partly pruned history compacts into a
// smaller file that reads the same at every position it keeps.
func TestCompact(t *testing.T) {
	bs, _ := bankLog(smallBank, smallBank.batches)
	db := storeWith(t, bs)
	run(t, "", "prune", db, "200").ok(t)
	dest := filepath.Join(t.TempDir(), "compact.db")
	run(t, "", "compact", db, dest).ok(t).says(t, fmt.Sprintf("compacted %s", db), "at position 300, history from position 200 kept")
	before, after := fileSize(db), fileSize(dest)
	if after >= before {
		t.Fatalf("compacted file %d bytes, the source %d", after, before)
	}
	run(t, "", "check", dest).ok(t)
	src, c := open(t, db), open(t, dest)
	if c.AppliedPosition() != 300 || c.Horizon() != 200 || c.AppliedDigest() != src.AppliedDigest() {
		t.Fatalf("compacted store at %d, horizon %d, digest %#x; source %d, %d, %#x",
			c.AppliedPosition(), c.Horizon(), c.AppliedDigest(), src.AppliedPosition(), src.Horizon(), src.AppliedDigest())
	}
	for p := batch.Offset(200); p <= 300; p++ {
		sameContents(t, fmt.Sprintf("position %d", p), contents(t, c, p), contents(t, src, p))
	}
	if _, err := c.GetAt(1, []byte("acct-0001"), 199); !errors.Is(err, store.ErrPruned) {
		t.Fatalf("read below the horizon on the compacted store: %v", err)
	}
	run(t, "", "compact", db).fails(t, ExitUsage, "compact", "missing arguments")
}
