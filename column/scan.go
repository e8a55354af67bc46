package column

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/projstore/projstore/batch"
)

// DefaultBatchSize is the number of rows in a scan's record batches when
// ScanOptions.BatchSize is 0.
const DefaultBatchSize = 4096

// Schema metadata keys of scan (and export) schemas.
const (
	MetaTable    = "projstore.table"
	MetaPosition = "projstore.position"
	MetaVersion  = "projstore.version"
)

// Bound is one end of a key range: a prefix of the key columns (the
// primary key's, or the index's for an index scan), inclusive unless
// Exclusive. An empty Values is no bound.
type Bound struct {
	Values    []Value
	Exclusive bool
}

// Filter is a comparison of a column with a constant, evaluated on the
// encoded row before anything is built; a row passes if every filter is
// true (a comparison with NULL is not).
type Filter struct {
	Column string
	Op     Op
	Value  Value
}

// ScanOptions shape a scan. The zero value scans every column of every
// row, in primary-key order, in batches of DefaultBatchSize rows.
//
// Bound and Filter values are coerced with the column's affinity first,
// as SQLite does with a constant compared with a column.
type ScanOptions struct {
	Columns   []string // projection, in output order; nil: every column
	Index     string   // scan this index, in its order; "" the table
	Lower     *Bound   // on the primary key, or on the index's columns
	Upper     *Bound
	Filters   []Filter
	Reverse   bool             // descending key order
	Limit     int              // stop after this many rows; 0: no limit
	BatchSize int              // rows per record batch; 0: DefaultBatchSize
	Allocator memory.Allocator // nil: memory.DefaultAllocator
}

// source kinds: where an output or filtered column comes from.
const (
	srcValue = iota // the row's encoded value, layout column i
	srcKey          // element i of the decoded key
)

type source struct {
	kind, i int
	col     int // full-row index
}

// Scanner reads a table (or one of its indexes) as Arrow record batches.
// It is an array.RecordReader: Next, then RecordBatch, valid until the
// next call to Next (Retain it to keep it); Release the Scanner when done.
type Scanner struct {
	refs   atomic.Int64
	tx     *Tx
	ctx    context.Context
	ti     *tableInfo
	x      *Index
	schema *arrow.Schema
	rb     *array.RecordBuilder
	size   int
	want   int   // rows the batch being filled may take
	limit  int64 // 0: none
	rows   int64 // rows delivered so far

	out       []source
	keyFilt   []keyFilter
	valFilt   []Predicate
	needKey   bool // decode the key (a projected or filtered key column)
	rowidFast bool // the key is one integer: decode it in place
	covering  bool // index scan answered from the index entries
	nIdx      int  // index columns (index scans)
	keyCols   []int

	lo, hi   []byte
	resume   []byte // forward: where the next batch starts
	resumeHi []byte // reverse: where the next batch ends
	reverse  bool
	done     bool
	cur      arrow.RecordBatch
	err      error
	kbuf     []Value
	pks      [][]byte
	proj     *Projection
}

type keyFilter struct {
	i  int // key element
	op Op
	v  Value
}

