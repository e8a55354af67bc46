package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as the harness's child process, as
// the bench binary does: run re-executes os.Executable with -child.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-child" {
		if err := child(os.Args[2:], os.Stdout); err != nil {
			os.Stderr.WriteString("bench child: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// long reports whether PROJSTORE_LONG=1 asks for the long runs.
func long() bool { return os.Getenv("PROJSTORE_LONG") == "1" }

// TestQuick runs the harness end to end, large data set included, and
// checks that every engine produced a row without error for every
// workload, in the JSON file and in the Markdown table. By default it runs
// a cut-down -quick; PROJSTORE_LONG=1 runs -quick as is (about a minute).
func TestQuick(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	args := []string{"-quick", "-large", "-tuned", "-dir", filepath.Join(dir, "data"), "-json", out}
	if !long() {
		args = append(args, "-keys", "2000", "-duration", "20ms", "-scale", "0.02")
	}
	var stdout, stderr bytes.Buffer
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	all, large, err := selectWorkloads("all")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range largeWorkloads {
		large[w.name] = true
	}
	rows := append(expandWanted("main", all), expandWanted("large", large)...)
	if len(rows) < len(workloads)+len(largeWorkloads) {
		t.Fatalf("only %d rows expected: %v", len(rows), rows)
	}
	table := stdout.String()
	if want := []string{cfgDefaults, cfgTuned}; !slices.Equal(rep.Configs, want) {
		t.Errorf("configs %v, want %v", rep.Configs, want)
	}
	for _, cfg := range rep.Configs {
		for _, e := range engines {
			for _, w := range rows {
				var got *Result
				for i := range rep.Results {
					if r := &rep.Results[i]; r.Config == cfg && r.Engine == e.name && r.Workload == w {
						if got != nil {
							t.Errorf("%s %s %s: two rows", cfg, e.name, w)
						}
						got = r
					}
				}
				switch {
				case got == nil:
					t.Errorf("%s %s %s: no row", cfg, e.name, w)
					continue
				case got.Error != "":
					t.Errorf("%s %s %s: %s", cfg, e.name, w, got.Error)
					continue
				case got.Ops <= 0 || got.OpsPerSec <= 0 || got.P50Ns <= 0 || got.P99Ns < got.P50Ns:
					t.Errorf("%s %s %s: implausible numbers %+v", cfg, e.name, w, *got)
				case got.DiskBytes <= 0 || got.PeakRSS <= 0:
					t.Errorf("%s %s %s: no disk or RSS figure %+v", cfg, e.name, w, *got)
				case w == "update" && (got.ClosedBytes <= 0 || got.ClosedApparentBytes <= 0):
					t.Errorf("%s %s: no bytes on disk after close %+v", cfg, e.name, *got)
				}
				if !strings.Contains(table, "| "+w+" | "+e.name+" | ") {
					t.Errorf("%s %s: no row in the table", e.name, w)
				}
			}
		}
	}
	// The headline comes first, every summary row filled in: a "–" would
	// mean an engine's figure or ratio is missing.
	d, tu := strings.Index(table, "own defaults (headline)"), strings.Index(table, "### Tuned")
	if d < 0 || tu < d {
		t.Errorf("want the defaults section, then the tuned one")
	}
	for _, label := range []string{"| load | ", "| apply1000-sync | ", "| bytes on disk, sum of file sizes", "| peak RSS (largest"} {
		n := 0
		for line := range strings.Lines(table) {
			// The detail rows of the same workload name an engine.
			detail := slices.ContainsFunc(engines, func(e engineSpec) bool { return strings.Contains(line, "| "+e.name+" |") })
			if strings.HasPrefix(line, label) && !detail {
				n++
			}
		}
		if n != 2 {
			t.Errorf("summary row %q appears %d times, want once per configuration", label, n)
		}
	}
	for line := range strings.Lines(table) {
		if strings.HasPrefix(line, "| ") && strings.Contains(line, "–") {
			t.Errorf("summary row with a gap: %s", line)
		}
	}
	if t.Failed() {
		t.Logf("table:\n%s\nstderr:\n%s", table, stderr.String())
	}
}

func TestSelect(t *testing.T) {
	if _, _, err := selectWorkloads("get,nope"); err == nil {
		t.Error("selectWorkloads accepted an unknown workload")
	}
	m, l, err := selectWorkloads("get, large")
	if err != nil || !m["get"] || len(m) != 1 || len(l) != len(largeWorkloads) {
		t.Errorf("selectWorkloads(get, large) = %v, %v, %v", m, l, err)
	}
	if _, err := selectEngines("pebble,leveldb"); err == nil {
		t.Error("selectEngines accepted an unknown engine")
	}
	es, err := selectEngines("badger,projstore")
	if err != nil || len(es) != 2 || es[0].name != "projstore" || es[1].name != "badger" {
		t.Errorf("selectEngines(badger,projstore) = %v, %v", es, err)
	}
	if err := run([]string{"-engines", "nope"}, new(bytes.Buffer), new(bytes.Buffer)); err == nil {
		t.Error("run accepted -engines nope")
	}
	h, _, err := selectWorkloads("headline")
	if err != nil || len(h) != len(headline) || !h["update"] || !h["apply1000-sync"] {
		t.Errorf("selectWorkloads(headline) = %v, %v", h, err)
	}
	if c, err := selectConfigs("tuned,defaults"); err != nil || !slices.Equal(c, []string{cfgDefaults, cfgTuned}) {
		t.Errorf("selectConfigs(tuned,defaults) = %v, %v", c, err)
	}
	if _, err := selectConfigs("fast"); !errors.Is(err, ErrUnknownConfig) {
		t.Errorf("selectConfigs(fast) = %v, want ErrUnknownConfig", err)
	}
	if err := run([]string{"-configs", "fast"}, new(bytes.Buffer), new(bytes.Buffer)); err == nil {
		t.Error("run accepted -configs fast")
	}
}

// TestDiskUsage checks the bytes-on-disk accounting on a directory whose
// contents are known: a dense file, one in a subdirectory, and a sparse
// one, whose apparent size counts in full and whose blocks do not.
func TestDiskUsage(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte{7}, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a", 10_000)
	write("sub/b", 5_000)
	alloc, apparent, err := diskUsage(dir)
	if err != nil {
		t.Fatal(err)
	}
	if apparent != 15_000 {
		t.Errorf("apparent %d, want 15000", apparent)
	}
	// Blocks round each file up; no file system takes more than a few
	// blocks of 64 KiB for these two.
	if alloc < 15_000 || alloc > 15_000+2*64<<10 {
		t.Errorf("allocated %d, want about 15000", alloc)
	}
	f, err := os.Create(filepath.Join(dir, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	alloc2, apparent2, err := diskUsage(dir)
	if err != nil {
		t.Fatal(err)
	}
	if apparent2 != apparent+64<<20 {
		t.Errorf("apparent with the sparse file %d, want %d", apparent2, apparent+64<<20)
	}
	if alloc2 >= apparent2 {
		t.Errorf("allocated %d with a 64 MiB hole: the hole was counted", alloc2)
	}
	if n, err := dirSize(dir); err != nil || n != alloc2 {
		t.Errorf("dirSize = %d, %v; want %d", n, err, alloc2)
	}
	if _, _, err := diskUsage(filepath.Join(dir, "missing")); err == nil {
		t.Error("diskUsage of a missing directory: no error")
	}
}

// TestSummary checks the headline's arithmetic on made-up results:
// throughput ratios are projstore ÷ peer ops/s, bytes and RSS ratios
// projstore ÷ peer bytes, and a missing figure shows as a gap, not 0.
func TestSummary(t *testing.T) {
	rep := &Report{Configs: []string{cfgDefaults}, Engines: []string{"projstore", "pebble"}, Params: defaultParams(true)}
	add := func(engine, workload string, ops float64, closed, rss int64) {
		rep.Results = append(rep.Results, Result{Config: cfgDefaults, Engine: engine, Workload: workload, Ops: 1,
			OpsPerSec: ops, ClosedBytes: closed, ClosedApparentBytes: closed, PeakRSS: rss})
	}
	add("projstore", "load", 300, 0, 10<<20)
	add("pebble", "load", 100, 0, 40<<20)
	add("projstore", "update", 50, 30<<20, 10<<20)
	add("pebble", "update", 100, 10<<20, 5<<20)
	add("projstore", "get", 100, 0, 10<<20)
	var b strings.Builder
	writeSummary(&b, rep, cfgDefaults)
	out := b.String()
	for _, want := range []string{
		"| load | 300 ops/s | 100 ops/s | 3.00× |",
		"| update | 50 ops/s | 100 ops/s | 0.50× |",
		"| get | 100 ops/s | – | – |",
		"| bytes on disk, sum of file sizes (after update, closed) | 30.0 MiB | 10.0 MiB | 3.00× |",
		"| peak RSS (largest of any workload) | 10.0 MiB | 40.0 MiB | 0.25× |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}
