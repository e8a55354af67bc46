package pager

import (
	"fmt"
	"slices"

	"github.com/projstore/projstore/page"
)

// Space management: the reserve kept past the last page, and shrinking the
// file when its end is free. See "Giving space back" and "The reserve" in
// the package documentation.

const (
	// ReserveBase is the fixed part of the reserve: pages kept in the file
	// past the last counted page for changes that free space (see
	// Reserve).
	ReserveBase = 32
	// reservePer is the share of the file added to the reserve: one page
	// per reservePer pages covers the free-list pages a commit needs to
	// free every page of the file (a free-list page holds FreeCapacity
	// ids, well over reservePer).
	reservePer = 256
	// shrinkMin is the least number of free pages worth a shrink attempt,
	// and the least excess over the reserve worth a truncate.
	shrinkMin = 64
)

// Reserve returns how many pages the file keeps past its last counted page
// when a file of count pages grows: ReserveBase + count/256.
func Reserve(count uint64) uint64 { return ReserveBase + count/reservePer }

// UseReserve lets the changes made from now on, until EndReserve, grow
// into the reserve: changes that free space (Prune, DropTable) must
// succeed on a full disk. The commit of this epoch then does not insist on
// restoring the reserve for the pages they took.
func (p *Pager) UseReserve() { p.reserving = true }

// EndReserve ends UseReserve: pages allocated past the file's end from now
// on are ordinary growth again.
func (p *Pager) EndReserve() {
	p.reserving = false
	p.granted = max(p.granted, p.next.PageCount)
}

// FileSize returns the bytes the file holds, as far as the pager knows.
func (p *Pager) FileSize() int64 { return p.size }

// extend gives the file room for every counted page before the data sync,
// so that a durable superblock never counts past the end. Ordinary growth
// also writes the reserve (as zeros, so that the disk allocates it: a
// sparse extension would fail later, when the space is needed); growth by
// UseReserve's changes only needs its own pages, which the reserve holds.
func (p *Pager) extend() error {
	count := p.next.PageCount
	if r := Reserve(count); !p.reserving && count > max(p.durable.PageCount, p.granted) && p.size < int64(count+r)*page.Size {
		// Twice the reserve, so that the next few commits that grow
		// the file need not write zeros.
		if err := p.writeZeros(int64(count+2*r) * page.Size); err != nil {
			return fmt.Errorf("projstore: the file cannot grow by %d pages and keep its reserve of %d: %w",
				count-p.durable.PageCount, Reserve(count), err)
		}
		return nil
	}
	if need := int64(count) * page.Size; need > p.size {
		if err := p.file.Truncate(need); err != nil {
			return err
		}
		p.size = need
	}
	return nil
}

// writeZeros grows the file to end with zero pages.
func (p *Pager) writeZeros(end int64) error {
	var zero [16 * page.Size]byte
	for p.size < end {
		n := min(int64(len(zero)), end-p.size)
		if _, err := p.file.WriteAt(zero[:n], p.size); err != nil {
			return err
		}
		p.writes.Add(1)
		p.size += n
	}
	return nil
}

// release truncates the file after a commit, once both superblock slots
// count no page past the new end: the durable one and the other, which
// Open may fall back to. The truncate is not synced; a crash that loses it
// leaves a file longer than its superblocks count, which Open accepts.
func (p *Pager) release() error {
	keep := max(p.durable.PageCount, p.olderCount)
	if !p.excess(keep) {
		return nil
	}
	end := int64(keep+Reserve(keep)) * page.Size
	if err := p.file.Truncate(end); err != nil {
		return err
	}
	p.size = end
	return nil
}

// noteFreed counts, before a commit, the ids it frees in the last quarter
// of the file: only frees there can let the file shrink, so only they make
// a shrink due. They become reusable once the commit after this one is
// durable.
func (p *Pager) noteFreed() {
	count := p.next.PageCount
	n := uint64(0)
	for _, ids := range [][]uint64{p.freed, p.reuse} {
		for _, id := range ids {
			if id >= count-count/4 {
				n++
			}
		}
	}
	p.endFreed[2] = n
}

// shrink runs at the start of a commit: once shrinkMin ids freed in the
// end quarter of the file are reusable, it drops the free ids at the end
// (dropEnd). The count is kept in memory only: after Open, a shrink waits
// for new frees at the end.
func (p *Pager) shrink() error {
	if !p.shrinkDue(p.endFreed[0], p.reusable()) {
		return nil
	}
	p.endFreed[0] = 0
	// Taking the ids off the list puts the rest back as freed by this
	// commit, so they wait two commits more: worth it only if enough go,
	// now or, once the list's own pages taken now are reusable, then.
	now, later, err := p.droppable()
	if err != nil {
		return err
	}
	if later < p.shrinkWorth() {
		p.halfFloor = p.reusable() + max(p.durable.PageCount/8, 1)
		return nil
	}
	if _, err := p.dropEnd(); err != nil {
		return err
	}
	if later > now {
		p.endFreed[2] += p.shrinkAt() // try again when they are reusable
	}
	return nil
}

// shrinkDue reports whether ends reusable ids freed at the end of the file
// make a shrink worth trying: shrinkAt of them, or any while half the file
// is free and the reusable ids, of which there are reusable, grew by an
// eighth of the file since such a try last dropped nothing.
func (p *Pager) shrinkDue(ends, reusable uint64) bool {
	if ends >= p.shrinkAt() {
		return true
	}
	return ends > 0 && p.durable.FreeCount*2 >= p.durable.PageCount && reusable >= p.halfFloor
}

