package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "-child" {
		err = child(os.Args[2:], os.Stdout)
	} else {
		err = run(os.Args[1:], os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Result is one engine's numbers for one workload.
type Result struct {
	Config    string  `json:"config"` // "defaults" or "tuned", see configs
	Workload  string  `json:"workload"`
	Engine    string  `json:"engine"`
	Ops       int64   `json:"ops"`
	Seconds   float64 `json:"seconds"`
	OpsPerSec float64 `json:"ops_per_sec"`
	Sample    string  `json:"latency_per"` // what one latency sample covers
	P50Ns     int64   `json:"p50_ns"`
	P99Ns     int64   `json:"p99_ns"`
	P999Ns    int64   `json:"p999_ns"`
	MaxNs     int64   `json:"max_ns"`
	DiskBytes int64   `json:"disk_bytes"`
	// After the update workload only: the engine's directory once it is
	// closed (its own flush and sync), allocated blocks and apparent sizes.
	ClosedBytes         int64   `json:"closed_disk_bytes,omitempty"`
	ClosedApparentBytes int64   `json:"closed_apparent_bytes,omitempty"`
	PeakRSS             int64   `json:"peak_rss_bytes"`
	RSSScope            string  `json:"peak_rss_scope"` // "workload", or "process" if it could not be reset
	LoadAvg             float64 `json:"loadavg_1m"`     // the machine's load at the end: others' work skews a run
	Error               string  `json:"error,omitempty"`
}

// Report is the whole run, as the JSON file holds it.
type Report struct {
	Date    time.Time `json:"date"`
	Machine Machine   `json:"machine"`
	Params  Params    `json:"params"` // CacheBytes is the tuned configuration's
	Large   *Params   `json:"large_params,omitempty"`
	Configs []string  `json:"configs"`
	Engines []string  `json:"engines"`
	Results []Result  `json:"results"`
}

// run is the parent: it runs every selected engine in a child process of
// this binary, one data set at a time, and writes the report.
func run(args []string, stdout, stderr io.Writer) error {
	// Children's stderr is copied into stderr by os/exec's goroutines
	// while the progress lines go there too.
	stderr = &lockedWriter{w: stderr}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		engineList = fs.String("engines", "all", "comma-separated engines: projstore,bbolt,pebble,badger")
		wlList     = fs.String("workloads", "all", "comma-separated workloads (see the table's notes), or large")
		duration   = fs.Duration("duration", 0, "per timed workload (default 10s, -quick 500ms)")
		keys       = fs.Int("keys", 0, "rows in the data set (default 1M, -quick 20k)")
		quick      = fs.Bool("quick", false, "a short run: 20k keys, 300ms timed workloads")
		tuned      = fs.Bool("tuned", false, "after the defaults table, run every engine again with -cache (shorthand for -configs defaults,tuned)")
		cfgList    = fs.String("configs", "defaults", "comma-separated configurations: defaults (every engine at its own defaults), tuned (every engine with -cache)")
		dir        = fs.String("dir", "", "where the data sets go (default a temporary directory)")
		keep       = fs.Bool("keep", false, "keep the data sets after the run")
		jsonOut    = fs.String("json", "", "also write the results as JSON to this file")
		large      = fs.Bool("large", false, "also run the larger-than-cache data set (1000-byte values, 64 MiB cache)")
		cache      = fs.Int64("cache", 0, "cache bytes for every engine in the tuned configuration (default 512 MiB, -quick 64 MiB)")
		scale      = fs.Float64("scale", 1, "scale the counted workloads (apply*, hotkey) by this factor")
		cpuprofile = fs.String("cpuprofile", "", "write a CPU profile per engine and workload to this path plus .engine.workload")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	p := defaultParams(*quick)
	if *keys > 0 {
		p.Keys = *keys
	}
	if *duration > 0 {
		p.Duration = *duration
	}
	if *cache > 0 {
		p.CacheBytes = *cache
	}
	if *scale <= 0 || math.IsInf(*scale, 0) || math.IsNaN(*scale) {
		return fmt.Errorf("-scale %v: must be positive", *scale)
	}
	for _, n := range []*int{&p.Apply1, &p.Apply1000, &p.Sync1, &p.Sync1000, &p.HotUpdates} {
		*n = max(1, int(float64(*n)**scale))
	}
	list := *cfgList
	if *tuned {
		list = "defaults,tuned"
	}
	cfgs, err := selectConfigs(list)
	if err != nil {
		return err
	}
	specs, err := selectEngines(*engineList)
	if err != nil {
		return err
	}
	mainSet, largeSet, err := selectWorkloads(*wlList)
	if err != nil {
		return err
	}
	if *large {
		for _, w := range largeWorkloads {
			largeSet[w.name] = true
		}
	}
	root := *dir
	if root == "" {
		if root, err = os.MkdirTemp("", "projstore-bench-"); err != nil {
			return err
		}
		if !*keep {
			defer os.RemoveAll(root)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}

	rep := Report{Date: time.Now(), Machine: machine(), Params: p, Configs: cfgs}
	lp := largeParams(p)
	if len(largeSet) > 0 {
		rep.Large = &lp
	}
	for _, spec := range specs {
		rep.Engines = append(rep.Engines, spec.name)
	}
	type set struct {
		name   string
		p      Params
		wanted map[string]bool
	}
	// Configurations run one after the other, each for every engine, so
	// that the headline (defaults) table is complete first.
	for _, cfg := range cfgs {
		cp, clp := p, lp
		if cfg == cfgDefaults {
			cp.CacheBytes, clp.CacheBytes = 0, 0 // 0: each engine's own defaults
		}
		sets := []set{{"main", cp, mainSet}, {"large", clp, largeSet}}
		for _, spec := range specs {
			for _, s := range sets {
				if len(s.wanted) == 0 {
					continue
				}
				edir := filepath.Join(root, cfg+"-"+spec.name+"-"+s.name)
				prof := ""
				if *cpuprofile != "" {
					prof = *cpuprofile + "." + cfg + "." + spec.name
					if s.name != "main" {
						prof += "." + s.name
					}
				}
				fmt.Fprintf(stderr, "bench: %s, %s, %s data set (%d keys × %d B) in %s\n", cfg, spec.name, s.name, s.p.Keys, s.p.ValueSize, edir)
				got, err := runChild(exe, spec.name, s.name, s.p, s.wanted, edir, prof, stderr)
				for _, r := range fillMissing(spec.name, s.name, s.wanted, got, err) {
					r.Config = cfg
					rep.Results = append(rep.Results, r)
				}
				if !*keep {
					os.RemoveAll(edir)
				}
			}
		}
	}
	if err := writeMarkdown(stdout, &rep); err != nil {
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(&rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// The configurations every engine can run in.
const (
	cfgDefaults = "defaults" // each engine's own defaults: the headline
	cfgTuned    = "tuned"    // every engine with the same -cache budget
)

// ErrUnknownConfig reports a configuration that is neither.
var ErrUnknownConfig = errors.New("bench: unknown configuration")

// selectConfigs parses a comma-separated list of configurations, keeping
// defaults first: it is the headline.
func selectConfigs(list string) ([]string, error) {
	want := map[string]bool{}
	for _, c := range strings.Split(list, ",") {
		c = strings.TrimSpace(c)
		if c != cfgDefaults && c != cfgTuned {
			return nil, fmt.Errorf("%w %q (want defaults or tuned)", ErrUnknownConfig, c)
		}
		want[c] = true
	}
	var out []string
	for _, c := range []string{cfgDefaults, cfgTuned} {
		if want[c] {
			out = append(out, c)
		}
	}
	return out, nil
}

// runChild runs one engine on one data set in a child process and
// collects the results it prints, one JSON object per line.
func runChild(exe, engine, set string, p Params, wanted map[string]bool, dir, prof string, stderr io.Writer) ([]Result, error) {
	pj, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var names []string
	for n := range wanted {
		names = append(names, n)
	}
	cmd := exec.Command(exe, "-child", "-engine", engine, "-set", set, "-params", string(pj),
		"-workloads", strings.Join(names, ","), "-dir", dir, "-cpuprofile", prof)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var results []Result
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			fmt.Fprintf(stderr, "bench: %s: %s\n", engine, sc.Bytes()) // not ours: pass it on
			continue
		}
		fmt.Fprintf(stderr, "bench: %-9s %-16s %s\n", r.Engine, r.Workload, summary(&r))
		results = append(results, r)
	}
	scanErr := sc.Err()
	if scanErr != nil {
		io.Copy(io.Discard, out) // let the child finish writing
	}
	if err := cmd.Wait(); err != nil {
		return results, fmt.Errorf("%s child: %w", engine, err)
	}
	return results, scanErr
}

func summary(r *Result) string {
	if r.Error != "" {
		return "error: " + r.Error
	}
	return fmt.Sprintf("%s ops/s, p50 %s, p99 %s per %s", count(r.OpsPerSec), latency(r.P50Ns), latency(r.P99Ns), r.Sample)
}

// fillMissing adds an error row for every wanted workload a child did not
// report, so a crash shows in the table rather than as a gap.
func fillMissing(engine, set string, wanted map[string]bool, got []Result, err error) []Result {
	have := map[string]bool{}
	for _, r := range got {
		have[r.Workload] = true
	}
	msg := "not run"
	if err != nil {
		msg = err.Error()
	}
	for _, w := range expandWanted(set, wanted) {
		if !have[w] {
			got = append(got, Result{Workload: w, Engine: engine, Error: msg})
		}
	}
	return got
}

// expandWanted lists the rows the wanted workloads produce, in order.
func expandWanted(set string, wanted map[string]bool) []string {
	list := workloads
	if set == "large" {
		list = largeWorkloads
	}
	var rows []string
	for _, w := range list {
		if wanted[w.name] {
			rows = append(rows, rowNames(w.name)...)
		}
	}
	return rows
}

// rowNames are the rows a workload reports.
func rowNames(name string) []string {
	switch name {
	case "hotkey":
		return []string{"hotkey-update", "hotkey-get", "hotkey-getat"}
	case "readwrite":
		return []string{"readwrite-read", "readwrite-write"}
	}
	return []string{name}
}

// profile starts a CPU profile of one workload into prefix.workload, if
// prefix is set and the workload is wanted; stop ends it.
func profile(prefix, workload string, wanted bool) (stop func() error, err error) {
	if prefix == "" || !wanted {
		return func() error { return nil }, nil
	}
	f, err := os.Create(prefix + "." + workload)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// child runs the workloads of one data set on one engine and prints a
// Result per row as it finishes.
func child(args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("bench -child", flag.ContinueOnError)
	var (
		engine  = fs.String("engine", "", "")
		set     = fs.String("set", "main", "")
		params  = fs.String("params", "", "")
		wlList  = fs.String("workloads", "", "")
		dir     = fs.String("dir", "", "")
		cpuprof = fs.String("cpuprofile", "", "")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var p Params
	if err := json.Unmarshal([]byte(*params), &p); err != nil {
		return fmt.Errorf("-params: %w", err)
	}
	if p.Keys <= 0 || p.ValueSize < 8 || p.LoadBatch <= 0 || p.RWBatch <= 0 {
		return fmt.Errorf("-params: bad sizes %+v", p)
	}
	spec, err := findEngine(*engine)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, w := range strings.Split(*wlList, ",") {
		wanted[w] = true
	}
	list := workloads
	if *set == "large" {
		list = largeWorkloads
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	cfg := Config{Dir: *dir, CacheBytes: p.CacheBytes}
	e, err := spec.open(cfg)
	if err != nil {
		return fmt.Errorf("open %s: %w", spec.name, err)
	}
	defer func() {
		if e == nil { // closed after the update, and the reopen failed
			return
		}
		if cerr := e.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", spec.name, cerr)
		}
	}()
	enc := json.NewEncoder(stdout)
	r := newRunner(e, p, 1)
	for i, w := range list {
		// The load always runs: everything else reads or updates its rows.
		if !wanted[w.name] && i > 0 {
			continue
		}
		r.reseed(uint64(i))
		scope := "workload"
		if !resetPeakRSS() {
			scope = "process"
		}
		stop, err := profile(*cpuprof, w.name, wanted[w.name])
		if err != nil {
			return err
		}
		ms, err := w.run(r)
		if perr := stop(); err == nil {
			err = perr
		}
		if err != nil {
			for _, name := range rowNames(w.name) {
				enc.Encode(Result{Workload: name, Engine: spec.name, Error: err.Error()})
			}
			return err // the data set is in an unknown state: stop here
		}
		size, err := e.Size()
		if err != nil {
			return err
		}
		rss := peakRSS()
		var closed, closedApparent int64
		if w.name == "update" {
			// Bytes on disk as a user would find them: after the engine's
			// own Close (which flushes and syncs what it holds), not while
			// it is open with logs and preallocated files. Reopening leaves
			// the later workloads a cold cache: they warm up first.
			if closed, closedApparent, err = reopen(&e, spec, cfg); err != nil {
				return err
			}
			r.e, r.warm = e, false
		}
		for _, m := range ms {
			name := m.name
			if *set == "large" {
				name = "large-" + name
			}
			if !wanted[w.name] {
				continue
			}
			res := Result{
				Workload: name, Engine: spec.name, Ops: m.ops, Seconds: m.elapsed.Seconds(),
				Sample: m.sample, P50Ns: int64(m.lat.quantile(0.5)), P99Ns: int64(m.lat.quantile(0.99)),
				P999Ns: int64(m.lat.quantile(0.999)), MaxNs: int64(m.lat.max),
				DiskBytes: size, PeakRSS: rss, RSSScope: scope, LoadAvg: loadAvg(),
				ClosedBytes: closed, ClosedApparentBytes: closedApparent,
			}
			if m.elapsed > 0 {
				res.OpsPerSec = float64(m.ops) / m.elapsed.Seconds()
			}
			if err := enc.Encode(res); err != nil {
				return err
			}
		}
	}
	return nil
}

// reopen closes *e, measures its directory and opens it again into *e. If
// the reopen fails *e is nil: it is closed already.
func reopen(e *Engine, spec engineSpec, cfg Config) (allocated, apparent int64, err error) {
	if err := (*e).Close(); err != nil {
		*e = nil
		return 0, 0, fmt.Errorf("close %s after update: %w", spec.name, err)
	}
	*e = nil
	if allocated, apparent, err = diskUsage(cfg.Dir); err != nil {
		return 0, 0, fmt.Errorf("%s bytes on disk: %w", spec.name, err)
	}
	ne, err := spec.open(cfg)
	if err != nil {
		return 0, 0, fmt.Errorf("reopen %s after update: %w", spec.name, err)
	}
	*e = ne
	return allocated, apparent, nil
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
