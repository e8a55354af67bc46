package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Params size a run.
type Params struct {
	Keys       int           // rows in the data set
	ValueSize  int           // bytes per value
	CacheBytes int64         // every engine's cache budget; 0: each engine's own defaults
	Duration   time.Duration // per timed workload
	LoadBatch  int           // ops per batch during the load
	Apply1     int           // unsynced batches of 1
	Apply1000  int           // unsynced batches of 1000
	Sync1      int           // synced batches of 1
	Sync1000   int           // synced batches of 1000
	HotUpdates int           // updates of the hot key, one batch each
	RWBatch    int           // ops per batch of the read-while-write writer
}

// defaultParams are the full run's sizes; quick ones take well under a
// minute for all four engines at defaults. CacheBytes is the tuned
// configuration's budget; the defaults configuration runs with 0.
func defaultParams(quick bool) Params {
	if quick {
		return Params{
			Keys: 20_000, ValueSize: 100, CacheBytes: 64 << 20, Duration: 300 * time.Millisecond,
			LoadBatch: 1000, Apply1: 5000, Apply1000: 20, Sync1: 200, Sync1000: 10,
			HotUpdates: 5000, RWBatch: 100,
		}
	}
	return Params{
		Keys: 1_000_000, ValueSize: 100, CacheBytes: 512 << 20, Duration: 10 * time.Second,
		LoadBatch: 1000, Apply1: 100_000, Apply1000: 200, Sync1: 2000, Sync1000: 100,
		HotUpdates: 100_000, RWBatch: 100,
	}
}

// largeParams is the data set larger than the cache: 1000-byte values
// under a 64 MiB cache (about 1 GiB at 1M keys).
func largeParams(p Params) Params {
	p.ValueSize = 1000
	if p.CacheBytes != 0 { // at defaults, defaults still
		p.CacheBytes = 64 << 20
	}
	return p
}

// A sample is what one latency measurement covers.
const (
	perOp    = "op"
	perBatch = "batch"
	perScan  = "scan"
)

// workload is one named measurement. Its ops count rows: a batch of 1000
// is 1000 ops, a scan of 100 is 100 ops.
type workload struct {
	name, desc string
	run        func(r *runner) ([]measure, error)
}

// measure is the raw outcome of one workload (read-while-write has two).
type measure struct {
	name    string
	ops     int64
	elapsed time.Duration
	lat     *hist
	sample  string
}

// workloads run in this order on one data set, reads of the load first,
// then writes that add versions, then reads of the versions.
var workloads = []workload{
	{"load", "bulk load: every key once, batches of 1000, unsynced, one sync at the end", (*runner).load},
	{"update", "update every key once, in load order, batches of 1000, unsynced, one sync at the end; then the engine is closed (its own flush and sync), its directory measured (bytes on disk) and reopened", (*runner).update},
	{"get", "random point reads at the latest position, warm cache", (*runner).get},
	{"scan100", "range scans of 100 keys from a random key, latest position", func(r *runner) ([]measure, error) { return r.scan(100, false) }},
	{"scan10000", "range scans of 10,000 keys from a random key, latest position", func(r *runner) ([]measure, error) { return r.scan(10_000, false) }},
	{"apply1", "batches of 1 update of a random key, unsynced", func(r *runner) ([]measure, error) { return r.apply(r.p.Apply1, 1, false) }},
	{"apply1000", "batches of 1000 updates of random keys, unsynced", func(r *runner) ([]measure, error) { return r.apply(r.p.Apply1000, 1000, false) }},
	{"apply1-sync", "batches of 1 update, each synced before the next", func(r *runner) ([]measure, error) { return r.apply(r.p.Sync1, 1, true) }},
	{"apply1000-sync", "batches of 1000 updates, each synced before the next", func(r *runner) ([]measure, error) { return r.apply(r.p.Sync1000, 1000, true) }},
	{"getat", "point reads of a random key at a random past position where it exists", (*runner).getAt},
	{"scanat100", "range scans of 100 keys at a random past position", func(r *runner) ([]measure, error) { return r.scan(100, true) }},
	{"hotkey", "one key updated in batches of 1, unsynced (-update), then read now (-get) and at random past positions (-getat)", (*runner).hotKey},
	{"readwrite", "2 readers (random gets) and 1 writer (batches of 100 updates, unsynced) at once; -read and -write rates", (*runner).readWrite},
}

