package column

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"unsafe"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// Tx reads tables at a snapshot's position and, given a pending batch,
// writes into that batch and reads its own writes: every read sees the
// snapshot with the batch's ops applied on top, as the store will once the
// batch is applied. It is what a SQL transaction runs on. A Tx is not safe
// for concurrent use; the snapshot stays the caller's to close.
//
// The overlay indexes the batch's ops by table and key as they are
// appended (through the Tx or directly: it catches up on every call, and
// starts over if the batch got shorter); replacing ops in place without
// changing the batch's length is not noticed.
type Tx struct {
	snap *store.Snapshot
	b    *batch.WriteBatch

	seen    int // ops of b indexed
	pending map[batch.TableID]*pendingTable
	cat     *Catalog // nil when a catalog op came since it was loaded
	maxRow  map[batch.TableID]int64
	scratch []byte
}

// pendingTable is the overlay of one table: the last op of the batch on
// each key since the table's last drop in the batch.
type pendingTable struct {
	dropped bool           // the batch drops the table: the snapshot's rows are gone
	ops     map[string]int // key -> index in b.Ops of its last op
	sorted  []string       // keys of ops, sorted; nil when stale
}

// keys returns the pending keys in [start, end) (nil end: no bound) in
// ascending order, sorting them once per change of the batch. A nil pt has
// none.
func (pt *pendingTable) keys(start, end []byte) []string {
	if pt == nil {
		return nil
	}
	if pt.sorted == nil {
		pt.sorted = make([]string, 0, len(pt.ops))
		for k := range pt.ops {
			pt.sorted = append(pt.sorted, k)
		}
		sort.Strings(pt.sorted)
	}
	lo := sort.SearchStrings(pt.sorted, string(start))
	hi := len(pt.sorted)
	if end != nil {
		hi = sort.SearchStrings(pt.sorted, string(end))
	}
	return pt.sorted[lo:max(lo, hi)]
}

// NewTx returns a Tx over snap; pending, if not nil, is the batch that
// writes go to and whose ops reads see.
func NewTx(snap *store.Snapshot, pending *batch.WriteBatch) *Tx {
	return &Tx{snap: snap, b: pending}
}

// Snapshot returns the snapshot the Tx reads.
func (tx *Tx) Snapshot() *store.Snapshot { return tx.snap }

// Batch returns the pending batch, or nil.
func (tx *Tx) Batch() *batch.WriteBatch { return tx.b }

// sync indexes the ops appended since the last call.
func (tx *Tx) sync() {
	if tx.b == nil {
		return
	}
	ops := tx.b.Ops
	if len(ops) < tx.seen {
		tx.seen, tx.pending, tx.cat, tx.maxRow = 0, nil, nil, nil
	}
	if tx.pending == nil {
		tx.pending = map[batch.TableID]*pendingTable{}
	}
	for i := tx.seen; i < len(ops); i++ {
		op := &ops[i]
		if op.Table == CatalogID {
			tx.cat = nil
		}
		pt := tx.pending[op.Table]
		if pt == nil {
			pt = &pendingTable{ops: map[string]int{}}
			tx.pending[op.Table] = pt
		}
		pt.sorted = nil
		switch op.Kind {
		case batch.OpDropTable:
			pt.dropped = true
			clear(pt.ops)
			delete(tx.maxRow, op.Table)
		default:
			pt.ops[string(op.Key)] = i
		}
	}
	tx.seen = len(ops)
}

