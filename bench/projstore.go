package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// table is the one table the workloads use.
const table batch.TableID = 1

type projstoreEngine struct {
	s    *store.Store
	path string
	b    batch.WriteBatch
}

func openProjstore(cfg Config) (Engine, error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.Dir, "projstore.db")
	var opts *store.Options // nil: the defaults a user gets without tuning
	if !cfg.Defaults() {
		opts = &store.Options{CacheBytes: cfg.CacheBytes}
	}
	s, err := store.Open(path, opts)
	if err != nil {
		return nil, err
	}
	return &projstoreEngine{s: s, path: path}, nil
}

func (e *projstoreEngine) ApplyBatch(pos uint64, ops []Op, sync bool) error {
	// The batch's ops slice is reused; Apply does not keep it.
	e.b.Position = batch.Offset(pos)
	e.b.Ops = e.b.Ops[:0]
	for i := range ops {
		if ops[i].Delete {
			e.b.Delete(table, ops[i].Key)
		} else {
			e.b.Put(table, ops[i].Key, ops[i].Value)
		}
	}
	if err := e.s.Apply(&e.b); err != nil {
		return err
	}
	// SyncEveryBatch is a property of the open store, and one store runs
	// both synced and unsynced workloads: Sync after Apply is the same
	// durability (Apply returns, then the batch is on disk) chosen per
	// batch.
	if sync {
		return e.s.Sync()
	}
	return nil
}

func (e *projstoreEngine) Get(dst, key []byte) ([]byte, bool, error) {
	v, err := e.s.Get(table, key)
	return found(dst, v, err)
}

func (e *projstoreEngine) GetAt(dst, key []byte, pos uint64) ([]byte, bool, error) {
	v, err := e.s.GetAt(table, key, batch.Offset(pos))
	return found(dst, v, err)
}

func found(dst, v []byte, err error) ([]byte, bool, error) {
	if errors.Is(err, store.ErrNotFound) {
		return dst, false, nil
	}
	if err != nil {
		return dst, false, err
	}
	return append(dst, v...), true, nil
}

func (e *projstoreEngine) Scan(start []byte, n int, fn func(k, v []byte)) (int, error) {
	return e.ScanAt(start, n, uint64(e.s.AppliedPosition()), fn)
}

// ScanAt reads through Snapshot.Range, whose callback gets slices into
// the leaf pages (as bbolt's cursor and pebble's iterator give): the peers'
// scans do not copy either.
func (e *projstoreEngine) ScanAt(start []byte, n int, pos uint64, fn func(k, v []byte)) (int, error) {
	snap, err := e.s.Snapshot(batch.Offset(pos))
	if err != nil {
		return 0, err
	}
	defer snap.Close()
	count := 0
	err = snap.Range(context.Background(), table, start, nil, func(k, v []byte) error {
		if count == n {
			return store.ErrStop
		}
		fn(k, v)
		count++
		return nil
	})
	return count, err
}

func (e *projstoreEngine) Size() (int64, error) { return dirSize(filepath.Dir(e.path)) }

func (e *projstoreEngine) Close() error { return e.s.Close() }
