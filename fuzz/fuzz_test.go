package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"runtime/debug"
	"slices"
	"sync"
	"testing"

	"github.com/projstore/projstore/vfs/fault"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/crc"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
)

// resealBatch fixes the trailing CRC32C of a wire batch, so that the fuzzer
// gets past the checksum to the parser and the store.
func resealBatch(data []byte) []byte {
	out := slices.Clone(data)
	end := len(out) - 4
	binary.LittleEndian.PutUint32(out[end:], crc32.Checksum(out[:end], crc32.MakeTable(crc32.Castagnoli)))
	return out
}

// prefill is the store every FuzzBatchApply input is applied on top of.
const prefill = 3

func FuzzBatchApply(f *testing.F) {
	for _, b := range []*batch.WriteBatch{
		batch.New(prefill+1).Put(1, []byte("key00001"), []byte("v")),
		batch.New(prefill+1).Put(1, []byte("a"), nil).Delete(1, []byte("a")).Put(1, []byte("a"), []byte("again")),
		batch.New(prefill+1).DropTable(1).Put(1, []byte("new"), bytes.Repeat([]byte("x"), 5000)),
		batch.New(prefill+1).Delete(2, []byte("missing")).DropTable(9),
		batch.New(prefill+1).Put(3, bytes.Repeat([]byte("k"), store.MaxKeySize), []byte("max key")),
		batch.New(prefill+1).Put(3, bytes.Repeat([]byte("k"), store.MaxKeySize+1), []byte("key too long")),
		batch.New(prefill+1).Put(1, []byte{}, []byte("empty key")),
		batch.New(1).Put(1, []byte("replay"), nil),
		batch.New(prefill+9).Put(1, []byte("gap"), nil),
		genBatch(1, prefill+1, 20),
		genBatch(2, prefill+1, 20),
	} {
		data, err := b.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("PSWB\x01garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBatchApply(t, data)
		if len(data) >= 18 {
			fuzzBatchApply(t, resealBatch(data))
		}
	})
}

