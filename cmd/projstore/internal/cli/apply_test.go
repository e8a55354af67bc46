package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/projstore/projstore/vfs/fault"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/store"
)

func TestApplyJSON(t *testing.T) {
	bs, k := bankLog(smallBank, smallBank.batches)
	log, db := jsonLog(t, bs), dbPath(t)
	ops := 0
	for _, b := range bs {
		ops += len(b.Ops)
	}
	r := run(t, "", "apply", db, log).ok(t)
	r.says(t, fmt.Sprintf("applied positions 1..300 (300 batches, %s ops) from %s", commas(uint64(ops)), log),
		"store at position 300, digest 0x", "synced")
	checkBank(t, db, k)

	// Replaying the whole log is safe: every batch is skipped.
	run(t, "", "apply", db, log).ok(t).says(t, "skipped positions 1..300 (300 batches): already applied", "nothing new to apply")
	checkBank(t, db, k)
}

// TestApplyResume applies a log in two parts with an overlap, the second
// from standard input in the binary form.
func TestApplyResume(t *testing.T) {
	bs, k := bankLog(smallBank, smallBank.batches)
	db := dbPath(t)
	run(t, "", "apply", db, jsonLog(t, bs[:120])).ok(t).says(t, "applied positions 1..120 ")
	bin := binaryLog(t, bs[100:])
	run(t, string(bin), "apply", db, "-").ok(t).says(t,
		"skipped positions 101..120 (20 batches): already applied",
		"applied positions 121..300 (180 batches, ",
		"from stdin")
	checkBank(t, db, k)

	// The store's digest is the same as after applying all at once.
	one := dbPath(t)
	run(t, string(binaryLog(t, bs)), "apply", one, "-").ok(t)
	if a, b := open(t, db).AppliedDigest(), open(t, one).AppliedDigest(); a != b {
		t.Fatalf("digest after resuming %#x, after one run %#x", a, b)
	}
}

// TestApplyBadJSONLine: a bad line stops the run with its line number;
// the batches before it are applied and durable, none after it is.
func TestApplyBadJSONLine(t *testing.T) {
	bs, _ := bankLog(smallBank, 10)
	var log []byte
	for i, b := range bs {
		if i == 3 {
			log = append(log, "\n"...) // a blank line still counts
		}
		if i == 5 {
			log = append(log, `{"pos":6,"ops":[{"op":"upsert","table":1,"key":"a","value":"b"}]}`+"\n"...)
			continue
		}
		log, _ = logfile.AppendJSON(log, b)
	}
	path, db := writeFile(t, "bad.jsonl", log), dbPath(t)
	r := run(t, "", "apply", db, path)
	r.fails(t, ExitFailure, "apply", path+`: line 7: op 0: unknown op "upsert"`)
	r.says(t, "applied positions 1..5 (5 batches, ", "before the error; they are kept and synced")
	s := open(t, db)
	if got := s.AppliedPosition(); got != 5 {
		t.Fatalf("store at position %d after the bad line, want 5", got)
	}
	// The transfers of batch 7 (after the bad line) are not there.
	for _, op := range bs[6].Ops {
		if op.Kind == batch.OpPut && op.Table == transfersTable {
			if _, err := s.Get(op.Table, op.Key); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("batch 7's %s is in the store: %v", op.Key, err)
			}
		}
	}
}

// TestApplyNotText: a JSON string holding bytes that are not UTF-8 stops
// the run at its line, rather than reaching the store as U+FFFD.
func TestApplyNotText(t *testing.T) {
	log := `{"pos":1,"ops":[{"op":"put","table":1,"key":"ok","value":"1"}]}` + "\n" +
		`{"pos":2,"ops":[{"op":"put","table":1,"key":"caf` + "\xe9" + `","value":"1"}]}` + "\n"
	db := dbPath(t)
	run(t, log, "apply", db, "-").
		fails(t, ExitFailure, "apply", `stdin: line 2: invalid UTF-8 at column 49 (bytes that are not UTF-8 text go as "base64:" and standard base64)`).
		says(t, "applied positions 1 (1 batch")
	s := open(t, db)
	if rows, _ := s.Scan(1, nil, nil, 0); s.AppliedPosition() != 1 || len(rows) != 1 {
		t.Fatalf("store at position %d with rows %q", s.AppliedPosition(), rows)
	}
}

