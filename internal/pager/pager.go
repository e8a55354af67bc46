package pager

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"

	"github.com/projstore/projstore/cache"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/superblock"
	"github.com/projstore/projstore/vfs"
)

// ErrReadOnly is returned by every change to a pager opened read-only.
var ErrReadOnly = errors.New("projstore: store is read-only")

// Meta is the part of the superblock owned by the layer above.
type Meta struct {
	Applied uint64
	Digest  uint64
	Catalog uint64
	Horizon uint64
}

// Pager serves pages of one file. Page may be called from any number of
// goroutines at once, as long as none of them races with the writer's
// changes to the same tree (the store's read/write lock ensures that). Every
// other method belongs to the single writer.
type Pager struct {
	file     vfs.File
	cache    *cache.Cache
	readOnly bool
	size     int64 // bytes the file holds, as far as this pager wrote or saw
	spillAt  int   // dirty pages that trigger a spill
	validate func(*page.Page) error

	// Durable state and the state being built by the current epoch.
	durable superblock.Superblock
	next    superblock.Superblock

	// fresh holds the ids allocated in this epoch, which are writable in
	// place. The value is the page while the cache holds it dirty (Alloc
	// or Write registered it and no Spill has cleaned it since): Write then
	// returns it without asking the cache again. It is nil once a Spill
	// wrote the page out, and the next Write registers it dirty anew.
	// Only the writer touches fresh, never Page, which readers call.
	fresh map[uint64]*page.Page
	freed []uint64 // ids referenced by the durable state, freed in this epoch
	reuse []uint64 // fresh ids freed again: reusable at once

	pageCount atomic.Uint64 // mirrors next.PageCount for lock-free readers
	reads     atomic.Uint64
	writes    atomic.Uint64
	syncs     atomic.Uint64

	force bool // commit even when nothing changed (recovery)

	// Space (space.go).
	olderCount uint64    // pages the other slot may count: the file keeps them
	endFreed   [3]uint64 // ids freed at the file's end: reusable, by the last commit, by this one
	halfFloor  uint64    // reusable ids a half-free file needs for another shrink try
	appended   uint64    // ids the last commit appended to the free list (about)
	reserving  bool      // UseReserve is in force
	granted    uint64    // page count UseReserve's changes reached this epoch
	run        []byte    // scratch: consecutive dirty pages gathered into one write
}

// maxRun bounds the pages one write gathers (256 KiB).
const maxRun = 64

// Options configure Open.
type Options struct {
	CacheBytes int64
	// DirtyBytes is how many bytes of changed pages a commit may hold in
	// memory before Spill writes them out; 0 means half the cache.
	DirtyBytes int64
	ReadOnly   bool
	// Older opens the older of the two valid superblocks (recovery).
	Older bool
	// Validate, if set, checks each page read from the file after its
	// checksum and id: the layer above knows what a well-formed cell is.
	Validate func(*page.Page) error
}

// Open reads the superblock of file, or initialises an empty file.
func Open(file vfs.File, opts Options) (*Pager, error) {
	p := &Pager{
		file:     file,
		cache:    cache.New(opts.CacheBytes),
		readOnly: opts.ReadOnly,
		validate: opts.Validate,
		fresh:    make(map[uint64]*page.Page),
	}
	dirty := opts.DirtyBytes
	if dirty <= 0 {
		dirty = opts.CacheBytes / 2
	}
	p.spillAt = max(int(dirty/page.Size), 8)
	size, err := file.Size()
	if err != nil {
		return nil, err
	}
	if size == 0 {
		if opts.ReadOnly {
			return nil, fmt.Errorf("%w: empty file", superblock.ErrNotDatabase)
		}
		if err := p.initialise(); err != nil {
			return nil, err
		}
	} else {
		slots := superblock.Read(file)
		pick := slots.Newest
		if opts.Older {
			pick = slots.Older
		}
		sb, err := pick()
		switch {
		case err != nil && !opts.ReadOnly && !opts.Older && interruptedCreate(file, size, slots):
			if err := p.initialise(); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		default:
			// Every commit extends the file over the pages it counts, so
			// a claim past the end (but for a new file's one reserved
			// page) is damage; trusting it would send writes gigabytes
			// away.
			if sb.PageCount > uint64(size/page.Size)+1 {
				return nil, page.Corruptf(superblock.Slot(sb.Generation), "superblock counts %d pages, the file holds %d", sb.PageCount, size/page.Size)
			}
			p.durable = *sb
		}
	}
	p.size = max(p.size, size)
	// The file holds every page either slot counts (release keeps it so).
	p.olderCount = uint64(p.size / page.Size)
	p.next = p.durable
	p.next.Generation = p.durable.Generation + 1
	p.pageCount.Store(p.next.PageCount)
	return p, nil
}

