package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/internal/pager"
	"github.com/projstore/projstore/vfs"
)

// Options configure Open. The zero value (or nil) is the default.
type Options struct {
	// CacheBytes bounds the page cache; 0 means DefaultCacheBytes(), a
	// share of the machine's memory.
	CacheBytes int64
	// DirtyBytes bounds the changed pages Apply keeps in memory before
	// writing them out (they stay cached); 0 means half the cache, at
	// most 64 MiB, and it is never more than half the cache. It is what a
	// Sync may still have to write.
	DirtyBytes     int64
	SyncEveryBatch bool // Apply returns only once the batch is durable
	ReadOnly       bool
	// FS is the file system the store's file lives in: nil means the
	// operating system's (vfs.OS). vfs.NewMem() keeps it in memory, and
	// fault.New() injects I/O errors and power losses for a user's tests.
	FS vfs.FS
	// LockTimeout is how long Open waits while another process holds the
	// file (a writer excludes everyone; readers exclude writers). 0 fails
	// at once with ErrLocked.
	LockTimeout time.Duration
}

// KV is one row of a scan.
type KV struct{ Key, Value []byte }

// Store is an open projstore file. It is safe for concurrent use.
type Store struct {
	wmu sync.Mutex   // the writer: Apply, Sync, Prune, Close
	mu  sync.RWMutex // readers, against the batch being applied

	opts    Options
	pg      *pager.Pager
	catalog btree.Tree

	applied batch.Offset
	digest  uint64
	horizon batch.Offset
	epoch   atomic.Uint64 // bumped whenever pages change; iterators re-seek
	closed  atomic.Bool
	failed  atomic.Pointer[error] // an I/O error interrupted a change: refuse everything

	tables sync.Map // batch.TableID -> *table, live incarnations seen so far

	snapMu sync.Mutex
	snaps  map[batch.Offset]int // open snapshots by position: Prune stops at the oldest

	pruneLeft bool // a Prune stopped early: the next one finishes it (under wmu)

	// Writer scratch, reused across batches.
	order []int
	old   btree.Ref
	hkey  []byte
	hash  *xxhash.Digest
}

// table is one incarnation of a table.
type table struct {
	id        batch.TableID
	dropped   batch.Offset // MaxOffset while live
	start     batch.Offset // the position that created this incarnation
	cur, hist btree.Tree
	counts    btree.Tree // position -> rows ‖ bytes, see codec.go
	rows      uint64     // live rows
	size      uint64     // bytes of live keys and values
	versions  uint64     // closed versions in history
	dirty     bool

	// The counts last recorded in the counts tree: a batch that leaves
	// them as they were records nothing.
	savedRows, savedSize uint64
}

// Open opens the store at path, creating the file if it is missing (unless
// opts.ReadOnly). nil opts means the defaults.
func Open(path string, opts *Options) (*Store, error) {
	return open(path, opts, false)
}

// OpenMemory opens a store held in memory only: the same code path over an
// in-memory file, for tests and staging. Its data is gone once it is closed.
func OpenMemory(opts *Options) (*Store, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	o.FS = vfs.NewMem()
	return open("memory", &o, false)
}

// Recover opens the store at path from the older of its two superblocks,
// for when the newer state is damaged (Check fails). The older state is
// checked and then committed as the newest, replacing the damaged one; the
// positions after it must be replayed from the log.
func Recover(path string, opts *Options) (*Store, error) {
	s, err := open(path, opts, true)
	if err != nil {
		return nil, err
	}
	if err := s.Check(); err != nil {
		s.pg.Close()
		return nil, fmt.Errorf("projstore: the older state is damaged too: %w", err)
	}
	if !s.opts.ReadOnly {
		s.wmu.Lock()
		s.pg.ForceCommit()
		err = s.commit()
		s.wmu.Unlock()
		if err != nil {
			s.pg.Close()
			return nil, err
		}
	}
	return s, nil
}

