package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/projstore/projstore/store"
)

// everyOpeningCommand lists a run of every command that opens the store
// db, each of which must wait for a lock another holder has.
func everyOpeningCommand(db, dir string) [][]string {
	return [][]string{
		{"get", db, "1", "a"},
		{"scan", db, "1"},
		{"keys", db, "1"},
		{"history", db, "1", "a"},
		{"tables", db},
		{"dump", db},
		{"backup", db, filepath.Join(dir, "b.db")},
		{"compact", db, filepath.Join(dir, "c.db")},
		{"check", db},
		{"stats", db},
		{"sql", db, "SELECT 1"},
		{"pages", db},
		{"page", db, "0"},
		{"prune", db, "1"},
		{"recover", db},
		{"apply", db, "-"},
		{"demo", db},
	}
}

// TestLockTimeout: while another holder has the store, every command that
// opens it fails at once by default, says another process holds the file,
// waits up to --timeout, and succeeds if the holder lets go in time.
func TestLockTimeout(t *testing.T) {
	db := readStore(t)
	dir := t.TempDir()
	holder, err := store.Open(db, nil) // a writer: the store's lock is its own
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range commands {
		if c.opens {
			names = append(names, c.name)
		}
	}
	var tried []string
	for _, args := range everyOpeningCommand(db, dir) {
		tried = append(tried, args[0])
		start := time.Now()
		r := run(t, "", args...)
		r.fails(t, ExitFailure, args[0], "open "+db+": another process holds the file (--timeout waits for it)")
		if strings.Count(r.stderr, db) != 1 {
			t.Fatalf("%s: the path is said more than once: %s", args[0], r.stderr)
		}
		if took := time.Since(start); took > 10*time.Second { // at once, but for a loaded machine
			t.Fatalf("%s without --timeout took %v", args[0], took)
		}
		start = time.Now()
		r = run(t, "", append(args, "--timeout", "150ms")...)
		r.fails(t, ExitFailure, args[0], "another process holds the file (waited 150ms)")
		if took := time.Since(start); took < 150*time.Millisecond {
			t.Fatalf("%s --timeout 150ms gave up after %v", args[0], took)
		}
	}
	if strings.Join(tried, " ") != strings.Join(names, " ") && len(tried) != len(names) {
		t.Fatalf("commands that open a store: %v; tested: %v", names, tried)
	}
	// An interrupt ends the wait at once.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	var errb bytes.Buffer
	code := RunContext(ctx, []string{"scan", db, "1", "--timeout", "1m"}, nil, new(bytes.Buffer), &errb)
	if code != ExitInterrupted || time.Since(start) > 10*time.Second || !strings.Contains(errb.String(), "interrupted while waiting for another process to let go of "+db) {
		t.Fatalf("interrupted wait: exit %d after %v, stderr %q", code, time.Since(start), errb.String())
	}

	// The holder lets go while a command waits: the command goes ahead.
	go func() {
		time.Sleep(200 * time.Millisecond)
		holder.Close()
	}()
	start = time.Now()
	run(t, "", "get", db, "1", "a", "--timeout", "10s").ok(t).says(t, "100")
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Fatalf("get did not wait for the holder: %v", took)
	}
	run(t, "", "get", db, "1", "a", "--timeout", "soon").fails(t, ExitUsage, "get", `invalid value "soon" for flag -timeout`)
}

// TestInterrupted: a command stopped by an interrupt exits 130; these are
// the commands marked interruptible (Run catches interrupts for them).
func TestInterrupted(t *testing.T) {
	db := readStore(t)
	dir := t.TempDir()
	var marked, tried []string
	for _, c := range commands {
		if c.interruptible {
			marked = append(marked, c.name)
		}
	}
	for _, args := range [][]string{
		{"scan", db, "1"},
		{"keys", db, "1"},
		{"dump", db},
		{"backup", db, filepath.Join(dir, "b.db")},
		{"compact", db, filepath.Join(dir, "c.db")},
		{"check", db},
		{"pages", db},
		{"apply", dbPath(t), "-"},
		{"prune", db, "3"},
		{"recover", db},
		{"stats", db},
		{"sql", db, "SELECT 1"},
		{"demo", filepath.Join(dir, "demo.db")},
	} {
		tried = append(tried, args[0])
		var out, errb bytes.Buffer
		code := RunContext(cancelled(), args, strings.NewReader(`{"pos":1}`), &out, &errb)
		if code != ExitInterrupted || !strings.HasPrefix(errb.String(), "projstore: "+args[0]+": ") || !strings.Contains(errb.String(), "context canceled") {
			t.Fatalf("%s interrupted: exit %d, stderr %q", args[0], code, errb.String())
		}
	}
	slices.Sort(marked)
	slices.Sort(tried)
	if !slices.Equal(marked, tried) {
		t.Fatalf("commands marked interruptible: %v; tested: %v", marked, tried)
	}
}

