package store_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/projstore/projstore/vfs/fault"

	"pgregory.net/rapid"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
)

// version is one version of a row in the model.
type version struct {
	created, deleted batch.Offset
	value            []byte
	byOp             bool // closed by a put or delete (kept in history), not by a drop
}

// model is every version of every row the store must remember.
type model struct {
	applied, horizon batch.Offset
	rows             map[batch.TableID]map[string][]version // oldest first
	live             map[batch.TableID]bool                 // has a live incarnation
	drops            map[batch.TableID][]batch.Offset       // drops of live incarnations
	starts           map[batch.TableID][]batch.Offset       // creations of incarnations: drops[t][i] ends starts[t][i]
}

func newModel() *model {
	return &model{rows: map[batch.TableID]map[string][]version{}, live: map[batch.TableID]bool{},
		drops: map[batch.TableID][]batch.Offset{}, starts: map[batch.TableID][]batch.Offset{}}
}

func (m *model) clone() *model {
	c := newModel()
	c.applied, c.horizon = m.applied, m.horizon
	for t, keys := range m.rows {
		c.rows[t] = map[string][]version{}
		for k, vs := range keys {
			c.rows[t][k] = slices.Clone(vs)
		}
	}
	maps.Copy(c.live, m.live)
	for t, d := range m.drops {
		c.drops[t] = slices.Clone(d)
	}
	for t, st := range m.starts {
		c.starts[t] = slices.Clone(st)
	}
	return c
}

// apply follows guarantee 2: ops in order, the last op on a key wins, a
// drop empties the table for the ops before it.
func (m *model) apply(b *batch.WriteBatch) {
	pos := b.Position
	type final struct {
		del   bool
		value []byte
	}
	finals := map[batch.TableID]map[string]final{}
	dropped := map[batch.TableID]bool{}
	var order []batch.TableID
	for _, op := range b.Ops {
		if finals[op.Table] == nil {
			finals[op.Table] = map[string]final{}
			order = append(order, op.Table)
		}
		switch op.Kind {
		case batch.OpDropTable:
			dropped[op.Table] = true
			clear(finals[op.Table])
		case batch.OpPut:
			finals[op.Table][string(op.Key)] = final{value: bytes.Clone(op.Value)}
		case batch.OpDelete:
			finals[op.Table][string(op.Key)] = final{del: true}
		}
	}
	closeLive := func(vs []version, byOp bool) {
		if n := len(vs); n > 0 && vs[n-1].deleted == batch.MaxOffset {
			vs[n-1].deleted, vs[n-1].byOp = pos, byOp
		}
	}
	for _, t := range order {
		if dropped[t] {
			if m.live[t] {
				m.drops[t] = append(m.drops[t], pos)
				m.live[t] = false
			}
			for _, vs := range m.rows[t] {
				closeLive(vs, false)
			}
		}
		for k, f := range finals[t] {
			if m.rows[t] == nil {
				m.rows[t] = map[string][]version{}
			}
			vs := m.rows[t][k]
			closeLive(vs, true)
			if !f.del {
				vs = append(vs, version{created: pos, deleted: batch.MaxOffset, value: f.value})
				if !m.live[t] {
					m.starts[t] = append(m.starts[t], pos)
				}
				m.live[t] = true
			}
			if len(vs) > 0 {
				m.rows[t][k] = vs
			}
		}
	}
	m.applied = pos
}

// prune forgets the versions no read at or above h can see.
func (m *model) prune(h batch.Offset) {
	m.horizon = h
	for _, keys := range m.rows {
		for k, vs := range keys {
			vs = slices.DeleteFunc(vs, func(v version) bool { return v.deleted <= h })
			if len(vs) == 0 {
				delete(keys, k)
			} else {
				keys[k] = vs
			}
		}
	}
}

func (m *model) get(t batch.TableID, key string, pos batch.Offset) ([]byte, bool) {
	for _, v := range m.rows[t][key] {
		if v.created <= pos && pos < v.deleted {
			return v.value, true
		}
	}
	return nil, false
}