func open(path string, opts *Options, older bool) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = DefaultCacheBytes()
	}
	if o.DirtyBytes <= 0 {
		o.DirtyBytes = defaultDirtyFor(o.CacheBytes)
	}
	// dirty pages cannot be evicted until written: they must leave the
	// cache room for the pages readers need
	o.DirtyBytes = min(o.DirtyBytes, o.CacheBytes/2)
	if o.FS == nil {
		o.FS = vfs.OS
	}
	f, err := openFile(o, path)
	if err != nil {
		return nil, fmt.Errorf("projstore: open %s: %w", path, err)
	}
	pg, err := pager.Open(f, pager.Options{CacheBytes: o.CacheBytes, DirtyBytes: o.DirtyBytes, ReadOnly: o.ReadOnly, Older: older, Validate: btree.ValidatePage})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("projstore: open %s: %w", path, err)
	}
	m := pg.Meta()
	s := &Store{
		opts:    o,
		pg:      pg,
		catalog: btree.Tree{P: pg, Root: m.Catalog},
		applied: batch.Offset(m.Applied),
		digest:  m.Digest,
		horizon: batch.Offset(m.Horizon),
		hash:    xxhash.New(),
	}
	return s, nil
}

// usable returns why the store cannot serve a call, if it cannot.
func (s *Store) usable() error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// writable returns why the store cannot take a change, if it cannot.
func (s *Store) writable() error {
	if err := s.usable(); err != nil {
		return err
	}
	if s.opts.ReadOnly {
		return ErrReadOnly
	}
	return nil
}

// fail records err as the reason every later call fails.
func (s *Store) fail(err error) error {
	err = diskFull(err)
	failed := fmt.Errorf("projstore: store must be reopened after an interrupted change: %w", err)
	s.failed.CompareAndSwap(nil, &failed)
	return err
}

// AppliedPosition returns the position of the last applied batch.
func (s *Store) AppliedPosition() batch.Offset {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.applied
}

// AppliedDigest returns the xxhash64 chain over the wire bytes of every
// applied batch: digest(n) = xxhash64(le64(digest(n-1)) ‖ batch n). Two
// replicas that applied the same log have the same digest.
func (s *Store) AppliedDigest() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.digest
}

// Horizon returns the retention horizon: reads below it return ErrPruned.
func (s *Store) Horizon() batch.Offset {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.horizon
}

func validate(b *batch.WriteBatch) error {
	for i := range b.Ops {
		op := &b.Ops[i]
		switch op.Kind {
		case batch.OpPut, batch.OpDelete:
			if len(op.Key) == 0 {
				return fmt.Errorf("%w: op %d", ErrEmptyKey, i)
			}
			if len(op.Key) > MaxKeySize {
				return fmt.Errorf("%w: op %d has a key of %d bytes, the limit is %d", ErrKeyTooLarge, i, len(op.Key), MaxKeySize)
			}
			if op.Kind == batch.OpPut && len(op.Value) > MaxValueSize {
				return fmt.Errorf("%w: op %d has a value of %d bytes, the limit is %d", ErrValueTooLarge, i, len(op.Value), MaxValueSize)
			}
			if op.Kind == batch.OpDelete && len(op.Value) != 0 {
				return fmt.Errorf("%w: op %d is a delete with a value", ErrBadOp, i)
			}
		case batch.OpDropTable:
			if len(op.Key) != 0 || len(op.Value) != 0 {
				return fmt.Errorf("%w: op %d drops a table but carries a key or value", ErrBadOp, i)
			}
		default:
			return fmt.Errorf("%w: op %d has kind %d", ErrBadOp, i, op.Kind)
		}
	}
	return nil
}

// Apply applies b if it is the next batch in log order. A batch at or below
// the applied position is a replay: nothing changes and Apply returns nil. A
// gap returns a *NonSequentialError. The batch is validated whole before
// anything changes; within it a later op on the same key wins, and a drop
// empties the table for the ops before it.
func (s *Store) Apply(b *batch.WriteBatch) error {
	return s.apply1(b, true)
}

// ApplyNext is Apply for a writer that builds its batch from the store's
// own state (at AppliedPosition()+1) rather than replaying a log: a batch
// at or below the applied position is an error, a *NonSequentialError,
// not a replay. Two such writers that raced for one position thus never
// lose the second one's changes silently: it fails and can rebuild.
func (s *Store) ApplyNext(b *batch.WriteBatch) error {
	return s.apply1(b, false)
}

