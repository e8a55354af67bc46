// Package fault is a vfs.FS for crash tests: an in-memory disk with a
// volatile write cache. Writes become durable only when their file is
// synced; Crash decides which of the rest survive a power loss (all, none,
// a chosen subset, or a torn prefix of one); any single operation can be
// made to fail. The store's own crash-point, state-machine and recovery
// tests run on it, and so can a user's: pass one as store.Options.FS.
package fault