// scan returns the rows of t visible at pos in [lo, hi) (nil: unbounded).
func (m *model) scan(t batch.TableID, lo, hi []byte, pos batch.Offset) []store.KV {
	var out []store.KV
	for k := range m.rows[t] {
		if lo != nil && k < string(lo) || hi != nil && k >= string(hi) {
			continue
		}
		if v, ok := m.get(t, k, pos); ok {
			out = append(out, store.KV{Key: []byte(k), Value: v})
		}
	}
	slices.SortFunc(out, func(a, b store.KV) int { return bytes.Compare(a.Key, b.Key) })
	return out
}

// tables returns the incarnations live at pos, by id, with the rows and
// bytes (keys and values) visible at pos: what Snapshot.Tables reports.
func (m *model) tables(pos batch.Offset) []store.TableInfo {
	var out []store.TableInfo
	for t, starts := range m.starts {
		for i, start := range starts {
			end := batch.MaxOffset
			if i < len(m.drops[t]) {
				end = m.drops[t][i]
			}
			if start > pos || pos >= end {
				continue
			}
			info := store.TableInfo{ID: t, Created: start}
			for _, kv := range m.scan(t, nil, nil, pos) {
				info.Rows++
				info.Bytes += int64(len(kv.Key) + len(kv.Value))
			}
			out = append(out, info)
		}
	}
	slices.SortFunc(out, func(a, b store.TableInfo) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (m *model) stats() (rows, versions uint64, tables, dropped int) {
	for _, keys := range m.rows {
		for _, vs := range keys {
			for _, v := range vs {
				if v.deleted == batch.MaxOffset {
					rows++
				} else if v.byOp {
					versions++
				}
			}
		}
	}
	for t, live := range m.live {
		if live {
			tables++
		}
		for _, d := range m.drops[t] {
			if d > m.horizon {
				dropped++
			}
		}
	}
	return
}

var (
	modelTables = []batch.TableID{1, 2, 3, 1 << 40}
	modelKeys   = func() [][]byte {
		keys := [][]byte{[]byte("a"), []byte("a\x00"), []byte("ab"), []byte("b"), []byte("k1"), []byte("k10"), []byte("k2"), {0xff}, {0xff, 0xff}}
		for i := range 24 {
			keys = append(keys, fmt.Appendf(nil, "key%03d", i*7))
		}
		for i := range 6 {
			n := 900 + 25*i
			if i == 5 {
				n = store.MaxKeySize
			}
			k := pattern(n, uint64(i))
			k[0] = 'k'
			keys = append(keys, k)
		}
		// Keys that extend others by a would-be version suffix.
		keys = append(keys, []byte("a\xff\xff\xff\xff\xff\xff\xff\xfe"), []byte("a\x00\x00\x00\x00\x00\x00\x00\x01"))
		return keys
	}()
)

type storeModel struct {
	fsys   *fault.FS
	opts   store.Options
	s      *store.Store
	m      *model
	synced *model // the state a crash returns to
	snaps  []openSnap
	stale  []*store.Snapshot // closed, or of a store since closed or crashed
}

// openSnap is an open snapshot and the model as it was when it was taken.
type openSnap struct {
	v  *store.Snapshot
	at *model
}

// oldestSnap returns the position of the oldest open snapshot, or
// MaxOffset.
func (sm *storeModel) oldestSnap() batch.Offset {
	oldest := batch.MaxOffset
	for _, sn := range sm.snaps {
		oldest = min(oldest, sn.v.Position())
	}
	return oldest
}

// snapshot opens a snapshot at a random readable position.
func (sm *storeModel) snapshot(t *rapid.T) {
	pos := sm.drawPos(t, "snap-pos")
	v, err := sm.s.Snapshot(pos)
	if err != nil {
		t.Fatalf("Snapshot(%d) with horizon %d, applied %d: %v", pos, sm.m.horizon, sm.m.applied, err)
	}
	if v.Position() != pos {
		t.Fatalf("Snapshot(%d).Position() = %d", pos, v.Position())
	}
	d, ok := v.Digest()
	if pos == sm.m.applied && (!ok || d != sm.s.AppliedDigest()) {
		t.Fatalf("Digest of a snapshot at the applied position %d = %x, %v; want %x", pos, d, ok, sm.s.AppliedDigest())
	}
	if pos != sm.m.applied && ok {
		t.Fatalf("a snapshot at %d below the applied %d claims to know its digest", pos, sm.m.applied)
	}
	sm.snaps = append(sm.snaps, openSnap{v: v, at: sm.m.clone()})
}

// readSnapshot reads an open snapshot every way and compares with the
// model as it was when the snapshot was taken; or reads a stale one, which
// must refuse with ErrClosed.
func (sm *storeModel) readSnapshot(t *rapid.T) {
	if len(sm.stale) > 0 && rapid.IntRange(0, 3).Draw(t, "stale") == 0 {
		v := rapid.SampledFrom(sm.stale).Draw(t, "stale-snap")
		if _, err := v.Get(1, []byte("a")); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Get on a stale snapshot at %d: %v, want ErrClosed", v.Position(), err)
		}
		if _, err := v.Tables(); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Tables on a stale snapshot at %d: %v, want ErrClosed", v.Position(), err)
		}
		if _, err := v.Scan(1, nil, nil, 0); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Scan on a stale snapshot at %d: %v, want ErrClosed", v.Position(), err)
		}
		if err := v.Range(context.Background(), 1, nil, nil, func(_, _ []byte) error { return nil }); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Range on a stale snapshot at %d: %v, want ErrClosed", v.Position(), err)
		}
		return
	}
	if len(sm.snaps) == 0 {
		t.Skip("no open snapshot")
	}
	sn := sm.snaps[rapid.IntRange(0, len(sm.snaps)-1).Draw(t, "snap")]
	v, pos := sn.v, sn.v.Position()
	if h := sm.s.Horizon(); h > pos {
		t.Fatalf("Horizon %d passed an open snapshot at %d", h, pos)
	}
	infos, err := v.Tables()
	if err != nil {
		t.Fatalf("Tables at %d: %v", pos, err)
	}
	if want := sn.at.tables(pos); !slices.Equal(infos, want) {
		t.Fatalf("Tables at %d = %+v, want %+v", pos, infos, want)
	}
	tid := rapid.SampledFrom(modelTables).Draw(t, "table")
	k := sm.drawKey(t, "key")
	got, err := v.Get(tid, k)
	if want, ok := sn.at.get(tid, string(k), pos); !ok {
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("snapshot Get(%d, %s) at %d = %d bytes, %v; want ErrNotFound", tid, shortKey(k), pos, len(got), err)
		}
	} else if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("snapshot Get(%d, %s) at %d = %d bytes, %v; want %d bytes", tid, shortKey(k), pos, len(got), err, len(want))
	}
	lo, hi := sm.drawBound(t, "lo"), sm.drawBound(t, "hi")
	limit := rapid.IntRange(-1, 10).Draw(t, "limit")
	rows, err := v.Scan(tid, lo, hi, limit)
	if err != nil {
		t.Fatalf("snapshot Scan(%d, %s, %s, %d) at %d: %v", tid, shortKey(lo), shortKey(hi), limit, pos, err)
	}
	all := sn.at.scan(tid, lo, hi, pos)
	want := all
	if limit > 0 && len(want) > limit {
		want = want[:limit]
	}
	if err := diffKVs(rows, want); err != nil {
		t.Fatalf("snapshot Scan(%d, %s, %s, %d) at %d: %v", tid, shortKey(lo), shortKey(hi), limit, pos, err)
	}
	i := 0
	err = v.Range(context.Background(), tid, lo, hi, func(k, val []byte) error {
		if i >= len(all) || !bytes.Equal(k, all[i].Key) || !bytes.Equal(val, all[i].Value) {
			return fmt.Errorf("row %d is %s", i, shortKey(k))
		}
		i++
		return nil
	})
	if err == nil && i != len(all) {
		err = fmt.Errorf("%d rows, want %d", i, len(all))
	}
	if err != nil {
		t.Fatalf("snapshot Range(%d, %s, %s) at %d: %v", tid, shortKey(lo), shortKey(hi), pos, err)
	}
}