// interruptedCreate reports whether file is what a crash during initialise
// leaves: at most the two slot pages, page 0 still zero (initialise writes it
// first), and page 1 missing, zero, or a torn copy of this build's own
// superblock. A newer format's file or anything with foreign bytes does not
// qualify, so only a file this code began to create is initialised again.
func interruptedCreate(file vfs.File, size int64, slots superblock.Slots) bool {
	if size > 2*page.Size {
		return false
	}
	for _, err := range slots.Err {
		if errors.Is(err, superblock.ErrNewerVersion) {
			return false
		}
	}
	b := make([]byte, 2*page.Size)
	n, _ := file.ReadAt(b, 0)
	b = b[:n]
	for _, c := range b[:min(n, page.Size)] {
		if c != 0 {
			return false
		}
	}
	if n <= page.Size {
		return true
	}
	slot1 := b[page.Size:]
	if superblock.HasMagic(slot1) {
		return true // a torn write of our own superblock
	}
	for _, c := range slot1 {
		if c != 0 {
			return false
		}
	}
	return true
}

// initialise writes generation 1 to slot 1 and an invalid slot 0, so that a
// crash during creation leaves a file Open rejects rather than misreads.
func (p *Pager) initialise() error {
	p.durable = superblock.Superblock{
		Generation: 1,
		FreeHead:   2,
		FreeTail:   2,
		PageCount:  3, // slots 0 and 1, page 2 reserved for the first free-list page
	}
	zero := make([]byte, page.Size)
	if _, err := p.file.WriteAt(zero, 0); err != nil {
		return err
	}
	if _, err := p.file.WriteAt(p.durable.Encode().Bytes(), page.Size); err != nil {
		return err
	}
	p.size = 2 * page.Size
	return p.file.Sync()
}

// Durable returns the last durable superblock.
func (p *Pager) Durable() superblock.Superblock { return p.durable }

// Next returns the superblock the next commit would write.
func (p *Pager) Next() superblock.Superblock { return p.next }

// Meta returns the upper layer's part of the state being built.
func (p *Pager) Meta() Meta {
	return Meta{Applied: p.next.Applied, Digest: p.next.Digest, Catalog: p.next.Catalog, Horizon: p.next.Horizon}
}

// SetMeta records the upper layer's state for the next commit.
func (p *Pager) SetMeta(m Meta) {
	p.next.Applied, p.next.Digest, p.next.Catalog, p.next.Horizon = m.Applied, m.Digest, m.Catalog, m.Horizon
}

// ReadOnly reports whether the pager refuses changes.
func (p *Pager) ReadOnly() bool { return p.readOnly }

// Cache exposes the page cache for statistics.
func (p *Pager) Cache() *cache.Cache { return p.cache }

// PageCount returns the number of pages in use, slots included.
func (p *Pager) PageCount() uint64 { return p.pageCount.Load() }

// Counters returns page reads and writes of the file, and syncs.
func (p *Pager) Counters() (reads, writes, syncs uint64) {
	return p.reads.Load(), p.writes.Load(), p.syncs.Load()
}

// Page returns page id, from the cache or verified from the file. The page
// must not be changed; call Write for a writable one.
func (p *Pager) Page(id uint64) (*page.Page, error) {
	if pg, ok := p.cache.Get(id); ok {
		return pg, nil
	}
	if id < 2 || id >= p.pageCount.Load() {
		return nil, page.Corruptf(id, "page id outside the file of %d pages", p.pageCount.Load())
	}
	pg, err := p.readPage(id)
	if err != nil {
		return nil, err
	}
	p.cache.Add(pg)
	return pg, nil
}

