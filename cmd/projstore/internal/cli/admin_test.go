package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/cmd/projstore/internal/inspect"
	"github.com/projstore/projstore/page"
)

// twoCommits applies the small bank log in two runs, so the file holds two
// committed states, and returns the store's path, the log and the
// positions of the two states.
func twoCommits(t *testing.T) (db string, bs []*batch.WriteBatch, older, newer batch.Offset) {
	t.Helper()
	bs, _ = bankLog(smallBank, smallBank.batches)
	db = dbPath(t)
	run(t, "", "apply", db, jsonLog(t, bs[:200])).ok(t)
	run(t, "", "apply", db, jsonLog(t, bs[200:])).ok(t)
	return db, bs, 200, 300
}

// damage flips a byte of the newest state's catalog root, a page the
// older state does not use (shadow paging never overwrites it), and
// returns its id.
func damage(t *testing.T, db string) uint64 {
	t.Helper()
	f, err := inspect.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	newest, older := f.Newest(), f.Slots.SB[0]
	if older == newest {
		older = f.Slots.SB[1]
	}
	f.Close()
	if newest.Catalog == older.Catalog {
		t.Fatalf("both states share catalog page %d", newest.Catalog)
	}
	flip(t, db, newest.Catalog)
	return newest.Catalog
}

func flip(t *testing.T, db string, id uint64) {
	t.Helper()
	img, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	img[int(id)*page.Size+page.Size/2] ^= 0x55
	if err := os.WriteFile(db, img, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	db, _, older, newer := twoCommits(t)
	run(t, "", "check", db).ok(t).says(t,
		fmt.Sprintf("superblock slot 1: generation 3, position %d (newest)", newer),
		fmt.Sprintf("superblock slot 0: generation 2, position %d", older),
		fmt.Sprintf("ok: %s at position %d: ", db, newer), "every page and invariant checks out")

	id := damage(t, db)
	run(t, "", "check", db).
		fails(t, ExitFailure, "check", fmt.Sprintf("%s: corrupt page %d: checksum mismatch", db, id)).
		says(t, fmt.Sprintf("the newest state (position %d) is damaged", newer),
			fmt.Sprintf("the older state (position %d) checks out: 'projstore recover %s'", older, db))

	// The same as JSON: exit 1, and the older state's verdict.
	r := run(t, "", "check", db, "--format", "json").fails(t, ExitFailure, "check", fmt.Sprintf("corrupt page %d", id))
	var rep checkReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("check --format json: %v\n%s", err, r.stdout)
	}
	if rep.OK || rep.Position != uint64(newer) || !strings.Contains(rep.Error, "checksum mismatch") ||
		rep.Older == nil || !rep.Older.OK || rep.Older.Position != uint64(older) || len(rep.Slots) != 2 {
		t.Fatalf("check --format json of a damaged store: %+v", rep)
	}

	// Reads that reach the damaged page fail with it, never with data.
	run(t, "", "get", db, "1", "acct-0007").fails(t, ExitFailure, "get", fmt.Sprintf("corrupt page %d", id))
	run(t, "", "scan", db, "2").fails(t, ExitFailure, "scan", fmt.Sprintf("corrupt page %d", id))
	run(t, "", "stats", db).fails(t, ExitFailure, "stats", fmt.Sprintf("corrupt page %d", id))

	// A fresh store: slot 0 is not written yet.
	fresh := dbPath(t)
	run(t, `{"pos":1}`, "apply", fresh, "-").ok(t)
	run(t, "", "check", fresh).ok(t).says(t, "superblock slot 1: generation 1, position 0", "slot 0: generation 2, position 1 (newest)")
}

// TestCheckTornSuperblock: a damaged superblock slot is reported, but the
// store opens the other one and is sound.
func TestCheckTornSuperblock(t *testing.T) {
	db, _, older, _ := twoCommits(t)
	flip(t, db, 1) // the newest slot (generation 3)
	run(t, "", "check", db).ok(t).says(t, "superblock slot 1: unusable: corrupt page 1: checksum mismatch",
		fmt.Sprintf("slot 0: generation 2, position %d (newest)", older), fmt.Sprintf("at position %d", older))
}

