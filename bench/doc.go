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
// Usage:
//
//	go run . -quick                     # ~1 minute, every engine and workload
//	go run . -json out.json             # 1M keys
//	go run . -large                     # adds the larger-than-cache data set
//	go run . -engines projstore,pebble -workloads get,scan100
//	go run . -engines projstore -workloads readwrite -cpuprofile cpu
//	                                    # cpu.projstore.readwrite
//
// This is a nested module so that the peers' dependencies never enter the
// main module. The testing.B benchmarks in bench_test.go run the same
// workloads per engine (BenchmarkGet/projstore, ...) for benchstat.
package main