// iterateSnapshot drives an iterator of an open snapshot through random
// moves, applying batches and pruning (past the snapshot, if drawn so) in
// between: it sees the snapshot's position throughout.
func (sm *storeModel) iterateSnapshot(t *rapid.T) {
	if len(sm.snaps) == 0 {
		t.Skip("no open snapshot")
	}
	sn := sm.snaps[rapid.IntRange(0, len(sm.snaps)-1).Draw(t, "snap")]
	pos := sn.v.Position()
	tid := rapid.SampledFrom(modelTables).Draw(t, "table")
	lo, hi := sm.drawBound(t, "lo"), sm.drawBound(t, "hi")
	it, err := sn.v.NewIterator(tid, lo, hi)
	if err != nil {
		t.Fatalf("Snapshot.NewIterator at %d: %v", pos, err)
	}
	rows := sn.at.scan(tid, lo, hi, pos)
	idx, valid := -1, false
	for step := range rapid.IntRange(1, 20).Draw(t, "steps") {
		move := rapid.SampledFrom([]string{"first", "last", "seekge", "seeklt", "next", "next", "prev", "prev", "apply", "prune"}).Draw(t, "move")
		var ok bool
		switch move {
		case "first":
			ok, idx = it.First(), 0
		case "last":
			ok, idx = it.Last(), len(rows)-1
		case "seekge", "seeklt":
			k := sm.drawKey(t, "seek")
			idx = searchKV(rows, k)
			if move == "seekge" {
				ok = it.SeekGE(k)
			} else {
				ok, idx = it.SeekLT(k), idx-1
			}
		case "next":
			ok = it.Next()
			if valid {
				idx++
			}
		case "prev":
			ok = it.Prev()
			if valid {
				idx--
			}
		case "apply":
			sm.batch(t)
			continue
		case "prune":
			sm.prune(t)
			continue
		}
		valid = valid || move != "next" && move != "prev"
		valid = valid && idx >= 0 && idx < len(rows)
		if ok != valid || it.Valid() != valid {
			t.Fatalf("snapshot at %d, step %d %s at model index %d of %d: iterator says %v/%v (err %v)", pos, step, move, idx, len(rows), ok, it.Valid(), it.Error())
		}
		if valid && (!bytes.Equal(it.Key(), rows[idx].Key) || !bytes.Equal(it.Value(), rows[idx].Value)) {
			t.Fatalf("snapshot at %d, step %d %s: iterator at %s (%d bytes), model at %s (%d bytes)", pos, step, move, shortKey(it.Key()), len(it.Value()), shortKey(rows[idx].Key), len(rows[idx].Value))
		}
	}
	if err := it.Close(); err != nil {
		t.Fatalf("snapshot iterator: %v", err)
	}
}

