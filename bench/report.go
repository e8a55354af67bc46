package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// writeMarkdown prints the report: one row per workload and engine, with
// projstore's throughput divided by each peer's.
func writeMarkdown(w io.Writer, rep *Report) error {
	var b strings.Builder
	m := rep.Machine
	fmt.Fprintf(&b, "## projstore vs bbolt, pebble, badger\n\n")
	fmt.Fprintf(&b, "%s; %d CPUs, %s, %s RAM; Linux %s; %s\n\n",
		rep.Date.Format(time.DateOnly), m.CPUs, m.CPUModel, size(m.MemBytes), m.Kernel, m.GoVersion)
	p := rep.Params
	fmt.Fprintf(&b, "Data set: %d keys of 16 B, values of %d B (random, incompressible), cache %s per engine; timed workloads run %s.",
		p.Keys, p.ValueSize, size(p.CacheBytes), p.Duration)
	fmt.Fprintf(&b, " Counted workloads: apply1 %d batches, apply1000 %d, apply1-sync %d, apply1000-sync %d, hotkey %d updates.",
		p.Apply1, p.Apply1000, p.Sync1, p.Sync1000, p.HotUpdates)
	if rep.Large != nil {
		fmt.Fprintf(&b, " Large set: %d keys, values of %d B, cache %s.", rep.Large.Keys, rep.Large.ValueSize, size(rep.Large.CacheBytes))
	}
	b.WriteString("\n\n")

	// ops/s of projstore per workload, for the ratios.
	ours := map[string]float64{}
	for _, r := range rep.Results {
		if r.Engine == "projstore" && r.Error == "" {
			ours[r.Workload] = r.OpsPerSec
		}
	}
	b.WriteString("| workload | engine | ops/s | p50 | p99 | latency per | disk | peak RSS | projstore/engine |\n")
	b.WriteString("|---|---|--:|--:|--:|---|--:|--:|--:|\n")
	for _, name := range rowOrder(rep) {
		for _, eng := range rep.Engines {
			for _, r := range rep.Results {
				if r.Workload != name || r.Engine != eng {
					continue
				}
				if r.Error != "" {
					fmt.Fprintf(&b, "| %s | %s | error: %s | | | | | | |\n", r.Workload, r.Engine, oneLine(r.Error))
					continue
				}
				ratio := ""
				if o, ok := ours[name]; ok && r.Engine != "projstore" && r.OpsPerSec > 0 {
					ratio = fmt.Sprintf("%.2f×", o/r.OpsPerSec)
				}
				rss := size(r.PeakRSS)
				if r.RSSScope == "process" {
					rss += "*"
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Workload, r.Engine,
					count(r.OpsPerSec), latency(r.P50Ns), latency(r.P99Ns), r.Sample, size(r.DiskBytes), rss, ratio)
			}
		}
	}
	b.WriteString(`
How to read it: ops/s counts rows (a batch of 1000 is 1000 ops, a scan of
100 is 100); latency is per call, the unit in "latency per". The last
column is projstore's ops/s divided by the engine's: above 1 projstore is
faster. Synced and unsynced writes are separate rows, and within a row
every engine runs with the same durability: "-sync" rows return only once
the batch is durable (projstore Sync, bbolt NoSync=false, pebble
pebble.Sync, badger DB.Sync); the others leave it to the OS, and the load
syncs once at the end. Disk is the blocks allocated under the engine's
directory at the end of the workload, the engine still open. Peak RSS is
VmHWM of the engine's own child process, reset before each workload
(marked * where the kernel refused and it is the process's peak so far).
Each engine runs the workloads in the order of the table on one data set,
so later rows see the versions the earlier writes added.

Engines:
`)
	for _, e := range engines {
		fmt.Fprintf(&b, "- %s: %s\n", e.name, e.note)
	}
	b.WriteString("\nWorkloads:\n")
	for _, w := range append(workloads[:len(workloads):len(workloads)], largeWorkloads...) {
		fmt.Fprintf(&b, "- %s: %s\n", w.name, w.desc)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rowOrder lists the row names in workload order, as far as they occur.
func rowOrder(rep *Report) []string {
	seen := map[string]bool{}
	for _, r := range rep.Results {
		seen[r.Workload] = true
	}
	var out []string
	for _, w := range workloads {
		for _, n := range rowNames(w.name) {
			if seen[n] {
				out = append(out, n)
			}
		}
	}
	for _, w := range largeWorkloads {
		if seen[w.name] {
			out = append(out, w.name)
		}
	}
	return out
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func count(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func latency(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	case d >= time.Microsecond:
		return fmt.Sprintf("%.1fµs", float64(d)/1e3)
	}
	return fmt.Sprintf("%dns", ns)
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
