package column

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/projstore/projstore/batch"
)

// Column is one column of a Table.
type Column struct {
	Name     string
	Type     Type   // the home storage class and Arrow type; see TypeOf
	DeclType string // the declared type name as written ("VARCHAR(8)"); "" if none

	NotNull bool

	// Default is the value of the column in a row that does not give one,
	// and in rows written before the column was added. The zero Value is
	// NULL, SQLite's default default.
	Default Value
	// DefaultExpr is a DEFAULT that is not a constant (CURRENT_TIMESTAMP,
	// "(expr)"), as SQL text for the SQL layer to evaluate per row; rows
	// written before the column was added read Default, not this.
	DefaultExpr string

	// Mixed is set once a value of another storage class than Type has
	// been stored in the column (at the position of that write), so scans
	// at that position and later deliver it as MixedType.
	Mixed bool
}

// Affinity returns the column's affinity, from its declared type name.
func (c *Column) Affinity() Affinity { return AffinityOf(c.DeclType) }

// Coerce returns v converted as it is stored in the column (see Coerce).
func (c *Column) Coerce(v Value) Value { return Coerce(v, c.Type, c.Affinity()) }

// ArrowType returns the Arrow type scans deliver the column as.
func (c *Column) ArrowType() arrow.DataType {
	if c.Mixed || c.Type == Any {
		return MixedType
	}
	return c.Type.ArrowType()
}

// Table is the definition of a table at one version.
//
// Rows are keyed by the order-preserving encoding of their primary key
// (AppendKey of the PrimaryKey columns, in order), so that a primary-key
// range in SQL is a key range in the store. A table with no PRIMARY KEY
// is keyed by a hidden integer rowid, and a PRIMARY KEY of one column
// declared exactly INTEGER is that rowid, as in SQLite; see Rowid. The
// non-key columns, in table order, make up the row (see Layout).
type Table struct {
	Name       string
	ID         batch.TableID // the store table holding the rows
	Columns    []Column
	PrimaryKey []int // indexes into Columns, in key order; empty: a hidden rowid

	// Checks are the table's CHECK constraints as SQL expressions: this
	// package keeps them, the SQL layer evaluates them on every write.
	Checks []Check

	// Version counts changes to Columns; rows record the version they were
	// written under. BaseVersion is the version of the last change that
	// rewrote every row (dropping a column, changing a type): rows from
	// before it are not readable with this definition.
	Version     uint32
	BaseVersion uint32
}

// Check is a CHECK constraint: its name (empty if it has none) and its
// expression as SQL text.
type Check struct {
	Name string
	SQL  string
}

// Rowid reports whether the table is keyed by a 64-bit integer rowid, and
// which column is the rowid: the one PRIMARY KEY column declared exactly
// "INTEGER" (SQLite's rule: "INT" or "BIGINT" is not an alias), or -1 when
// there is no PRIMARY KEY and the rowid is hidden.
func (t *Table) Rowid() (col int, ok bool) {
	switch len(t.PrimaryKey) {
	case 0:
		return -1, true
	case 1:
		i := t.PrimaryKey[0]
		if i >= 0 && i < len(t.Columns) && strings.EqualFold(strings.TrimSpace(t.Columns[i].DeclType), "INTEGER") {
			return i, true
		}
	}
	return -1, false
}

// ColumnIndex returns the index of the column named name, compared as
// SQLite compares identifiers (ASCII letters case-insensitively), or -1.
func (t *Table) ColumnIndex(name string) int {
	for i := range t.Columns {
		if sameName(t.Columns[i].Name, name) {
			return i
		}
	}
	return -1
}

