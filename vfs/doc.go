// Package vfs owns the file layer: every read, write, sync and truncate the
// database performs goes through an FS and the Files it opens. A store
// takes one in store.Options.FS; nil means OS.
//
// OS is the real file system, with an advisory lock per open file. Mem
// keeps files in memory, for the store's in-memory mode and for tests. The
// fault subpackage is an in-memory disk with a volatile write cache that can
// fail chosen operations and simulate power loss, for crash tests. A user's
// own FS (encryption, a network disk, accounting) implements the two small
// interfaces below.
package vfs