func TestRecover(t *testing.T) {
	db, bs, older, newer := twoCommits(t)
	// A sound store: nothing to do, nothing changed.
	before, _ := os.ReadFile(db)
	run(t, "", "recover", db).ok(t).says(t, fmt.Sprintf("(position %d) checks out: nothing to recover", newer))
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Fatal("recover changed a sound store")
	}

	damage(t, db)
	damaged, _ := os.ReadFile(db)
	for _, answer := range []string{"", "n\n", "nope\n"} {
		run(t, answer, "recover", db).
			fails(t, ExitFailure, "recover", "not confirmed: nothing changed").
			says(t, fmt.Sprintf("the newest state of %s (position %d) is damaged: corrupt page", db, newer),
				fmt.Sprintf("the older state (position %d) checks out", older),
				fmt.Sprintf("roll %s back to position %d?", db, older))
		if now, _ := os.ReadFile(db); !bytes.Equal(now, damaged) {
			t.Fatalf("recover without confirmation (%q) changed the file", answer)
		}
	}
	run(t, "yes\n", "recover", db).
		fails(t, ExitFailure, "recover", fmt.Sprintf("recovered to position %d, losing durable positions %d..%d: apply them again from the log", older, older+1, newer)).
		says(t, fmt.Sprintf("rolling back loses positions %d..%d (applied and durable in the newest state, position %d; the older state is at %d)", older+1, newer, newer, older),
			fmt.Sprintf("recovered %s to position %d: apply the log from position %d on", db, older, older+1))
	run(t, "", "check", db).ok(t).says(t, fmt.Sprintf("at position %d", older))
	// Replaying the log brings the store back to where it was.
	_, k := bankLog(smallBank, smallBank.batches)
	run(t, "", "apply", db, jsonLog(t, bs)).ok(t).says(t, fmt.Sprintf("applied positions %d..%d", older+1, newer))
	checkBank(t, db, k)
	run(t, "", "check", db).ok(t)
}

// TestRecoverBothDamaged: when the older state is damaged too, recover
// says so and changes nothing.
func TestRecoverBothDamaged(t *testing.T) {
	db, _, _, _ := twoCommits(t)
	f, err := inspect.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	n := f.NumPages()
	f.Close()
	for id := uint64(2); id < n; id++ {
		flip(t, db, id)
	}
	damaged, _ := os.ReadFile(db)
	run(t, "", "recover", db, "--yes").fails(t, ExitFailure, "recover", "cannot recover "+db+": the older state is damaged too: corrupt page")
	if now, _ := os.ReadFile(db); !bytes.Equal(now, damaged) {
		t.Fatal("a failed recover changed the file")
	}
	run(t, "", "check", db).fails(t, ExitFailure, "check", "corrupt page").says(t, "the older state cannot take over either")
}