// reusable estimates how many ids of the free list a commit may take: all
// but those the last commit appended.
func (p *Pager) reusable() uint64 {
	return p.durable.FreeCount - min(p.appended, p.durable.FreeCount)
}

// shrinkAt is how many reusable end frees make a shrink due: shrinkWorth,
// or one in 64 pages of a large file, so that the free list is not scanned
// at every commit of a random workload.
func (p *Pager) shrinkAt() uint64 { return max(p.shrinkWorth(), p.next.PageCount/64) }

// shrinkWorth is the least number of pages worth dropping: shrinkMin, or
// an eighth of a small file (at least 8).
func (p *Pager) shrinkWorth() uint64 { return max(min(shrinkMin, p.next.PageCount/8), 8) }

// droppable counts the ids dropEnd would drop, reading the reusable part
// of the free list without taking anything; and how many it could drop
// once the list pages it empties are reusable too.
func (p *Pager) droppable() (now, later uint64, err error) {
	free := map[uint64]bool{}
	for _, id := range p.reuse {
		free[id] = true
	}
	var emptied []uint64
	id, skip := p.next.FreeHead, int(p.next.FreeTaken)
	for n := uint64(0); id != p.next.FreeTail; n++ {
		pg, err := p.Page(id)
		if err != nil {
			return 0, 0, err
		}
		if pg.Type() != page.TypeFree || n > p.next.PageCount {
			return 0, 0, page.Corruptf(id, "free list reaches a %v page", pg.Type())
		}
		if pg.Gen()+1 > p.durable.Generation {
			break
		}
		for i := skip; i < pg.Count(); i++ {
			free[pg.FreeID(i)] = true
		}
		emptied = append(emptied, id)
		skip = 0
		id = pg.Aux()
	}
	if id == p.next.FreeTail {
		free[id] = true // dropEnd may move the reserved tail
	}
	count := p.next.PageCount
	end := count
	for end > 2 && free[end-1] {
		end--
	}
	now = count - end
	for _, id := range emptied {
		free[id] = true
	}
	for end > 2 && free[end-1] {
		end--
	}
	return now, count - end, nil
}

// aged moves the counts of end frees on once a commit is durable: those of
// the commit before it are reusable now.
func (p *Pager) aged() {
	p.endFreed[0] += p.endFreed[1]
	p.endFreed[1], p.endFreed[2] = p.endFreed[2], 0
}

// spacePending reports whether a commit with nothing else to write would
// still give space back: enough ids freed at the end of the file are, or
// after one more commit will be, reusable; or the other slot still holds
// the file's end.
func (p *Pager) spacePending() bool {
	if p.readOnly {
		return false
	}
	if p.shrinkDue(p.endFreed[0]+p.endFreed[1], p.durable.FreeCount) {
		return true
	}
	count := p.durable.PageCount
	return p.olderCount > count && p.excess(count)
}

// excess reports whether the file holds more than a file of keep pages
// would after growing (keep, twice the reserve) by at least shrinkMin
// pages: release truncates it to keep and one reserve.
func (p *Pager) excess(keep uint64) bool {
	return p.size > int64(keep+2*Reserve(keep)+shrinkMin)*page.Size
}

// dropEnd takes every reusable id from the free list and lowers the page
// count past those at the end of the file. The rest are reusable at once;
// the next commit appends them to the free list again. It returns how many
// ids it dropped.
func (p *Pager) dropEnd() (uint64, error) {
	ids := slices.Clone(p.reuse)
	for {
		id, ok, err := p.popFree()
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	// popFree leaves a used-up head page in place when it took the last
	// id: it is free too.
	for p.next.FreeCount == 0 && p.next.FreeHead != p.next.FreeTail {
		head, err := p.Page(p.next.FreeHead)
		if err != nil {
			return 0, err
		}
		if head.Type() != page.TypeFree || int(p.next.FreeTaken) != head.Count() || head.Aux() == head.ID() {
			return 0, page.Corruptf(head.ID(), "free list counts no id, its head holds %d", head.Count()-int(p.next.FreeTaken))
		}
		p.next.FreeHead, p.next.FreeTaken = head.Aux(), 0
		p.Free(head.ID())
	}
	// With the list empty, the reserved tail was never written: nothing
	// reads it, so it may move.
	retail := p.next.FreeHead == p.next.FreeTail && !p.IsFresh(p.next.FreeTail)
	if retail {
		ids = append(ids, p.next.FreeTail)
	}
	slices.Sort(ids)
	count := p.next.PageCount
	n := len(ids)
	for n > 0 && ids[n-1] == count-1 {
		count--
		n--
	}
	for _, id := range ids[n:] {
		p.cache.Remove(id)
		delete(p.fresh, id)
	}
	ids = ids[:n]
	if retail {
		var tail uint64
		if len(ids) > 0 {
			tail, ids = ids[0], ids[1:]
		} else {
			tail = count
			count++
		}
		p.next.FreeHead, p.next.FreeTail, p.next.FreeTaken = tail, tail, 0
	}
	// Highest first: allocID and appendFreed take from the end.
	slices.Reverse(ids)
	p.reuse = ids
	dropped := p.next.PageCount - count
	p.next.PageCount = count
	p.pageCount.Store(count)
	return dropped, nil
}
