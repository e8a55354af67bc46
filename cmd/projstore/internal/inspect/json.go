package inspect

import (
	"errors"
	"fmt"

	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/crc"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
)

// PageJSON is what DescribeJSON finds in a page, for `projstore page
// --format json`: the fields of Describe, with lower-case snake_case keys,
// checksums and digests as "0x" strings, keys and values as UTF-8 text or
// "base64:" and standard base64 (logfile.EncodeText), never cut.
type PageJSON struct {
	ID          uint64          `json:"id"`
	Blank       bool            `json:"blank,omitempty"` // every byte zero; nothing else is set
	Type        string          `json:"type,omitempty"`
	Version     int             `json:"version"`
	Flags       uint16          `json:"flags"`
	HeaderID    uint64          `json:"header_id"` // the id the page says it has
	Generation  uint64          `json:"generation"`
	Count       int             `json:"count"`
	Lower       int             `json:"lower"`
	Upper       int             `json:"upper"`
	Fragmented  int             `json:"fragmented"`
	Aux         uint64          `json:"aux"`
	CRCStored   string          `json:"crc_stored"`
	CRCComputed string          `json:"crc_computed"`
	Error       string          `json:"error,omitempty"` // why the page fails verification
	Free        *int            `json:"free,omitempty"`  // branch and leaf pages
	Superblock  *SuperblockJSON `json:"superblock,omitempty"`
	Cells       []CellJSON      `json:"cells,omitempty"`
	Payload     *string         `json:"payload,omitempty"` // overflow pages
	Next        *uint64         `json:"next,omitempty"`    // overflow and free-list pages: 0 ends the chain
	FreeIDs     []uint64        `json:"free_ids,omitempty"`
}

// SuperblockJSON holds a superblock slot's fields, or why it does not
// decode.
type SuperblockJSON struct {
	Error      string `json:"error,omitempty"`
	Generation uint64 `json:"generation"`
	Position   uint64 `json:"position"`
	Digest     string `json:"digest"`
	Horizon    uint64 `json:"horizon"`
	Catalog    uint64 `json:"catalog"`
	PageCount  uint64 `json:"page_count"`
	FreeHead   uint64 `json:"free_head"`
	FreeTaken  uint64 `json:"free_taken"`
	FreeTail   uint64 `json:"free_tail"`
	FreeCount  uint64 `json:"free_count"`
}

// CellJSON is one cell of a branch or leaf page.
type CellJSON struct {
	Index       int     `json:"index"`
	Offset      int     `json:"offset"`
	Length      int     `json:"length"`
	Error       string  `json:"error,omitempty"`
	Key         *string `json:"key,omitempty"`
	Created     *uint64 `json:"created,omitempty"` // DescribeOptions.History: the key's created position
	Child       *uint64 `json:"child,omitempty"`   // branch
	Stamp       *uint64 `json:"stamp,omitempty"`   // leaf
	ValueLength *uint32 `json:"value_length,omitempty"`
	Value       *string `json:"value,omitempty"`    // inline
	Overflow    *uint64 `json:"overflow,omitempty"` // first page of the value's chain
}

// DescribeJSON decodes page id, held in b, as Describe does. Only
// opts.History counts: nothing is cut.
func DescribeJSON(b []byte, id uint64, opts DescribeOptions) (PageJSON, error) {
	j := PageJSON{ID: id}
	if len(b) != page.Size {
		return j, fmt.Errorf("inspect: page of %d bytes", len(b))
	}
	if isZero(b) {
		j.Blank = true
		return j, nil
	}
	var p page.Page
	copy(p.Bytes(), b)
	j.Type, j.Version, j.Flags, j.HeaderID, j.Generation = p.Type().String(), p.Version(), p.Flags(), p.ID(), p.Gen()
	j.Count, j.Lower, j.Upper, j.Fragmented, j.Aux = p.Count(), p.Lower(), p.Upper(), p.Fragmented(), p.Aux()
	j.CRCStored, j.CRCComputed = fmt.Sprintf("%#08x", crc.Stored(b)), fmt.Sprintf("%#08x", crc.Sum(b))
	if err := page.Verify(b, id); err != nil {
		var ce *page.CorruptionError
		if errors.As(err, &ce) {
			j.Error = ce.Reason
		} else {
			j.Error = err.Error()
		}
	}
	switch p.Type() {
	case page.TypeSuperblock:
		j.Superblock = superblockJSON(b, id)
	case page.TypeBranch, page.TypeLeaf:
		free := p.FreeSpace()
		j.Free = &free
		j.Cells = cellsJSON(&p, opts)
	case page.TypeOverflow:
		payload, next := logfile.EncodeText(p.Payload()), p.Aux()
		j.Payload, j.Next = &payload, &next
	case page.TypeFree:
		next := p.Aux()
		j.Next = &next
		for i := range min(p.Count(), page.FreeCapacity) {
			j.FreeIDs = append(j.FreeIDs, p.FreeID(i))
		}
	}
	return j, nil
}

func superblockJSON(b []byte, id uint64) *SuperblockJSON {
	sb, err := superblock.Decode(b, id)
	if err != nil {
		return &SuperblockJSON{Error: err.Error()}
	}
	return &SuperblockJSON{
		Generation: sb.Generation, Position: sb.Applied, Digest: fmt.Sprintf("%#016x", sb.Digest),
		Horizon: sb.Horizon, Catalog: sb.Catalog, PageCount: sb.PageCount,
		FreeHead: sb.FreeHead, FreeTaken: sb.FreeTaken, FreeTail: sb.FreeTail, FreeCount: sb.FreeCount,
	}
}

// cellsJSON decodes the cells of a branch or leaf page, bounds-checking
// every slot of a page that may be damaged.
func cellsJSON(p *page.Page, opts DescribeOptions) []CellJSON {
	var out []CellJSON
	for i := 0; i < min(p.Count(), page.MaxSlots); i++ {
		off, l := p.Slot(i)
		c := CellJSON{Index: i, Offset: off, Length: l}
		if l == 0 || off < page.HeaderSize || off+l > page.Size {
			c.Error = "slot points outside the page"
			out = append(out, c)
			continue
		}
		cell := p.Bytes()[off : off+l]
		var key []byte
		if p.Type() == page.TypeBranch {
			if bc, err := btree.DecodeBranch(cell); err != nil {
				c.Error = err.Error()
			} else {
				key, c.Child = bc.Key, &bc.Child
			}
		} else {
			switch lc, err := btree.DecodeLeaf(cell); {
			case err != nil:
				c.Error = err.Error()
			case lc.Value.Overflow != 0:
				key, c.Stamp, c.ValueLength, c.Overflow = lc.Key, &lc.Stamp, &lc.Value.Len, &lc.Value.Overflow
			default:
				v := logfile.EncodeText(lc.Value.Inline)
				key, c.Stamp, c.ValueLength, c.Value = lc.Key, &lc.Stamp, &lc.Value.Len, &v
			}
		}
		if c.Error != "" {
			out = append(out, c)
			continue
		}
		if opts.History {
			if user, created, ok := store.SplitHistoryKey(key); ok {
				cr := uint64(created)
				key, c.Created = user, &cr
			}
		}
		k := logfile.EncodeText(key)
		c.Key = &k
		out = append(out, c)
	}
	return out
}