func fuzzBatchApply(t *testing.T, data []byte) {
	var b batch.WriteBatch
	if err := b.UnmarshalBinary(data); err != nil {
		return
	}
	s, err := store.OpenMemory(&store.Options{CacheBytes: 8 * 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer closeAfter(t, s)
	m := NewModel()
	for p := batch.Offset(1); p <= prefill; p++ {
		pb := genBatch(7, p, 20)
		if err := s.Apply(pb); err != nil {
			t.Fatal(err)
		}
		m.Apply(pb)
	}
	// As decoded first: a replay or a gap must change nothing.
	err = s.Apply(&b)
	switch {
	case b.Position <= prefill:
		if err != nil {
			t.Fatalf("replay at %d: %v", b.Position, err)
		}
	case b.Position > prefill+1:
		if !errors.Is(err, store.ErrNonSequentialBatch) {
			t.Fatalf("gap at %d: %v", b.Position, err)
		}
	}
	if b.Position != prefill+1 {
		if err := verifyCurrent(s, m); err != nil {
			t.Fatalf("after a batch at %d: %v", b.Position, err)
		}
		b.Position = prefill + 1
		err = s.Apply(&b)
	}
	if want := Invalid(&b); want != nil {
		if !errors.Is(err, want) {
			t.Fatalf("Apply: %v, want %v", err, want)
		}
	} else {
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		m.Apply(&b)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	for p := m.Horizon; p <= m.Applied; p++ {
		if err := verifyAt(s, m, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := verifyCurrent(s, m); err != nil {
		t.Fatal(err)
	}
}

// fuzzImage is a small closed store: FuzzPage forges its pages.
var fuzzImage = sync.OnceValue(func() []byte {
	fs := fault.New()
	s, err := store.Open("db", &store.Options{FS: fs, CacheBytes: 16 * 4096})
	if err != nil {
		panic(err)
	}
	for p := batch.Offset(1); p <= 40; p++ {
		if err := s.Apply(genBatch(11, p, 60)); err != nil {
			panic(err)
		}
		if p%10 == 0 {
			s.Sync()
		}
	}
	if err := s.Close(); err != nil {
		panic(err)
	}
	return fs.Image("db")
})

// FuzzPage puts arbitrary bytes in place of one page of a real store,
// given the right id and a valid checksum unless which has its top bit
// set: whatever the page says, reads, Check and a write must not panic,
// and any error must report corruption.
func FuzzPage(f *testing.F) {
	img := fuzzImage()
	for id := 2; id*page.Size < len(img) && id < 40; id += 3 {
		f.Add(img[id*page.Size:(id+1)*page.Size], uint16(id))
	}
	f.Add([]byte{}, uint16(2))
	f.Add(bytes.Repeat([]byte{0xff}, page.Size), uint16(3))
	f.Add(img[5*page.Size:6*page.Size], uint16(0x8000|4)) // a misdirected write
	f.Fuzz(func(t *testing.T, data []byte, which uint16) {
		img := slices.Clone(fuzzImage())
		n := uint64(len(img) / page.Size)
		id := 2 + uint64(which&0x7fff)%(n-2)
		b := img[id*page.Size : (id+1)*page.Size]
		clear(b)
		copy(b, data)
		if which&0x8000 == 0 { // else the bytes stay as they are, checksum and all
			binary.LittleEndian.PutUint64(b[8:], id)
			crc.Seal(b)
		}
		exercise(t, img)
	})
}

// FuzzOpen opens arbitrary bytes as a store file, as they are and with
// every page's checksum made valid.
func FuzzOpen(f *testing.F) {
	img := fuzzImage()
	f.Add(img)
	f.Add(img[:len(img)/2])
	f.Add(img[:2*page.Size])
	f.Add(img[:page.Size+100])
	f.Add([]byte{})
	f.Add([]byte("PROJSTOR"))
	f.Add(make([]byte, 3*page.Size))
	// Superblocks that pass their checksum but promise what the file does
	// not hold.
	for _, sb := range []superblock.Superblock{
		{Generation: 1 << 20, PageCount: 1 << 40, Catalog: 5, FreeHead: 2, FreeTail: 3},
		{Generation: 1<<20 + 1, PageCount: 3, Catalog: 2, FreeHead: 2, FreeTail: 2, Applied: 7},
		{Generation: 1 << 20, PageCount: 10, Catalog: 9, FreeHead: 3, FreeTail: 4, FreeCount: 5, Applied: 1},
	} {
		forged := slices.Clone(img[:4*page.Size])
		copy(forged[superblock.Slot(sb.Generation)*page.Size:], sb.Encode().Bytes())
		f.Add(forged)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64*page.Size {
			return
		}
		exercise(t, data)
		sealed := slices.Clone(data)
		for off := 0; off+page.Size <= len(sealed); off += page.Size {
			crc.Seal(sealed[off : off+page.Size])
		}
		exercise(t, sealed)
	})
}

// exercise opens img and calls everything that reads; nothing may panic,
// and every error must be one a damaged file explains.
func exercise(t *testing.T, img []byte) {
	t.Helper()
	defer noPanic(t)
	fs := fault.New()
	fs.SetImage("db", img)
	s, err := store.Open("db", &store.Options{FS: fs, CacheBytes: 8 * 4096})
	if err != nil {
		if !errors.Is(err, store.ErrCorrupt) && !errors.Is(err, superblock.ErrNotDatabase) && !errors.Is(err, superblock.ErrNewerVersion) {
			t.Fatalf("Open: %v, want a corruption or not-a-database error", err)
		}
		return
	}
	defer closeAfter(t, s)
	expected := func(what string, err error) {
		if err != nil && !errors.Is(err, store.ErrCorrupt) && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: %v", what, err)
		}
	}
	expected("Check", s.Check())
	st, err := s.Stats()
	expected("Stats", err)
	applied, h := s.AppliedPosition(), s.Horizon()
	for _, pos := range []batch.Offset{h, applied, h + (applied-h)/2} {
		for tid := batch.TableID(0); tid <= 3; tid++ {
			_, err := s.ScanAt(tid, nil, nil, 50, pos)
			expected("ScanAt", err)
			_, err = s.GetAt(tid, []byte("key00003"), pos)
			expected("GetAt", err)
			it, err := s.NewIterator(tid, nil, nil, pos)
			expected("NewIterator", err)
			if err == nil {
				n := 0
				for ok := it.Last(); ok && n < 50; ok = it.Prev() {
					n++
				}
				expected("iterator", it.Close())
			}
		}
	}
	// A superblock may claim far more pages than the file holds; writing
	// past them is allowed but would only make the fuzzer slow.
	if st.PageCount <= uint64(len(img)/page.Size)+64 {
		expected("Apply", s.Apply(genBatch(3, applied+1, 20)))
		expected("Sync", s.Sync())
	}
}

// FuzzOps reads the input as a sequence of operations on a store over a
// Fault file system and checks each against the model, as the state
// machine does, with crashes that keep or drop unsynced writes by the
// input's bits.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte{0, 0, 0, 0, 4, 0, 0, 1, 5, 6, 0xff, 8, 9, 9})
	f.Add(bytes.Repeat([]byte{0, 1, 17, 0, 2, 4, 0x33, 6, 0xa5}, 20))
	f.Add(bytes.Repeat([]byte{0, 0x40, 0x80, 3, 0, 7, 40, 4}, 30))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		runOps(t, data)
	})
}

