package main

import (
	"errors"
	"math"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
)

// badgerEngine runs badger in managed mode, badger's own way to read at a
// position: a batch commits at timestamp pos (NewWriteBatchAt) and a read
// at p is a transaction at read timestamp p (NewTransactionAt). Managed
// mode discards no version until SetDiscardTs, which is never called.
type badgerEngine struct {
	db  *badger.DB
	dir string
	pos atomic.Uint64 // the last applied position: reads at it are "latest"
}

func openBadger(cfg Config) (Engine, error) {
	// Managed mode and every version kept are what reads at a position
	// need, not tuning: they stay at defaults too.
	opts := badger.DefaultOptions(cfg.Dir).
		WithLogger(nil).
		WithNumVersionsToKeep(math.MaxInt32)
	if !cfg.Defaults() {
		// The cache budget is split between data blocks and the indices
		// and bloom filters (left at 0, IndexCacheSize keeps them all in
		// memory, outside any budget).
		opts = opts.WithBlockCacheSize(cfg.CacheBytes - cfg.CacheBytes/8).
			WithIndexCacheSize(cfg.CacheBytes / 8)
	}
	db, err := badger.OpenManaged(opts)
	if err != nil {
		return nil, err
	}
	e := &badgerEngine{db: db, dir: cfg.Dir}
	e.pos.Store(db.MaxVersion())
	return e, nil
}

func (e *badgerEngine) ApplyBatch(pos uint64, ops []Op, sync bool) error {
	wb := e.db.NewWriteBatchAt(pos)
	defer wb.Cancel()
	for i := range ops {
		var err error
		if ops[i].Delete {
			err = wb.Delete(ops[i].Key)
		} else {
			err = wb.Set(ops[i].Key, ops[i].Value)
		}
		if err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	// SyncWrites stays off (its default): like the others, badger syncs
	// only when asked, and DB.Sync after the flush is what SyncWrites
	// would do per commit (fsync of the memtable's WAL and the value log).
	if sync {
		if err := e.db.Sync(); err != nil {
			return err
		}
	}
	e.pos.Store(pos)
	return nil
}

func (e *badgerEngine) Get(dst, key []byte) ([]byte, bool, error) {
	return e.GetAt(dst, key, e.pos.Load())
}

func (e *badgerEngine) GetAt(dst, key []byte, pos uint64) ([]byte, bool, error) {
	txn := e.db.NewTransactionAt(pos, false)
	defer txn.Discard()
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return dst, false, nil
	}
	if err != nil {
		return dst, false, err
	}
	err = item.Value(func(v []byte) error {
		dst = append(dst, v...)
		return nil
	})
	return dst, err == nil, err
}

func (e *badgerEngine) Scan(start []byte, n int, fn func(k, v []byte)) (int, error) {
	return e.ScanAt(start, n, e.pos.Load(), fn)
}

func (e *badgerEngine) ScanAt(start []byte, n int, pos uint64, fn func(k, v []byte)) (int, error) {
	txn := e.db.NewTransactionAt(pos, false)
	defer txn.Discard()
	opts := badger.DefaultIteratorOptions
	opts.PrefetchSize = min(n, opts.PrefetchSize)
	it := txn.NewIterator(opts)
	defer it.Close()
	count := 0
	for it.Seek(start); it.Valid() && count < n; it.Next() {
		item := it.Item()
		err := item.Value(func(v []byte) error {
			fn(item.Key(), v)
			return nil
		})
		if err != nil {
			return count, err
		}
		count++
	}
	return count, nil
}

func (e *badgerEngine) Size() (int64, error) { return dirSize(e.dir) }

func (e *badgerEngine) Close() error { return e.db.Close() }
