package main

import (
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/cockroachkvs"
	"github.com/cockroachdb/pebble/v2/sstable"
)

// pebbleEngine keeps versions the way CockroachDB does, with its key
// encoding and comparer from pebble/v2/cockroachkvs: key ‖ 0x00 ‖ walltime
// ‖ 9, walltime = pos, versions newest first. Split at the version lets the
// bloom filters (10 bits per key on every level, as CockroachDB sets them)
// answer per user key, and NextPrefix skip a key's versions.
type pebbleEngine struct {
	db    *pebble.DB
	cache interface{ Unref() } // nil at defaults: pebble owns its cache
	dir   string
}

func openPebble(cfg Config) (Engine, error) {
	if cfg.Defaults() {
		// pebble.Options{} but for the comparer: without its Split the
		// version suffix would be part of the prefix SeekPrefixGE matches,
		// and GetAt could not find a key's versions. EnsureDefaults gives
		// the 8 MiB cache, no filters and the oldest supported format.
		db, err := pebble.Open(cfg.Dir, &pebble.Options{
			Comparer: &cockroachkvs.Comparer,
			Logger:   quietLogger{},
		})
		if err != nil {
			return nil, err
		}
		return &pebbleEngine{db: db, dir: cfg.Dir}, nil
	}
	cache := pebble.NewCache(cfg.CacheBytes)
	opts := &pebble.Options{
		Cache:              cache,
		Comparer:           &cockroachkvs.Comparer,
		KeySchema:          cockroachkvs.KeySchema.Name,
		KeySchemas:         sstable.MakeKeySchemas(&cockroachkvs.KeySchema),
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             quietLogger{},
	}
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		opts.Levels[i].FilterType = pebble.TableFilter
	}
	db, err := pebble.Open(cfg.Dir, opts)
	if err != nil {
		cache.Unref()
		return nil, err
	}
	return &pebbleEngine{db: db, cache: cache, dir: cfg.Dir}, nil
}

// mvccKey appends key@pos in CockroachDB's encoding; pos 0 is the bare key,
// which sorts before every version of it.
func mvccKey(dst, key []byte, pos uint64) []byte {
	return cockroachkvs.EncodeKey(dst, key, versionOf(pos))
}

func versionOf(pos uint64) []byte {
	if pos == 0 {
		return nil
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], pos)
	return v[:]
}

func (e *pebbleEngine) ApplyBatch(pos uint64, ops []Op, sync bool) error {
	b := e.db.NewBatch()
	defer b.Close()
	var k, v []byte
	for i := range ops {
		k = mvccKey(k[:0], ops[i].Key, pos)
		v = tagged(v[:0], &ops[i])
		if err := b.Set(k, v, nil); err != nil { // Set copies k and v
			return err
		}
	}
	wo := pebble.NoSync
	if sync {
		wo = pebble.Sync
	}
	return b.Commit(wo)
}

// pebbleCursor adapts a pebble iterator to the version layout.
type pebbleCursor struct {
	it  *pebble.Iterator
	buf []byte
}

func (c *pebbleCursor) Seek(key []byte, pos uint64, prefix bool) bool {
	c.buf = mvccKey(c.buf[:0], key, pos)
	if prefix {
		return c.it.SeekPrefixGE(c.buf)
	}
	return c.it.SeekGE(c.buf)
}

func (c *pebbleCursor) Next() bool    { return c.it.Next() }
func (c *pebbleCursor) SkipKey() bool { return c.it.NextPrefix() }

func (c *pebbleCursor) Key() ([]byte, uint64, bool) {
	k, ver, ok := cockroachkvs.DecodeEngineKey(c.it.Key())
	if !ok || len(ver) != 8 {
		return nil, 0, false
	}
	return k, binary.BigEndian.Uint64(ver), true
}

func (c *pebbleCursor) Value() ([]byte, error) { return c.it.ValueAndErr() }

// latest is a position above every applied one.
const latest = ^uint64(0) >> 1

func (e *pebbleEngine) Get(dst, key []byte) ([]byte, bool, error) {
	return e.GetAt(dst, key, latest)
}

func (e *pebbleEngine) GetAt(dst, key []byte, pos uint64) ([]byte, bool, error) {
	it, err := e.db.NewIter(nil)
	if err != nil {
		return dst, false, err
	}
	var buf [64]byte
	v, ok, err := versionGet(&pebbleCursor{it: it, buf: buf[:0]}, dst, key, pos)
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	return v, ok, err
}

func (e *pebbleEngine) Scan(start []byte, n int, fn func(k, v []byte)) (int, error) {
	return e.ScanAt(start, n, latest, fn)
}

func (e *pebbleEngine) ScanAt(start []byte, n int, pos uint64, fn func(k, v []byte)) (int, error) {
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: mvccKey(nil, start, 0)})
	if err != nil {
		return 0, err
	}
	count, err := versionScan(&pebbleCursor{it: it}, start, n, pos, fn)
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	return count, err
}

func (e *pebbleEngine) Size() (int64, error) { return dirSize(e.dir) }

func (e *pebbleEngine) Close() error {
	err := e.db.Close()
	if e.cache != nil {
		e.cache.Unref()
	}
	return err
}

// quietLogger drops pebble's informational messages, which would land in
// the middle of the report; errors still show.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}

func (quietLogger) Errorf(format string, args ...any) { pebble.DefaultLogger.Errorf(format, args...) }

func (quietLogger) Fatalf(format string, args ...any) { pebble.DefaultLogger.Fatalf(format, args...) }