func (s *Store) apply1(b *batch.WriteBatch, replays bool) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("%w: nil batch", ErrBadOp)
	}
	if b.Position <= s.applied && replays {
		return nil
	}
	if b.Position != s.applied+1 {
		return &NonSequentialError{Expected: s.applied + 1, Got: b.Position}
	}
	if err := validate(b); err != nil {
		return err
	}
	// The digest hashes the batch's wire bytes as they are produced: a
	// buffer of the whole encoding would be a copy of every batch, kept
	// as large as the largest batch for the store's lifetime.
	var prev [8]byte
	binary.LittleEndian.PutUint64(prev[:], s.digest)
	s.hash.Reset()
	s.hash.Write(prev[:])
	if _, err := b.WriteTo(s.hash); err != nil {
		return err
	}
	digest := s.hash.Sum64()

	s.sortOps(b)
	if dropsOnly(b) {
		// A batch of drops frees space: it may use the reserve.
		s.pg.UseReserve()
		defer s.pg.EndReserve()
	}
	s.mu.Lock()
	err := s.apply(b)
	if err == nil {
		s.applied = b.Position
		s.digest = digest
		s.setMeta()
	} else {
		// Before readers get the lock back: they must not see part of b.
		s.fail(err)
	}
	s.epoch.Add(1)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if s.pg.NeedSpill() {
		if err := s.pg.Spill(); err != nil {
			return s.fail(err)
		}
	}
	if s.opts.SyncEveryBatch {
		return s.commit()
	}
	return nil
}

// dropsOnly reports whether every op of b drops a table.
func dropsOnly(b *batch.WriteBatch) bool {
	for i := range b.Ops {
		if b.Ops[i].Kind != batch.OpDropTable {
			return false
		}
	}
	return len(b.Ops) > 0
}

func (s *Store) setMeta() {
	s.pg.SetMeta(pager.Meta{Applied: uint64(s.applied), Digest: s.digest, Catalog: s.catalog.Root, Horizon: uint64(s.horizon)})
}

// sortOps orders the batch's op indices by table, then key, then position
// in the batch, so each table and each key is one run and the last op of a
// run is the one that counts; keys in order also walk the tree leaf by leaf.
func (s *Store) sortOps(b *batch.WriteBatch) {
	s.order = s.order[:0]
	for i := range b.Ops {
		s.order = append(s.order, i)
	}
	if len(b.Ops) < 2 {
		return
	}
	ops := b.Ops
	// The op's index breaks ties, which makes the order total: a plain
	// (unstable, faster) sort then gives what a stable one would.
	slices.SortFunc(s.order, func(x, y int) int {
		a, c := &ops[x], &ops[y]
		if a.Table != c.Table {
			if a.Table < c.Table {
				return -1
			}
			return 1
		}
		if k := bytes.Compare(a.Key, c.Key); k != 0 {
			return k
		}
		return x - y
	})
}

func (s *Store) apply(b *batch.WriteBatch) error {
	pos := b.Position
	ops := b.Ops
	for i := 0; i < len(s.order); {
		tid := ops[s.order[i]].Table
		end := i
		lastDrop := -1
		for end < len(s.order) && ops[s.order[end]].Table == tid {
			if j := s.order[end]; ops[j].Kind == batch.OpDropTable && j > lastDrop {
				lastDrop = j
			}
			end++
		}
		t, err := s.liveTable(tid)
		if err != nil {
			return err
		}
		if lastDrop >= 0 && t != nil {
			if err := s.drop(t, pos); err != nil {
				return err
			}
			t = nil
		}
		for k := i; k < end; {
			// The run of ops on one key: the last one wins.
			op := &ops[s.order[k]]
			last := s.order[k]
			k++
			for k < end && bytes.Equal(ops[s.order[k]].Key, op.Key) {
				last = s.order[k]
				k++
			}
			op = &ops[last]
			if op.Kind == batch.OpDropTable || last < lastDrop {
				continue
			}
			if t == nil {
				if op.Kind == batch.OpDelete {
					continue
				}
				t = s.newTable(tid, pos)
			}
			if err := s.applyOp(t, op, pos); err != nil {
				return err
			}
			if s.pg.MustSpill() {
				if err := s.pg.Spill(); err != nil {
					return err
				}
			}
		}
		if t != nil && t.dirty {
			if err := s.recordCounts(t, pos); err != nil {
				return err
			}
			if err := s.saveTable(t); err != nil {
				return err
			}
		}
		i = end
	}
	return nil
}

func (s *Store) newTable(id batch.TableID, pos batch.Offset) *table {
	t := &table{id: id, dropped: batch.MaxOffset, start: pos, dirty: true}
	t.cur = btree.Tree{P: s.pg}
	t.hist = btree.Tree{P: s.pg, Versioned: true}
	t.counts = btree.Tree{P: s.pg}
	t.savedRows, t.savedSize = ^uint64(0), ^uint64(0) // the first batch records
	s.tables.Store(id, t)
	return t
}