// TestApplyBadBinary: a damaged binary record is reported by its offset.
func TestApplyBadBinary(t *testing.T) {
	bs, _ := bankLog(smallBank, 6)
	var buf bytes.Buffer
	w := logfile.NewWriter(&buf)
	var starts []int
	for _, b := range bs {
		w.Header()
		starts = append(starts, buf.Len())
		w.Write(b)
	}
	log := bytes.Clone(buf.Bytes())
	log[starts[4]+20] ^= 1
	path, db := writeFile(t, "bad.bin", log), dbPath(t)
	run(t, "", "apply", db, path).
		fails(t, ExitFailure, "apply", fmt.Sprintf("%s: offset %d: batch: corrupt wire data", path, starts[4])).
		says(t, "applied positions 1..4 ")
	if got := open(t, db).AppliedPosition(); got != 4 {
		t.Fatalf("store at %d, want 4", got)
	}

	// Cut short in the last record.
	run(t, string(buf.Bytes()[:len(log)-2]), "apply", dbPath(t), "-").
		fails(t, ExitFailure, "apply", fmt.Sprintf("stdin: offset %d: record of", starts[5]))
}

func TestApplyGap(t *testing.T) {
	bs, _ := bankLog(smallBank, 5)
	log := jsonLog(t, []*batch.WriteBatch{bs[0], bs[1], bs[3], bs[4]})
	db := dbPath(t)
	run(t, "", "apply", db, log).
		fails(t, ExitFailure, "apply", "line 3 (position 4): batch at position 4, expected 3").
		says(t, "applied positions 1..2 ")
	if got := open(t, db).AppliedPosition(); got != 2 {
		t.Fatalf("store at %d, want 2", got)
	}
}

// TestApplyRejected: a batch the store refuses leaves no trace and stops
// the run there.
func TestApplyRejected(t *testing.T) {
	log := writeFile(t, "log.jsonl", []byte(`{"pos":1,"ops":[{"op":"put","table":1,"key":"a","value":"1"}]}
{"pos":2,"ops":[{"op":"put","table":1,"key":"b","value":"2"},{"op":"put","table":1,"key":"","value":"3"}]}
`))
	db := dbPath(t)
	run(t, "", "apply", db, log).fails(t, ExitFailure, "apply", "line 2 (position 2): empty key")
	s := open(t, db)
	if _, err := s.Get(1, []byte("b")); s.AppliedPosition() != 1 || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after a rejected batch: position %d, b: %v", s.AppliedPosition(), err)
	}
}

func TestApplyEdgeInputs(t *testing.T) {
	db := dbPath(t)
	run(t, "", "apply", db, "-").ok(t).says(t, "nothing new to apply from stdin", "store at position 0")
	run(t, "garbage", "apply", db, "-").fails(t, ExitFailure, "apply", "unrecognised log format").
		says(t, "nothing applied from stdin before the error; the store is still at position 0")
	run(t, "", "apply", db, t.TempDir()).fails(t, ExitFailure, "apply", "is a directory")
}