func (p *Pager) readPage(id uint64) (*page.Page, error) {
	pg := page.Blank()
	n, err := p.file.ReadAt(pg.Bytes(), int64(id)*page.Size)
	p.reads.Add(1)
	if n < page.Size {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, page.Corruptf(id, "file ends inside the page")
		}
		return nil, err
	}
	if err := page.Verify(pg.Bytes(), id); err != nil {
		return nil, err
	}
	if p.validate != nil {
		if err := p.validate(pg); err != nil {
			return nil, err
		}
	}
	return pg, nil
}

// Alloc returns a new, empty, writable page of type t.
func (p *Pager) Alloc(t page.Type) (*page.Page, error) {
	if p.readOnly {
		return nil, ErrReadOnly
	}
	id, err := p.allocID()
	if err != nil {
		return nil, err
	}
	pg := page.New(id, t)
	pg.SetGen(p.next.Generation)
	p.fresh[id] = pg
	p.cache.AddDirty(pg)
	return pg, nil
}

// Write returns a writable version of page id: the page itself if it was
// allocated in this epoch, else a copy at a new id (the old id is freed).
// The caller must re-point whatever referenced id when the id changes.
func (p *Pager) Write(id uint64) (*page.Page, error) {
	if p.readOnly {
		return nil, ErrReadOnly
	}
	// The fast path: a page already dirty in this epoch is in the cache's
	// dirty set, where nothing but the pager removes it.
	dirty, fresh := p.fresh[id]
	if dirty != nil {
		return dirty, nil
	}
	old, err := p.Page(id)
	if err != nil {
		return nil, err
	}
	if fresh {
		// Spilled since its last change: dirty again.
		p.fresh[id] = old
		p.cache.AddDirty(old)
		return old, nil
	}
	nid, err := p.allocID()
	if err != nil {
		return nil, err
	}
	pg := page.Blank()
	pg.CopyFrom(old)
	pg.SetID(nid)
	pg.SetGen(p.next.Generation)
	p.fresh[nid] = pg
	p.cache.AddDirty(pg)
	p.Free(id)
	return pg, nil
}

// Free releases page id. A page from this epoch is reusable at once; one the
// durable state references waits for the commit after next.
func (p *Pager) Free(id uint64) {
	p.cache.Remove(id)
	if _, ok := p.fresh[id]; ok {
		delete(p.fresh, id)
		p.reuse = append(p.reuse, id)
		return
	}
	p.freed = append(p.freed, id)
}

// Epoch names the current commit epoch: the generation the next commit
// writes.
func (p *Pager) Epoch() uint64 { return p.next.Generation }

// IsFresh reports whether id was allocated in this epoch.
func (p *Pager) IsFresh(id uint64) bool {
	_, ok := p.fresh[id]
	return ok
}

func (p *Pager) allocID() (uint64, error) {
	if n := len(p.reuse); n > 0 {
		id := p.reuse[n-1]
		p.reuse = p.reuse[:n-1]
		return id, nil
	}
	id, ok, err := p.popFree()
	if err != nil || ok {
		return id, err
	}
	id = p.next.PageCount
	p.next.PageCount++
	p.pageCount.Store(p.next.PageCount)
	return id, nil
}

// popFree takes an id from the head of the free list if one is reusable:
// it was freed by a commit older than the last durable one.
func (p *Pager) popFree() (uint64, bool, error) {
	for p.next.FreeCount > 0 && p.next.FreeHead != p.next.FreeTail {
		head, err := p.Page(p.next.FreeHead)
		if err != nil {
			return 0, false, err
		}
		if head.Type() != page.TypeFree {
			return 0, false, page.Corruptf(head.ID(), "free-list head is a %v page", head.Type())
		}
		if head.Gen()+1 > p.durable.Generation {
			return 0, false, nil // freed too recently; so is everything behind it
		}
		// A commit never writes an empty free-list page nor links one to
		// itself; refusing both also means every page visited here yields
		// an id, so a damaged list cannot loop for ever.
		if head.Count() == 0 || head.Aux() == head.ID() {
			return 0, false, page.Corruptf(head.ID(), "free-list page holds %d ids and links to %d", head.Count(), head.Aux())
		}
		if int(p.next.FreeTaken) < head.Count() {
			id := head.FreeID(int(p.next.FreeTaken))
			p.next.FreeTaken++
			p.next.FreeCount--
			if id < 2 || id >= p.next.PageCount {
				return 0, false, page.Corruptf(head.ID(), "free-list entry %d outside the file", id)
			}
			return id, true, nil
		}
		// The head page is used up: it becomes free itself.
		p.next.FreeHead = head.Aux()
		p.next.FreeTaken = 0
		p.Free(head.ID())
	}
	return 0, false, nil
}