// closeSnapshot closes a random open snapshot: Prune may pass it now.
func (sm *storeModel) closeSnapshot(t *rapid.T) {
	if len(sm.snaps) == 0 {
		t.Skip("no open snapshot")
	}
	i := rapid.IntRange(0, len(sm.snaps)-1).Draw(t, "snap")
	v := sm.snaps[i].v
	must(t, v.Close())
	must(t, v.Close())
	sm.snaps = slices.Delete(sm.snaps, i, i+1)
	sm.stale = append(sm.stale, v)
}

// dropSnapshots makes every open snapshot stale: the store they read is
// closed or crashed.
func (sm *storeModel) dropSnapshots() {
	for _, sn := range sm.snaps {
		sm.stale = append(sm.stale, sn.v)
	}
	sm.snaps = nil
	if len(sm.stale) > 16 {
		sm.stale = sm.stale[len(sm.stale)-16:]
	}
}

func (sm *storeModel) drawKey(t *rapid.T, label string) []byte {
	return modelKeys[rapid.IntRange(0, len(modelKeys)-1).Draw(t, label)]
}

func (sm *storeModel) drawBound(t *rapid.T, label string) []byte {
	if rapid.IntRange(0, 3).Draw(t, label+"-nil") == 0 {
		return nil
	}
	return sm.drawKey(t, label)
}

