// Command bench runs the same workloads against projstore, bbolt, pebble
// and badger in one run and prints them side by side, with the ratio of
// projstore to each peer.
//
// It owns the comparison only: one adapter per engine (engine.go and the
// per-engine files), the workloads (workload.go), the latency histogram
// (hist.go) and the report (report.go). Each engine runs in a child process
// of the same binary so that peak RSS is that engine's alone.
//
// Point-in-time reads need versions. projstore and badger (managed mode:
// reads at a timestamp) keep them natively; pebble and bbolt get them the
// way CockroachDB layers MVCC on pebble: every write goes to key ‖ ^position
// (big-endian, so versions of one key sort newest first), and a read at p
// seeks to key ‖ ^p and checks the prefix.
//
// Two configurations: "defaults" opens every engine as a user would without
// tuning (projstore store.Open(path, nil), bbolt bolt.Open(path, 0600, nil),
// pebble Options{} but for the comparer its version layout needs, badger
// DefaultOptions in managed mode) and is the headline; "tuned" gives every
// engine the same -cache budget. Only durability is set the same for all,
// per batch (see the report's notes). Each configuration's section starts
// with a summary of projstore ÷ each peer for the headline workloads (load,
// update, get, getat, scan100, apply1000-sync), bytes on disk after load +
// update with the engine closed, and peak RSS.
//
// Usage:
//
//	go run . -quick                     # well under a minute, defaults, every workload
//	go run . -workloads headline        # the headline at 1M keys: the reference in RESULTS.md, ~9 minutes
//	go run . -workloads headline -tuned # the same, then the tuned table
//	go run . -keys 300000 -duration 5s -workloads headline -tuned
//	                                    # the reduced run in RESULTS.md, ~6 minutes
//	go run . -json out.json             # 1M keys, every workload, defaults
//	go run . -configs tuned             # only the tuned table (-cache, default 512 MiB)
//	go run . -large                     # adds the larger-than-cache data set
//	go run . -engines projstore,pebble -workloads get,scan100
//	go run . -engines projstore -workloads readwrite -cpuprofile cpu
//	                                    # cpu.defaults.projstore.readwrite
//
// This is a nested module so that the peers' dependencies never enter the
// main module. The testing.B benchmarks in bench_test.go run the same
// workloads per engine (BenchmarkGet/projstore, ...) for benchstat.
package main