// largeWorkloads run on their own data set, with largeParams.
var largeWorkloads = []workload{
	{"large-load", "bulk load of 1000-byte values, cache 64 MiB", (*runner).load},
	{"large-get", "random point reads, data set much larger than the cache", (*runner).get},
}

// headline is the measurement: the workloads of the headline table.
// apply1000-sync is the synced-batch workload: 1000-op batches, each
// durable before the next.
var headline = []string{"load", "update", "get", "getat", "scan100", "apply1000-sync"}

// ErrUnknownWorkload reports a name that is no workload.
var ErrUnknownWorkload = errors.New("bench: unknown workload")

// selectWorkloads parses a comma-separated list of workload names ("" or
// "all" for every one); "large" or a large-* name selects the large set,
// "headline" the headline table's workloads.
func selectWorkloads(list string) (main, large map[string]bool, err error) {
	main, large = map[string]bool{}, map[string]bool{}
	if list == "" || list == "all" {
		for _, w := range workloads {
			main[w.name] = true
		}
		return main, large, nil
	}
	for _, name := range strings.Split(list, ",") {
		if strings.TrimSpace(name) == "headline" {
			for _, h := range headline {
				main[h] = true
			}
			continue
		}
		name = strings.TrimSpace(name)
		found := false
		for _, w := range workloads {
			if w.name == name {
				main[name], found = true, true
			}
		}
		for _, w := range largeWorkloads {
			if w.name == name || name == "large" {
				large[w.name], found = true, true
			}
		}
		if !found {
			return nil, nil, fmt.Errorf("%w %q", ErrUnknownWorkload, name)
		}
	}
	return main, large, nil
}

// ErrWrongAnswer reports an engine that returned something the workload
// did not write: the harness checks every answer it can cheaply.
var ErrWrongAnswer = errors.New("bench: wrong answer")

// runner is one engine's state across the workloads of one data set.
type runner struct {
	e    Engine
	p    Params
	pos  uint64 // the last applied position
	rng  *rand.Rand
	pool []byte // random bytes values are cut from
	keys []byte // keys of the batch being built
	vals []byte // values of the batch being built
	ops  []Op
	warm bool
	sink int // keeps reads from being optimised away

	hot               []byte
	hotFirst, hotLast uint64
}

func newRunner(e Engine, p Params, seed uint64) *runner {
	r := &runner{e: e, p: p}
	r.reseed(seed)
	// Values are cut at random offsets from a pool of random bytes, so
	// they do not compress: the engines that compress gain nothing and
	// pay the CPU, which is the cost a projection of hashes or ids sees.
	r.pool = make([]byte, 1<<20+p.ValueSize)
	for i := range r.pool {
		r.pool[i] = byte(r.rng.Uint32())
	}
	return r
}