// sameName compares identifiers as SQLite does: only ASCII letters fold.
func sameName(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// ValueColumns returns the indexes of the non-key columns, in the order
// rows hold them.
func (t *Table) ValueColumns() []int {
	var out []int
	for i := range t.Columns {
		key := false
		for _, k := range t.PrimaryKey {
			key = key || k == i
		}
		if col, ok := t.Rowid(); ok && col == i {
			key = true
		}
		if !key {
			out = append(out, i)
		}
	}
	return out
}

// Layout returns the row layout of the table's non-key columns.
func (t *Table) Layout() (*Layout, error) {
	cols := t.ValueColumns()
	types := make([]Type, len(cols))
	defaults := make([]Value, len(cols))
	for j, i := range cols {
		types[j] = t.Columns[i].Type
		defaults[j] = t.Columns[i].Default
	}
	return NewLayout(t.Version, t.BaseVersion, types, defaults)
}

func (t *Table) errorf(col string, err error) error {
	return &SchemaError{Kind: "table", Name: t.Name, Column: col, Err: err}
}

// Validate checks the definition: a name, at least one column, column
// names present and unique, valid types, primary-key columns that exist
// and appear once, and versions in order. Errors are *SchemaError
// wrapping ErrEmptyName, ErrNoColumns, ErrDuplicateColumn,
// ErrInvalidType, ErrUnknownColumn, ErrPrimaryKey or ErrInvalidVersion.
func (t *Table) Validate() error {
	if t.Name == "" {
		return t.errorf("", ErrEmptyName)
	}
	if len(t.Columns) == 0 {
		return t.errorf("", ErrNoColumns)
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.Name == "" {
			return t.errorf("", fmt.Errorf("%w (column %d)", ErrEmptyName, i))
		}
		for j := 0; j < i; j++ {
			if sameName(t.Columns[j].Name, c.Name) {
				return t.errorf(c.Name, ErrDuplicateColumn)
			}
		}
		if !c.Type.Valid() || c.Type == Null {
			return t.errorf(c.Name, fmt.Errorf("%w %s", ErrInvalidType, c.Type))
		}
		if !c.Default.typ.Valid() || c.Default.typ == Any {
			return t.errorf(c.Name, fmt.Errorf("%w %s of default", ErrInvalidType, c.Default.typ))
		}
	}
	for j, k := range t.PrimaryKey {
		if k < 0 || k >= len(t.Columns) {
			return t.errorf(fmt.Sprintf("#%d", k), fmt.Errorf("%w in primary key", ErrUnknownColumn))
		}
		for _, prev := range t.PrimaryKey[:j] {
			if prev == k {
				return t.errorf(t.Columns[k].Name, fmt.Errorf("%w: column listed twice", ErrPrimaryKey))
			}
		}
	}
	if col, ok := t.Rowid(); ok && col >= 0 && t.Columns[col].Type != Integer {
		return t.errorf(t.Columns[col].Name, fmt.Errorf("%w: rowid column of type %s", ErrPrimaryKey, t.Columns[col].Type))
	}
	if t.BaseVersion > t.Version {
		return t.errorf("", fmt.Errorf("%w: base %d above version %d", ErrInvalidVersion, t.BaseVersion, t.Version))
	}
	return nil
}

// Index is a secondary index: entries keyed by the index columns followed
// by the primary key, in the store table ID.
type Index struct {
	Name    string
	ID      batch.TableID // the store table holding the entries
	Table   string        // the indexed table's name
	Columns []string      // indexed columns, in key order
	Unique  bool
}

// Validate checks the index on its own and, if t is not nil, against the
// table it indexes: a name, a table name matching t, at least one column,
// every column in t and listed once.
func (x *Index) Validate(t *Table) error {
	errorf := func(col string, err error) error {
		return &SchemaError{Kind: "index", Name: x.Name, Column: col, Err: err}
	}
	switch {
	case x.Name == "":
		return errorf("", ErrEmptyName)
	case x.Table == "":
		return errorf("", fmt.Errorf("%w (table)", ErrEmptyName))
	case len(x.Columns) == 0:
		return errorf("", ErrNoColumns)
	}
	if t != nil && !sameName(t.Name, x.Table) {
		return errorf("", fmt.Errorf("%w: index on %q validated against table %q", ErrUnknownColumn, x.Table, t.Name))
	}
	for i, c := range x.Columns {
		if c == "" {
			return errorf("", fmt.Errorf("%w (column %d)", ErrEmptyName, i))
		}
		for _, prev := range x.Columns[:i] {
			if sameName(prev, c) {
				return errorf(c, ErrDuplicateColumn)
			}
		}
		if t != nil && t.ColumnIndex(c) < 0 {
			return errorf(c, ErrUnknownColumn)
		}
	}
	return nil
}

// View is a named SELECT, kept as its SQL text; the SQL layer parses it.
type View struct {
	Name    string
	SQL     string   // the SELECT statement
	Columns []string // column names given in CREATE VIEW v(a, b), if any
}

// Validate checks that the view has a name and SQL text, and distinct column names.
func (v *View) Validate() error {
	errorf := func(col string, err error) error {
		return &SchemaError{Kind: "view", Name: v.Name, Column: col, Err: err}
	}
	switch {
	case v.Name == "":
		return errorf("", ErrEmptyName)
	case strings.TrimSpace(v.SQL) == "":
		return errorf("", fmt.Errorf("%w (SQL)", ErrEmptyName))
	}
	for i, c := range v.Columns {
		if c == "" {
			return errorf("", fmt.Errorf("%w (column %d)", ErrEmptyName, i))
		}
		for _, prev := range v.Columns[:i] {
			if sameName(prev, c) {
				return errorf(c, ErrDuplicateColumn)
			}
		}
	}
	return nil
}

// Catalog entry encodings. Each starts with a kind byte and a format
// version, then uvarints and length-prefixed strings (uvarint length,
// bytes); see the Marshal methods for the field order.
const (
	kindTable     = 'T'
	kindIndex     = 'I'
	kindView      = 'V'
	catalogFormat = 1
	// tableChecks is the format of a table entry that has CHECK
	// constraints: older builds refuse it by its version, not as damage.
	tableChecks = 2

	colNotNull     = 1 << 0
	colMixed       = 1 << 1
	colDefaultExpr = 1 << 2
)

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendValueBinary appends a Value self-delimited: its Type byte, then
// 8 bytes little-endian (Integer, Real, Timestamp), 1 byte (Boolean), a
// length-prefixed string (Text, Blob), or nothing (Null).
func appendValueBinary(b []byte, v Value) []byte {
	b = append(b, byte(v.typ))
	switch v.typ {
	case Integer, Real, Timestamp:
		return binary.LittleEndian.AppendUint64(b, v.bits)
	case Boolean:
		return append(b, byte(v.bits))
	case Text, Blob:
		return appendString(b, v.str)
	}
	return b
}

// AppendBinary appends the catalog encoding of t, after validating it:
//
//	'T' 1 ID Name Version BaseVersion len(Columns) Column... len(PrimaryKey) index...
//	'T' 2 (the same) len(Checks) Check...
//	Column: Name Type DeclType flags Default [DefaultExpr]
//	Check:  Name SQL
//
// with uvarint integers, length-prefixed strings, one byte each for Type
// and flags (1 NOT NULL, 2 mixed, 4 DefaultExpr follows), and Default as
// its Type byte and payload. Format 2 is written only for a table with
// CHECK constraints, so files without them stay readable by older builds.
func (t *Table) AppendBinary(b []byte) ([]byte, error) {
	if err := t.Validate(); err != nil {
		return b, err
	}
	format := byte(catalogFormat)
	if len(t.Checks) > 0 {
		format = tableChecks
	}
	b = append(b, kindTable, format)
	b = binary.AppendUvarint(b, uint64(t.ID))
	b = appendString(b, t.Name)
	b = binary.AppendUvarint(b, uint64(t.Version))
	b = binary.AppendUvarint(b, uint64(t.BaseVersion))
	b = binary.AppendUvarint(b, uint64(len(t.Columns)))
	for i := range t.Columns {
		c := &t.Columns[i]
		b = appendString(b, c.Name)
		b = append(b, byte(c.Type))
		b = appendString(b, c.DeclType)
		var flags byte
		if c.NotNull {
			flags |= colNotNull
		}
		if c.Mixed {
			flags |= colMixed
		}
		if c.DefaultExpr != "" {
			flags |= colDefaultExpr
		}
		b = append(b, flags)
		b = appendValueBinary(b, c.Default)
		if c.DefaultExpr != "" {
			b = appendString(b, c.DefaultExpr)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(t.PrimaryKey)))
	for _, k := range t.PrimaryKey {
		b = binary.AppendUvarint(b, uint64(k))
	}
	if format == tableChecks {
		b = binary.AppendUvarint(b, uint64(len(t.Checks)))
		for _, c := range t.Checks {
			b = appendString(appendString(b, c.Name), c.SQL)
		}
	}
	return b, nil
}

// MarshalBinary returns the catalog encoding of t (see AppendBinary).
func (t *Table) MarshalBinary() ([]byte, error) { return t.AppendBinary(nil) }

// UnmarshalBinary decodes a table encoded by MarshalBinary and validates
// it. Malformed bytes return an error wrapping ErrCorrupt.
func (t *Table) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	format := d.header(kindTable, catalogFormat, tableChecks)
	var nt Table
	nt.ID = batch.TableID(d.uvarint(math.MaxUint64))
	nt.Name = d.string()
	nt.Version = uint32(d.uvarint(math.MaxUint32))
	nt.BaseVersion = uint32(d.uvarint(math.MaxUint32))
	n := d.count()
	for i := 0; i < n && d.err == nil; i++ {
		var c Column
		c.Name = d.string()
		c.Type = Type(d.byte())
		c.DeclType = d.string()
		flags := d.byte()
		if flags&^(colNotNull|colMixed|colDefaultExpr) != 0 {
			d.fail("column flags %#02x", flags)
		}
		c.NotNull = flags&colNotNull != 0
		c.Mixed = flags&colMixed != 0
		c.Default = d.value()
		if flags&colDefaultExpr != 0 {
			c.DefaultExpr = d.string()
			if c.DefaultExpr == "" {
				d.fail("empty default expression")
			}
		}
		nt.Columns = append(nt.Columns, c)
	}
	n = d.count()
	for i := 0; i < n && d.err == nil; i++ {
		nt.PrimaryKey = append(nt.PrimaryKey, int(d.uvarint(math.MaxInt32)))
	}
	if format == tableChecks {
		n = d.count()
		if n == 0 {
			d.fail("format %d without CHECK constraints", format)
		}
		for i := 0; i < n && d.err == nil; i++ {
			c := Check{Name: d.string(), SQL: d.string()}
			if c.SQL == "" {
				d.fail("empty CHECK expression")
			}
			nt.Checks = append(nt.Checks, c)
		}
	}
	if err := d.finish(); err != nil {
		return err
	}
	if err := nt.Validate(); err != nil {
		return err
	}
	*t = nt
	return nil
}