// NeedSpill reports whether the dirty pages have outgrown their share of the
// cache (half of it). The store spills then between batches, outside the
// readers' lock.
func (p *Pager) NeedSpill() bool { return p.cache.DirtyLen() >= p.spillAt }

// MustSpill reports whether the dirty pages fill the whole cache: a batch
// larger than the cache spills between its ops to stay bounded.
func (p *Pager) MustSpill() bool { return p.cache.DirtyLen() >= 2*p.spillAt }

// Spill writes every dirty page to its (fresh) place in the file without
// syncing, and lets the cache evict it. Call it only when no writable page is
// held: a held page changed after its spill would be lost on eviction.
func (p *Pager) Spill() error {
	dirty := p.cache.Dirty()
	if err := p.writePages(dirty, p.next.Generation); err != nil {
		return err
	}
	for _, pg := range dirty {
		p.cache.Clean(pg.ID())
		if _, ok := p.fresh[pg.ID()]; ok {
			p.fresh[pg.ID()] = nil // Write must mark it dirty again
		}
	}
	return nil
}

// writePages writes pgs, sorted by id, to their places in the file. Pages
// with consecutive ids go out in one write of up to maxRun pages: a spill
// or commit after a load is mostly one run of new pages at the end of the
// file, and even random changes leave runs of two or three.
func (p *Pager) writePages(pgs []*page.Page, gen uint64) error {
	for len(pgs) > 0 {
		n := 1
		for n < len(pgs) && n < maxRun && pgs[n].ID() == pgs[n-1].ID()+1 {
			n++
		}
		if err := p.writeRun(pgs[:n], gen); err != nil {
			return err
		}
		pgs = pgs[n:]
	}
	return nil
}

// writeRun writes pages of consecutive ids with one WriteAt.
func (p *Pager) writeRun(run []*page.Page, gen uint64) error {
	for _, pg := range run {
		// Sealing in place is safe while readers look at the page: they
		// never read the CRC bytes. The generation was set when the page
		// was allocated in this epoch, the only pages written.
		if id := pg.ID(); id < 2 || pg.Gen() != gen {
			return page.Corruptf(id, "refusing to write page %d of generation %d in commit %d", id, pg.Gen(), gen)
		}
		pg.Seal()
	}
	b := run[0].Bytes()
	if len(run) > 1 {
		if p.run == nil {
			p.run = make([]byte, maxRun*page.Size)
		}
		b = p.run[:len(run)*page.Size]
		for i, pg := range run {
			copy(b[i*page.Size:], pg.Bytes())
		}
	}
	off := int64(run[0].ID()) * page.Size
	_, err := p.file.WriteAt(b, off)
	p.writes.Add(uint64(len(run)))
	p.size = max(p.size, off+int64(len(b)))
	return err
}

// Dirty reports whether anything changed since the last commit.
func (p *Pager) Dirty() bool {
	return p.force || p.cache.DirtyLen() > 0 || len(p.fresh) > 0 || len(p.freed) > 0 || p.next.Applied != p.durable.Applied ||
		p.next.Catalog != p.durable.Catalog || p.next.Horizon != p.durable.Horizon || p.next.FreeHead != p.durable.FreeHead ||
		p.next.FreeTaken != p.durable.FreeTaken || p.spacePending()
}

// ForceCommit makes the next Commit write a superblock even if nothing
// changed: recovery uses it to replace a damaged newer slot.
func (p *Pager) ForceCommit() { p.force = true }

