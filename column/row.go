package column

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ErrVersion is returned for a row written under a table version the
// layout cannot read: a newer one, or one older than its base version.
var ErrVersion = errors.New("column: row version not readable with this layout")

// Row flag bits; see the package documentation for the layout.
const (
	flagWidth   = 0x03 // offset width code: 0, 1, 2 for 1, 2, 4 bytes
	flagForeign = 0x04 // foreign bitmap present
)

// Layout is the row format of one version of a table's non-key columns:
// their types, in order, and the defaults that rows written before a
// column was added read as. A Layout is immutable and safe for
// concurrent use; build it once per table version (Table.Layout).
type Layout struct {
	version, base uint32
	types         []Type
	defaults      []Value
	fixedOff      []int // offset of each column's slot in the fixed area; -1 if none
	fixedEnd      []int // fixedEnd[n]: size of the fixed area of a row of n columns
}

// NewLayout returns the layout of version version whose rows hold
// columns of the given types; rows written under versions before base
// cannot be read with it. defaults, if not nil, holds one value per
// column.
func NewLayout(version, base uint32, types []Type, defaults []Value) (*Layout, error) {
	if base > version {
		return nil, fmt.Errorf("column: layout base version %d above version %d", base, version)
	}
	if defaults != nil && len(defaults) != len(types) {
		return nil, fmt.Errorf("column: %d defaults for %d columns", len(defaults), len(types))
	}
	l := &Layout{
		version:  version,
		base:     base,
		types:    append([]Type(nil), types...),
		defaults: make([]Value, len(types)),
		fixedOff: make([]int, len(types)),
		fixedEnd: make([]int, len(types)+1),
	}
	copy(l.defaults, defaults)
	off := 0
	for i, t := range types {
		if !t.Valid() || t == Null {
			return nil, fmt.Errorf("column: layout column %d has invalid type %s", i, t)
		}
		l.fixedOff[i] = -1
		if w := t.fixed(); w > 0 {
			l.fixedOff[i] = off
			off += w
		}
		l.fixedEnd[i+1] = off
	}
	return l, nil
}

// Len returns the number of columns.
func (l *Layout) Len() int { return len(l.types) }

// Version returns the table version the layout describes.
func (l *Layout) Version() uint32 { return l.version }

// Types returns the column types; the caller must not modify the slice.
func (l *Layout) Types() []Type { return l.types }

// payloadLen is the size of a foreign value's payload after its type byte.
func payloadLen(v Value) int {
	switch v.typ {
	case Integer, Real, Timestamp:
		return 8
	case Boolean:
		return 1
	}
	return len(v.str)
}

// AppendRow appends the encoding of vals, one per column, to dst and
// returns the extended slice. A value whose type is not the column's is
// stored as foreign (see the package documentation); callers apply
// Coerce first so that only values SQLite would keep in another class
// are.
func (l *Layout) AppendRow(dst []byte, vals []Value) ([]byte, error) {
	n := len(l.types)
	if len(vals) != n {
		return dst, fmt.Errorf("column: %d values for %d columns", len(vals), n)
	}
	varLen, foreign := 0, false
	for i, v := range vals {
		switch {
		case v.typ == Null:
		case !v.typ.Valid() || v.typ == Any:
			return dst, fmt.Errorf("column: column %d: invalid value type %s", i, v.typ)
		case v.typ == l.types[i]:
			if l.types[i].fixed() == 0 {
				varLen += len(v.str)
			}
		default:
			foreign = true
			varLen += 1 + payloadLen(v)
		}
	}
	var code byte
	switch {
	case varLen <= math.MaxUint8:
		code = 0
	case varLen <= math.MaxUint16:
		code = 1
	case varLen <= math.MaxUint32:
		code = 2
	default:
		return dst, fmt.Errorf("column: row of %d bytes is too large", varLen)
	}
	w := 1 << code
	flags := code
	if foreign {
		flags |= flagForeign
	}
	dst = binary.AppendUvarint(dst, uint64(l.version))
	dst = binary.AppendUvarint(dst, uint64(n))
	dst = append(dst, flags)

	nb := (n + 7) / 8
	bitmaps := len(dst)
	size := nb + l.fixedEnd[n] + n*w + varLen
	if foreign {
		size += nb
	}
	dst = append(dst, make([]byte, size)...) // one allocation at most, zeroed
	nulls := dst[bitmaps : bitmaps+nb]
	var fbits []byte
	fixed := bitmaps + nb
	if foreign {
		fbits = dst[fixed : fixed+nb]
		fixed += nb
	}
	ends := fixed + l.fixedEnd[n]
	vars := ends + n*w
	pos := vars
	for i, v := range vals {
		t := l.types[i]
		switch {
		case v.typ == Null:
			nulls[i>>3] |= 1 << (i & 7)
		case v.typ == t:
			if o := l.fixedOff[i]; o >= 0 {
				if t == Boolean {
					dst[fixed+o] = byte(v.bits)
				} else {
					binary.LittleEndian.PutUint64(dst[fixed+o:], v.bits)
				}
			} else {
				pos += copy(dst[pos:], v.str)
			}
		default:
			fbits[i>>3] |= 1 << (i & 7)
			dst[pos] = byte(v.typ)
			pos++
			switch v.typ {
			case Integer, Real, Timestamp:
				binary.LittleEndian.PutUint64(dst[pos:], v.bits)
				pos += 8
			case Boolean:
				dst[pos] = byte(v.bits)
				pos++
			default:
				pos += copy(dst[pos:], v.str)
			}
		}
		e := uint32(pos - vars)
		switch w {
		case 1:
			dst[ends+i] = byte(e)
		case 2:
			binary.LittleEndian.PutUint16(dst[ends+2*i:], uint16(e))
		default:
			binary.LittleEndian.PutUint32(dst[ends+4*i:], e)
		}
	}
	return dst, nil
}