func drawValue(t *rapid.T, label string) []byte {
	n := rapid.OneOf(rapid.IntRange(0, 40), rapid.IntRange(1300, 1400), rapid.IntRange(0, 6000), rapid.Just(20000)).Draw(t, label+"-len")
	return pattern(n, rapid.Uint64().Draw(t, label+"-seed"))
}

func (sm *storeModel) drawPos(t *rapid.T, label string) batch.Offset {
	return batch.Offset(rapid.Uint64Range(uint64(sm.m.horizon), uint64(sm.m.applied)).Draw(t, label))
}

func (sm *storeModel) applyBatch(t *rapid.T, b *batch.WriteBatch) {
	if err := sm.s.Apply(b); err != nil {
		t.Fatalf("Apply(%d ops at %d): %v", len(b.Ops), b.Position, err)
	}
	sm.m.apply(b)
	if sm.opts.SyncEveryBatch {
		sm.synced = sm.m.clone()
	}
}

func (sm *storeModel) drawBatch(t *rapid.T) *batch.WriteBatch {
	b := batch.New(sm.m.applied + 1)
	for range rapid.IntRange(0, 8).Draw(t, "ops") {
		tid := rapid.SampledFrom(modelTables).Draw(t, "table")
		switch x := rapid.IntRange(0, 19).Draw(t, "kind"); {
		case x < 12:
			b.Put(tid, sm.drawKey(t, "key"), drawValue(t, "value"))
		case x < 18:
			b.Delete(tid, sm.drawKey(t, "key"))
		default:
			b.DropTable(tid)
		}
	}
	return b
}

func (sm *storeModel) batch(t *rapid.T) { sm.applyBatch(t, sm.drawBatch(t)) }

// bulk writes many keys in one batch: trees grow several levels.
func (sm *storeModel) bulk(t *rapid.T) {
	tid := rapid.SampledFrom(modelTables).Draw(t, "table")
	n := rapid.IntRange(50, 400).Draw(t, "n")
	seed := rapid.Uint64().Draw(t, "seed")
	vlen := rapid.SampledFrom([]int{0, 16, 200, 1340}).Draw(t, "vlen")
	b := batch.New(sm.m.applied + 1)
	for i := range n {
		k := fmt.Appendf(nil, "bulk%06d", (uint64(i)*7919+seed)%5000)
		b.Put(tid, k, pattern(vlen, seed+uint64(i)))
	}
	if rapid.Bool().Draw(t, "delete-some") {
		for i := 0; i < n; i += 3 {
			b.Delete(tid, fmt.Appendf(nil, "bulk%06d", (uint64(i)*7919+seed)%5000))
		}
	}
	sm.applyBatch(t, b)
}

// bad applies a batch with one invalid op: nothing changes.
func (sm *storeModel) bad(t *rapid.T) {
	b := sm.drawBatch(t)
	bad := batch.WriteOp{Kind: batch.OpPut, Table: 1, Key: []byte{}, Value: []byte("v")}
	target := store.ErrEmptyKey
	switch rapid.IntRange(0, 3).Draw(t, "bad") {
	case 1:
		bad.Key, target = make([]byte, store.MaxKeySize+1), store.ErrKeyTooLarge
	case 2:
		bad = batch.WriteOp{Kind: batch.OpDelete, Table: 2, Key: []byte{}}
	case 3:
		bad = batch.WriteOp{Kind: batch.OpKind(9), Table: 2, Key: []byte("k")}
		target = store.ErrBadOp
	}
	at := rapid.IntRange(0, len(b.Ops)).Draw(t, "at")
	b.Ops = slices.Insert(b.Ops, at, bad)
	digest := sm.s.AppliedDigest()
	if err := sm.s.Apply(b); !errors.Is(err, target) {
		t.Fatalf("Apply with a bad op: %v, want %v", err, target)
	}
	if sm.s.AppliedPosition() != sm.m.applied || sm.s.AppliedDigest() != digest {
		t.Fatalf("a rejected batch moved the store to %d", sm.s.AppliedPosition())
	}
}

