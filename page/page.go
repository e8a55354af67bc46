package page

import "encoding/binary"

// Size is the size of every page in the file.
const Size = 4096

// Page is one 4 KiB page held in memory.
type Page struct {
	buf [Size]byte
}

// ID returns the page id stored in the header.
func (p *Page) ID() uint64 { return binary.LittleEndian.Uint64(p.buf[8:16]) }