// AppendBinary appends the catalog encoding of x, after validating it on
// its own: 'I' 1 ID Name Table len(Columns) Column... Unique(0 or 1).
func (x *Index) AppendBinary(b []byte) ([]byte, error) {
	if err := x.Validate(nil); err != nil {
		return b, err
	}
	b = append(b, kindIndex, catalogFormat)
	b = binary.AppendUvarint(b, uint64(x.ID))
	b = appendString(b, x.Name)
	b = appendString(b, x.Table)
	b = binary.AppendUvarint(b, uint64(len(x.Columns)))
	for _, c := range x.Columns {
		b = appendString(b, c)
	}
	if x.Unique {
		return append(b, 1), nil
	}
	return append(b, 0), nil
}

// MarshalBinary returns the catalog encoding of x.
func (x *Index) MarshalBinary() ([]byte, error) { return x.AppendBinary(nil) }

// UnmarshalBinary decodes an index encoded by MarshalBinary and validates it.
func (x *Index) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	d.header(kindIndex)
	var nx Index
	nx.ID = batch.TableID(d.uvarint(math.MaxUint64))
	nx.Name = d.string()
	nx.Table = d.string()
	n := d.count()
	for i := 0; i < n && d.err == nil; i++ {
		nx.Columns = append(nx.Columns, d.string())
	}
	switch u := d.byte(); u {
	case 0, 1:
		nx.Unique = u == 1
	default:
		d.fail("unique byte %d", u)
	}
	if err := d.finish(); err != nil {
		return err
	}
	if err := nx.Validate(nil); err != nil {
		return err
	}
	*x = nx
	return nil
}