func TestStats(t *testing.T) {
	db, _, _, newer := twoCommits(t)
	s := open(t, db)
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	fi, _ := os.Stat(db)
	r := run(t, "", "stats", db).ok(t)
	r.says(t,
		fmt.Sprintf("(%s bytes, %s pages)", commas(uint64(fi.Size())), commas(st.PageCount)),
		fmt.Sprintf("position  %d applied, horizon 0", newer),
		fmt.Sprintf("rows      %s live", commas(st.Rows)),
		fmt.Sprintf("versions  %s closed versions", commas(st.Versions)),
		fmt.Sprintf("%s leaf, %s overflow", commas(st.Pages.Leaf), commas(st.Pages.Overflow)),
		fmt.Sprintf("%.2fx amplification", float64(fi.Size())/float64(st.LogicalBytes)),
		fmt.Sprintf("tallest table tree %d", st.MaxHeight),
		"3 live, 0 dropped")

	r = run(t, "", "stats", db, "--format", "json").ok(t)
	var got struct {
		Position           uint64  `json:"position"`
		Digest             string  `json:"digest"`
		Rows               uint64  `json:"rows"`
		Versions           uint64  `json:"versions"`
		FileBytes          int64   `json:"file_bytes"`
		SpaceAmplification float64 `json:"space_amplification"`
		Pages              struct {
			Leaf     uint64 `json:"leaf"`
			Overflow uint64 `json:"overflow"`
		} `json:"pages"`
		IO struct {
			PageReads uint64 `json:"page_reads"`
		} `json:"io"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stats --format json: %v\n%s", err, r.stdout)
	}
	if got.Position != uint64(newer) || got.Digest != fmt.Sprintf("0x%016x", st.Digest) ||
		got.Rows != st.Rows || got.Versions != st.Versions || got.Pages.Leaf != st.Pages.Leaf ||
		got.FileBytes != fi.Size() || got.SpaceAmplification <= 1 {
		t.Fatalf("stats --format json %+v, store %+v", got, st)
	}
	// The I/O figures are read after the walk that caused them: a freshly
	// opened store reads every page it walks.
	if got.IO.PageReads < st.Pages.Leaf {
		t.Fatalf("stats counts %d page reads for a walk over %d leaves", got.IO.PageReads, st.Pages.Leaf)
	}
	// Every key is lower-case snake_case, at every depth.
	var raw map[string]any
	json.Unmarshal([]byte(r.stdout), &raw)
	checkKeys(t, raw)
	// --json is kept as another spelling of --format json.
	if r2 := run(t, "", "stats", db, "--json").ok(t); r2.stdout != r.stdout {
		t.Fatalf("--json differs from --format json:\n%s\n%s", r2.stdout, r.stdout)
	}
}

// checkKeys fails the test unless every key of v, at every depth, is lower-case
// snake_case.
func checkKeys(t *testing.T, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !snake.MatchString(k) {
				t.Fatalf("JSON key %q is not lower-case snake_case", k)
			}
			checkKeys(t, x)
		}
	case []any:
		for _, x := range v {
			checkKeys(t, x)
		}
	}
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

func TestPrune(t *testing.T) {
	db, _, _, newer := twoCommits(t)
	s := open(t, db)
	before, _ := s.Stats()
	v, err := s.GetAt(accountsTable, []byte("acct-0007"), 100)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	run(t, "", "get", db, "1", "acct-0007", "--at", "100").ok(t).says(t, string(v))

	r := run(t, "", "prune", db, "150").ok(t)
	s = open(t, db)
	after, _ := s.Stats()
	s.Close()
	if after.Horizon != 150 || after.Versions >= before.Versions || after.Pages.Free == 0 {
		t.Fatalf("after prune: %+v (before %+v)", after, before)
	}
	r.says(t, fmt.Sprintf("horizon 0 -> 150: history versions %s -> %s", commas(before.Versions), commas(after.Versions)))
	run(t, "", "get", db, "1", "acct-0007", "--at", "100").fails(t, ExitFailure, "get", "position is below the retention horizon: 100 < 150")
	run(t, "", "get", db, "1", "acct-0007", "--at", "150").ok(t)
	run(t, "", "scan", db, "1", "--at", "149").fails(t, ExitFailure, "scan", "below the retention horizon")
	run(t, "", "prune", db, "120").ok(t).says(t, "the horizon is already 150: nothing to prune")
	run(t, "", "prune", db, fmt.Sprint(newer+1)).fails(t, ExitFailure, "prune", fmt.Sprintf("prune horizon %d > %d", newer+1, newer))
	run(t, "", "check", db).ok(t)
}

func TestPages(t *testing.T) {
	db, _, _, _ := twoCommits(t)
	f, err := inspect.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	n, sb := f.NumPages(), f.Newest()
	f.Close()
	r := run(t, "", "pages", db).ok(t)
	checkPagesJSON(t, db, n, -1)
	ls := lines(r.stdout)
	if uint64(len(ls)) != n+2 {
		t.Fatalf("%d lines for %d pages:\n%s", len(ls), n, r.stdout)
	}
	if !strings.HasPrefix(strings.TrimSpace(ls[0]), "ID  TYPE") {
		t.Fatalf("header %q", ls[0])
	}
	catalog := strings.Fields(ls[1+sb.Catalog])
	if catalog[0] != fmt.Sprint(sb.Catalog) || catalog[1] != "leaf" || catalog[2] != fmt.Sprint(sb.Generation) {
		t.Fatalf("catalog page line %q", ls[1+sb.Catalog])
	}
	r.says(t, fmt.Sprintf("%s pages in %s bytes; the newest superblock (generation %d, position 300)", commas(n), commas(n*page.Size), sb.Generation))
	if strings.Contains(r.stdout, "CORRUPT") {
		t.Fatalf("a sound file lists corrupt pages:\n%s", r.stdout)
	}

	id := damage(t, db)
	r = run(t, "", "pages", db).fails(t, ExitFailure, "pages", fmt.Sprintf("1 page of %s fail verification", commas(n)))
	bad := lines(r.stdout)[1+id]
	if !strings.Contains(bad, "CORRUPT: corrupt page "+fmt.Sprint(id)+": checksum mismatch") {
		t.Fatalf("damaged page listed as %q", bad)
	}
	r.says(t, "; 1 fail verification")
	checkPagesJSON(t, db, n, int(id))
}

// checkPagesJSON runs pages --format json on db, of n pages, and checks
// that it lists every page and that only page bad (-1: none) has an error.
func checkPagesJSON(t *testing.T, db string, n uint64, bad int) {
	t.Helper()
	r := run(t, "", "pages", db, "--format", "json")
	if want := map[bool]int{true: ExitOK, false: ExitFailure}[bad < 0]; r.code != want {
		t.Fatalf("pages --format json: exit %d, want %d: %s", r.code, want, r.stderr)
	}
	ls := lines(r.stdout)
	if uint64(len(ls)) != n {
		t.Fatalf("pages --format json: %d lines for %d pages", len(ls), n)
	}
	for i, l := range ls {
		var p map[string]any
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("line %d %q: %v", i, l, err)
		}
		checkKeys(t, p)
		if p["id"] != float64(i) || p["type"] == "" {
			t.Fatalf("line %d %q", i, l)
		}
		if _, hasErr := p["error"]; hasErr != (i == bad) {
			t.Fatalf("line %d %q: error present %v, want %v", i, l, hasErr, i == bad)
		}
	}
}

func TestPage(t *testing.T) {
	db, _, _, _ := twoCommits(t)
	run(t, "", "page", db, "1").ok(t).says(t, "type        superblock", "generation   3", "applied      300", "verify      ok")
	f, _ := inspect.Open(db)
	sb := f.Newest()
	f.Close()
	run(t, "", "page", db, fmt.Sprint(sb.Catalog)).ok(t).says(t, "type        leaf", "cell 0 @", "stamp 0 value 56 bytes")
	run(t, "", "page", db, "99999").fails(t, ExitFailure, "page", "no such page")
	pageJSON := func(id uint64, flags ...string) inspect.PageJSON {
		t.Helper()
		r := run(t, "", append([]string{"page", db, fmt.Sprint(id), "--format", "json"}, flags...)...).ok(t)
		var raw map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
			t.Fatalf("page %d --format json: %v\n%s", id, err, r.stdout)
		}
		checkKeys(t, raw)
		var j inspect.PageJSON
		json.Unmarshal([]byte(r.stdout), &j)
		return j
	}
	if j := pageJSON(1); j.Type != "superblock" || j.Superblock == nil || j.Superblock.Position != 300 || j.Superblock.Generation != 3 || j.Error != "" {
		t.Fatalf("superblock page as JSON: %+v", j)
	}
	cat := pageJSON(sb.Catalog)
	if cat.Type != "leaf" || len(cat.Cells) != cat.Count || cat.Count == 0 || cat.Cells[0].Key == nil || cat.Cells[0].ValueLength == nil || *cat.Cells[0].ValueLength != 56 || cat.Cells[0].Value == nil {
		t.Fatalf("catalog page as JSON: %+v", cat)
	}
	id := damage(t, db)
	run(t, "", "page", db, fmt.Sprint(id)).ok(t).says(t, "verify      FAILED: checksum mismatch", "stored,")
	if j := pageJSON(id); j.Error != "checksum mismatch" || j.CRCStored == j.CRCComputed {
		t.Fatalf("damaged page as JSON: %+v", j)
	}
}
