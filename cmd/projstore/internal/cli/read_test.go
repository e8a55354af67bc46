package cli

import (
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// readLog is a small log with updates, a delete, a drop, a binary key and
// a binary value.
const readLog = `{"pos":1,"ops":[{"op":"put","table":1,"key":"a","value":"1"},{"op":"put","table":1,"key":"b","value":"2"},{"op":"put","table":1,"key":"base64:AP8=","value":"base64:YmluAXZhbA=="}]}
{"pos":2,"ops":[{"op":"put","table":1,"key":"a","value":"10"},{"op":"delete","table":1,"key":"b"}]}
{"pos":3,"ops":[{"op":"put","table":1,"key":"c","value":"3"},{"op":"put","table":2,"key":"x","value":"y"}]}
{"pos":4,"ops":[{"op":"put","table":1,"key":"a","value":"100"}]}
{"pos":5,"ops":[{"op":"drop","table":2}]}
{"pos":6,"ops":[{"op":"put","table":1,"key":"b","value":"20"}]}
`

func readStore(t *testing.T) string {
	t.Helper()
	db := dbPath(t)
	run(t, readLog, "apply", db, "-").ok(t)
	return db
}

func TestGet(t *testing.T) {
	db := readStore(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"1", "a"}, "100\n"},
		{[]string{"1", "a", "--at", "1"}, "1\n"},
		{[]string{"--at", "3", "1", "a"}, "10\n"},
		{[]string{"1", "a", "--at", "6"}, "100\n"},
		{[]string{"1", "b"}, "20\n"},
		{[]string{"1", "b", "--at", "1"}, "2\n"},
		{[]string{"1", "hex:00ff"}, `bin\x01val` + "\n"},
		{[]string{"1", "base64:AP8="}, `bin\x01val` + "\n"},
		{[]string{"1", "hex:00ff", "--raw"}, "bin\x01val"},
		{[]string{"2", "x", "--at", "3"}, "y\n"},
		{[]string{"2", "x", "--at", "4"}, "y\n"},
	} {
		r := run(t, "", append([]string{"get", db}, c.args...)...).ok(t)
		if r.stdout != c.want {
			t.Errorf("get %v = %q, want %q", c.args, r.stdout, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"1", "b", "--at", "3"}, `key "b" not found in table 1 at position 3`},
		{[]string{"1", "zz"}, `key "zz" not found in table 1 at position 6`},
		{[]string{"2", "x"}, `key "x" not found in table 2 at position 6`}, // dropped at 5
		{[]string{"9", "a"}, `key "a" not found in table 9`},               // no such table
		{[]string{"1", "hex:01"}, `key "\x01" not found`},
		{[]string{"1", "a", "--at", "7"}, "position is ahead of the applied position: 7 > 6"},
		{[]string{"1", ""}, "empty key"},
	} {
		run(t, "", append([]string{"get", db}, c.args...)...).fails(t, ExitFailure, "get", c.want)
	}
}

func TestScanTable(t *testing.T) {
	db := readStore(t)
	r := run(t, "", "scan", db, "1").ok(t)
	want := `  KEY       VALUE
  \x00\xff  bin\x01val
  a         100
  b         20
  c         3
4 rows at position 6
`
	if r.stdout != want {
		t.Fatalf("scan:\n%s\nwant:\n%s", r.stdout, want)
	}
	keys := func(args ...string) []string {
		t.Helper()
		r := run(t, "", append([]string{"scan", db}, args...)...).ok(t)
		var out []string
		for _, l := range lines(r.stdout)[1:] {
			if strings.Contains(l, " at position ") {
				break
			}
			out = append(out, strings.Join(strings.Fields(l), "="))
		}
		return out
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"1", "--at", "1"}, []string{`\x00\xff=bin\x01val`, "a=1", "b=2"}},
		{[]string{"1", "--at", "3"}, []string{`\x00\xff=bin\x01val`, "a=10", "c=3"}},
		{[]string{"1", "--start", "a", "--end", "c"}, []string{"a=100", "b=20"}},
		{[]string{"1", "--start", "a", "--end", "c", "--reverse"}, []string{"b=20", "a=100"}},
		{[]string{"1", "--reverse", "--limit", "2"}, []string{"c=3", "b=20"}},
		{[]string{"1", "--limit", "1", "--start", "hex:01"}, []string{"a=100"}},
		{[]string{"1", "--end", "a"}, []string{`\x00\xff=bin\x01val`}},
		{[]string{"2", "--at", "4"}, []string{"x=y"}},
	} {
		if got := keys(c.args...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("scan %v = %q, want %q", c.args, got, c.want)
		}
	}
	run(t, "", "scan", db, "1", "--reverse", "--limit", "2").ok(t).says(t, "2 rows at position 6 (limit reached)")
	// Empty results: a dropped table, a table never written, an empty or
	// inverted range.
	for _, args := range [][]string{{"2"}, {"9"}, {"1", "--start", "c", "--end", "b"}, {"1", "--start", "d"}, {"1", "--at", "0"}} {
		r := run(t, "", append([]string{"scan", db}, args...)...).ok(t)
		if !strings.HasPrefix(r.stdout, "no rows at position ") {
			t.Errorf("scan %v: %q", args, r.stdout)
		}
	}
	run(t, "", "scan", db, "1", "--at", "9").fails(t, ExitFailure, "scan", "ahead of the applied position")
}

