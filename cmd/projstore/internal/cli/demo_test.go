package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/projstore/projstore/batch"
)

// TestDemo runs the real demo twice on one file: the first run applies the
// whole log, the second only replays it; both tour the same state, which
// matches the bank's own model.
func TestDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), DefaultDemoPath)
	first := run(t, "", "demo", db).ok(t)
	n := demoConfig.batches
	first.says(t, fmt.Sprintf("applied positions 1..%d in ", n), "synced",
		"Balance of acct-0007 over time", "An account closed along the way",
		"Accounts acct-0010..acct-0019 at position", "Ledger, the last 5 days",
		"Applied digest\n  0x", "The store (Stats)", "Try next\n  projstore get "+db)
	second := run(t, "", "demo", db).ok(t)
	second.says(t, fmt.Sprintf("positions 1..%d already applied: replaying them changed nothing", n))

	// Everything after the apply line is the same on both runs but the
	// cache figures of the run.
	tourOf := func(out string) string {
		i := strings.Index(out, "\nBalance of")
		j := strings.Index(out, "  cache ")
		return out[i:j]
	}
	if tourOf(first.stdout) != tourOf(second.stdout) {
		t.Fatalf("the tours differ:\n%s\n---\n%s", tourOf(first.stdout), tourOf(second.stdout))
	}

	// The store holds the bank's final state, and the balance table what
	// the featured account held at each position shown.
	k := newBank(demoConfig)
	held := map[batch.Offset]string{}
	for pos := batch.Offset(1); pos <= batch.Offset(n); pos++ {
		k.next(pos)
		held[pos] = money(k.balances[demoConfig.featured])
	}
	checkBank(t, db, k)
	rows := 0
	out := first.stdout
	table := out[strings.Index(out, "POSITION"):strings.Index(out, "has had")]
	for _, l := range lines(table)[1 : len(lines(table))-1] {
		f := strings.Fields(l)
		var pos batch.Offset
		fmt.Sscan(f[0], &pos)
		if f[2] != held[pos] {
			t.Fatalf("the tour shows %s at position %d, the bank held %s", f[2], pos, held[pos])
		}
		rows++
	}
	if rows != 7 {
		t.Fatalf("%d rows in the balance table:\n%s", rows, table)
	}
	c := k.closures[0]
	for _, o := range k.closures {
		if dist(o.pos, batch.Offset(n/2)) < dist(c.pos, batch.Offset(n/2)) {
			c = o
		}
	}
	first.says(t, fmt.Sprintf("%s closed at position %d", c.account, c.pos), fmt.Sprintf("at %d: not found", c.pos))
	run(t, "", "check", db).ok(t)
}

// TestDemoResumes: a store holding the start of the demo log is completed.
func TestDemoResumes(t *testing.T) {
	db := dbPath(t)
	bs, _ := bankLog(smallBank, 40)
	run(t, "", "apply", db, jsonLog(t, bs)).ok(t)
	demoOf(t, db, smallBank).says(t, "positions 1..40 already applied; applied 41..300 in ")
	_, k := bankLog(smallBank, smallBank.batches)
	checkBank(t, db, k)
}

func TestDemoRefusesOtherStores(t *testing.T) {
	db := readStore(t) // a different log, at position 6
	r := demoOf(t, db, smallBank)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "holds a different log: its digest at position 6 is 0x") {
		t.Fatalf("demo on another store: exit %d, %q", r.code, r.stderr)
	}
	ahead := dbPath(t)
	bs, _ := bankLog(smallBank, 5)
	run(t, "", "apply", ahead, jsonLog(t, bs)).ok(t)
	r = demoOf(t, ahead, bankConfig{batches: 3, perDay: 30, accounts: 40, keepDays: 3, featured: "acct-0007", seed: 7})
	if r.code != ExitFailure || !strings.Contains(r.stderr, "is at position 5, past the demo log's 3 positions") {
		t.Fatalf("demo on a store past its log: exit %d, %q", r.code, r.stderr)
	}
}

// demoOf runs the demo with another configuration, as Run would.
func demoOf(t *testing.T, path string, cfg bankConfig) result {
	t.Helper()
	var out, errb strings.Builder
	code := ExitOK
	if err := demo(&env{ctx: context.Background(), stdout: &out}, path, cfg); err != nil {
		fmt.Fprintf(&errb, "projstore: demo: %s\n", message(err))
		code = ExitFailure
	}
	return result{out.String(), errb.String(), code}
}