func (sm *storeModel) replay(t *rapid.T) {
	if sm.m.applied == 0 {
		t.Skip("nothing to replay")
	}
	b := sm.drawBatch(t)
	b.Position = batch.Offset(rapid.Uint64Range(1, uint64(sm.m.applied)).Draw(t, "pos"))
	digest := sm.s.AppliedDigest()
	if err := sm.s.Apply(b); err != nil {
		t.Fatalf("replay at %d: %v", b.Position, err)
	}
	if sm.s.AppliedPosition() != sm.m.applied || sm.s.AppliedDigest() != digest {
		t.Fatal("a replay changed the store")
	}
}

func (sm *storeModel) get(t *rapid.T) {
	tid := rapid.SampledFrom(modelTables).Draw(t, "table")
	k := sm.drawKey(t, "key")
	pos := sm.drawPos(t, "pos")
	var got []byte
	var err error
	if rapid.Bool().Draw(t, "current") {
		pos = sm.m.applied
		got, err = sm.s.Get(tid, k)
	} else {
		got, err = sm.s.GetAt(tid, k, pos)
	}
	want, ok := sm.m.get(tid, string(k), pos)
	if !ok {
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetAt(%d, %q, %d) = %d bytes, %v; want ErrNotFound", tid, shortKey(k), pos, len(got), err)
		}
		return
	}
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("GetAt(%d, %q, %d) = %d bytes, %v; want %d bytes", tid, shortKey(k), pos, len(got), err, len(want))
	}
}

// outOfRange reads below the horizon and past the applied position.
func (sm *storeModel) outOfRange(t *rapid.T) {
	k := sm.drawKey(t, "key")
	if _, err := sm.s.GetAt(1, k, sm.m.applied+1); !errors.Is(err, store.ErrPositionAhead) {
		t.Fatalf("GetAt past applied: %v", err)
	}
	if _, err := sm.s.ScanAt(1, nil, nil, 0, sm.m.applied+1); !errors.Is(err, store.ErrPositionAhead) {
		t.Fatalf("ScanAt past applied: %v", err)
	}
	if sm.m.horizon > 0 {
		pos := batch.Offset(rapid.Uint64Range(0, uint64(sm.m.horizon)-1).Draw(t, "pos"))
		if _, err := sm.s.GetAt(1, k, pos); !errors.Is(err, store.ErrPruned) {
			t.Fatalf("GetAt(%d) below horizon %d: %v", pos, sm.m.horizon, err)
		}
		if _, err := sm.s.NewIterator(1, nil, nil, pos); !errors.Is(err, store.ErrPruned) {
			t.Fatalf("NewIterator(%d) below horizon %d: %v", pos, sm.m.horizon, err)
		}
	}
}

func (sm *storeModel) scan(t *rapid.T) {
	tid := rapid.SampledFrom(modelTables).Draw(t, "table")
	lo, hi := sm.drawBound(t, "lo"), sm.drawBound(t, "hi")
	limit := rapid.IntRange(-1, 10).Draw(t, "limit")
	pos := sm.drawPos(t, "pos")
	var got []store.KV
	var err error
	if rapid.Bool().Draw(t, "current") {
		pos = sm.m.applied
		got, err = sm.s.Scan(tid, lo, hi, limit)
	} else {
		got, err = sm.s.ScanAt(tid, lo, hi, limit, pos)
	}
	if err != nil {
		t.Fatalf("ScanAt(%d, %q, %q, %d, %d): %v", tid, shortKey(lo), shortKey(hi), limit, pos, err)
	}
	want := sm.m.scan(tid, lo, hi, pos)
	if limit > 0 && len(want) > limit {
		want = want[:limit]
	}
	if !slices.EqualFunc(got, want, func(a, b store.KV) bool { return bytes.Equal(a.Key, b.Key) && bytes.Equal(a.Value, b.Value) }) {
		t.Fatalf("ScanAt(%d, %q, %q, %d, %d): %d rows %s, want %d rows %s", tid, shortKey(lo), shortKey(hi), limit, pos, len(got), kvKeys(got), len(want), kvKeys(want))
	}
}

