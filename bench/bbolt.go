package main

import (
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

var boltBucket = []byte("t")

// boltEngine keeps every version in one bucket under key ‖ ^pos. bbolt has
// no cache of its own: reads go through its read-only mmap, so the OS page
// cache plays that part and the cache budget does not apply.
type boltEngine struct {
	db   *bolt.DB
	path string
}

func openBolt(cfg Config) (Engine, error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.Dir, "bolt.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(boltBucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &boltEngine{db: db, path: path}, nil
}

func (e *boltEngine) ApplyBatch(pos uint64, ops []Op, sync bool) error {
	// NoSync is read only by the committing writer, and there is one.
	e.db.NoSync = !sync
	// bbolt keeps the key and value slices until the commit, so every op
	// gets its own, carved from one buffer per batch.
	n := 0
	for i := range ops {
		n += len(ops[i].Key) + suffixLen + 1 + len(ops[i].Value)
	}
	buf := make([]byte, 0, n)
	return e.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(boltBucket)
		for i := range ops {
			at := len(buf)
			buf = versioned(buf, ops[i].Key, pos)
			k := buf[at:len(buf):len(buf)]
			at = len(buf)
			buf = tagged(buf, &ops[i])
			if err := b.Put(k, buf[at:len(buf):len(buf)]); err != nil {
				return err
			}
		}
		return nil
	})
}

// boltCursor adapts a bbolt cursor to the version layout.
type boltCursor struct {
	c    *bolt.Cursor
	k, v []byte
	buf  []byte
}

func (c *boltCursor) Seek(key []byte, pos uint64, _ bool) bool {
	c.buf = versioned(c.buf[:0], key, pos)
	c.k, c.v = c.c.Seek(c.buf)
	return c.k != nil
}

func (c *boltCursor) Next() bool {
	c.k, c.v = c.c.Next()
	return c.k != nil
}

// SkipKey seeks to key ‖ ^0, past every version: positions start at 1.
func (c *boltCursor) SkipKey() bool {
	k, _, _ := unversion(c.k)
	return c.Seek(k, 0, false)
}

func (c *boltCursor) Key() ([]byte, uint64, bool) { return unversion(c.k) }
func (c *boltCursor) Value() ([]byte, error)      { return c.v, nil }

func (e *boltEngine) Get(dst, key []byte) ([]byte, bool, error) {
	return e.GetAt(dst, key, ^uint64(0))
}

func (e *boltEngine) GetAt(dst, key []byte, pos uint64) (val []byte, ok bool, err error) {
	var buf [64]byte
	err = e.db.View(func(tx *bolt.Tx) error {
		c := boltCursor{c: tx.Bucket(boltBucket).Cursor(), buf: buf[:0]}
		val, ok, err = versionGet(&c, dst, key, pos)
		return err
	})
	return val, ok, err
}

func (e *boltEngine) Scan(start []byte, n int, fn func(k, v []byte)) (int, error) {
	return e.ScanAt(start, n, ^uint64(0), fn)
}

func (e *boltEngine) ScanAt(start []byte, n int, pos uint64, fn func(k, v []byte)) (count int, err error) {
	err = e.db.View(func(tx *bolt.Tx) error {
		c := boltCursor{c: tx.Bucket(boltBucket).Cursor()}
		count, err = versionScan(&c, start, n, pos, fn)
		return err
	})
	return count, err
}

func (e *boltEngine) Size() (int64, error) { return dirSize(filepath.Dir(e.path)) }

func (e *boltEngine) Close() error { return e.db.Close() }
