package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
)

func TestHelp(t *testing.T) {
	over := run(t, "", "help").ok(t)
	for _, c := range commands {
		over.says(t, "  "+c.name+" ")
		for _, args := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {"help", c.name}} {
			r := run(t, "", args...).ok(t)
			r.says(t, "Usage: projstore "+c.name, "Examples:\n  projstore ")
			var hasFlags bool
			fs := flag.NewFlagSet("", flag.ContinueOnError)
			c.define(fs, &env{})
			fs.VisitAll(func(f *flag.Flag) {
				hasFlags = true
				if len(f.Name) == 1 {
					r.says(t, "  -"+f.Name+" ")
				} else {
					r.says(t, "  --"+f.Name+" ")
				}
			})
			if c.opens != strings.Contains(r.stdout, "  --timeout DURATION ") {
				t.Fatalf("%s: opens a store %v, but its help says of --timeout:\n%s", c.name, c.opens, r.stdout)
			}
			if takesArgs(c) != strings.Contains(r.stdout, "goes after '--'") {
				t.Fatalf("%s: takes arguments %v, but its help says of '--':\n%s", c.name, takesArgs(c), r.stdout)
			}
			if hasFlags {
				r.says(t, "Flags:")
			}
		}
	}
	// Help comes after other arguments too.
	run(t, "", "get", "x.db", "--help").ok(t).says(t, "Usage: projstore get")
	run(t, "", "--help").ok(t).says(t, "Commands:")

	r := run(t, "")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "Commands:") || r.stdout != "" {
		t.Fatalf("no arguments: exit %d, stderr %q", r.code, r.stderr)
	}
	run(t, "", "frobnicate").fails(t, ExitUsage, "", `unknown command "frobnicate"`)
	run(t, "", "help", "frobnicate").fails(t, ExitUsage, "help", `unknown command "frobnicate"`)
}

func TestVersion(t *testing.T) {
	r := run(t, "", "version").ok(t)
	r.says(t, "projstore ", fmt.Sprintf("file format %d", superblock.Version), "binary log format 1", "go1.", "CRC32C ", "key search kernel "+btree.SearchKernel())
	if r2 := run(t, "", "--version").ok(t); r2.stdout != r.stdout {
		t.Fatalf("--version says %q, version says %q", r2.stdout, r.stdout)
	}
	old := Release
	Release = "v9.8.7"
	defer func() { Release = old }()
	run(t, "", "version").ok(t).says(t, "projstore v9.8.7 ")
	run(t, "", "version", "extra").fails(t, ExitUsage, "version", "too many arguments")
}

