package superblock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/projstore/projstore/page"
)

// Magic identifies a projstore file.
const Magic = "PROJSTOR"

// Version is the file format version this code writes and reads.
const Version = 2

// Errors returned by Read.
var (
	// ErrNotDatabase: neither slot carries the magic.
	ErrNotDatabase = errors.New("projstore: not a projstore file")
	// ErrNewerVersion: the file was written by a newer format version.
	ErrNewerVersion = errors.New("projstore: file format is newer than this build supports")
	// ErrOlderVersion: the file was written by an older format version,
	// which this build does not read (rebuild the store from its log).
	ErrOlderVersion = errors.New("projstore: file format is older than this build reads")
)

// Superblock is the durable state one slot records.
type Superblock struct {
	Generation uint64
	Applied    uint64
	Digest     uint64
	Catalog    uint64
	FreeHead   uint64
	FreeTaken  uint64
	FreeTail   uint64
	FreeCount  uint64
	PageCount  uint64
	Horizon    uint64
}

const (
	offMagic   = page.HeaderSize
	offVersion = offMagic + 8
	offPageSz  = offVersion + 4
	offFields  = offPageSz + 4
)

// Slot returns the page id generation g is written to.
func Slot(g uint64) uint64 { return g % 2 }

// Encode returns the sealed page for sb, with the slot its generation picks.
func (sb *Superblock) Encode() *page.Page {
	p := page.New(Slot(sb.Generation), page.TypeSuperblock)
	p.SetGen(sb.Generation)
	b := p.Bytes()
	copy(b[offMagic:], Magic)
	binary.LittleEndian.PutUint32(b[offVersion:], Version)
	binary.LittleEndian.PutUint32(b[offPageSz:], page.Size)
	for i, v := range sb.fields() {
		binary.LittleEndian.PutUint64(b[offFields+8*i:], *v)
	}
	p.Seal()
	return p
}

func (sb *Superblock) fields() []*uint64 {
	return []*uint64{&sb.Applied, &sb.Digest, &sb.Catalog, &sb.FreeHead, &sb.FreeTaken,
		&sb.FreeTail, &sb.FreeCount, &sb.PageCount, &sb.Horizon}
}

// Decode parses slot id from b. It checks the magic and format version, then
// the page checksum and id, then the fields' own consistency.
func Decode(b []byte, id uint64) (*Superblock, error) {
	if len(b) != page.Size {
		return nil, page.Corruptf(id, "superblock is %d bytes", len(b))
	}
	if string(b[offMagic:offMagic+8]) != Magic {
		return nil, fmt.Errorf("superblock slot %d: %w", id, ErrNotDatabase)
	}
	if v := binary.LittleEndian.Uint32(b[offVersion:]); v > Version {
		return nil, fmt.Errorf("superblock slot %d has format version %d, this build reads %d: %w", id, v, Version, ErrNewerVersion)
	} else if v < Version && v > 0 && page.Verify(b, id) == nil {
		return nil, fmt.Errorf("superblock slot %d has format version %d, this build reads %d: %w", id, v, Version, ErrOlderVersion)
	}
	if err := page.Verify(b, id); err != nil {
		return nil, err
	}
	var p page.Page
	copy(p.Bytes(), b)
	if p.Type() != page.TypeSuperblock {
		return nil, page.Corruptf(id, "slot holds a %v page", p.Type())
	}
	if v := binary.LittleEndian.Uint32(b[offVersion:]); v != Version {
		return nil, page.Corruptf(id, "format version %d", v)
	}
	if sz := binary.LittleEndian.Uint32(b[offPageSz:]); sz != page.Size {
		return nil, page.Corruptf(id, "page size %d, want %d", sz, page.Size)
	}
	sb := &Superblock{Generation: p.Gen()}
	for i, v := range sb.fields() {
		*v = binary.LittleEndian.Uint64(b[offFields+8*i:])
	}
	if Slot(sb.Generation) != id {
		return nil, page.Corruptf(id, "generation %d belongs in slot %d", sb.Generation, Slot(sb.Generation))
	}
	if err := sb.check(); err != nil {
		return nil, page.Corruptf(id, "%v", err)
	}
	return sb, nil
}