// TestSyncEvery crashes a store after a run: with --sync-every the batches
// up to the last sync survive; without it none do (the caller's final Sync
// is what makes them durable).
func TestSyncEvery(t *testing.T) {
	bs, _ := bankLog(smallBank, 25)
	for _, c := range []struct{ every, syncs, survive int }{{0, 0, 0}, {10, 2, 20}, {1, 25, 25}} {
		fsys := fault.New()
		s, err := store.Open("db", &store.Options{FS: fsys})
		if err != nil {
			t.Fatal(err)
		}
		res, err := applyLog(context.Background(), s, logfile.NewReader(bytes.NewReader(binaryLog(t, bs))), c.every, nil)
		if err != nil || res.batches != 25 || res.syncs != c.syncs {
			t.Fatalf("--sync-every %d: %+v, %v", c.every, res, err)
		}
		fsys.Crash(fault.CrashOptions{})
		s2, err := store.Open("db", &store.Options{FS: fsys})
		if err != nil {
			t.Fatal(err)
		}
		if got := s2.AppliedPosition(); got != batch.Offset(c.survive) {
			t.Fatalf("--sync-every %d: %d batches survive a crash, want %d", c.every, got, c.survive)
		}
		s2.Close()
	}
}

// TestApplyInterrupted: a cancelled run stops between batches and says
// where; what was applied stays.
func TestApplyInterrupted(t *testing.T) {
	bs, _ := bankLog(smallBank, 20)
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	res, err := applyLog(ctx, s, logfile.NewReader(bytes.NewReader(binaryLog(t, bs))), 0, func(res *applyResult) {
		if res.batches == 7 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || res.batches != 7 || s.AppliedPosition() != 7 {
		t.Fatalf("cancelled run: %+v, position %d, %v", res, s.AppliedPosition(), err)
	}
	if !strings.Contains(err.Error(), "interrupted after offset ") {
		t.Fatalf("error %q does not say where the run stopped", err)
	}
}

func TestProgress(t *testing.T) {
	var out strings.Builder
	now := time.Unix(1000, 0)
	p := newProgress(&out, 1000, func() time.Time { return now })
	step := func(d time.Duration, read int64, batches int) string {
		now = now.Add(d)
		before := out.Len()
		p.update(read, batches, batch.Offset(batches))
		return out.String()[before:]
	}
	if s := step(500*time.Millisecond, 100, 50); s != "" {
		t.Fatalf("progress drawn before a second passed: %q", s)
	}
	s := step(time.Second, 450, 3000)
	if !strings.HasPrefix(s, "\r 45% [==========              ] 3,000 batches  2,000/s  position 3000") {
		t.Fatalf("progress line %q", s)
	}
	if s := step(50*time.Millisecond, 460, 3100); s != "" {
		t.Fatalf("progress redrawn after 50ms: %q", s)
	}
	if s := step(time.Second, 2000, 9000); !strings.Contains(s, "100% [========================]") {
		t.Fatalf("progress past the end: %q", s)
	}
	before := out.Len()
	p.done()
	if out.String()[before:] != "\r\x1b[K" {
		t.Fatalf("done did not clear the line: %q", out.String()[before:])
	}
	// Unknown size: bytes read instead of a bar; a quick run draws nothing.
	out.Reset()
	p = newProgress(&out, 0, func() time.Time { return now })
	now = now.Add(2 * time.Second)
	p.update(3<<20, 10, 10)
	if !strings.Contains(out.String(), "3.0 MiB read  10 batches  5/s") {
		t.Fatalf("progress without a size: %q", out.String())
	}
	out.Reset()
	p = newProgress(&out, 0, func() time.Time { return now })
	p.update(1, 1, 1)
	p.done()
	if out.Len() != 0 {
		t.Fatalf("a quick run drew %q", out.String())
	}
	// Counted progress (dump, backup, compact): done of total, or done alone.
	out.Reset()
	p = newProgress(&out, 0, func() time.Time { return now })
	now = now.Add(2 * time.Second)
	p.count(500, 2000, "rows")
	if !strings.HasPrefix(out.String(), "\r 25% [======                  ] 500 of 2,000 rows  250/s") {
		t.Fatalf("counted progress: %q", out.String())
	}
	out.Reset()
	now = now.Add(time.Second)
	p.count(900, 0, "rows")
	if !strings.HasPrefix(out.String(), "\r900 rows  300/s") {
		t.Fatalf("counted progress without a total: %q", out.String())
	}
	// Buffers and files that are not terminals get no progress.
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(&out) {
		t.Fatal("a file or a buffer taken for a terminal")
	}
}