// iterate drives an iterator through random moves, applying new batches in
// between: a read at a fixed position sees the same rows throughout.
func (sm *storeModel) iterate(t *rapid.T) {
	tid := rapid.SampledFrom(modelTables).Draw(t, "table")
	lo, hi := sm.drawBound(t, "lo"), sm.drawBound(t, "hi")
	pos := sm.drawPos(t, "pos")
	it, err := sm.s.NewIterator(tid, lo, hi, pos)
	if err != nil {
		t.Fatalf("NewIterator: %v", err)
	}
	rows := sm.m.scan(tid, lo, hi, pos)
	search := func(k []byte) int {
		i, _ := slices.BinarySearchFunc(rows, k, func(kv store.KV, k []byte) int { return bytes.Compare(kv.Key, k) })
		return i
	}
	idx, valid := -1, false
	for step := range rapid.IntRange(1, 25).Draw(t, "steps") {
		move := rapid.SampledFrom([]string{"first", "last", "seekge", "seeklt", "next", "next", "prev", "prev", "apply"}).Draw(t, "move")
		var ok bool
		switch move {
		case "first":
			ok, idx = it.First(), 0
		case "last":
			ok, idx = it.Last(), len(rows)-1
		case "seekge":
			k := sm.drawKey(t, "seek")
			ok, idx = it.SeekGE(k), search(k)
		case "seeklt":
			k := sm.drawKey(t, "seek")
			ok, idx = it.SeekLT(k), search(k)-1
		case "next":
			ok = it.Next()
			if valid {
				idx++
			}
		case "prev":
			ok = it.Prev()
			if valid {
				idx--
			}
		case "apply":
			sm.batch(t)
			continue
		}
		valid = valid || move != "next" && move != "prev"
		valid = valid && idx >= 0 && idx < len(rows)
		if ok != valid || it.Valid() != valid {
			t.Fatalf("step %d %s at model index %d of %d: iterator says %v/%v (err %v)", step, move, idx, len(rows), ok, it.Valid(), it.Error())
		}
		if valid && (!bytes.Equal(it.Key(), rows[idx].Key) || !bytes.Equal(it.Value(), rows[idx].Value)) {
			t.Fatalf("step %d %s: iterator at %q (%d bytes), model at %q (%d bytes)", step, move, shortKey(it.Key()), len(it.Value()), shortKey(rows[idx].Key), len(rows[idx].Value))
		}
	}
	if err := it.Close(); err != nil {
		t.Fatalf("iterator: %v", err)
	}
}

func (sm *storeModel) prune(t *rapid.T) {
	h := sm.drawPos(t, "horizon")
	if err := sm.s.Prune(h); err != nil {
		t.Fatalf("Prune(%d): %v", h, err)
	}
	// Open snapshots hold the horizon at the oldest of them.
	if h := min(h, sm.oldestSnap()); h > sm.m.horizon {
		sm.m.prune(h)
	}
	if got := sm.s.Horizon(); got != sm.m.horizon {
		t.Fatalf("Horizon = %d after Prune(%d), want %d", got, h, sm.m.horizon)
	}
}

func (sm *storeModel) sync(t *rapid.T) {
	must(t, sm.s.Sync())
	sm.synced = sm.m.clone()
}

func (sm *storeModel) reopen(t *rapid.T) {
	must(t, sm.s.Close())
	if err := sm.s.Sync(); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Sync after Close: %v", err)
	}
	sm.dropSnapshots()
	sm.s = openMem(t, sm.fsys, &sm.opts)
	sm.synced = sm.m.clone()
}

// crash loses power without syncing: the store comes back at the last sync.
func (sm *storeModel) crash(t *rapid.T) {
	seed := rapid.Uint64().Draw(t, "keep")
	sm.fsys.Crash(fault.CrashOptions{Keep: func(_ string, i int) bool { return (seed>>(i%64))&1 == 1 }})
	// The process is gone, and its Store and Snapshots with it: closed
	// here, its handles on the file are dead, so this writes nothing.
	sm.s.Close()
	sm.dropSnapshots()
	sm.s = openMem(t, sm.fsys, &sm.opts)
	sm.m = sm.synced.clone()
	// The older slot is whole too (read-only Recover checks it, commits
	// nothing); a file committed only once has none.
	older, err := store.Recover("db", &store.Options{FS: sm.fsys, ReadOnly: true})
	if err != nil {
		if errors.Is(err, store.ErrCorrupt) || !errors.Is(err, superblock.ErrNotDatabase) {
			t.Fatalf("older slot after a crash: %v", err)
		}
		return
	}
	if older.AppliedPosition() > sm.m.applied {
		t.Fatalf("older slot at %d, newer at %d", older.AppliedPosition(), sm.m.applied)
	}
	must(t, older.Close())
}

