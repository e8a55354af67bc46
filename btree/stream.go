package btree

import (
	"io"

	"github.com/projstore/projstore/page"
)

// ChainPos remembers where a reader of an overflow chain stopped, so that
// reading a large value front to back costs one page per page instead of a
// walk from the head for every read. The zero value is the chain's start.
type ChainPos struct {
	index int    // position of id in the chain
	id    uint64 // 0: not placed yet
}

// ReadValueAt copies the bytes of r's value starting at off into p, with
// io.ReaderAt semantics (io.EOF when p runs past the end). pos, if not nil,
// carries the chain position between calls; every page but the last of a
// chain is full, so the page holding off is found by counting.
func (t *Tree) ReadValueAt(r Ref, p []byte, off int64, pos *ChainPos) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if off >= int64(r.Len) {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	if r.Overflow == 0 {
		n := copy(p, r.Inline[off:])
		if n < len(p) {
			return n, io.EOF
		}
		return n, nil
	}
	if pos == nil {
		pos = new(ChainPos)
	}
	want := int(off / page.OverflowCapacity)
	if pos.id == 0 || pos.index > want {
		*pos = ChainPos{index: 0, id: r.Overflow}
	}
	n := 0
	for n < len(p) && off < int64(r.Len) {
		pg, err := t.P.Page(pos.id)
		if err != nil {
			return n, err
		}
		if pg.Type() != page.TypeOverflow {
			return n, page.Corruptf(pos.id, "overflow chain reaches a %v page", pg.Type())
		}
		payload := pg.Payload()
		last := int64(pos.index+1)*page.OverflowCapacity >= int64(r.Len)
		if (!last && len(payload) != page.OverflowCapacity) || (last && int64(pos.index)*page.OverflowCapacity+int64(len(payload)) != int64(r.Len)) {
			return n, page.Corruptf(pos.id, "overflow page %d of a %d-byte value holds %d bytes", pos.index, r.Len, len(payload))
		}
		if pos.index < want {
			if last {
				return n, page.Corruptf(pos.id, "overflow chain ends early")
			}
			pos.index, pos.id = pos.index+1, pg.Aux()
			continue
		}
		c := copy(p[n:], payload[off-int64(pos.index)*page.OverflowCapacity:])
		n += c
		off += int64(c)
		if n < len(p) && !last {
			want++
			pos.index, pos.id = pos.index+1, pg.Aux()
		} else if last {
			break
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