// TestUsageErrors runs every kind of bad command line: each is exit 2 with
// one line naming the command, and none touches the file system.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"get", db, "1", "k", "--nosuch"}, "flag provided but not defined: -nosuch"},
		{[]string{"get", db, "1"}, "missing arguments"},
		{[]string{"get", db, "1", "k", "extra"}, `too many arguments: "extra"`},
		{[]string{"get", db, "one", "k"}, `TABLE must be a table number, not "one"`},
		{[]string{"get", db, "-1", "k"}, "flag provided but not defined: -1"},
		{[]string{"get", db, "1", "k", "--at", "soon"}, `invalid value "soon" for flag -at`},
		{[]string{"get", db, "1", "hex:zz"}, `KEY: bad hex in "hex:zz"`},
		{[]string{"get", db, "1", "base64:!!"}, `KEY: bad base64`},
		{[]string{"scan", db, "1", "--format", "xml"}, `unknown format "xml" (want table, json or csv)`},
		{[]string{"scan", db, "1", "--limit", "-3"}, "--limit must not be negative"},
		{[]string{"scan", db, "1", "--limit"}, "flag needs an argument: -limit"},
		{[]string{"scan", db}, "missing arguments"},
		{[]string{"history", db, "1", "k", "--format", "csv"}, `unknown format "csv" (want table or json)`},
		{[]string{"apply", db}, "missing arguments"},
		{[]string{"apply", db, "log", "--sync-every", "-1"}, "--sync-every must not be negative"},
		{[]string{"apply", db, "log", "--sync-every", "often"}, `invalid value "often"`},
		{[]string{"prune", db, "yesterday"}, `HORIZON must be a log position (a number), not "yesterday"`},
		{[]string{"page", db, "first"}, `ID must be a page number, not "first"`},
		{[]string{"check"}, "missing arguments"},
		{[]string{"stats", db, db}, "too many arguments"},
		{[]string{"demo", db, db}, "too many arguments"},
		{[]string{"recover", db, "--yes=maybe"}, `invalid boolean value "maybe"`},
	} {
		r := run(t, "", c.args...)
		r.fails(t, ExitUsage, c.args[0], c.want)
		if !strings.Contains(r.stderr, "(see 'projstore "+c.args[0]+" -h')") {
			t.Fatalf("%v: usage error does not point at the help: %q", c.args, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("usage errors left files behind: %v", entries)
	}
}

// TestMissingFile: commands that read a store fail on a missing one, and
// do not create it.
func TestMissingFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "missing.db")
	for _, args := range everyOpeningCommand(db, dir) {
		if args[0] == "apply" || args[0] == "demo" || args[0] == "sql" {
			continue // they create a store
		}
		run(t, "", args...).fails(t, ExitFailure, args[0], db+": no such file")
	}
	run(t, "", "apply", db, filepath.Join(dir, "no.log")).fails(t, ExitFailure, "apply", "no such file or directory")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("commands on a missing file created %v", entries)
	}
	// A directory is not a store either.
	run(t, "", "stats", dir).fails(t, ExitFailure, "stats", "is a directory")
}

// TestNotAStore: a file that is not a projstore file is refused cleanly.
func TestNotAStore(t *testing.T) {
	path := writeFile(t, "notes.txt", []byte(strings.Repeat("not a database\n", 1000)))
	for _, args := range [][]string{
		{"get", path, "1", "k"},
		{"scan", path, "1"},
		{"check", path},
		{"stats", path},
		{"recover", path},
	} {
		run(t, "", args...).fails(t, ExitFailure, args[0], "not a projstore file")
	}
	// The raw page commands refuse it too.
	run(t, "", "pages", path).fails(t, ExitFailure, "pages", path+": not a projstore file")
	run(t, "", "page", path, "3").fails(t, ExitFailure, "page", path+": not a projstore file")
}

