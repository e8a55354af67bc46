// Package fuzz proves the guarantees of DESIGN.md §2 across packages: it
// owns the reference model of a store (every version of every key, see
// Model) and the tests that hold the engine to it. It has no other users.
//
// The tests:
//
//   - TestStateMachine: a rapid state machine of Apply (next, replayed,
//     gapped and invalid batches), Get/GetAt, Scan/ScanAt, iterator walks,
//     Sync, Close+Open, power loss (fault.FS), interrupted commits, Prune,
//     DropTable and Check, against the model.
//   - TestCrashPoints: one deterministic workload, a power loss before each
//     of its writes and syncs (unsynced writes kept at random, one torn),
//     and a check of the recovered store against the model.
//   - TestKill: a child process (this test binary) applies batches with
//     SyncEveryBatch until it is killed with SIGKILL; the reopened store
//     must hold every acknowledged batch.
//   - TestBitFlips, TestMisdirectedWrites, TestSuperblockFallback: damage
//     to every page kind of a closed file is reported as a CorruptionError
//     naming the page, never served.
//   - TestConcurrentReaders, TestIteratorDoesNotBlockApply: readers at
//     random positions against the model while a writer applies; run them
//     with -race.
//   - FuzzBatchApply, FuzzPage, FuzzOpen, FuzzOps: Go fuzz targets; their
//     seed corpora run as unit tests.
//   - regress_test.go: minimal reproductions of the bugs these tests found.
//
// # Long mode
//
// The default run samples (700 crash points, 4 kill rounds, 300
// state-machine runs of about 30 steps) and takes well under a minute with
// -race. PROJSTORE_LONG=1 runs every crash point of a larger workload, 25
// kill rounds, every page of every kind in the corruption tests, more
// concurrent batches, and 3000 state-machine runs of about 200 steps;
// -rapid.checks=N and -rapid.steps=N override the last two:
//
//	PROJSTORE_LONG=1 go test -race -timeout 2h ./fuzz/
//
// # Reproducing a failure
//
// Deterministic tests log a command line on failure. PROJSTORE_SEED fixes
// the seed of TestCrashPoints, TestKill, the corruption and concurrency
// tests; PROJSTORE_CRASHPOINT limits TestCrashPoints to one operation:
//
//	PROJSTORE_SEED=7 PROJSTORE_CRASHPOINT=1234 go test -run '^TestCrashPoints$' ./fuzz/
//
// rapid prints its own -rapid.seed and writes a fail file under testdata/;
// Go fuzz failures land in testdata/fuzz/ and rerun with go test -run.
// Run a fuzz target for longer with go test -fuzz '^FuzzOps$' ./fuzz/.
package fuzz
