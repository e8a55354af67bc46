// Package vfs owns the file layer: every read, write, sync and truncate the
// database performs goes through an FS and the Files it opens.
//
// OS is the real file system. Mem keeps files in memory, for the store's
// in-memory mode and for tests. Fault is an in-memory disk with a volatile
// write cache that can fail chosen operations and simulate power loss, for
// crash tests.
package vfs