// get returns the value of key in table t, as the batch would leave it.
func (tx *Tx) get(t batch.TableID, key []byte) ([]byte, bool, error) {
	tx.sync()
	if pt := tx.pending[t]; pt != nil {
		if i, ok := pt.ops[string(key)]; ok {
			op := &tx.b.Ops[i]
			if op.Kind == batch.OpPut {
				return op.Value, true, nil
			}
			return nil, false, nil
		}
		if pt.dropped {
			return nil, false, nil
		}
	}
	v, err := tx.snap.Get(t, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// errStop ends a walk early; it is not an error.
var errStop = errors.New("stop")

// walk calls fn for each row of table t in [start, end) (nil end: no
// bound), in key order, as the batch would leave them. Slices are
// borrowed, valid only until fn returns, and fn runs under the store's
// read lock for store rows (see store.Snapshot.Range): it must not read
// through the Tx. fn returning errStop ends the walk with nil.
func (tx *Tx) walk(ctx context.Context, t batch.TableID, start, end []byte, fn func(k, v []byte) error) error {
	tx.sync()
	pt := tx.pending[t]
	keys := pt.keys(start, end)
	emit := func(k string) error {
		op := &tx.b.Ops[pt.ops[k]]
		if op.Kind != batch.OpPut {
			return nil
		}
		return fn(op.Key, op.Value)
	}
	var err error
	if pt == nil || !pt.dropped {
		if len(keys) == 0 {
			err = tx.snap.Range(ctx, t, start, end, fn)
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
		err = tx.snap.Range(ctx, t, start, end, func(k, v []byte) error {
			for len(keys) > 0 {
				c := bytes.Compare(unsafeBytes(keys[0]), k)
				if c > 0 {
					break
				}
				if err := emit(keys[0]); err != nil {
					return err
				}
				keys = keys[1:]
				if c == 0 {
					return nil // the batch's op replaces the stored row
				}
			}
			return fn(k, v)
		})
	}
	if err == nil {
		for _, k := range keys {
			if err = emit(k); err != nil {
				break
			}
		}
	}
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// last returns the greatest key of table t, as the batch would leave it.
func (tx *Tx) last(t batch.TableID) ([]byte, bool, error) {
	tx.sync()
	pt := tx.pending[t]
	var best []byte
	found := false
	if pt != nil {
		for k, i := range pt.ops {
			if tx.b.Ops[i].Kind == batch.OpPut && (!found || k > string(best)) {
				best, found = []byte(k), true
			}
		}
		if pt.dropped {
			return best, found, nil
		}
	}
	it, err := tx.snap.NewIterator(t, nil, nil)
	if err != nil {
		return nil, false, err
	}
	defer it.Close()
	for ok := it.Last(); ok; ok = it.Prev() {
		k := it.Key()
		if pt != nil {
			if i, ok := pt.ops[string(k)]; ok && tx.b.Ops[i].Kind != batch.OpPut {
				continue // deleted in the batch
			}
		}
		if !found || bytes.Compare(k, best) > 0 {
			best, found = append([]byte(nil), k...), true
		}
		break
	}
	if err := it.Error(); err != nil {
		return nil, false, err
	}
	return best, found, nil
}

// Catalog returns the schema the Tx reads: the snapshot's, with the
// pending batch's DDL applied.
func (tx *Tx) Catalog() (*Catalog, error) {
	if tx.snap == nil {
		return nil, errNoSnapshot
	}
	tx.sync()
	if tx.cat != nil {
		return tx.cat, nil
	}
	c, err := buildCatalog(func(fn func(k, v []byte) error) error {
		// Catalog rows are decoded after the walk: the callback runs under
		// the store's read lock, and the rows are small.
		var kvs [][2][]byte
		err := tx.walk(context.Background(), CatalogID, nil, nil, func(k, v []byte) error {
			kvs = append(kvs, [2][]byte{append([]byte(nil), k...), append([]byte(nil), v...)})
			return nil
		})
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if err := fn(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	tx.cat = c
	return c, nil
}

// table returns a table of the catalog; ErrNoTable names the position.
func (tx *Tx) table(name string) (*tableInfo, error) {
	c, err := tx.Catalog()
	if err != nil {
		return nil, err
	}
	ti, err := c.table(name)
	if err != nil {
		p := uint64(tx.snap.Position())
		err.(*TableError).At = &p
		return nil, err
	}
	return ti, nil
}

// unsafeBytes views s as bytes, without a copy; the bytes must not change.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Savepoint returns a mark of the pending batch as it is now, for
// RollbackTo: a SQL statement takes one before it writes, so that a
// statement failing halfway leaves no trace.
func (tx *Tx) Savepoint() int {
	if tx.b == nil {
		return 0
	}
	return len(tx.b.Ops)
}

// RollbackTo drops the ops appended to the pending batch since the
// savepoint sp, and what the Tx knew of them.
func (tx *Tx) RollbackTo(sp int) error {
	if tx.b == nil {
		return ErrReadOnly
	}
	if sp < 0 || sp > len(tx.b.Ops) {
		return fmt.Errorf("column: %w: savepoint %d of a batch of %d ops", ErrBadArgument, sp, len(tx.b.Ops))
	}
	clear(tx.b.Ops[sp:]) // let the dropped keys and values go
	tx.b.Ops = tx.b.Ops[:sp]
	tx.seen, tx.pending, tx.cat, tx.maxRow = 0, nil, nil, nil
	return nil
}

// walkReverse is walk in descending key order. It reads the store through
// an iterator (which copies each row and takes the read lock per step),
// so fn may read through the Tx; ctx is checked every 256 rows.
func (tx *Tx) walkReverse(ctx context.Context, t batch.TableID, start, end []byte, fn func(k, v []byte) error) error {
	tx.sync()
	pt := tx.pending[t]
	keys := pt.keys(start, end) // ascending; used from the end
	emit := func(k string) error {
		op := &tx.b.Ops[pt.ops[k]]
		if op.Kind != batch.OpPut {
			return nil
		}
		return fn(op.Key, op.Value)
	}
	err := func() error {
		if pt != nil && pt.dropped {
			return nil
		}
		if end != nil && string(start) >= string(end) {
			return nil
		}
		it, err := tx.snap.NewIterator(t, start, end)
		if err != nil {
			return err
		}
		defer it.Close()
		n := 0
		for ok := it.Last(); ok; ok = it.Prev() {
			if n++; n%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			k := it.Key()
			for len(keys) > 0 {
				last := keys[len(keys)-1]
				c := bytes.Compare(unsafeBytes(last), k)
				if c < 0 {
					break
				}
				if err := emit(last); err != nil {
					return err
				}
				keys = keys[:len(keys)-1]
				if c == 0 {
					k = nil
					break
				}
			}
			if k == nil {
				continue
			}
			if err := fn(k, it.Value()); err != nil {
				return err
			}
		}
		return it.Error()
	}()
	if err == nil {
		for i := len(keys) - 1; i >= 0; i-- {
			if err = emit(keys[i]); err != nil {
				break
			}
		}
	}
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}