// AppendBinary appends the catalog encoding of v, after validating it:
// 'V' 1 Name SQL len(Columns) Column...
func (v *View) AppendBinary(b []byte) ([]byte, error) {
	if err := v.Validate(); err != nil {
		return b, err
	}
	b = append(b, kindView, catalogFormat)
	b = appendString(b, v.Name)
	b = appendString(b, v.SQL)
	b = binary.AppendUvarint(b, uint64(len(v.Columns)))
	for _, c := range v.Columns {
		b = appendString(b, c)
	}
	return b, nil
}

// MarshalBinary returns the catalog encoding of v.
func (v *View) MarshalBinary() ([]byte, error) { return v.AppendBinary(nil) }

// UnmarshalBinary decodes a view encoded by MarshalBinary and validates it.
func (v *View) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	d.header(kindView)
	var nv View
	nv.Name = d.string()
	nv.SQL = d.string()
	n := d.count()
	for i := 0; i < n && d.err == nil; i++ {
		nv.Columns = append(nv.Columns, d.string())
	}
	if err := d.finish(); err != nil {
		return err
	}
	if err := nv.Validate(); err != nil {
		return err
	}
	*v = nv
	return nil
}

// decoder reads catalog encodings; the first error sticks and later
// reads return zero values, so decoding code reads straight through.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: catalog entry at offset %d: %s", ErrCorrupt, d.off, fmt.Sprintf(format, args...))
	}
}