func (sm *storeModel) check(t *rapid.T) {
	if got := sm.s.AppliedPosition(); got != sm.m.applied {
		t.Fatalf("AppliedPosition = %d, want %d", got, sm.m.applied)
	}
	if got := sm.s.Horizon(); got != sm.m.horizon || got > sm.oldestSnap() {
		t.Fatalf("Horizon = %d, want %d (oldest open snapshot at %d)", got, sm.m.horizon, sm.oldestSnap())
	}
	st, err := sm.s.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	rows, versions, tables, dropped := sm.m.stats()
	if st.Rows != rows || st.Versions != versions || st.Tables != tables || st.DroppedTables != dropped {
		t.Fatalf("Stats: %d rows, %d versions, %d tables, %d dropped; model %d, %d, %d, %d",
			st.Rows, st.Versions, st.Tables, st.DroppedTables, rows, versions, tables, dropped)
	}
}

func (sm *storeModel) fullCheck(t *rapid.T) {
	if err := sm.s.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	// Every row of every table at the applied position and at the horizon.
	for _, tid := range modelTables {
		for _, pos := range []batch.Offset{sm.m.horizon, sm.m.applied} {
			got, err := sm.s.ScanAt(tid, nil, nil, 0, pos)
			if err != nil {
				t.Fatalf("ScanAt(%d, %d): %v", tid, pos, err)
			}
			if want := sm.m.scan(tid, nil, nil, pos); len(got) != len(want) {
				t.Fatalf("ScanAt(%d, %d): %d rows, want %d", tid, pos, len(got), len(want))
			}
		}
	}
}

func shortKey(k []byte) string {
	if len(k) > 12 {
		return fmt.Sprintf("%q…(%d bytes)", k[:8], len(k))
	}
	return fmt.Sprintf("%q", k)
}

func kvKeys(kvs []store.KV) string {
	var b []byte
	for i, kv := range kvs {
		if i == 6 {
			b = append(b, "…"...)
			break
		}
		b = fmt.Appendf(b, "%s ", shortKey(kv.Key))
	}
	return string(b)
}

// TestModel is guarantee 1 to 4 against a model of every version: random
// batches of puts, deletes and drops over several tables, reads of every
// kind at random positions, prunes, syncs, reopens and crashes.
func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sm := &storeModel{fsys: fault.New(), m: newModel()}
		sm.opts = store.Options{
			CacheBytes:     int64(rapid.SampledFrom([]int{64 << 10, 1 << 20}).Draw(t, "cache")),
			SyncEveryBatch: rapid.IntRange(0, 4).Draw(t, "sync-every-batch") == 0,
		}
		sm.s = openMem(t, sm.fsys, &sm.opts)
		sm.synced = sm.m.clone()
		defer func() { sm.s.Close() }()
		t.Repeat(map[string]func(*rapid.T){
			"batch":         sm.batch,
			"batch2":        sm.batch,
			"bulk":          sm.bulk,
			"bad":           sm.bad,
			"replay":        sm.replay,
			"get":           sm.get,
			"outOfRange":    sm.outOfRange,
			"scan":          sm.scan,
			"iterate":       sm.iterate,
			"prune":         sm.prune,
			"sync":          sm.sync,
			"reopen":        sm.reopen,
			"crash":         sm.crash,
			"fullCheck":     sm.fullCheck,
			"snapshot":      sm.snapshot,
			"readSnapshot":  sm.readSnapshot,
			"readSnapshot2": sm.readSnapshot,
			"closeSnapshot": sm.closeSnapshot,
			"iterateSnap":   sm.iterateSnapshot,
			"":              sm.check,
		})
		sm.fullCheck(t)
	})
}