// TestDashDash: arguments that start with '-' go after "--", and the error
// for one taken as a flag says so.
func TestDashDash(t *testing.T) {
	db := dbPath(t)
	run(t, `{"pos":1,"ops":[{"op":"put","table":1,"key":"-1","value":"minus one"},{"op":"put","table":1,"key":"--x","value":"dashes"}]}`, "apply", db, "-").ok(t)
	run(t, "", "get", db, "1", "-1").fails(t, ExitUsage, "get", "flag provided but not defined: -1 (an argument that starts with '-' goes after '--')")
	if r := run(t, "", "get", db, "1", "--", "-1").ok(t); r.stdout != "minus one\n" {
		t.Fatalf("get -- -1: %q", r.stdout)
	}
	if r := run(t, "", "get", db, "--format", "json", "--", "1", "--x").ok(t); r.stdout != `{"table":1,"key":"--x","position":1,"value":"dashes"}`+"\n" {
		t.Fatalf("get --format json -- 1 --x: %q", r.stdout)
	}
	run(t, "", "history", db, "1", "--", "--x").ok(t).says(t, "1 version of \"--x\"")
	run(t, "", "help", "get").ok(t).says(t, "goes after '--'")
}

// TestJSONOutputs: every command's JSON is valid, with snake_case keys
// and digests as strings.
func TestJSONOutputs(t *testing.T) {
	db := readStore(t)
	s := open(t, db)
	dg := fmt.Sprintf("0x%016x", s.AppliedDigest())
	s.Close()
	for _, c := range []struct {
		args []string
		want []string // fragments of the output
	}{
		{[]string{"get", db, "1", "a", "--at", "2"}, []string{`{"table":1,"key":"a","position":2,"value":"10"}`}},
		{[]string{"history", db, "1", "a"}, []string{`{"created":1,"deleted":2,"value":"1"}`, `{"created":4,"deleted":null,"value":"100"}`}},
		{[]string{"check", db}, []string{`"ok": true`, `"position": 6`, `"slots": [`, `"newest": true`}},
		{[]string{"stats", db}, []string{`"digest": "` + dg + `"`, `"position": 6`}},
		{[]string{"tables", db}, []string{`{"position":6,"table":1,"rows":4,`}},
		{[]string{"keys", db, "1"}, []string{`{"position":6,"key":"a"}`}},
		{[]string{"version"}, []string{`"file_format": `, `"crc32c_hardware": `}},
		{[]string{"prune", db, "2"}, []string{`"horizon_before": 0`, `"horizon_after": 2`}},
		{[]string{"apply", db, "-"}, []string{`"applied": {`, `"first": 7`, `"position": 7`, `"complete": true`, `"digest": "0x`}},
	} {
		r := run(t, `{"pos":7}`, append(c.args, "--format", "json")...).ok(t)
		r.says(t, c.want...)
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		for dec.More() {
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%v: %v\n%s", c.args, err, r.stdout)
			}
			checkKeys(t, v)
		}
	}
}

// TestRecoverUndoesPrune: when the damaged newest state differs from the
// older one only by a prune, recover says it undoes the prune, loses no
// position, and exits 0.
func TestRecoverUndoesPrune(t *testing.T) {
	bs, _ := bankLog(smallBank, 100)
	db := dbPath(t)
	run(t, "", "apply", db, jsonLog(t, bs)).ok(t)
	run(t, "", "prune", db, "60").ok(t)
	damage(t, db)
	run(t, "", "recover", db, "--yes").ok(t).says(t,
		"rolling back loses no position: both states are at position 100",
		"it undoes the prune from horizon 0 to 60: history at positions 0..59 becomes readable again",
		"recovered "+db+" to position 100")
	s := open(t, db)
	if s.Horizon() != 0 {
		t.Fatalf("horizon %d after recovery", s.Horizon())
	}
}

// TestRecoverJSON: recover's report as JSON, with the question on standard
// error so that standard output stays one JSON object.
func TestRecoverJSON(t *testing.T) {
	db, _, older, newer := twoCommits(t)
	r := run(t, "", "recover", db, "--format", "json").ok(t)
	r.says(t, `"damaged": false`, fmt.Sprintf(`"position": %d`, newer), `"recovered": false`)
	damage(t, db)
	var out, errb bytes.Buffer
	code := Run([]string{"recover", db, "--format", "json"}, strings.NewReader("y\n"), &out, &errb)
	var rep map[string]any
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || code != ExitFailure {
		t.Fatalf("recover --format json: exit %d, %v:\n%s\nstderr %s", code, err, out.String(), errb.String())
	}
	checkKeys(t, rep)
	lost, _ := rep["positions_lost"].(map[string]any)
	if rep["damaged"] != true || rep["recovered"] != true || rep["older_position"] != float64(older) ||
		rep["newest_position"] != float64(newer) || rep["position"] != float64(older) ||
		lost["first"] != float64(older+1) || lost["last"] != float64(newer) || rep["prune_undone"] != nil {
		t.Fatalf("recover report %v", rep)
	}
	if !strings.Contains(errb.String(), fmt.Sprintf("roll %s back to position %d? ", db, older)) ||
		!strings.Contains(errb.String(), "projstore: recover: recovered to position 200, losing durable positions 201..300") {
		t.Fatalf("stderr %q", errb.String())
	}
}