// header reads an entry's kind and format version, one of formats
// (catalogFormat when none is given), and returns the version.
func (d *decoder) header(kind byte, formats ...byte) byte {
	if k := d.byte(); k != kind {
		d.fail("kind %q, want %q", k, kind)
	}
	if len(formats) == 0 {
		formats = []byte{catalogFormat}
	}
	f := d.byte()
	if d.err == nil && !slices.Contains(formats, f) {
		d.fail("format version %d, want %d", f, formats[len(formats)-1])
	}
	return f
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("truncated")
		return 0
	}
	d.off++
	return d.b[d.off-1]
}

func (d *decoder) uvarint(max uint64) uint64 {
	if d.err != nil {
		return 0
	}
	u, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	if u > max {
		d.fail("%d out of range", u)
		return 0
	}
	d.off += n
	return u
}

// count reads a length that must fit in what is left (every element
// takes at least one byte), so a corrupt count cannot make us allocate.
func (d *decoder) count() int {
	return int(d.uvarint(uint64(len(d.b) - d.off)))
}

func (d *decoder) string() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	if n > len(d.b)-d.off {
		d.fail("string of %d bytes, %d left", n, len(d.b)-d.off)
		return ""
	}
	s := string(d.b[d.off : d.off+n])
	d.off += n
	return s
}

func (d *decoder) value() Value {
	t := Type(d.byte())
	switch t {
	case Null:
		return Value{}
	case Integer, Real, Timestamp:
		if d.err != nil || len(d.b)-d.off < 8 {
			d.fail("truncated value")
			return Value{}
		}
		bits := binary.LittleEndian.Uint64(d.b[d.off:])
		d.off += 8
		if t == Real && math.Float64frombits(bits) != math.Float64frombits(bits) {
			d.fail("NaN")
		}
		return Value{typ: t, bits: bits}
	case Boolean:
		b := d.byte()
		if b > 1 {
			d.fail("boolean byte %d", b)
		}
		return Value{typ: t, bits: uint64(b)}
	case Text, Blob:
		return Value{typ: t, str: d.string()}
	}
	d.fail("value type %d", t)
	return Value{}
}

func (d *decoder) finish() error {
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d trailing bytes", len(d.b)-d.off)
	}
	return d.err
}
