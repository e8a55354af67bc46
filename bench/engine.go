package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Op is one write of a batch: a put, or a delete when Delete is set.
type Op struct {
	Key, Value []byte
	Delete     bool
}

// Engine is one store under test, seen through the operations projstore
// offers. Positions are log positions: batch p is applied as
// ApplyBatch(p, ...) for p = 1, 2, ... without gaps.
type Engine interface {
	// ApplyBatch applies ops atomically at pos. With sync it returns only
	// once the batch is durable; without, durability is left to Close.
	ApplyBatch(pos uint64, ops []Op, sync bool) error
	// Get appends the latest value of key to dst.
	Get(dst, key []byte) (val []byte, found bool, err error)
	// GetAt appends the value key had at pos to dst.
	GetAt(dst, key []byte, pos uint64) (val []byte, found bool, err error)
	// Scan calls fn for up to n live rows from start on, in key order, at
	// the latest position, and returns how many it visited. k and v are
	// valid only during the call.
	Scan(start []byte, n int, fn func(k, v []byte)) (int, error)
	// ScanAt is Scan as of pos.
	ScanAt(start []byte, n int, pos uint64, fn func(k, v []byte)) (int, error)
	// Size returns the bytes the engine occupies on disk.
	Size() (int64, error)
	Close() error
}

// Config is what every engine is opened with.
type Config struct {
	Dir string // the engine's own directory
	// CacheBytes is the cache budget, the same for every engine (the
	// tuned configuration). 0 opens every engine at its own defaults: a
	// user who does not tune sees those, and projstore must be judged by
	// them too. Only what the version layout needs (pebble's comparer,
	// badger's managed mode and kept versions) and durability, which the
	// workloads set per batch, differ from the defaults then.
	CacheBytes int64
}

// Defaults reports whether the engines open at their own defaults.
func (c Config) Defaults() bool { return c.CacheBytes == 0 }

// engineSpec names an engine, how to open it, and what the report should
// say about how it is used at its defaults and tuned.
type engineSpec struct {
	name               string
	open               func(Config) (Engine, error)
	defaultNote, tuned string
}

// note is what the report says about the engine in one configuration.
func (e engineSpec) note(defaults bool) string {
	if defaults {
		return e.defaultNote
	}
	return e.tuned
}

// engines lists every engine, projstore first: ratios are projstore/peer.
var engines = []engineSpec{
	{"projstore", openProjstore,
		"store.Open(path, nil): 64 MiB cache, SyncEveryBatch off; versions native (current + history trees)",
		"store.Open, CacheBytes = cache; versions native (current + history trees)"},
	{"bbolt", openBolt,
		"bolt.Open(path, 0600, nil), one bucket; no cache knob (OS page cache via mmap); versions as key ‖ ^pos",
		"as at defaults: bbolt has no cache knob (OS page cache via mmap); versions as key ‖ ^pos"},
	{"pebble", openPebble,
		"pebble.Open with Options{} but for CockroachDB's comparer (the version layout needs its Split): 8 MiB cache, no bloom filters, format FormatMinSupported; versions as key@pos",
		"Cache = cache, bloom filters (10 bits/key), columnar blocks with CockroachDB's key schema, FormatNewest; versions as key@pos (CockroachDB-style)"},
	{"badger", openBadger,
		"badger.DefaultOptions(dir) (256 MiB block cache, index cache unbounded, SyncWrites off) with OpenManaged and NumVersionsToKeep = MaxInt32, which reads at a position need; versions native (commit ts = pos)",
		"OpenManaged, BlockCacheSize+IndexCacheSize = cache; versions native (commit ts = pos)"},
}

// ErrUnknownEngine reports a name that is not in engines.
var ErrUnknownEngine = errors.New("bench: unknown engine")

func findEngine(name string) (engineSpec, error) {
	for _, e := range engines {
		if e.name == name {
			return e, nil
		}
	}
	return engineSpec{}, fmt.Errorf("%w %q", ErrUnknownEngine, name)
}

// selectEngines parses a comma-separated list ("" or "all" for every
// engine), keeping the order of engines.
func selectEngines(list string) ([]engineSpec, error) {
	if list == "" || list == "all" {
		return engines, nil
	}
	want := strings.Split(list, ",")
	for _, w := range want {
		if _, err := findEngine(strings.TrimSpace(w)); err != nil {
			return nil, err
		}
	}
	var out []engineSpec
	for _, e := range engines {
		if slices.ContainsFunc(want, func(w string) bool { return strings.TrimSpace(w) == e.name }) {
			out = append(out, e)
		}
	}
	return out, nil
}

// dirSize sums the blocks allocated to the files under dir: badger and
// pebble preallocate sparse files, whose apparent size would overstate them.
func dirSize(dir string) (int64, error) {
	n, _, err := diskUsage(dir)
	return n, err
}