func (s *Store) applyOp(t *table, op *batch.WriteOp, pos batch.Offset) error {
	var (
		created uint64
		existed bool
		err     error
	)
	if op.Kind == batch.OpPut {
		created, existed, err = t.cur.Swap(op.Key, uint64(pos), op.Value, &s.old)
		if err == nil {
			t.size += uint64(len(op.Value))
			if existed {
				t.size -= uint64(s.old.Len)
			} else {
				t.rows++
				t.size += uint64(len(op.Key))
			}
		}
	} else {
		created, existed, err = t.cur.Take(op.Key, &s.old)
		if err == nil && existed {
			t.rows--
			t.size -= uint64(len(op.Key)) + uint64(s.old.Len)
		}
	}
	if err != nil || !existed {
		t.dirty = t.dirty || existed || op.Kind == batch.OpPut
		return err
	}
	t.dirty = true
	s.hkey = appendHistKey(s.hkey[:0], op.Key, batch.Offset(created))
	if err := t.hist.PutRef(s.hkey, uint64(pos), s.old); err != nil {
		return err
	}
	t.versions++
	return nil
}

// drop closes the live incarnation of t at pos: it is re-keyed under its
// drop position, where reads before pos still find it.
func (s *Store) drop(t *table, pos batch.Offset) error {
	if _, _, err := s.catalog.Delete(catalogKey(t.id, batch.MaxOffset)); err != nil {
		return err
	}
	s.tables.Delete(t.id)
	t.dropped = pos
	return s.saveTable(t)
}

func (s *Store) saveTable(t *table) error {
	e := entry{start: t.start, cur: t.cur.Root, hist: t.hist.Root, counts: t.counts.Root,
		rows: t.rows, versions: t.versions, size: t.size}
	t.dirty = false
	return s.catalog.Put(catalogKey(t.id, t.dropped), 0, e.encode())
}

// recordCounts appends t's counts at pos to its counts tree if the batch
// changed them.
func (s *Store) recordCounts(t *table, pos batch.Offset) error {
	if t.rows == t.savedRows && t.size == t.savedSize {
		return nil
	}
	if err := t.counts.Put(countsKey(pos), 0, encodeCounts(t.rows, t.size)); err != nil {
		return err
	}
	t.savedRows, t.savedSize = t.rows, t.size
	return nil
}

func (s *Store) decodeTable(key, v []byte) (*table, error) {
	id, dropped, e, err := decodeEntry(key, v, s.catalog.Root)
	if err != nil {
		return nil, err
	}
	t := &table{id: id, dropped: dropped, start: e.start, rows: e.rows, versions: e.versions, size: e.size,
		savedRows: e.rows, savedSize: e.size}
	t.cur = btree.Tree{P: s.pg, Root: e.cur}
	t.hist = btree.Tree{P: s.pg, Root: e.hist, Versioned: true}
	t.counts = btree.Tree{P: s.pg, Root: e.counts}
	return t, nil
}

// cursors recycles the read paths' cursors (and their stacks).
var cursors = sync.Pool{New: func() any { return (&btree.Tree{}).Cursor() }}

// liveTable returns the live incarnation of id, or nil. Callers hold mu
// (either way) or wmu.
func (s *Store) liveTable(id batch.TableID) (*table, error) {
	if v, ok := s.tables.Load(id); ok {
		return v.(*table), nil
	}
	_, r, found, err := s.catalog.Get(catalogKey(id, batch.MaxOffset))
	if err != nil || !found {
		return nil, err
	}
	t, err := s.decodeTable(catalogKey(id, batch.MaxOffset), r.Inline)
	if err != nil {
		return nil, err
	}
	v, _ := s.tables.LoadOrStore(id, t)
	return v.(*table), nil
}

// tableAt returns the incarnation of id whose rows are visible at pos, or
// nil: the first incarnation dropped after pos.
func (s *Store) tableAt(id batch.TableID, pos batch.Offset) (*table, error) {
	t, err := s.liveTable(id)
	if err != nil {
		return nil, err
	}
	if t != nil && pos >= t.start {
		return t, nil
	}
	c := cursors.Get().(*btree.Cursor)
	defer cursors.Put(c)
	c.Reset(&s.catalog)
	if !c.SeekGE(catalogKey(id, pos+1)) {
		return nil, c.Err()
	}
	k := c.Key()
	if catalogTable(k) != id {
		return nil, nil
	}
	r, err := c.Ref()
	if err != nil {
		return nil, err
	}
	if bytes.Equal(k, catalogKey(id, batch.MaxOffset)) && t != nil {
		return t, nil
	}
	return s.decodeTable(k, r.Inline)
}

