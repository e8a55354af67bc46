package inspect

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/crc"
	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
	"github.com/projstore/projstore/vfs"
)

// ErrNoPage is returned for a page id past the end of the file.
var ErrNoPage = errors.New("inspect: no such page")

// File is a projstore file opened read-only.
type File struct {
	f     vfs.File
	size  int64
	Slots superblock.Slots // what each superblock slot holds
}

// Open opens the file at path read-only. It fails only if the file cannot
// be read; a file that is not a database opens, and says so in Slots.
func Open(path string) (*File, error) {
	f, err := vfs.OS.Open(path, vfs.ReadOnly)
	if err != nil {
		return nil, err
	}
	size, err := f.Size()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &File{f: f, size: size, Slots: superblock.Read(f)}, nil
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// Size returns the file's size in bytes.
func (f *File) Size() int64 { return f.size }

// NumPages returns the number of whole pages in the file.
func (f *File) NumPages() uint64 { return uint64(f.size / page.Size) }

// Newest returns the superblock Open would use, or nil.
func (f *File) Newest() *superblock.Superblock {
	sb, _ := f.Slots.Newest()
	return sb
}

// ReadPage returns the raw bytes of page id, unverified.
func (f *File) ReadPage(id uint64) ([]byte, error) {
	if id >= f.NumPages() {
		return nil, fmt.Errorf("%w: page %d, the file holds %d", ErrNoPage, id, f.NumPages())
	}
	b := make([]byte, page.Size)
	if _, err := f.f.ReadAt(b, int64(id)*page.Size); err != nil {
		return nil, err
	}
	return b, nil
}

// Summary is the one-line description of a page.
type Summary struct {
	ID    uint64
	Type  page.Type
	Gen   uint64
	Count int    // cells, payload bytes or ids, by type
	Free  int    // slotted pages: bytes free for cells and slots
	Next  uint64 // overflow and free-list pages: the next page in the chain
	Blank bool   // every byte zero: never written
	Err   error  // why page.Verify rejects the page
	Note  string // superblock: the state it records
}

// Summarize describes page id held in b.
func Summarize(b []byte, id uint64) Summary {
	s := Summary{ID: id}
	if isZero(b) {
		s.Blank = true
		return s
	}
	var p page.Page
	copy(p.Bytes(), b)
	s.Type, s.Gen, s.Count = p.Type(), p.Gen(), p.Count()
	s.Err = page.Verify(b, id)
	switch s.Type {
	case page.TypeBranch, page.TypeLeaf:
		s.Free = p.FreeSpace()
	case page.TypeOverflow, page.TypeFree:
		s.Next = p.Aux()
	case page.TypeSuperblock:
		if sb, err := superblock.Decode(b, id); err == nil {
			s.Note = fmt.Sprintf("position %d, %d pages", sb.Applied, sb.PageCount)
		} else if s.Err == nil {
			s.Err = err
		}
	}
	return s
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// DescribeOptions tune Describe.
type DescribeOptions struct {
	// History splits leaf keys into the user key and the created_at
	// position that history trees append (key ‖ ^created_at, big endian).
	History bool
	// Full dumps whole values and payloads; by default each hex dump stops
	// after DumpLimit bytes.
	Full bool
}

// DumpLimit is how many bytes a hex dump shows without DescribeOptions.Full.
const DumpLimit = 128

// Describe writes a description of page id, held in b: its header, whether
// it verifies, and its contents decoded by type, each cell hex-dumped.
func Describe(w io.Writer, b []byte, id uint64, opts DescribeOptions) error {
	if len(b) != page.Size {
		return fmt.Errorf("inspect: page of %d bytes", len(b))
	}
	d := &describer{w: w, opts: opts}
	p := &d.p
	copy(p.Bytes(), b)
	if isZero(b) {
		d.printf("page %d: blank (every byte zero: allocated but never written, or past the data)\n", id)
		return d.err
	}
	verr := page.Verify(b, id)
	stored, computed := crc.Stored(b), crc.Sum(b)
	d.printf("page %d\n", id)
	d.printf("  type        %v\n", p.Type())
	d.printf("  version     %d\n", p.Version())
	d.printf("  flags       %#04x\n", p.Flags())
	d.printf("  id          %d\n", p.ID())
	d.printf("  generation  %d\n", p.Gen())
	d.printf("  count       %d\n", p.Count())
	d.printf("  lower       %d\n", p.Lower())
	d.printf("  upper       %d\n", p.Upper())
	d.printf("  fragmented  %d\n", p.Fragmented())
	d.printf("  aux         %d\n", p.Aux())
	if stored == computed {
		d.printf("  crc32c      %#08x (matches)\n", stored)
	} else {
		d.printf("  crc32c      %#08x stored, %#08x computed\n", stored, computed)
	}
	var ce *page.CorruptionError
	if errors.As(verr, &ce) {
		d.printf("  verify      FAILED: %s\n", ce.Reason)
	} else if verr != nil {
		d.printf("  verify      FAILED: %v\n", verr)
	} else {
		d.printf("  verify      ok\n")
	}
	switch p.Type() {
	case page.TypeSuperblock:
		d.superblock(id)
	case page.TypeBranch:
		d.printf("\n  free %d bytes; leftmost child %d\n", p.FreeSpace(), p.Aux())
		d.cells(d.branchCell)
	case page.TypeLeaf:
		d.printf("\n  free %d bytes\n", p.FreeSpace())
		d.cells(d.leafCell)
	case page.TypeOverflow:
		next := "end of chain"
		if p.Aux() != 0 {
			next = fmt.Sprintf("next page %d", p.Aux())
		}
		d.printf("\n  overflow payload %d bytes, %s\n", p.Count(), next)
		d.dump(page.HeaderSize, p.Payload())
	case page.TypeFree:
		n := min(p.Count(), page.FreeCapacity)
		next := "the reserved tail follows"
		if p.Aux() != 0 {
			next = fmt.Sprintf("next free-list page %d", p.Aux())
		}
		d.printf("\n  free-list page: %d ids freed by commit %d, %s\n", p.Count(), p.Gen(), next)
		for i := 0; i < n; i += 8 {
			var ids []string
			for j := i; j < min(i+8, n); j++ {
				ids = append(ids, fmt.Sprint(p.FreeID(j)))
			}
			d.printf("  %5d: %s\n", i, strings.Join(ids, " "))
		}
	}
	return d.err
}

type describer struct {
	w    io.Writer
	p    page.Page // as read, perhaps damaged: cells are reached only through slots checked here
	opts DescribeOptions
	err  error
}

func (d *describer) printf(format string, args ...any) {
	if d.err == nil {
		_, d.err = fmt.Fprintf(d.w, format, args...)
	}
}

func (d *describer) superblock(id uint64) {
	sb, err := superblock.Decode(d.p.Bytes(), id)
	if err != nil {
		d.printf("\n  superblock does not decode: %v\n", err)
		d.dump(0, d.p.Bytes()[:128])
		return
	}
	d.printf("\n  superblock (slot %d)\n", id)
	d.printf("    magic        %q\n", superblock.Magic)
	d.printf("    generation   %d\n", sb.Generation)
	d.printf("    applied      %d\n", sb.Applied)
	d.printf("    digest       %#016x\n", sb.Digest)
	d.printf("    horizon      %d\n", sb.Horizon)
	d.printf("    catalog      %d\n", sb.Catalog)
	d.printf("    page count   %d\n", sb.PageCount)
	d.printf("    free head    %d (%d ids taken)\n", sb.FreeHead, sb.FreeTaken)
	d.printf("    free tail    %d (reserved)\n", sb.FreeTail)
	d.printf("    free count   %d\n", sb.FreeCount)
}

// cells walks the slot directory, bounds-checking every slot, and hands
// each cell to fn.
func (d *describer) cells(fn func(i, off int, c []byte)) {
	for i := 0; i < d.p.Count(); i++ {
		if i >= page.MaxSlots {
			d.printf("  slot %d: past the end of the page\n", i)
			return
		}
		off, l := d.p.Slot(i)
		if l == 0 || off < page.HeaderSize || off+l > page.Size {
			d.printf("  cell %d: slot points outside the page (offset %d, length %d)\n", i, off, l)
			continue
		}
		fn(i, off, d.p.Bytes()[off:off+l])
	}
}

func (d *describer) branchCell(i, off int, c []byte) {
	if b, err := btree.DecodeBranch(c); err != nil {
		d.printf("  cell %d @%d: %v\n", i, off, err)
	} else {
		d.printf("  cell %d @%d: key %s -> child %d\n", i, off, d.key(b.Key), b.Child)
	}
	d.dump(off, c)
}

func (d *describer) leafCell(i, off int, c []byte) {
	l, err := btree.DecodeLeaf(c)
	switch {
	case err != nil:
		d.printf("  cell %d @%d: %v\n", i, off, err)
	case l.Value.Overflow != 0:
		d.printf("  cell %d @%d: key %s stamp %d value %d bytes in overflow chain from page %d\n",
			i, off, d.key(l.Key), l.Stamp, l.Value.Len, l.Value.Overflow)
	default:
		d.printf("  cell %d @%d: key %s stamp %d value %d bytes %s\n", i, off, d.key(l.Key), l.Stamp, l.Value.Len, preview(l.Value.Inline))
	}
	d.dump(off, c)
}

func (d *describer) key(k []byte) string {
	if !d.opts.History {
		return Quote(k)
	}
	user, created, ok := store.SplitHistoryKey(k)
	if !ok {
		return Quote(k)
	}
	return fmt.Sprintf("%s created %d", Quote(user), created)
}

func preview(v []byte) string {
	const max = 48
	if len(v) > max {
		return Quote(v[:max]) + "…"
	}
	return Quote(v)
}

// dump writes a hex dump of b, which starts at offset base of the page.
func (d *describer) dump(base int, b []byte) {
	n := len(b)
	if !d.opts.Full && n > DumpLimit {
		n = DumpLimit
	}
	for i := 0; i < n; i += 16 {
		line := b[i:min(i+16, n)]
		var hex, text strings.Builder
		for j := range 16 {
			if j < len(line) {
				fmt.Fprintf(&hex, "%02x ", line[j])
				if c := line[j]; c >= 0x20 && c < 0x7f {
					text.WriteByte(c)
				} else {
					text.WriteByte('.')
				}
			} else {
				hex.WriteString("   ")
			}
			if j == 7 {
				hex.WriteByte(' ')
			}
		}
		d.printf("      %04x  %s |%s|\n", base+i, hex.String(), text.String())
	}
	if n < len(b) {
		d.printf("      ... %d more bytes (--full shows them)\n", len(b)-n)
	}
}

// Quote renders bytes for a person: inside double quotes, printable UTF-8
// as it is, anything else escaped (see Escape; a double quote is escaped
// too).
func Quote(b []byte) string {
	return `"` + escape(b, true) + `"`
}

// Escape renders bytes as text that is safe on a terminal and unambiguous:
// printable UTF-8 stays as it is, a backslash doubles, and anything else
// becomes \n, \t, \r or \xNN.
func Escape(b []byte) string { return escape(b, false) }

func escape(b []byte, quotes bool) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == '\\':
			sb.WriteString(`\\`)
		case r == '"' && quotes:
			sb.WriteString(`\"`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == utf8.RuneError && size <= 1, !unicode.IsPrint(r):
			for _, c := range b[:size] {
				fmt.Fprintf(&sb, `\x%02x`, c)
			}
		default:
			sb.Write(b[:size])
		}
		b = b[size:]
	}
	return sb.String()
}