// TestNotAStoreAnySize: a file of another program, whatever its size and
// contents, is "not a projstore file" (store.ErrNotDatabase) to every
// command, never corruption, and is left as it was.
func TestNotAStoreAnySize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	files := map[string][]byte{
		"one byte":            []byte("x"),
		"short text":          []byte("#!/bin/sh\necho hello\n"),
		"a page less one":     random(page.Size - 1),
		"one page":            random(page.Size),
		"a page and a half":   random(page.Size + page.Size/2),
		"two pages":           random(2 * page.Size),
		"two pages and a bit": random(2*page.Size + 1),
		"a megabyte":          random(1 << 20),
		"three zero pages":    make([]byte, 3*page.Size),
		"text":                []byte(strings.Repeat("not a database\n", 1000)),
	}
	dir := t.TempDir()
	var paths []string
	for name, data := range files {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	// A huge file: sparse, 64 MiB of zeros.
	huge := filepath.Join(dir, "huge")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 64<<20); err != nil {
		t.Fatal(err)
	}
	paths = append(paths, huge)
	for _, path := range paths {
		before, _ := os.ReadFile(path)
		for _, args := range everyOpeningCommand(path, t.TempDir()) {
			r := run(t, "", args...)
			r.fails(t, ExitFailure, args[0], path+": not a projstore file")
			if strings.Contains(r.stderr, "corrupt") {
				t.Fatalf("%v: %s", args, r.stderr)
			}
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Fatalf("%s was changed", path)
		}
		if _, err := store.Open(path, &store.Options{ReadOnly: true}); !errors.Is(err, store.ErrNotDatabase) || errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("store.Open(%s) = %v, want ErrNotDatabase", path, err)
		}
	}
	// Files that may be a store whose creation was interrupted (zeros, at
	// most two pages) are still not stores to the commands that only read,
	// and are still initialised by the commands that create a store.
	for _, n := range []int{0, 100, page.Size, 2 * page.Size} {
		path := writeFile(t, "creating.db", make([]byte, n))
		run(t, "", "stats", path).fails(t, ExitFailure, "stats", "not a projstore file")
		run(t, "", "prune", path, "1").fails(t, ExitFailure, "prune", "not a projstore file")
		if now, _ := os.ReadFile(path); !bytes.Equal(now, make([]byte, n)) {
			t.Fatalf("prune changed %d zero bytes", n)
		}
		run(t, `{"pos":1}`, "apply", path, "-").ok(t)
		run(t, "", "check", path).ok(t)
	}
}

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		pos  []string
		at   string
		rev  bool
	}{
		{[]string{"db", "1", "--at", "5"}, []string{"db", "1"}, "5", false},
		{[]string{"--at=5", "db", "--reverse", "1"}, []string{"db", "1"}, "5", true},
		{[]string{"db", "--", "-k", "--at"}, []string{"db", "-k", "--at"}, "", false},
		{[]string{"-", "x"}, []string{"-", "x"}, "", false},
		{nil, nil, "", false},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		at := fs.String("at", "", "")
		rev := fs.Bool("reverse", false, "")
		pos, err := parseFlags(fs, c.args)
		if err != nil || !reflect.DeepEqual(pos, c.pos) || *at != c.at || *rev != c.rev {
			t.Errorf("parseFlags(%q) = %q, at %q, reverse %v, %v", c.args, pos, *at, *rev, err)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	if _, err := parseFlags(fs, []string{"x", "-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h after an argument: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	for in, want := range map[string]string{
		"acct-1":          "acct-1",
		"":                "",
		"hex:00ff41":      "\x00\xffA",
		"hex:":            "",
		"base64:AP9B":     "\x00\xffA",
		"base64:AP8":      "\x00\xff",
		"é":               "é",
		"hexagon":         "hexagon",
		"base64-ish:text": "base64-ish:text",
	} {
		got, err := ParseKey(in)
		if err != nil || string(got) != want {
			t.Errorf("ParseKey(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"hex:0", "hex:zz", "base64:***"} {
		if _, err := ParseKey(in); err == nil {
			t.Errorf("ParseKey(%q) accepted", in)
		}
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", 100000: "100,000"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 20: "3.0 MiB", 5 << 30: "5.0 GiB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
	for c, want := range map[int64]string{0: "0.00", 5: "0.05", 123456: "1234.56"} {
		if got := cents(c); got != want {
			t.Errorf("cents(%d) = %q, want %q", c, got, want)
		}
	}
	if got := balance([]byte("1234567.05")); got != "1,234,567.05" {
		t.Errorf("balance = %q", got)
	}
	if got := show([]byte("ab\x00cdefgh"), 4); got != `ab\x… (9 bytes)` {
		t.Errorf("show cut = %q", got)
	}
	g := newGrid([]int{1}, "NAME", "N")
	g.add("a", "1")
	g.add("long name", "12345")
	want := "  NAME           N\n  a              1\n  long name  12345\n"
	if got := g.String(); got != want {
		t.Errorf("grid:\n%s\nwant:\n%s", got, want)
	}
	if got := message(errors.New("projstore: open x: projstore: corrupt page 3:\nreason")); got != "open x: corrupt page 3:; reason" {
		t.Errorf("message = %q", got)
	}
}