func TestScanFormats(t *testing.T) {
	db := readStore(t)
	// Valid UTF-8 stays text, control characters and all; other bytes go
	// to base64.
	want := [][2]string{{"base64:AP8=", "bin\x01val"}, {"a", "100"}, {"b", "20"}, {"c", "3"}}

	r := run(t, "", "scan", db, "1", "--format", "json").ok(t)
	var got [][2]string
	for _, l := range lines(r.stdout) {
		var row map[string]any
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("json line %q: %v", l, err)
		}
		if len(row) != 3 || row["position"] != float64(6) {
			t.Fatalf("json line %q: want position 6, key and value", l)
		}
		got = append(got, [2]string{row["key"].(string), row["value"].(string)})
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("json rows %q, want %q", got, want)
	}

	r = run(t, "", "scan", db, "1", "--format", "csv").ok(t)
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, rec := range recs[1:] {
		if rec[0] != "6" {
			t.Fatalf("csv record %q: position is not 6", rec)
		}
		got = append(got, [2]string{rec[1], rec[2]})
	}
	if !reflect.DeepEqual(recs[0], []string{"position", "key", "value"}) || !reflect.DeepEqual(got, want) {
		t.Fatalf("csv records %q", recs)
	}

	// Empty results in each format.
	if r := run(t, "", "scan", db, "9", "--format", "json").ok(t); r.stdout != "" {
		t.Fatalf("empty json scan: %q", r.stdout)
	}
	if r := run(t, "", "scan", db, "9", "--format", "csv").ok(t); r.stdout != "position,key,value\n" {
		t.Fatalf("empty csv scan: %q", r.stdout)
	}
}

func TestHistory(t *testing.T) {
	db := readStore(t)
	for _, c := range []struct {
		key, footer string
		want        []string
	}{
		{"a", `3 versions of "a" in table 1`, []string{"1 2 1", "2 4 10", "4 - 100"}},
		{"b", `2 versions of "b" in table 1`, []string{"1 2 2", "6 - 20"}},
		{"hex:00ff", `1 version of "\x00\xff" in table 1`, []string{`1 - bin\x01val`}},
	} {
		r := run(t, "", "history", db, "1", c.key).ok(t)
		ls := lines(r.stdout)
		var got []string
		for _, l := range ls[1 : len(ls)-1] {
			got = append(got, strings.Join(strings.Fields(l), " "))
		}
		if !reflect.DeepEqual(got, c.want) || ls[len(ls)-1] != c.footer {
			t.Errorf("history 1 %s:\n%s\nwant rows %q and %q", c.key, r.stdout, c.want, c.footer)
		}
	}
	r := run(t, "", "history", db, "2", "x", "--format", "json").ok(t)
	if r.stdout != `{"created":3,"deleted":5,"value":"y"}`+"\n" {
		t.Fatalf("history json: %q", r.stdout)
	}
	r = run(t, "", "history", db, "1", "a", "--format", "json").ok(t)
	if !strings.HasSuffix(r.stdout, `{"created":4,"deleted":null,"value":"100"}`+"\n") {
		t.Fatalf("history json of a live key: %q", r.stdout)
	}
	run(t, "", "history", db, "1", "nope").ok(t).says(t, `no versions of "nope" in table 1 at positions 1..6`)

	// After pruning, history starts at the horizon.
	run(t, "", "prune", db, "3").ok(t)
	run(t, "", "history", db, "1", "a", "--format", "json").ok(t)
	r = run(t, "", "history", db, "1", "a").ok(t)
	if strings.Contains(r.stdout, "\n      1 ") || !strings.Contains(r.stdout, "100") {
		t.Fatalf("history after prune 3:\n%s", r.stdout)
	}
}

// TestHistoryHook: history goes through versionsOf, which a store method
// will replace; whatever it returns is what the command prints.
func TestHistoryHook(t *testing.T) {
	db := readStore(t)
	old := versionsOf
	defer func() { versionsOf = old }()
	var asked []byte
	versionsOf = func(s *store.Store, tb batch.TableID, key []byte) ([]Version, error) {
		asked = key
		return []Version{
			{Created: 2, Deleted: 5, Value: []byte("same")},
			{Created: 5, Deleted: batch.MaxOffset, Value: []byte("same")},
		}, nil
	}
	r := run(t, "", "history", db, "1", "hex:6b").ok(t)
	if string(asked) != "k" || !strings.Contains(r.stdout, "2 versions") || strings.Count(r.stdout, "same") != 2 {
		t.Fatalf("history through a replaced versionsOf (asked %q):\n%s", asked, r.stdout)
	}
}
