package sqlexec

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/column"
)

// A vec is one column of a batch as the vectorised operators read it.
// Most columns hold one storage class, so a vec is a plain Go slice of
// int64, float64 or string, read in place from the Arrow array where it
// can be (Int64Values and Float64Values are the array's own buffers);
// a column that mixes classes (a column.MixedType union, or a computed
// value of no single class) is a slice of Values. Kernels (vkernel.go)
// have typed loops for the first kind and fall back to the scalar
// functions of value.go, which define the semantics, for the second.
//
// A vec is indexed by row number within its batch; an operator works on
// the rows of a selection vector (sel) and leaves the others undefined,
// so filters never move data.
type vec struct {
	kind  vkind
	null  []bool // nil when no row is NULL
	ints  []int64
	reals []float64
	texts []string
	anys  []Value
	// borrowed: texts point into an Arrow record's memory, which goes
	// back to its allocator when the batch is done; owned copies them
	borrowed bool
}

type vkind uint8

const (
	vAny vkind = iota
	vInt
	vReal
	vText
)

func (v *vec) isNull(i int32) bool { return v.null != nil && v.null[i] }

// at returns row i as a Value.
func (v *vec) at(i int32) Value {
	if v.null != nil && v.null[i] {
		return null
	}
	switch v.kind {
	case vInt:
		return column.MakeInt(v.ints[i])
	case vReal:
		return column.MakeReal(v.reals[i])
	case vText:
		return column.MakeText(v.texts[i])
	}
	return v.anys[i]
}

// owned returns row i as a Value that may outlive the batch.
func (v *vec) owned(i int32) Value {
	x := v.at(i)
	if !v.borrowed {
		return x
	}
	return ownValue(x)
}

// ownValue copies the bytes of a text or blob value out of whatever
// memory they point into.
func ownValue(x Value) Value {
	switch x.Type() {
	case column.Text:
		return column.MakeText(strings.Clone(x.Text()))
	case column.Blob:
		return column.MakeBlobString(strings.Clone(x.Text()))
	}
	return x
}

// newVec returns a vec of n rows of kind k, without NULLs.
func newVec(k vkind, n int) *vec {
	v := &vec{kind: k}
	switch k {
	case vInt:
		v.ints = make([]int64, n)
	case vReal:
		v.reals = make([]float64, n)
	case vText:
		v.texts = make([]string, n)
	default:
		v.anys = make([]Value, n)
	}
	return v
}

// setNull marks row i NULL, allocating the mask on the first one.
func (v *vec) setNull(i int32, n int) {
	if v.null == nil {
		v.null = make([]bool, n)
	}
	v.null[i] = true
}

// broadcast is a vec of n rows all holding x (constants and parameters
// meet columns in kernels as vecs of the batch's length).
func broadcast(x Value, n int) *vec {
	x = norm(x)
	var v *vec
	switch x.Type() {
	case column.Integer:
		v = newVec(vInt, n)
		i := x.Int()
		for k := range v.ints {
			v.ints[k] = i
		}
	case column.Real:
		v = newVec(vReal, n)
		f := x.Float()
		for k := range v.reals {
			v.reals[k] = f
		}
	case column.Text:
		v = newVec(vText, n)
		s := x.Text()
		for k := range v.texts {
			v.texts[k] = s
		}
	case column.Null:
		v = newVec(vInt, n)
		v.null = make([]bool, n)
		for k := range v.null {
			v.null[k] = true
		}
	default:
		v = newVec(vAny, n)
		for k := range v.anys {
			v.anys[k] = x
		}
	}
	return v
}

// vecOfArray reads an Arrow column: int64, float64 and utf8 arrays in
// place, anything else (unions, booleans, timestamps, blobs) as Values.
func vecOfArray(a arrow.Array) (*vec, error) {
	n := a.Len()
	v := &vec{}
	switch a := a.(type) {
	case *array.Int64:
		v.kind, v.ints = vInt, a.Int64Values()
	case *array.Float64:
		v.kind, v.reals = vReal, a.Float64Values()
	case *array.String:
		v.kind, v.texts, v.borrowed = vText, make([]string, n), true
		for i := range v.texts {
			v.texts[i] = a.Value(i)
		}
	default:
		v.kind, v.anys = vAny, make([]Value, n)
		return v, decodeColumn(a, v.anys, 1)
	}
	if a.NullN() > 0 {
		v.null = make([]bool, n)
		for i := range v.null {
			v.null[i] = a.IsNull(i)
		}
	}
	return v, nil
}

// vecOfRows reads column j of rows, typed when every non-NULL value has
// one storage class.
func vecOfRows(rows [][]Value, j int) *vec {
	n := len(rows)
	k, nulls := vAny, false
	first := true
	for _, r := range rows {
		var rk vkind
		switch r[j].Type() {
		case column.Null:
			nulls = true
			continue
		case column.Integer:
			rk = vInt
		case column.Real:
			rk = vReal
		case column.Text:
			rk = vText
		default:
			rk = vAny
		}
		if first {
			k, first = rk, false
		} else if rk != k {
			k = vAny
			break
		}
	}
	if first {
		k = vInt // every value is NULL
	}
	v := newVec(k, n)
	if nulls {
		v.null = make([]bool, n)
	}
	for i, r := range rows {
		x := r[j]
		if x.IsNull() {
			if v.null != nil {
				v.null[i] = true
			}
			if k == vAny {
				v.anys[i] = x
			}
			continue
		}
		switch k {
		case vInt:
			v.ints[i] = x.Int()
		case vReal:
			v.reals[i] = x.Float()
		case vText:
			v.texts[i] = x.Text()
		default:
			v.anys[i] = x
		}
	}
	return v
}