// check rejects field values no commit writes, so that a superblock that
// passes its CRC by chance (or was forged) cannot send reads out of the file.
func (sb *Superblock) check() error {
	if sb.PageCount < 2 {
		return fmt.Errorf("page count %d", sb.PageCount)
	}
	inFile := func(name string, id uint64, zeroOK bool) error {
		if (id == 0 && zeroOK) || (id >= 2 && id < sb.PageCount) {
			return nil
		}
		return fmt.Errorf("%s page %d outside the file of %d pages", name, id, sb.PageCount)
	}
	if err := inFile("catalog", sb.Catalog, true); err != nil {
		return err
	}
	// Every commit keeps a free-list head and a reserved tail, both real
	// pages: a zero here would send the next free-list page over slot 0.
	if err := inFile("free-list head", sb.FreeHead, false); err != nil {
		return err
	}
	if err := inFile("free-list tail", sb.FreeTail, false); err != nil {
		return err
	}
	if sb.FreeTaken > page.FreeCapacity {
		return fmt.Errorf("free-list head offset %d", sb.FreeTaken)
	}
	if sb.FreeCount > sb.PageCount {
		return fmt.Errorf("free-list count %d", sb.FreeCount)
	}
	if sb.Horizon > sb.Applied {
		return fmt.Errorf("horizon %d beyond applied position %d", sb.Horizon, sb.Applied)
	}
	return nil
}

// HasMagic reports whether b, a slot's bytes, carries the projstore magic.
func HasMagic(b []byte) bool {
	return len(b) >= offMagic+len(Magic) && string(b[offMagic:offMagic+len(Magic)]) == Magic
}

// Slots holds what Read found in each slot: a superblock or the error that
// disqualified it.
type Slots struct {
	SB  [2]*Superblock
	Err [2]error
}

// Read reads and decodes both slots.
func Read(r io.ReaderAt) Slots {
	var s Slots
	buf := make([]byte, page.Size)
	for id := range uint64(2) {
		n, err := r.ReadAt(buf, int64(id)*page.Size)
		if n < page.Size {
			// A slot cut short is a torn store only if it carries the
			// magic; without it, the file is some other program's, however
			// short, and is not called corrupt.
			if (err == nil || errors.Is(err, io.EOF)) && HasMagic(buf[:n]) {
				err = page.Corruptf(id, "file too short for superblock slot")
			} else if err == nil || errors.Is(err, io.EOF) {
				err = fmt.Errorf("superblock slot %d: %w", id, ErrNotDatabase)
			}
			s.Err[id] = err
			continue
		}
		s.SB[id], s.Err[id] = Decode(buf, id)
	}
	return s
}

// Newest returns the valid slot with the highest generation, the state Open
// uses. The error explains why no slot qualifies: a newer format in either
// slot wins over corruption, so that a newer file is never called corrupt.
func (s Slots) Newest() (*Superblock, error) { return s.pick(false) }

// Older returns the valid slot with the lower generation, the state before
// the last commit: recovery falls back to it when the newer tree is
// damaged. It fails unless both slots are valid.
func (s Slots) Older() (*Superblock, error) { return s.pick(true) }

func (s Slots) pick(older bool) (*Superblock, error) {
	a, b := s.SB[0], s.SB[1]
	if a != nil && b != nil {
		if a.Generation < b.Generation {
			a, b = b, a
		}
		if older {
			return b, nil
		}
		return a, nil
	}
	for _, err := range s.Err {
		if errors.Is(err, ErrNewerVersion) || errors.Is(err, ErrOlderVersion) {
			return nil, err
		}
	}
	if older {
		return nil, fmt.Errorf("no older superblock to fall back to: %w", errors.Join(s.Err[0], s.Err[1]))
	}
	if a != nil {
		return a, nil
	}
	if b != nil {
		return b, nil
	}
	if errors.Is(s.Err[0], ErrNotDatabase) && errors.Is(s.Err[1], ErrNotDatabase) {
		return nil, ErrNotDatabase
	}
	return nil, fmt.Errorf("%w: no valid superblock: %w", page.ErrCorrupt, errors.Join(s.Err[0], s.Err[1]))
}