// readable checks a read position against the applied one and the horizon.
// Callers hold mu.RLock.
func (s *Store) readable(pos batch.Offset) error {
	if err := s.usable(); err != nil {
		return err
	}
	if pos > s.applied {
		return fmt.Errorf("%w: %d > %d", ErrPositionAhead, pos, s.applied)
	}
	if pos < s.horizon {
		return fmt.Errorf("%w: %d < %d", ErrPruned, pos, s.horizon)
	}
	return nil
}

// Get returns the current value of key in table t, or ErrNotFound.
func (s *Store) Get(t batch.TableID, key []byte) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.usable(); err != nil {
		return nil, err
	}
	return s.getAt(t, key, s.applied)
}

// GetAt returns the value key had in table t at position pos.
func (s *Store) GetAt(t batch.TableID, key []byte, pos batch.Offset) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.readable(pos); err != nil {
		return nil, err
	}
	return s.getAt(t, key, pos)
}

func checkKey(key []byte) error {
	if len(key) == 0 {
		return ErrEmptyKey
	}
	if len(key) > MaxKeySize {
		return fmt.Errorf("%w: %d bytes", ErrKeyTooLarge, len(key))
	}
	return nil
}

func (s *Store) getAt(id batch.TableID, key []byte, pos batch.Offset) ([]byte, error) {
	tree, r, err := s.refAt(id, key, pos)
	if err != nil {
		return nil, err
	}
	return tree.Value(make([]byte, 0, r.Len), r)
}

// refAt finds the version of key visible at pos: the tree holding it and a
// reference to its value, whose Inline bytes alias a page (valid while the
// caller holds mu).
func (s *Store) refAt(id batch.TableID, key []byte, pos batch.Offset) (*btree.Tree, btree.Ref, error) {
	var r btree.Ref
	if err := checkKey(key); err != nil {
		return nil, r, err
	}
	t, err := s.tableAt(id, pos)
	if err != nil || t == nil {
		return nil, r, notFound(err)
	}
	created, r, found, err := t.cur.Get(key)
	if err != nil {
		return nil, r, err
	}
	if found && batch.Offset(created) <= pos {
		return &t.cur, r, nil
	}
	if pos == s.applied && t.dropped == batch.MaxOffset {
		return nil, r, ErrNotFound // no closed version is visible at the applied position
	}
	c := cursors.Get().(*btree.Cursor)
	defer cursors.Put(c)
	c.Reset(&t.hist)
	var buf [64]byte // longer keys spill to the heap via append
	hk := appendHistKey(buf[:0], key, pos)
	if !c.SeekGE(hk) {
		return nil, r, notFound(c.Err())
	}
	k := c.Key()
	if len(k) != len(hk) || !bytes.Equal(k[:len(key)], key) || batch.Offset(c.Stamp()) <= pos {
		return nil, r, ErrNotFound
	}
	r, err = c.Ref()
	if err != nil {
		return nil, r, err
	}
	return &t.hist, r, nil
}

func notFound(err error) error {
	if err != nil {
		return err
	}
	return ErrNotFound
}

// Sync makes every applied batch durable.
func (s *Store) Sync() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	if s.opts.ReadOnly {
		return nil
	}
	return s.commit()
}

// commit runs under wmu.
func (s *Store) commit() error {
	if err := s.pg.Commit(); err != nil {
		return s.fail(err)
	}
	return nil
}

// Close syncs (unless read-only) and closes the file. Later calls return
// ErrClosed.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	var err error
	if f := s.failed.Load(); f != nil {
		err = *f
	} else if !s.opts.ReadOnly {
		err = s.pg.Commit()
	}
	s.mu.Lock()
	s.closed.Store(true)
	s.mu.Unlock()
	if cerr := s.pg.Close(); err == nil {
		err = cerr
	}
	return err
}

// lockPoll is how often Open retries a file another process holds.
const lockPoll = 20 * time.Millisecond

// openFile opens path, waiting up to o.LockTimeout for another process's
// lock to go.
func openFile(o Options, path string) (vfs.File, error) {
	mode := vfs.Create
	if o.ReadOnly {
		mode = vfs.ReadOnly
	}
	deadline := time.Now().Add(o.LockTimeout)
	for {
		f, err := o.FS.Open(path, mode)
		if !errors.Is(err, vfs.ErrLocked) {
			return f, err
		}
		if !time.Now().Before(deadline) {
			return nil, &LockedError{Path: path, Waited: o.LockTimeout, Err: err}
		}
		time.Sleep(min(lockPoll, time.Until(deadline)))
	}
}