type opReader struct{ data []byte }

func (r *opReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func runOps(t *testing.T, data []byte) {
	r := &opReader{data}
	fs := fault.New()
	opts := &store.Options{CacheBytes: 8 * 4096, SyncEveryBatch: r.byte()%4 == 0}
	s, err := store.Open("db", withFS(fs, opts))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	m := NewModel()
	durable := state{}
	pending := batch.New(1)
	key := func() []byte { return keyPool[int(r.byte())%len(keyPool)] }
	table := func() batch.TableID { return batch.TableID(1 + r.byte()%3) }
	pos := func() batch.Offset { return batch.Offset(r.byte()) % (m.Applied + 1) }
	for step := 0; len(r.data) > 0; step++ {
		switch op := r.byte() % 12; op {
		case 0, 1:
			n := int(r.byte())
			if n >= 200 {
				n = 1300 + (n-200)*100 // overflow values
			}
			pending.Put(table(), key(), fill(uint64(step), n))
		case 2:
			pending.Delete(table(), key())
		case 3:
			pending.DropTable(table())
		case 4: // apply what was gathered
			pending.Position = m.Applied + 1
			if err := s.Apply(pending); err != nil {
				t.Fatalf("step %d: Apply(%d): %v", step, pending.Position, err)
			}
			m.Apply(pending)
			if opts.SyncEveryBatch {
				durable = state{m.Applied, m.Horizon}
			}
			pending = batch.New(0)
		case 5:
			if err := s.Sync(); err != nil {
				t.Fatalf("step %d: Sync: %v", step, err)
			}
			durable = state{m.Applied, m.Horizon}
		case 6: // crash, keeping unsynced writes by the bits of the next byte
			bits := r.byte()
			fs.Crash(fault.CrashOptions{TearIndex: -1, Keep: func(_ string, i int) bool { return bits>>(i%8)&1 == 1 }})
			s.Close()
			if s, err = store.Open("db", withFS(fs, opts)); err != nil {
				t.Fatalf("step %d: reopen after crash: %v", step, err)
			}
			if got := (state{s.AppliedPosition(), s.Horizon()}); got != durable {
				t.Fatalf("step %d: after a crash at %+v, durable %+v", step, got, durable)
			}
			m.CutTo(durable.applied)
			m.Horizon = durable.horizon
		case 7:
			h := pos()
			if err := s.Prune(h); err != nil {
				t.Fatalf("step %d: Prune(%d): %v", step, h, err)
			}
			m.Horizon = max(m.Horizon, h)
		case 8:
			p := max(pos(), m.Horizon)
			if err := verifyGet(s, m, table(), key(), p); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		case 9:
			p, tid, lo := max(pos(), m.Horizon), table(), key()
			got, err := s.ScanAt(tid, lo, nil, 0, p)
			if err != nil {
				t.Fatalf("step %d: ScanAt: %v", step, err)
			}
			if err := sameRows(m.Scan(tid, lo, nil, p), got); err != nil {
				t.Fatalf("step %d: ScanAt(%d, %s, nil, %d): %v", step, tid, show(lo), p, err)
			}
		case 10:
			if err := s.Close(); err != nil {
				t.Fatalf("step %d: Close: %v", step, err)
			}
			durable = state{m.Applied, m.Horizon}
			if s, err = store.Open("db", withFS(fs, opts)); err != nil {
				t.Fatalf("step %d: reopen: %v", step, err)
			}
		case 11:
			if err := s.Check(); err != nil {
				t.Fatalf("step %d: Check: %v", step, err)
			}
		}
		if err := verifyCurrent(s, m); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
	}
}

// noPanic turns a panic of the code under test into a test failure with
// its stack, so that the rest of the package's tests still run. Defer it.
func noPanic(t testing.TB) {
	if r := recover(); r != nil {
		t.Fatalf("panic: %v\n%s", r, debug.Stack())
	}
}

// closeAfter closes s, unless the test is panicking: a panic inside the
// store may leave its locks held, and Close would then wait for ever
// instead of letting the panic be reported. Defer it.
func closeAfter(t testing.TB, s *store.Store) {
	if r := recover(); r != nil {
		t.Fatalf("panic: %v\n%s", r, debug.Stack())
	}
	s.Close()
}