// reseed gives each workload its own fixed random sequence, whatever ran
// before it.
func (r *runner) reseed(seed uint64) {
	r.rng = rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// keyOf is the 16-byte key of row i: a bijective scramble of i, then i,
// so consecutive rows land far apart and every row has a distinct key.
func keyOf(dst []byte, i uint64) []byte {
	dst = binary.BigEndian.AppendUint64(dst, mix(i))
	return binary.BigEndian.AppendUint64(dst, i)
}

// mix is splitmix64's finaliser, a bijection on uint64.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// appendValue appends a value for a write at pos: pos big-endian, then
// random bytes, so a read can tell which write it sees.
func (r *runner) appendValue(dst []byte, pos uint64) []byte {
	off := r.rng.IntN(len(r.pool) - r.p.ValueSize)
	dst = binary.BigEndian.AppendUint64(dst, pos)
	return append(dst, r.pool[off+8:off+r.p.ValueSize]...)
}

// written returns the position a value was written at, or 0.
func written(v []byte) uint64 {
	if len(v) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// bornAt is the position at which the load wrote row i.
func (r *runner) bornAt(i int) uint64 { return uint64(i/r.p.LoadBatch) + 1 }

// batchOf builds a batch of n writes at pos of the rows next returns. The
// keys and values live in buffers the runner reuses from batch to batch
// (every engine is done with them once ApplyBatch returns), each op with
// bytes of its own, as badger's and bbolt's batches require.
func (r *runner) batchOf(n int, pos uint64, next func() uint64) []Op {
	r.keys, r.vals, r.ops = r.keys[:0], r.vals[:0], r.ops[:0]
	for range n {
		r.keys = keyOf(r.keys, next())
		r.vals = r.appendValue(r.vals, pos)
		r.ops = append(r.ops, Op{})
	}
	// Point into the buffers once they have stopped growing.
	vs := r.p.ValueSize
	for i := range r.ops {
		r.ops[i].Key = r.keys[i*16 : i*16+16 : i*16+16]
		r.ops[i].Value = r.vals[i*vs : i*vs+vs : i*vs+vs]
	}
	return r.ops
}

func (r *runner) randomRow() uint64 { return uint64(r.rng.IntN(r.p.Keys)) }

// A step is one measured call: it returns how many ops (rows) it did.
// The harness runs steps for a duration or a count; the testing.B
// benchmarks run the same steps b.N times.
type step func() (int, error)

// loadStep writes the next LoadBatch rows; the last batch syncs. The
// update pass runs it again over the same rows: each gets a new version.
func (r *runner) loadStep(next *uint64) step {
	return func() (int, error) {
		n := min(r.p.LoadBatch, r.p.Keys-int(*next))
		ops := r.batchOf(n, r.pos+1, func() uint64 { *next++; return *next - 1 })
		if err := r.applyNext(ops, *next == uint64(r.p.Keys)); err != nil {
			return 0, err
		}
		return n, nil
	}
}

// applyNext applies ops as the next position.
func (r *runner) applyNext(ops []Op, sync bool) error {
	pos := r.pos + 1
	if err := r.e.ApplyBatch(pos, ops, sync); err != nil {
		return fmt.Errorf("apply at %d: %w", pos, err)
	}
	r.pos = pos
	return nil
}

func (r *runner) load() ([]measure, error) { return r.pass("load") }

// update writes every row once more, in the load's order and batches; the
// child then closes, measures and reopens the engine (see child).
func (r *runner) update() ([]measure, error) { return r.pass("update") }

// pass writes every row once, as the named workload.
func (r *runner) pass(name string) ([]measure, error) {
	next := uint64(0)
	m, err := r.measured(name, perBatch, func() bool { return next < uint64(r.p.Keys) }, r.loadStep(&next))
	return []measure{m}, err
}

// warmUp reads every row once, so reads after it find a warm cache.
func (r *runner) warmUp() error {
	if r.warm {
		return nil
	}
	var buf, key []byte
	for i := range r.p.Keys {
		key = keyOf(key[:0], uint64(i))
		v, ok, err := r.e.Get(buf[:0], key)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: warm-up: row %d is missing", ErrWrongAnswer, i)
		}
		r.sink += len(v)
	}
	r.warm = true
	return nil
}

// timed runs st until the duration is up, measuring each call.
func (r *runner) timed(name, sample string, st step) (measure, error) {
	start := time.Now()
	deadline := start.Add(r.p.Duration)
	return r.measured(name, sample, func() bool { return time.Now().Before(deadline) }, st)
}

// measured runs st while more says so, measuring each call.
func (r *runner) measured(name, sample string, more func() bool, st step) (measure, error) {
	m := measure{name: name, lat: new(hist), sample: sample}
	start := time.Now()
	for t := start; more(); {
		n, err := st()
		if err != nil {
			return m, fmt.Errorf("%s: %w", name, err)
		}
		now := time.Now()
		m.lat.record(now.Sub(t))
		m.ops += int64(n)
		t = now
	}
	m.elapsed = time.Since(start)
	return m, nil
}

// times is a more for measured: n calls.
func times(n int) func() bool {
	return func() bool { n--; return n >= 0 }
}

// getStep reads a random row at the latest position.
func (r *runner) getStep() step {
	var buf, key []byte
	return func() (int, error) {
		i := r.randomRow()
		key = keyOf(key[:0], i)
		v, ok, err := r.e.Get(buf[:0], key)
		if err != nil {
			return 0, err
		}
		if !ok || len(v) != r.p.ValueSize {
			return 0, fmt.Errorf("%w: row %d: found %v, %d bytes", ErrWrongAnswer, i, ok, len(v))
		}
		buf = v
		return 1, nil
	}
}

// getAtStep reads a random row at a random position where it exists.
func (r *runner) getAtStep() step {
	var buf, key []byte
	return func() (int, error) {
		i := r.randomRow()
		born := r.bornAt(int(i))
		pos := born + r.rng.Uint64N(r.pos-born+1)
		key = keyOf(key[:0], i)
		v, ok, err := r.e.GetAt(buf[:0], key, pos)
		if err != nil {
			return 0, err
		}
		if w := written(v); !ok || w < born || w > pos {
			return 0, fmt.Errorf("%w: row %d at %d: found %v, written at %d", ErrWrongAnswer, i, pos, ok, w)
		}
		buf = v
		return 1, nil
	}
}

// scanStep scans n rows from a random row, at the latest position or at
// a random past one.
func (r *runner) scanStep(n int, past bool) step {
	var key []byte
	fn := func(k, v []byte) { r.sink += len(k) + len(v) }
	return func() (int, error) {
		key = keyOf(key[:0], r.randomRow())
		if past {
			return r.e.ScanAt(key, n, 1+r.rng.Uint64N(r.pos), fn)
		}
		return r.e.Scan(key, n, fn)
	}
}

// applyStep applies a batch of size updates of random rows.
func (r *runner) applyStep(size int, sync bool) step {
	return func() (int, error) {
		return size, r.applyNext(r.batchOf(size, r.pos+1, r.randomRow), sync)
	}
}

// hotUpdateStep updates the hot key in a batch of its own.
func (r *runner) hotUpdateStep() step {
	return func() (int, error) {
		ops := r.batchOf(1, r.pos+1, func() uint64 { return uint64(r.p.Keys) })
		if err := r.applyNext(ops, false); err != nil {
			return 0, err
		}
		if r.hotFirst == 0 {
			r.hotFirst = r.pos
		}
		r.hotLast = r.pos
		return 1, nil
	}
}

// hotGetStep reads the hot key at the latest position, or at a random one
// of its updates.
func (r *runner) hotGetStep(past bool) step {
	var buf []byte
	return func() (int, error) {
		var (
			v    []byte
			ok   bool
			err  error
			want = r.hotLast
		)
		if past {
			want = r.hotFirst + r.rng.Uint64N(r.hotLast-r.hotFirst+1)
			v, ok, err = r.e.GetAt(buf[:0], r.hot, want)
		} else {
			v, ok, err = r.e.Get(buf[:0], r.hot)
		}
		if err != nil {
			return 0, err
		}
		if w := written(v); !ok || w != want {
			return 0, fmt.Errorf("%w: hot key at %d: found %v, written at %d", ErrWrongAnswer, want, ok, w)
		}
		buf = v
		return 1, nil
	}
}

func (r *runner) get() ([]measure, error) {
	if err := r.warmUp(); err != nil {
		return nil, err
	}
	m, err := r.timed("get", perOp, r.getStep())
	return []measure{m}, err
}

func (r *runner) getAt() ([]measure, error) {
	if err := r.warmUp(); err != nil {
		return nil, err
	}
	m, err := r.timed("getat", perOp, r.getAtStep())
	return []measure{m}, err
}

func (r *runner) scan(n int, past bool) ([]measure, error) {
	if err := r.warmUp(); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("scan%d", n)
	if past {
		name = fmt.Sprintf("scanat%d", n)
	}
	m, err := r.timed(name, perScan, r.scanStep(n, past))
	if err == nil && m.ops == 0 {
		err = fmt.Errorf("%w: %s visited no rows", ErrWrongAnswer, name)
	}
	return []measure{m}, err
}

func (r *runner) apply(batches, size int, sync bool) ([]measure, error) {
	name := fmt.Sprintf("apply%d", size)
	if sync {
		name += "-sync"
	}
	m, err := r.measured(name, perBatch, times(batches), r.applyStep(size, sync))
	return []measure{m}, err
}

// hotKey updates one key (a row the load did not write) in HotUpdates
// batches, then reads it now and at its past positions.
func (r *runner) hotKey() ([]measure, error) {
	r.hot = keyOf(nil, uint64(r.p.Keys)) // hotUpdateStep writes this row
	r.hotFirst, r.hotLast = 0, 0
	up, err := r.measured("hotkey-update", perBatch, times(r.p.HotUpdates), r.hotUpdateStep())
	if err != nil {
		return nil, err
	}
	get, err := r.timed("hotkey-get", perOp, r.hotGetStep(false))
	if err != nil {
		return nil, err
	}
	getAt, err := r.timed("hotkey-getat", perOp, r.hotGetStep(true))
	if err != nil {
		return nil, err
	}
	return []measure{up, get, getAt}, nil
}

// readWrite runs 2 readers and 1 writer for the duration. The writer owns
// the runner; each reader has its own random source.
func (r *runner) readWrite() ([]measure, error) {
	if err := r.warmUp(); err != nil {
		return nil, err
	}
	const readers = 2
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		errs     [readers + 1]error
		lats     [readers]hist
		reads    [readers]int64
		writeLat hist
		writes   int64
	)
	start := time.Now()
	for g := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g)+1, 42))
			var buf, key []byte
			for !stop.Load() {
				i := uint64(rng.IntN(r.p.Keys))
				key = keyOf(key[:0], i)
				t := time.Now()
				v, ok, err := r.e.Get(buf[:0], key)
				lats[g].record(time.Since(t))
				if err == nil && !ok {
					err = fmt.Errorf("%w: row %d is missing", ErrWrongAnswer, i)
				}
				if err != nil {
					errs[g] = err
					stop.Store(true)
					return
				}
				buf = v
				reads[g]++
			}
		}()
	}
	deadline := start.Add(r.p.Duration)
	for !stop.Load() && time.Now().Before(deadline) {
		ops := r.batchOf(r.p.RWBatch, r.pos+1, r.randomRow)
		t := time.Now()
		if err := r.applyNext(ops, false); err != nil {
			errs[readers] = fmt.Errorf("writer: %w", err)
			break
		}
		writeLat.record(time.Since(t))
		writes += int64(len(ops))
	}
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("readwrite: %w", err)
	}
	read := measure{name: "readwrite-read", lat: new(hist), elapsed: elapsed, sample: perOp}
	for g := range readers {
		read.lat.merge(&lats[g])
		read.ops += reads[g]
	}
	write := measure{name: "readwrite-write", lat: &writeLat, ops: writes, elapsed: elapsed, sample: perBatch}
	return []measure{read, write}, nil
}