// diskUsage sums the files under dir two ways: the blocks allocated to
// them (what the disk holds, as du reports it) and their apparent sizes
// (what ls reports; a sparse or preallocated file counts in full). Where
// the system gives no block count, allocated is the apparent size.
func diskUsage(dir string) (allocated, apparent int64, err error) {
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // removed by a compaction meanwhile
				return nil
			}
			return err
		}
		apparent += fi.Size()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			allocated += st.Blocks * 512 // st_blocks counts 512-byte units whatever the block size
		} else {
			allocated += fi.Size()
		}
		return nil
	})
	return allocated, apparent, err
}

// The version layout for the engines without versions of their own, as
// CockroachDB layers MVCC on pebble: a write at pos goes to key@pos, and
// the versions of one key sort newest first, so the newest version at or
// below p is the first entry at or after key@p with key as its prefix. A
// delete writes a tombstone version. bbolt orders keys bytewise, so there
// key@pos is key ‖ ^pos big-endian (keys are fixed-length here, so the
// user key is all but the last 8 bytes); pebble uses CockroachDB's own
// encoding and comparer (see pebble.go).

const (
	suffixLen = 8
	tagPut    = 1
	tagDelete = 2
)

// versioned appends key ‖ ^pos to dst.
func versioned(dst, key []byte, pos uint64) []byte {
	dst = append(dst, key...)
	return binary.BigEndian.AppendUint64(dst, ^pos)
}

// unversion splits a versioned key into user key and position.
func unversion(k []byte) (key []byte, pos uint64, ok bool) {
	if len(k) < suffixLen {
		return nil, 0, false
	}
	n := len(k) - suffixLen
	return k[:n], ^binary.BigEndian.Uint64(k[n:]), true
}

// tagged appends the stored form of op's value: a tag, then the value.
func tagged(dst []byte, op *Op) []byte {
	if op.Delete {
		return append(dst, tagDelete)
	}
	return append(append(dst, tagPut), op.Value...)
}

// cursor is what the version layout needs of an engine's iterator.
type cursor interface {
	// Seek moves to the first entry at or after key@pos; prefix says only
	// entries of key matter (pebble can then consult its bloom filters).
	Seek(key []byte, pos uint64, prefix bool) bool
	// Next moves to the next entry.
	Next() bool
	// SkipKey moves past the remaining versions of the current key.
	SkipKey() bool
	// Key splits the current entry's key into user key and position.
	Key() (key []byte, pos uint64, ok bool)
	// Value returns the current entry's tagged value.
	Value() ([]byte, error)
}

// itersBeforeSeek is how many Next calls a scan tries before it seeks past
// versions it does not want (CockroachDB's pebbleMVCCScanner does the same).
const itersBeforeSeek = 4

// versionGet appends the value key had at pos to dst.
func versionGet(c cursor, dst, key []byte, pos uint64) ([]byte, bool, error) {
	if !c.Seek(key, pos, true) {
		return dst, false, nil
	}
	k, _, ok := c.Key()
	if !ok || !bytes.Equal(k, key) {
		return dst, false, nil
	}
	v, err := c.Value()
	if err != nil {
		return dst, false, err
	}
	if len(v) == 0 || v[0] != tagPut {
		return dst, false, nil
	}
	return append(dst, v[1:]...), true, nil
}

// versionScan visits up to n live keys from start on as of pos.
func versionScan(c cursor, start []byte, n int, pos uint64, fn func(k, v []byte)) (int, error) {
	var user []byte
	count := 0
	ok := c.Seek(start, pos, false)
	for ok && count < n {
		k, ver, vok := c.Key()
		if !vok {
			ok = c.Next()
			continue
		}
		if ver > pos {
			// Too new: step, and if that is not enough seek, to this
			// key's newest version at pos.
			user = append(user[:0], k...)
			if ok = stepPast(c, user, pos); !ok {
				break
			}
			if k, ver, _ = c.Key(); bytes.Equal(k, user) && ver > pos {
				ok = c.Seek(user, pos, false)
			}
			continue
		}
		v, err := c.Value()
		if err != nil {
			return count, err
		}
		if len(v) > 0 && v[0] == tagPut {
			fn(k, v[1:])
			count++
		}
		// Step, and if that is not enough skip, past the older versions.
		user = append(user[:0], k...)
		if ok = stepPast(c, user, 0); !ok {
			break
		}
		if k, _, _ = c.Key(); bytes.Equal(k, user) {
			ok = c.SkipKey()
		}
	}
	return count, nil
}

// stepPast calls Next up to itersBeforeSeek times while c stays on a
// version of user newer than pos, and reports whether c is still valid.
func stepPast(c cursor, user []byte, pos uint64) bool {
	for range itersBeforeSeek {
		if !c.Next() {
			return false
		}
		k, ver, ok := c.Key()
		if !ok || !bytes.Equal(k, user) || ver <= pos {
			return true
		}
	}
	return true
}