// tableVecs is a table read whole for the vectorised operators: its
// batches, each converting a column to a vec on first use.
type tableVecs struct {
	batches []*tbatch
	width   int // columns per row (the table's, then the rowid)
}

// tbatch is one batch of a table: rows of an in-memory table (already
// Values), or an Arrow record of the store's scanner.
type tbatch struct {
	n    int
	rows [][]Value         // in-memory tables
	rec  arrow.RecordBatch // store tables
	// at maps a column of the table to its column in rec, -1 for one the
	// query does not read (projected away: NULL)
	at   []int
	cols []*vec
}

func (b *tbatch) col(j int) (*vec, error) {
	if v := b.cols[j]; v != nil {
		return v, nil
	}
	var v *vec
	switch {
	case b.rows != nil:
		v = vecOfRows(b.rows, j)
	case b.at[j] < 0:
		v = broadcast(null, b.n)
	default:
		var err error
		if v, err = vecOfArray(b.rec.Column(b.at[j])); err != nil {
			return nil, err
		}
	}
	b.cols[j] = v
	return v, nil
}

// row returns row i with every column: the row itself for in-memory
// tables (rows are never changed in place), a new one otherwise.
func (b *tbatch) row(i int32) ([]Value, error) {
	if b.rows != nil {
		return b.rows[i], nil
	}
	r := make([]Value, len(b.cols))
	for j := range b.cols {
		v, err := b.col(j)
		if err != nil {
			return nil, err
		}
		r[j] = v.owned(i)
	}
	return r, nil
}

// projector is a Source that can read some of its columns (need, by
// index; the rowid is the index after the last column).
type projector interface {
	scanColumns(ctx context.Context, mem memory.Allocator, need []int, fn func(arrow.RecordBatch) error) error
	width() int // columns of a full row
}

// scanTable calls fn with each batch of table t, reading the columns
// need (nil: all). In-memory rows are cut into batches once and kept
// with the table until it changes. A store table streams: a batch is
// valid only during its call, so a scan holds one batch of memory at a
// time, except that a table scanned again in the same statement (a
// correlated subquery runs once per outer row) is read whole, once, and
// held until the statement ends (x.release).
func (x *execCtx) scanTable(t *memTable, need []int, fn func(*tbatch) error) error {
	tv, err := x.tableVecs(t, need)
	if err != nil {
		return err
	}
	if tv != nil {
		for _, tb := range tv.batches {
			if err := fn(tb); err != nil {
				return err
			}
		}
		return nil
	}
	return x.readStore(t, need, func(tb *tbatch) error { return fn(tb) })
}

// tableVecs returns the batches of t when they are (or are to be) kept
// whole, nil when t is to be streamed.
func (x *execCtx) tableVecs(t *memTable, need []int) (*tableVecs, error) {
	if tv, ok := x.vecs[t]; ok {
		return tv, nil
	}
	if t.src == nil {
		if t.vcache != nil && t.vcacheVer == t.version {
			return t.vcache, nil
		}
		rows, err := t.scanRows(x)
		if err != nil {
			return nil, err
		}
		tv := &tableVecs{width: len(t.def.Columns) + 1}
		for start := 0; start < len(rows); start += scanBatchRows {
			end := min(start+scanBatchRows, len(rows))
			tv.batches = append(tv.batches, &tbatch{n: end - start, rows: rows[start:end:end], cols: make([]*vec, tv.width)})
		}
		t.vcache, t.vcacheVer = tv, t.version
		return tv, nil
	}
	if x.scanned == nil {
		x.scanned = map[*memTable]bool{}
	}
	if !x.scanned[t] {
		x.scanned[t] = true
		return nil, nil
	}
	tv := &tableVecs{}
	err := x.readStore(t, need, func(tb *tbatch) error {
		tb.rec.Retain()
		x.held = append(x.held, tb.rec)
		tv.batches = append(tv.batches, tb)
		tv.width = len(tb.at)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if x.vecs == nil {
		x.vecs = map[*memTable]*tableVecs{}
	}
	x.vecs[t] = tv
	return tv, nil
}

// readStore reads a store table's records as batches.
func (x *execCtx) readStore(t *memTable, need []int, fn func(*tbatch) error) error {
	var at []int
	each := func(rec arrow.RecordBatch) error {
		if at == nil {
			// every column, in the table's order
			at = make([]int, rec.NumCols())
			for j := range at {
				at[j] = j
			}
		}
		return fn(&tbatch{n: int(rec.NumRows()), rec: rec, at: at, cols: make([]*vec, len(at))})
	}
	if p, ok := t.src.(projector); ok && need != nil {
		at = make([]int, p.width())
		for j := range at {
			at[j] = -1
		}
		for k, j := range need {
			at[j] = k
		}
		return p.scanColumns(x.ctx(), x.db.mem, need, each)
	}
	return t.src.Scan(x.ctx(), x.db.mem, each)
}

// release gives back what the statement held: the Arrow records of store
// tables kept for repeated scans.
func (x *execCtx) release() {
	for _, r := range x.held {
		r.Release()
	}
	x.held, x.vecs, x.scanned = nil, nil, nil
}
