package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
	args := []string{"-quick", "-large", "-dir", filepath.Join(dir, "data"), "-json", out}
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
	for _, e := range engines {
		for _, w := range rows {
			var got *Result
			for i := range rep.Results {
				if r := &rep.Results[i]; r.Engine == e.name && r.Workload == w {
					if got != nil {
						t.Errorf("%s %s: two rows", e.name, w)
					}
					got = r
				}
			}
			switch {
			case got == nil:
				t.Errorf("%s %s: no row", e.name, w)
				continue
			case got.Error != "":
				t.Errorf("%s %s: %s", e.name, w, got.Error)
				continue
			case got.Ops <= 0 || got.OpsPerSec <= 0 || got.P50Ns <= 0 || got.P99Ns < got.P50Ns:
				t.Errorf("%s %s: implausible numbers %+v", e.name, w, *got)
			case got.DiskBytes <= 0 || got.PeakRSS <= 0:
				t.Errorf("%s %s: no disk or RSS figure %+v", e.name, w, *got)
			}
			if !strings.Contains(table, "| "+w+" | "+e.name+" | ") {
				t.Errorf("%s %s: no row in the table", e.name, w)
			}
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
}