// RowView reads the columns of one encoded row in place. It is a small
// value: make one per row with Layout.View, on the stack. It keeps a
// reference to the row bytes, which must not change while it is used.
type RowView struct {
	l       *Layout
	row     []byte
	version uint32
	n       int // columns present in the row
	w       int // offset width
	nulls   int // start of the null bitmap
	foreign int // start of the foreign bitmap, or -1
	fixed   int // start of the fixed area
	ends    int // start of the end offsets
	vars    int // start of the variable area
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: row: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// View checks the header of an encoded row and returns a view of it.
// Column payloads are checked when they are read, so a view of a row
// costs the same whatever its width.
func (l *Layout) View(row []byte) (RowView, error) {
	var v RowView
	err := v.Reset(l, row)
	return v, err
}

// Reset makes v a view of row under layout l, as View does, without
// copying a RowView: a scan keeps one and resets it for every row.
func (v *RowView) Reset(l *Layout, row []byte) error {
	var version, n uint64
	k := 0
	if len(row) >= 2 && row[0] < 0x80 && row[1] < 0x80 {
		// Both uvarints are one byte: versions and widths below 128.
		version, n, k = uint64(row[0]), uint64(row[1]), 2
	} else {
		var k1, k2 int
		version, k1 = binary.Uvarint(row)
		if k1 <= 0 || version > math.MaxUint32 {
			return corrupt("bad version")
		}
		n, k2 = binary.Uvarint(row[k1:])
		if k2 <= 0 {
			return corrupt("bad column count")
		}
		k = k1 + k2
	}
	if uint32(version) > l.version || uint32(version) < l.base {
		return fmt.Errorf("%w: row version %d, layout version %d (base %d)", ErrVersion, version, l.version, l.base)
	}
	if n > uint64(len(l.types)) {
		return corrupt("%d columns, layout has %d", n, len(l.types))
	}
	if k >= len(row) {
		return corrupt("no flags")
	}
	flags := row[k]
	k++
	if flags&^(flagWidth|flagForeign) != 0 || flags&flagWidth == 3 {
		return corrupt("bad flags %#02x", flags)
	}
	v.l, v.row, v.version, v.n = l, row, uint32(version), int(n)
	v.w = int(flags&flagWidth) + 1
	if v.w == 3 {
		v.w = 4
	}
	v.nulls = k
	nb := (v.n + 7) >> 3
	k += nb
	v.foreign = -1
	if flags&flagForeign != 0 {
		v.foreign = k
		k += nb
	}
	v.fixed = k
	v.ends = k + l.fixedEnd[v.n]
	v.vars = v.ends + v.n*v.w
	if v.vars > len(row) {
		v.l = nil
		return corrupt("%d bytes, header needs %d", len(row), v.vars)
	}
	last := 0
	if v.n > 0 {
		last = v.end(v.n - 1)
	}
	if last != len(row)-v.vars {
		v.l = nil
		return corrupt("variable area of %d bytes, offsets say %d", len(row)-v.vars, last)
	}
	return nil
}

// Version returns the table version the row was written under.
func (v *RowView) Version() uint32 { return v.version }

// Len returns the number of columns stored in the row; columns from Len
// on (added since) read as their defaults.
func (v *RowView) Len() int { return v.n }

func (v *RowView) end(i int) int {
	p := v.ends + i*v.w
	switch v.w {
	case 1:
		return int(v.row[p])
	case 2:
		return int(binary.LittleEndian.Uint16(v.row[p:]))
	}
	return int(binary.LittleEndian.Uint32(v.row[p:]))
}

// payload returns column i's bytes in the variable area.
func (v *RowView) payload(i int) ([]byte, error) {
	start := 0
	if i > 0 {
		start = v.end(i - 1)
	}
	end := v.end(i)
	if start > end || v.vars+end > len(v.row) {
		return nil, corrupt("column %d payload [%d,%d) out of bounds", i, start, end)
	}
	return v.row[v.vars+start : v.vars+end], nil
}

func bit(b []byte, off, i int) bool { return b[off+i>>3]&(1<<(i&7)) != 0 }

// kind classifies column i of the row: 0 absent (read the default), 1
// NULL, 2 home (the column's own type), 3 foreign.
func (v *RowView) kind(i int) (int, error) {
	if uint(i) >= uint(len(v.l.types)) {
		return 0, fmt.Errorf("column: column %d out of range [0,%d)", i, len(v.l.types))
	}
	switch {
	case i >= v.n:
		return 0, nil
	case bit(v.row, v.nulls, i):
		return 1, nil
	case v.foreign >= 0 && bit(v.row, v.foreign, i):
		return 3, nil
	}
	if v.l.types[i] == Any {
		return 0, corrupt("column %d of type ANY holds an untagged value", i)
	}
	return 2, nil
}

// IsNull reports whether column i is NULL (false for an invalid column).
func (v *RowView) IsNull(i int) bool {
	k, err := v.kind(i)
	return err == nil && (k == 1 || (k == 0 && v.l.defaults[i].typ == Null))
}

// Value returns column i.
func (v *RowView) Value(i int) (Value, error) {
	k, err := v.kind(i)
	switch {
	case err != nil:
		return Value{}, err
	case k == 0:
		return v.l.defaults[i], nil
	case k == 1:
		return Value{}, nil
	case k == 3:
		return v.foreignValue(i)
	}
	t := v.l.types[i]
	if o := v.l.fixedOff[i]; o >= 0 {
		return v.fixedValue(t, v.fixed+o)
	}
	p, err := v.payload(i)
	if err != nil {
		return Value{}, err
	}
	return Value{typ: t, str: string(p)}, nil
}

func (v *RowView) fixedValue(t Type, at int) (Value, error) {
	if t == Boolean {
		b := v.row[at]
		if b > 1 {
			return Value{}, corrupt("boolean byte %d", b)
		}
		return Value{typ: Boolean, bits: uint64(b)}, nil
	}
	bits := binary.LittleEndian.Uint64(v.row[at:])
	if t == Real && math.Float64frombits(bits) != math.Float64frombits(bits) {
		return Value{}, corrupt("NaN")
	}
	return Value{typ: t, bits: bits}, nil
}

func (v *RowView) foreignValue(i int) (Value, error) {
	p, err := v.payload(i)
	if err != nil {
		return Value{}, err
	}
	if len(p) == 0 {
		return Value{}, corrupt("column %d: empty foreign value", i)
	}
	t := Type(p[0])
	if t == v.l.types[i] || t == Null || t == Any || !t.Valid() {
		return Value{}, corrupt("column %d: foreign value of type %d", i, p[0])
	}
	p = p[1:]
	switch t {
	case Text, Blob:
		return Value{typ: t, str: string(p)}, nil
	case Boolean:
		if len(p) != 1 || p[0] > 1 {
			return Value{}, corrupt("column %d: foreign boolean", i)
		}
		return Value{typ: t, bits: uint64(p[0])}, nil
	}
	if len(p) != 8 {
		return Value{}, corrupt("column %d: foreign %s of %d bytes", i, t, len(p))
	}
	bits := binary.LittleEndian.Uint64(p)
	if t == Real && math.Float64frombits(bits) != math.Float64frombits(bits) {
		return Value{}, corrupt("NaN")
	}
	return Value{typ: t, bits: bits}, nil
}

// AppendTo appends column i to b, without building a Value when the
// column holds its own type: b is the builder of the column's Arrow type
// (Type.ArrowType) or a MixedType union builder. A foreign value into a
// typed builder returns an error wrapping ErrMixed, as AppendValue does.
func (v *RowView) AppendTo(b array.Builder, i int) error {
	k, err := v.kind(i)
	if err != nil {
		return err
	}
	if k == 2 {
		t := v.l.types[i]
		if o := v.l.fixedOff[i]; o >= 0 {
			at := v.fixed + o
			switch b := b.(type) {
			case *array.Int64Builder:
				if t == Integer {
					b.Append(int64(binary.LittleEndian.Uint64(v.row[at:])))
					return nil
				}
			case *array.Float64Builder:
				if t == Real {
					f := math.Float64frombits(binary.LittleEndian.Uint64(v.row[at:]))
					if f != f {
						return corrupt("NaN")
					}
					b.Append(f)
					return nil
				}
			case *array.TimestampBuilder:
				if t == Timestamp {
					b.Append(arrow.Timestamp(binary.LittleEndian.Uint64(v.row[at:])))
					return nil
				}
			}
		} else {
			switch b := b.(type) {
			case *array.StringBuilder:
				if t == Text {
					p, err := v.payload(i)
					if err != nil {
						return err
					}
					b.BinaryBuilder.Append(p) // no string conversion, no allocation
					return nil
				}
			case *array.BinaryBuilder:
				if t == Blob && b.Type().ID() == arrow.BINARY {
					p, err := v.payload(i)
					if err != nil {
						return err
					}
					b.Append(p)
					return nil
				}
			}
		}
	} else if k == 1 {
		if _, ok := b.(*array.DenseUnionBuilder); !ok {
			b.AppendNull()
			return nil
		}
	}
	val, err := v.Value(i)
	if err != nil {
		return err
	}
	return AppendValue(b, val)
}

// Op is a comparison operator of a Predicate.
type Op uint8

const (
	Eq        Op = iota // =
	Ne                  // <> (and !=)
	Lt                  // <
	Le                  // <=
	Gt                  // >
	Ge                  // >=
	IsNull              // IS NULL (the Predicate's Value is ignored)
	IsNotNull           // IS NOT NULL (the Predicate's Value is ignored)
)

var opNames = [...]string{"=", "<>", "<", "<=", ">", ">=", "IS NULL", "IS NOT NULL"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "Op(" + itoa(int64(o)) + ")"
}

// Predicate is a comparison of a column (by its index in the Layout)
// with a constant, the form of filter a scan evaluates on encoded rows
// before it builds anything. The SQL layer applies the column's affinity
// to Value first, as SQLite does when it compares a column with a
// constant, so that the comparison here is Compare's.
type Predicate struct {
	Column int
	Op     Op
	Value  Value
}

func (p Predicate) String() string {
	if p.Op == IsNull || p.Op == IsNotNull {
		return fmt.Sprintf("$%d %s", p.Column, p.Op)
	}
	return fmt.Sprintf("$%d %s %s", p.Column, p.Op, p.Value)
}

// Match reports whether the row satisfies p, with SQL's rule that a
// comparison involving NULL is not true (it is unknown, and a filter
// keeps only true rows). A column of its own type is compared in place.
func (v *RowView) Match(p Predicate) (bool, error) {
	k, err := v.kind(p.Column)
	if err != nil {
		return false, err
	}
	isNull := k == 1 || (k == 0 && v.l.defaults[p.Column].typ == Null)
	switch p.Op {
	case IsNull:
		return isNull, nil
	case IsNotNull:
		return !isNull, nil
	}
	if p.Op > IsNotNull {
		return false, fmt.Errorf("column: invalid operator %d", p.Op)
	}
	if isNull || p.Value.typ == Null {
		return false, nil
	}
	c, err := v.compare(k, p.Column, p.Value)
	if err != nil {
		return false, err
	}
	switch p.Op {
	case Eq:
		return c == 0, nil
	case Ne:
		return c != 0, nil
	case Lt:
		return c < 0, nil
	case Le:
		return c <= 0, nil
	case Gt:
		return c > 0, nil
	}
	return c >= 0, nil
}

// compare compares non-NULL column i (of kind k) with c.
func (v *RowView) compare(k, i int, c Value) (int, error) {
	if k == 2 {
		t := v.l.types[i]
		if o := v.l.fixedOff[i]; o >= 0 && t != Boolean && classRank(c.typ) == 1 {
			bits := binary.LittleEndian.Uint64(v.row[v.fixed+o:])
			if t == Real {
				if f := math.Float64frombits(bits); f != f {
					return 0, corrupt("NaN")
				}
				return compareNumbers(Value{typ: Real, bits: bits}, c), nil
			}
			return compareNumbers(Value{typ: Integer, bits: bits}, c), nil
		}
		if o := v.l.fixedOff[i]; o < 0 && classRank(c.typ) == classRank(t) {
			p, err := v.payload(i)
			if err != nil {
				return 0, err
			}
			// Read-only view of the constant's bytes: no copy per row.
			return bytes.Compare(p, unsafe.Slice(unsafe.StringData(c.str), len(c.str))), nil
		}
	}
	x, err := v.Value(i)
	if err != nil {
		return 0, err
	}
	return Compare(x, c), nil
}

// Projection decodes a fixed list of columns of encoded rows into Arrow
// builders, one builder per column: the loop of a scan that fills a
// record batch. It resolves each builder's type once, where AppendTo
// switches on it for every value, and reads home values straight from
// the row. A Projection is not safe for concurrent use.
type Projection struct {
	l        *Layout
	cols     []int
	builders []array.Builder
	fast     []projKind
	view     RowView
}

type projKind uint8

const (
	projGeneric projKind = iota // through RowView.AppendTo
	projInt64
	projFloat64
	projTimestamp
	projBoolean
	projString
	projBinary
)

// NewProjection returns a Projection of the given columns of l into the
// builders (same length; builders[j] receives column cols[j], and is the
// column's Arrow type or MixedType, as for RowView.AppendTo).
func (l *Layout) NewProjection(cols []int, builders []array.Builder) (*Projection, error) {
	if len(cols) != len(builders) {
		return nil, fmt.Errorf("column: %d columns, %d builders", len(cols), len(builders))
	}
	p := &Projection{l: l, cols: append([]int(nil), cols...), builders: append([]array.Builder(nil), builders...),
		fast: make([]projKind, len(cols))}
	for j, c := range cols {
		if c < 0 || c >= len(l.types) {
			return nil, fmt.Errorf("column: column %d out of range [0,%d)", c, len(l.types))
		}
		t := l.types[c]
		switch b := builders[j].(type) {
		case *array.Int64Builder:
			if t == Integer {
				p.fast[j] = projInt64
			}
		case *array.Float64Builder:
			if t == Real {
				p.fast[j] = projFloat64
			}
		case *array.TimestampBuilder:
			if t == Timestamp && b.Type().(*arrow.TimestampType).Unit == arrow.Microsecond {
				p.fast[j] = projTimestamp
			}
		case *array.BooleanBuilder:
			if t == Boolean {
				p.fast[j] = projBoolean
			}
		case *array.StringBuilder:
			if t == Text {
				p.fast[j] = projString
			}
		case *array.BinaryBuilder:
			if t == Blob && b.Type().ID() == arrow.BINARY {
				p.fast[j] = projBinary
			}
		}
	}
	return p, nil
}

// Append decodes the projected columns of row into the builders. On an
// error the builders may hold part of the row; the caller drops the batch.
func (p *Projection) Append(row []byte) error {
	v := &p.view
	if err := v.Reset(p.l, row); err != nil {
		return err
	}
	for j, c := range p.cols {
		k := p.fast[j]
		if k == projGeneric || c >= v.n || (v.foreign >= 0 && bit(v.row, v.foreign, c)) {
			if err := v.AppendTo(p.builders[j], c); err != nil {
				return err
			}
			continue
		}
		if bit(v.row, v.nulls, c) {
			p.builders[j].AppendNull()
			continue
		}
		switch k {
		case projInt64, projFloat64, projTimestamp, projBoolean:
			// Where the builder has room (the scan reserved its batch),
			// UnsafeAppend skips the capacity check Append makes per value.
			at := v.fixed + p.l.fixedOff[c]
			switch k {
			case projInt64:
				b := p.builders[j].(*array.Int64Builder)
				x := int64(binary.LittleEndian.Uint64(v.row[at:]))
				if b.Len() < b.Cap() {
					b.UnsafeAppend(x)
				} else {
					b.Append(x)
				}
			case projTimestamp:
				b := p.builders[j].(*array.TimestampBuilder)
				x := arrow.Timestamp(binary.LittleEndian.Uint64(v.row[at:]))
				if b.Len() < b.Cap() {
					b.UnsafeAppend(x)
				} else {
					b.Append(x)
				}
			case projFloat64:
				f := math.Float64frombits(binary.LittleEndian.Uint64(v.row[at:]))
				if f != f {
					return corrupt("NaN")
				}
				b := p.builders[j].(*array.Float64Builder)
				if b.Len() < b.Cap() {
					b.UnsafeAppend(f)
				} else {
					b.Append(f)
				}
			default:
				b := v.row[at]
				if b > 1 {
					return corrupt("boolean byte %d", b)
				}
				p.builders[j].(*array.BooleanBuilder).Append(b == 1)
			}
		default:
			pl, err := v.payload(c)
			if err != nil {
				return err
			}
			if k == projString {
				p.builders[j].(*array.StringBuilder).BinaryBuilder.Append(pl)
			} else {
				p.builders[j].(*array.BinaryBuilder).Append(pl)
			}
		}
	}
	return nil
}