// Commit makes the current state durable (see the package documentation).
// After an error the pager's state is undefined: the caller must stop using
// it and reopen the file.
func (p *Pager) Commit() error {
	if p.readOnly {
		return ErrReadOnly
	}
	if !p.Dirty() {
		return nil
	}
	if err := p.shrink(); err != nil {
		return err
	}
	p.noteFreed()
	appending := p.next.FreeCount
	if err := p.appendFreed(); err != nil {
		return err
	}
	gen := p.next.Generation
	dirty := p.cache.Dirty()
	if err := p.writePages(dirty, gen); err != nil {
		return err
	}
	// Pages counted but never written (freed in the epoch that allocated
	// them, or the reserved free-list tail) still get room in the file, so
	// that a durable superblock never counts past the end.
	if err := p.extend(); err != nil {
		return err
	}
	if err := p.file.Sync(); err != nil {
		return err
	}
	p.syncs.Add(1)
	sb := p.next
	if _, err := p.file.WriteAt(sb.Encode().Bytes(), int64(superblock.Slot(gen))*page.Size); err != nil {
		return err
	}
	p.writes.Add(1)
	if err := p.file.Sync(); err != nil {
		return err
	}
	p.syncs.Add(1)
	for _, pg := range dirty {
		p.cache.Clean(pg.ID())
	}
	p.olderCount = p.durable.PageCount
	p.appended = sb.FreeCount - min(appending, sb.FreeCount)
	p.aged()
	p.durable = sb
	p.force = false
	p.next.Generation = gen + 1
	p.granted = 0
	clear(p.fresh)
	p.freed = p.freed[:0]
	return p.release()
}

// appendFreed writes the ids freed in this epoch, and the fresh ones no
// longer used, into new free-list pages at the tail of the queue.
func (p *Pager) appendFreed() error {
	// Highest first: allocTail takes the lowest for the list's pages, so
	// that they do not pin the end of the file.
	slices.SortFunc(p.reuse, func(a, b uint64) int { return cmp.Compare(b, a) })
	for len(p.freed) > 0 || len(p.reuse) > 0 {
		id := p.next.FreeTail
		pg := page.New(id, page.TypeFree)
		pg.SetGen(p.next.Generation)
		p.fresh[id] = pg
		p.cache.AddDirty(pg)
		// Reserve the next tail first: it may pop the free list, which can
		// free a used-up head page into p.freed.
		nextTail, err := p.allocTail()
		if err != nil {
			return err
		}
		pg.SetAux(nextTail)
		p.next.FreeTail = nextTail
		for len(p.freed)+len(p.reuse) > 0 {
			var fid uint64
			if n := len(p.freed); n > 0 {
				fid = p.freed[n-1]
			} else {
				fid = p.reuse[len(p.reuse)-1]
			}
			if !pg.AppendFreeID(fid) {
				break
			}
			if n := len(p.freed); n > 0 {
				p.freed = p.freed[:n-1]
			} else {
				p.reuse = p.reuse[:len(p.reuse)-1]
			}
			p.next.FreeCount++
		}
	}
	return nil
}

// allocTail reserves an id for the next free-list page. Reusable ids come
// first (after a shrink, the lowest one), so a steady workload does not grow
// the file and a shrink does not leave list pages at its end.
func (p *Pager) allocTail() (uint64, error) {
	// One id must stay behind for the page being filled: a free-list page
	// is never empty.
	if n := len(p.reuse); n > 0 && n+len(p.freed) > 1 {
		id := p.reuse[n-1]
		p.reuse = p.reuse[:n-1]
		return id, nil
	}
	if id, ok, err := p.popFree(); err != nil || ok {
		return id, err
	}
	id := p.next.PageCount
	p.next.PageCount++
	p.pageCount.Store(p.next.PageCount)
	return id, nil
}

// Freed lists the ids waiting in this epoch; for checks and tests.
func (p *Pager) Freed() []uint64 { return slices.Concat(p.freed, p.reuse) }

// FreeList calls fn for every id in the durable free list, head to tail,
// with the generation that freed it. It reads every free-list page.
func (p *Pager) FreeList(sb superblock.Superblock, fn func(id, gen uint64) error) error {
	id, skip := sb.FreeHead, int(sb.FreeTaken)
	seen := uint64(0)
	for id != sb.FreeTail {
		if seen > sb.PageCount {
			return page.Corruptf(id, "free list loops")
		}
		pg, err := p.Page(id)
		if err != nil {
			return err
		}
		if pg.Type() != page.TypeFree {
			return page.Corruptf(id, "free list reaches a %v page", pg.Type())
		}
		if err := fn(id, 0); err != nil { // the page itself is in use by the list
			return err
		}
		for i := skip; i < pg.Count(); i++ {
			if err := fn(pg.FreeID(i), pg.Gen()); err != nil {
				return err
			}
		}
		skip = 0
		id = pg.Aux()
		seen++
	}
	return nil
}

// Close drops the cache and closes the file. It does not commit.
func (p *Pager) Close() error {
	p.cache.Purge()
	return p.file.Close()
}