// Scan returns a scanner over table at the Tx's position, with the
// pending batch's ops applied on top. Errors: ErrNoTable (naming the
// position), ErrUnknownColumn, ErrNoIndex, bad bounds or operators.
func (tx *Tx) Scan(ctx context.Context, table string, opts *ScanOptions) (*Scanner, error) {
	if opts == nil {
		opts = &ScanOptions{}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ti, err := tx.table(table)
	if err != nil {
		return nil, err
	}
	s := &Scanner{tx: tx, ctx: ctx, ti: ti, size: opts.BatchSize}
	if s.size <= 0 {
		s.size = DefaultBatchSize
	}
	s.refs.Store(1)
	cols, err := ti.projection(opts.Columns)
	if err != nil {
		return nil, err
	}
	n := len(ti.t.Columns)
	s.keyCols = ti.keyColumns()
	if ti.hidden {
		s.keyCols = []int{n}
	}
	// Where each full-row column lives: in the key (key element), or in
	// the encoded value (layout column).
	locate := func(col int) source {
		for j, k := range s.keyCols {
			if k == col {
				return source{kind: srcKey, i: s.nIdx + j, col: col}
			}
		}
		return source{kind: srcValue, i: ti.valPos[col], col: col}
	}
	var boundCols []int
	if opts.Index != "" {
		c, err := tx.Catalog()
		if err != nil {
			return nil, err
		}
		x, err := c.Index(opts.Index)
		if err != nil {
			return nil, err
		}
		if lower(x.Table) != lower(ti.t.Name) {
			return nil, &TableError{Table: ti.t.Name, Index: x.Name, Err: ErrNoIndex, Detail: "the index is on table " + strconv.Quote(x.Table)}
		}
		s.x = x
		ic := ti.idxCols[x]
		s.nIdx = len(ic)
		boundCols = append(append([]int(nil), ic...), s.keyCols...)
		locate = func(col int) source {
			for j, k := range ic {
				if k == col {
					return source{kind: srcKey, i: j, col: col}
				}
			}
			for j, k := range s.keyCols {
				if k == col {
					return source{kind: srcKey, i: len(ic) + j, col: col}
				}
			}
			return source{kind: srcValue, i: ti.valPos[col], col: col}
		}
	} else {
		boundCols = s.keyCols
	}
	fields := make([]arrow.Field, len(cols))
	for j, i := range cols {
		s.out = append(s.out, locate(i))
		if i == n {
			fields[j] = arrow.Field{Name: "rowid", Type: arrow.PrimitiveTypes.Int64}
		} else {
			c := &ti.t.Columns[i]
			fields[j] = arrow.Field{Name: c.Name, Type: c.ArrowType(), Nullable: !c.NotNull || c.ArrowType() == MixedType}
		}
	}
	for _, f := range opts.Filters {
		i, err := ti.column(f.Column)
		if err != nil {
			return nil, err
		}
		if f.Op > IsNotNull {
			return nil, ti.errorf(i, ErrBadArgument, "invalid operator %d", f.Op)
		}
		v := f.Value
		if !v.typ.Valid() || v.typ == Any {
			return nil, ti.errorf(i, ErrType, "invalid value type %s", v.typ)
		}
		v = ti.coerce(i, v)
		src := locate(i)
		if src.kind == srcKey {
			s.keyFilt = append(s.keyFilt, keyFilter{i: src.i, op: f.Op, v: v})
		} else {
			s.valFilt = append(s.valFilt, Predicate{Column: src.i, Op: f.Op, Value: v})
		}
	}
	s.covering = true
	for _, src := range s.out {
		s.needKey = s.needKey || src.kind == srcKey
		s.covering = s.covering && src.kind == srcKey
	}
	s.needKey = s.needKey || len(s.keyFilt) > 0
	s.covering = s.covering && len(s.valFilt) == 0
	s.rowidFast = s.x == nil && len(s.keyCols) == 1 && (ti.hidden || ti.rowid >= 0)
	if s.lo, err = s.bound(opts.Lower, boundCols, false); err != nil {
		return nil, err
	}
	if s.hi, err = s.bound(opts.Upper, boundCols, true); err != nil {
		return nil, err
	}
	s.resume, s.resumeHi, s.reverse = s.lo, s.hi, opts.Reverse
	if opts.Limit < 0 {
		return nil, ti.errorf(-1, ErrBadArgument, "negative limit %d", opts.Limit)
	}
	s.limit = int64(opts.Limit)
	md := arrow.NewMetadata([]string{MetaTable, MetaPosition}, []string{ti.t.Name, strconv.FormatUint(uint64(tx.snap.Position()), 10)})
	s.schema = arrow.NewSchema(fields, &md)
	mem := opts.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	s.rb = array.NewRecordBuilder(mem, s.schema)
	s.rb.Reserve(min(s.size, 1<<16))
	// Value columns of table scans decode through a Projection.
	var pcols []int
	var pb []array.Builder
	for j, src := range s.out {
		if src.kind == srcValue {
			pcols = append(pcols, src.i)
			pb = append(pb, s.rb.Field(j))
		}
	}
	if s.proj, err = ti.layout.NewProjection(pcols, pb); err != nil {
		s.rb.Release()
		return nil, err
	}
	return s, nil
}

// bound encodes a bound on the columns cols (full-row indexes).
func (s *Scanner) bound(b *Bound, cols []int, upper bool) ([]byte, error) {
	if b == nil || len(b.Values) == 0 {
		return nil, nil
	}
	ti := s.ti
	if len(b.Values) > len(cols) {
		return nil, ti.errorf(-1, ErrBadArgument, "bound of %d values on %d key columns", len(b.Values), len(cols))
	}
	var k []byte
	last := len(b.Values) - 1
	for j, v := range b.Values {
		i := cols[j]
		if !v.typ.Valid() || v.typ == Any {
			return nil, ti.errorf(i, ErrType, "invalid value type %s", v.typ)
		}
		v = ti.coerce(i, v)
		switch {
		case j < last:
			k = appendKeyValue(k, v)
		case upper != b.Exclusive: // inclusive upper, exclusive lower: past v
			k = AppendKeyHigh(k, v)
		default:
			k = AppendKeyLow(k, v)
		}
	}
	if upper && k == nil {
		return nil, nil
	}
	return k, nil
}

// Schema returns the schema of the batches: the projected columns, with
// the table and position in its metadata.
func (s *Scanner) Schema() *arrow.Schema { return s.schema }

// Retain adds a reference.
func (s *Scanner) Retain() { s.refs.Add(1) }

// Release drops a reference; the last one frees the builders and the
// current batch.
func (s *Scanner) Release() {
	if s.refs.Add(-1) == 0 {
		if s.cur != nil {
			s.cur.Release()
			s.cur = nil
		}
		if s.rb != nil {
			s.rb.Release()
			s.rb = nil
		}
		s.done = true
	}
}

// RecordBatch returns the current batch, valid until the next Next.
func (s *Scanner) RecordBatch() arrow.RecordBatch { return s.cur }

// Record returns the current batch.
//
// Deprecated: Use RecordBatch.
func (s *Scanner) Record() arrow.RecordBatch { return s.cur }

// Err returns the error that ended the scan, if any.
func (s *Scanner) Err() error { return s.err }

// Next reads the next batch; false at the end or on an error (see Err).
func (s *Scanner) Next() bool {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if s.done || s.err != nil || s.rb == nil {
		return false
	}
	s.want = s.size
	if s.limit > 0 {
		if left := s.limit - s.rows; left < int64(s.want) {
			s.want = int(left)
		}
		if s.want == 0 {
			s.done = true
			return false
		}
	}
	var n int
	var err error
	switch {
	case s.x == nil:
		n, err = s.fillTable()
	case s.covering:
		n, err = s.fillCovering()
	default:
		n, err = s.fillIndexed()
	}
	if err != nil {
		// The builders may be uneven after an error mid-row: drop them.
		s.rb.Release()
		s.rb = nil
		s.err, s.done = err, true
		return false
	}
	rec := s.rb.NewRecordBatch()
	if len(s.out) == 0 {
		// No columns (SELECT count(*)): the batch still carries its rows.
		rec.Release()
		rec = array.NewRecordBatch(s.schema, nil, int64(n))
	}
	if n == 0 {
		rec.Release()
		s.done = true
		return false
	}
	s.rows += int64(n)
	s.cur = rec
	return true
}

// stopAt records where the next batch starts: just past key k.
func (s *Scanner) stopAt(k []byte) error {
	if s.reverse {
		s.resumeHi = append([]byte(nil), k...) // the next batch ends before k
	} else {
		s.resume = append(append(make([]byte, 0, len(k)+1), k...), 0)
	}
	return errStop
}

// walk walks store table t from where the last batch stopped, in the
// scan's direction.
func (s *Scanner) walk(t batch.TableID, fn func(k, v []byte) error) error {
	if s.reverse {
		return s.tx.walkReverse(s.ctx, t, s.lo, s.resumeHi, fn)
	}
	return s.tx.walk(s.ctx, t, s.resume, s.hi, fn)
}

func (s *Scanner) fillTable() (int, error) {
	n := 0
	ti := s.ti
	var rv RowView
	fields := s.rb.Fields()
	err := s.walk(ti.t.ID, func(k, v []byte) error {
		if s.needKey {
			if s.rowidFast && len(k) == 9 && k[0] == tagNumber {
				s.kbuf = append(s.kbuf[:0], MakeInt(int64(binary.BigEndian.Uint64(k[1:])^1<<63)))
			} else {
				var err error
				if s.kbuf, err = DecodeKey(s.kbuf[:0], k); err != nil {
					return err
				}
				if len(s.kbuf) != len(s.keyCols) {
					return fmt.Errorf("%w: table %q: key of %d elements, want %d", ErrCorrupt, ti.t.Name, len(s.kbuf), len(s.keyCols))
				}
			}
			for _, f := range s.keyFilt {
				if !matchValue(s.kbuf[f.i], f.op, f.v) {
					return nil
				}
			}
		}
		if len(s.valFilt) > 0 {
			if err := rv.Reset(ti.layout, v); err != nil {
				return fmt.Errorf("table %q: %w", ti.t.Name, err)
			}
			for _, p := range s.valFilt {
				ok, err := rv.Match(p)
				if err != nil {
					return fmt.Errorf("table %q: %w", ti.t.Name, err)
				}
				if !ok {
					return nil
				}
			}
		}
		if err := s.proj.Append(v); err != nil {
			return fmt.Errorf("table %q: %w", ti.t.Name, err)
		}
		if s.needKey {
			for j, src := range s.out {
				if src.kind != srcKey {
					continue
				}
				kv := s.kbuf[src.i]
				if b, ok := fields[j].(*array.Int64Builder); ok && kv.typ == Integer {
					b.Append(int64(kv.bits))
					continue
				}
				if err := AppendValue(fields[j], ti.restoreAt(src.col, kv)); err != nil {
					return fmt.Errorf("table %q: %w", ti.t.Name, err)
				}
			}
		}
		if n++; n == s.want {
			return s.stopAt(k)
		}
		return nil
	})
	if err == nil && n < s.want {
		s.done = true
	}
	return n, err
}

// restoreAt is restore for a full-row index that may be the hidden rowid.
func (ti *tableInfo) restoreAt(col int, v Value) Value {
	if col >= len(ti.t.Columns) {
		return v
	}
	return ti.restore(col, v)
}

// indexRow decodes an index entry into s.kbuf: index values, then the key.
func (s *Scanner) indexRow(k []byte) error {
	var err error
	if s.kbuf, err = DecodeKey(s.kbuf[:0], k); err != nil {
		return err
	}
	if len(s.kbuf) != s.nIdx+len(s.keyCols) {
		return fmt.Errorf("%w: index %q: entry of %d elements, want %d", ErrCorrupt, s.x.Name, len(s.kbuf), s.nIdx+len(s.keyCols))
	}
	for _, f := range s.keyFilt {
		if !matchValue(s.kbuf[f.i], f.op, f.v) {
			return errSkip
		}
	}
	return nil
}

var errSkip = fmt.Errorf("skip")

func (s *Scanner) fillCovering() (int, error) {
	n := 0
	fields := s.rb.Fields()
	err := s.walk(s.x.ID, func(k, v []byte) error {
		if err := s.indexRow(k); err == errSkip {
			return nil
		} else if err != nil {
			return err
		}
		for j, src := range s.out {
			if err := AppendValue(fields[j], s.ti.restoreAt(src.col, s.kbuf[src.i])); err != nil {
				return fmt.Errorf("index %q: %w", s.x.Name, err)
			}
		}
		if n++; n == s.want {
			return s.stopAt(k)
		}
		return nil
	})
	if err == nil && n < s.want {
		s.done = true
	}
	return n, err
}

// fillIndexed walks the index for the keys of the rows, then reads each
// row: the walk's callback cannot read the table (it runs under the
// store's read lock).
func (s *Scanner) fillIndexed() (int, error) {
	n := 0
	ti := s.ti
	fields := s.rb.Fields()
	for n < s.want && !s.done {
		want := s.want - n
		s.pks = s.pks[:0]
		err := s.walk(s.x.ID, func(k, v []byte) error {
			if err := s.indexRow(k); err == errSkip {
				return nil
			} else if err != nil {
				return err
			}
			s.pks = append(s.pks, AppendKey(nil, s.kbuf[s.nIdx:]...))
			if len(s.pks) == want {
				return s.stopAt(k)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		if len(s.pks) < want {
			s.done = true
		}
		for _, pk := range s.pks {
			val, found, err := s.tx.get(ti.t.ID, pk)
			if err != nil {
				return n, err
			}
			if !found {
				return n, fmt.Errorf("%w: index %q has an entry for a missing row of table %q", ErrCorrupt, s.x.Name, ti.t.Name)
			}
			row, err := ti.decode(pk, val)
			if err != nil {
				return n, err
			}
			ok := true
			for _, p := range s.valFilt {
				if !matchValue(row[ti.valCols[p.Column]], p.Op, p.Value) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			for j, src := range s.out {
				if err := AppendValue(fields[j], row[src.col]); err != nil {
					return n, fmt.Errorf("table %q: %w", ti.t.Name, err)
				}
			}
			n++
		}
	}
	return n, nil
}

// matchValue evaluates x op c as RowView.Match does.
func matchValue(x Value, op Op, c Value) bool {
	switch op {
	case IsNull:
		return x.typ == Null
	case IsNotNull:
		return x.typ != Null
	}
	if x.typ == Null || c.typ == Null {
		return false
	}
	r := Compare(x, c)
	switch op {
	case Eq:
		return r == 0
	case Ne:
		return r != 0
	case Lt:
		return r < 0
	case Le:
		return r <= 0
	case Gt:
		return r > 0
	}
	return r >= 0
}

// coerce applies the affinity of full-row column i (INTEGER for the
// hidden rowid) to v.
func (ti *tableInfo) coerce(i int, v Value) Value {
	if i < len(ti.t.Columns) {
		return storeValue(&ti.t.Columns[i], v)
	}
	return Coerce(v, Integer, AffinityInteger)
}
