package column

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	"pgregory.net/rapid"
)

// The model: per position, the tables as plain Go data. Rows are full
// rows (one Value per column, then the hidden rowid), keyed by their
// store key.
type mTable struct {
	def  *Table
	rows map[string][]Value
	idx  []*Index
}

type mState map[string]*mTable // by lowered name

func (s mState) clone() mState {
	out := mState{}
	for n, t := range s {
		ct := &mTable{def: t.def, rows: map[string][]Value{}, idx: append([]*Index(nil), t.idx...)}
		for k, r := range t.rows {
			ct.rows[k] = r // rows are never modified in place
		}
		out[n] = ct
	}
	return out
}

func (m *mTable) hidden() bool { c, ok := m.def.Rowid(); return ok && c < 0 }

func (m *mTable) rowidSlot() int {
	c, ok := m.def.Rowid()
	switch {
	case !ok:
		return -1
	case c < 0:
		return len(m.def.Columns)
	}
	return c
}

func (m *mTable) keyCols() []int {
	if m.hidden() {
		return []int{len(m.def.Columns)}
	}
	if c, ok := m.def.Rowid(); ok {
		return []int{c}
	}
	return m.def.PrimaryKey
}

func (m *mTable) key(row []Value) string {
	var k []byte
	for _, i := range m.keyCols() {
		k = AppendKey(k, row[i])
	}
	return string(k)
}

func (m *mTable) idxCols(x *Index) []int {
	out := make([]int, len(x.Columns))
	for i, c := range x.Columns {
		out[i] = m.def.ColumnIndex(c)
	}
	return out
}

// violations lists the constraints row breaks if it is written in place
// of the row under self ("" for none): the errors a write may return.
func (m *mTable) violations(row []Value, self string, replaceSame bool) []error {
	var errs []error
	if s := m.rowidSlot(); s >= 0 && row[s].Type() != Integer {
		errs = append(errs, ErrType)
	}
	for i, c := range m.def.Columns {
		if c.NotNull && row[i].IsNull() {
			errs = append(errs, ErrNotNull)
		}
	}
	k := m.key(row)
	if _, ok := m.rows[k]; ok && k != self && !replaceSame {
		errs = append(errs, ErrDuplicateKey)
	}
	for _, x := range m.idx {
		if !x.Unique {
			continue
		}
		cols := m.idxCols(x)
		var p []byte
		null := false
		for _, i := range cols {
			p = AppendKey(p, row[i])
			null = null || row[i].IsNull()
		}
		if null {
			continue
		}
		for ok, other := range m.rows {
			if ok == self || (replaceSame && ok == k) {
				continue
			}
			var q []byte
			for _, i := range cols {
				q = AppendKey(q, other[i])
			}
			if bytes.Equal(p, q) {
				errs = append(errs, ErrUnique)
				break
			}
		}
	}
	return errs
}

// nextRowid is SQLite's: one past the largest rowid, 1 in an empty table.
func (m *mTable) nextRowid() int64 {
	if len(m.rows) == 0 {
		return 1
	}
	var max int64 = -1 << 63
	s := m.rowidSlot()
	for _, r := range m.rows {
		max = maxInt(max, r[s].Int())
	}
	return max + 1
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

var modelTypes = []struct {
	typ  Type
	decl string
}{{Integer, "INTEGER"}, {Integer, "INT"}, {Real, "REAL"}, {Text, "TEXT"}, {Blob, "BLOB"}, {Boolean, "BOOLEAN"}, {Any, ""}}

// genModelValue draws a value of any class, small enough that keys and
// index values repeat.
func genModelValue(t *rapid.T, label string) Value {
	switch rapid.IntRange(0, 7).Draw(t, label+" kind") {
	case 0:
		return Value{}
	case 1, 2:
		return MakeInt(int64(rapid.IntRange(-3, 12).Draw(t, label+" int")))
	case 3:
		return MakeReal(float64(rapid.IntRange(-8, 24).Draw(t, label+" real")) / 2)
	case 4, 5:
		return MakeText(rapid.SampledFrom([]string{"", "a", "b", "ab", "12", "x\x00y", "zz"}).Draw(t, label+" text"))
	case 6:
		return MakeBool(rapid.Bool().Draw(t, label+" bool"))
	}
	return MakeBlob([]byte(rapid.SampledFrom([]string{"", "\x00", "a", "\xff\x00"}).Draw(t, label+" blob")))
}

func genTableDef(t *rapid.T, name string) *Table {
	n := rapid.IntRange(1, 5).Draw(t, "columns")
	def := &Table{Name: name}
	for i := 0; i < n; i++ {
		mt := rapid.SampledFrom(modelTypes).Draw(t, "type")
		c := Column{Name: fmt.Sprintf("c%d", i), Type: mt.typ, DeclType: mt.decl, NotNull: rapid.IntRange(0, 4).Draw(t, "notnull") == 0}
		if rapid.Bool().Draw(t, "has default") {
			c.Default = storeValue(&c, genModelValue(t, "default"))
		}
		def.Columns = append(def.Columns, c)
	}
	switch rapid.IntRange(0, 2).Draw(t, "key kind") {
	case 0: // hidden rowid
	case 1: // INTEGER PRIMARY KEY when column 0 is one, else a 1-column key
		def.PrimaryKey = []int{0}
	case 2:
		for i := range def.Columns {
			if len(def.PrimaryKey) < 2 && rapid.Bool().Draw(t, "in key") {
				def.PrimaryKey = append(def.PrimaryKey, i)
			}
		}
	}
	return def
}

// checkScan compares a scan of the Tx with the model table m.
func checkScan(t *rapid.T, tx *Tx, m *mTable, name string, mem memory.Allocator) {
	def := m.def
	var cols []string
	var proj []int
	if rapid.Bool().Draw(t, "all columns") {
		for i := range def.Columns {
			proj = append(proj, i)
		}
	} else {
		for _, i := range rapid.SliceOfNDistinct(rapid.IntRange(0, len(def.Columns)), 1, -1, rapid.ID[int]).Draw(t, "projection") {
			if i == len(def.Columns) {
				if _, ok := def.Rowid(); !ok {
					continue
				}
				cols = append(cols, "rowid")
				if m.hidden() {
					proj = append(proj, i)
				} else {
					c, _ := def.Rowid()
					proj = append(proj, c)
				}
				continue
			}
			cols = append(cols, def.Columns[i].Name)
			proj = append(proj, i)
		}
		if len(cols) == 0 {
			cols = []string{def.Columns[0].Name}
			proj = []int{0}
		}
	}
	opts := &ScanOptions{Columns: cols, BatchSize: rapid.SampledFrom([]int{1, 3, 4096}).Draw(t, "batch size"), Allocator: mem, Reverse: rapid.Bool().Draw(t, "reverse"),
		Limit: rapid.SampledFrom([]int{0, 0, 1, 2, 5}).Draw(t, "limit")}
	var x *Index
	if len(m.idx) > 0 && rapid.Bool().Draw(t, "index scan") {
		x = rapid.SampledFrom(m.idx).Draw(t, "index")
		opts.Index = x.Name
	}
	// A bound on the first key (or index) column.
	var first int
	if x != nil {
		first = m.idxCols(x)[0]
	} else {
		first = m.keyCols()[0]
	}
	var lo, hi *Bound
	kc := m.keyCols()
	// Bounds on a column whose values all order by value as their keys do
	// (one storage class after affinity, or the rowid).
	oneClass := func(c int) bool {
		switch def.Columns[c].Type {
		case Integer, Text, Real:
			return true
		}
		return false
	}
	boundable := (x == nil && (m.rowidSlot() >= 0 || oneClass(kc[0]))) || (x != nil && oneClass(first))
	if boundable && rapid.Bool().Draw(t, "lower") {
		lo = &Bound{Values: []Value{genModelValue(t, "lo")}, Exclusive: rapid.Bool().Draw(t, "lo excl")}
		if lo.Values[0].IsNull() {
			lo = nil
		}
	}
	if boundable && rapid.Bool().Draw(t, "upper") {
		hi = &Bound{Values: []Value{genModelValue(t, "hi")}, Exclusive: rapid.Bool().Draw(t, "hi excl")}
		if hi.Values[0].IsNull() {
			hi = nil
		}
	}
	opts.Lower, opts.Upper = lo, hi
	var filt *Filter
	var fcol int
	if rapid.Bool().Draw(t, "filter") {
		fcol = rapid.IntRange(0, len(def.Columns)-1).Draw(t, "filter column")
		filt = &Filter{Column: def.Columns[fcol].Name, Op: Op(rapid.IntRange(0, int(IsNotNull)).Draw(t, "op")), Value: genModelValue(t, "constant")}
		opts.Filters = []Filter{*filt}
	}
	sc, err := tx.Scan(context.Background(), name, opts)
	if err != nil {
		t.Fatalf("scan %s %+v: %v", name, opts, err)
	}
	got := scanRowsT(t, sc)
	sc.Release()

	// The model's answer.
	type kr struct {
		k   string
		row []Value
	}
	var want []kr
	for k, r := range m.rows {
		if lo != nil || hi != nil {
			var c Value
			col := first
			if x == nil && m.rowidSlot() >= 0 {
				col = m.rowidSlot()
			}
			c = r[col]
			coerce := func(v Value) Value {
				if col < len(def.Columns) {
					return storeValue(&def.Columns[col], v)
				}
				return Coerce(v, Integer, AffinityInteger)
			}
			if lo != nil {
				d := keyCompare(c, coerce(lo.Values[0]))
				if d < 0 || (d == 0 && lo.Exclusive) {
					continue
				}
			}
			if hi != nil {
				d := keyCompare(c, coerce(hi.Values[0]))
				if d > 0 || (d == 0 && hi.Exclusive) {
					continue
				}
			}
		}
		if filt != nil && !modelMatch(r[fcol], filt.Op, storeValue(&def.Columns[fcol], filt.Value)) {
			continue
		}
		sortKey := k
		if x != nil {
			var e []byte
			for _, i := range m.idxCols(x) {
				e = AppendKey(e, r[i])
			}
			sortKey = string(e) + k
		}
		out := make([]Value, len(proj))
		for j, i := range proj {
			out[j] = r[i]
		}
		want = append(want, kr{sortKey, out})
	}
	sort.Slice(want, func(i, j int) bool { return (want[i].k < want[j].k) != opts.Reverse })
	if opts.Limit > 0 && len(want) > opts.Limit {
		want = want[:opts.Limit]
	}
	if len(got) != len(want) {
		t.Fatalf("scan %s %+v: %d rows, model has %d\ngot %v\nwant %v", name, opts, len(got), len(want), got, want)
	}
	for i := range got {
		if tupleString(got[i]) != tupleString(want[i].row) {
			t.Fatalf("scan %s %+v: row %d is %v, model %v", name, opts, i, got[i], want[i].row)
		}
	}
}

// keyCompare orders values as their key encodings do.
func keyCompare(a, b Value) int {
	return bytes.Compare(AppendKey(nil, a), AppendKey(nil, b))
}

// modelMatch is SQL's column op constant: comparisons with NULL are not true.
func modelMatch(x Value, op Op, c Value) bool {
	switch op {
	case IsNull:
		return x.IsNull()
	case IsNotNull:
		return !x.IsNull()
	}
	if x.IsNull() || c.IsNull() {
		return false
	}
	d := Compare(x, c)
	return [...]bool{d == 0, d != 0, d < 0, d <= 0, d > 0, d >= 0}[op]
}

func scanRowsT(t *rapid.T, sc *Scanner) [][]Value {
	var out [][]Value
	for sc.Next() {
		rec := sc.RecordBatch()
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]Value, rec.NumCols())
			for c := range row {
				v, err := ValueAt(rec.Column(c), r)
				if err != nil {
					t.Fatal(err)
				}
				row[c] = v
			}
			out = append(out, row)
		}
	}
	if sc.Err() != nil {
		t.Fatalf("scan: %v", sc.Err())
	}
	return out
}

// expectErr checks err against the model's list of possible errors.
func expectErr(t *rapid.T, what string, err error, possible []error) bool {
	if len(possible) == 0 {
		if err != nil {
			t.Fatalf("%s: %v, model expects success", what, err)
		}
		return true
	}
	if err == nil {
		t.Fatalf("%s succeeded, model expects one of %v", what, possible)
	}
	for _, p := range possible {
		if errors.Is(err, p) {
			var te *TableError
			if !errors.As(err, &te) || te.Table == "" {
				t.Fatalf("%s: %v is not a *TableError naming the table", what, err)
			}
			return false
		}
	}
	t.Fatalf("%s: %v, model expects one of %v", what, err, possible)
	return false
}

// TestModel: random schemas changing over positions (tables created, columns
// added, indexes created), inserts, upserts, updates and deletes in batches;
// after each batch, scans at random positions (random projections, key
// ranges, filters, index scans) equal the model row for row, and reads
// inside a batch see its earlier ops.
func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, err := store.OpenMemory(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		history := []mState{{}} // history[p]: the model at position p
		steps := rapid.IntRange(1, 12).Draw(t, "batches")
		for step := 0; step < steps; step++ {
			pos := s.AppliedPosition()
			snap, err := s.Snapshot(pos)
			if err != nil {
				t.Fatal(err)
			}
			b := batch.New(pos + 1)
			tx := NewTx(snap, b)
			m := history[pos].clone()
			nops := rapid.IntRange(1, 8).Draw(t, "ops")
			for op := 0; op < nops; op++ {
				before := append([]batch.WriteOp(nil), b.Ops...)
				names := make([]string, 0, len(m))
				for n := range m {
					names = append(names, n)
				}
				sort.Strings(names)
				kind := rapid.IntRange(0, 9).Draw(t, "op kind")
				if len(names) == 0 || (kind == 0 && len(names) < 3) {
					name := fmt.Sprintf("T%d", len(names))
					def := genTableDef(t, name)
					got, err := tx.CreateTable(def)
					if err != nil {
						t.Fatalf("create %+v: %v", def, err)
					}
					m[lower(name)] = &mTable{def: got, rows: map[string][]Value{}}
					continue
				}
				name := rapid.SampledFrom(names).Draw(t, "table")
				mt := m[name]
				n := len(mt.def.Columns)
				var err error
				switch kind {
				case 0, 1: // add a column, or an index
					if rapid.Bool().Draw(t, "add column") {
						mtp := rapid.SampledFrom(modelTypes).Draw(t, "type")
						c := Column{Name: fmt.Sprintf("c%d", n), Type: mtp.typ, DeclType: mtp.decl}
						if rapid.Bool().Draw(t, "has default") {
							c.Default = genModelValue(t, "default")
						}
						if err = tx.AddColumn(mt.def.Name, c); err != nil {
							t.Fatalf("add column: %v", err)
						}
						c2, _ := tx.Catalog()
						def, _ := c2.Table(mt.def.Name)
						nm := &mTable{def: def, rows: map[string][]Value{}, idx: mt.idx}
						for k, r := range mt.rows {
							nr := append(append(append([]Value(nil), r[:n]...), def.Columns[n].Default), r[n])
							nm.rows[k] = nr
						}
						m[name] = nm
					} else {
						x := &Index{Name: fmt.Sprintf("%s_x%d", mt.def.Name, len(mt.idx)), Table: mt.def.Name, Unique: rapid.Bool().Draw(t, "unique")}
						for _, i := range rapid.SliceOfNDistinct(rapid.IntRange(0, n-1), 1, 2, rapid.ID[int]).Draw(t, "index columns") {
							x.Columns = append(x.Columns, mt.def.Columns[i].Name)
						}
						nmt := &mTable{def: mt.def, rows: mt.rows, idx: append(append([]*Index(nil), mt.idx...), x)}
						// A unique index over repeated values fails.
						var possible []error
						seen := map[string]bool{}
						for _, r := range mt.rows {
							var p []byte
							null := false
							for _, i := range nmt.idxCols(x) {
								p = AppendKey(p, r[i])
								null = null || r[i].IsNull()
							}
							if x.Unique && !null && seen[string(p)] {
								possible = []error{ErrUnique}
							}
							seen[string(p)] = true
						}
						got, err := tx.CreateIndex(context.Background(), x)
						if expectErr(t, "create index", err, possible) {
							nmt.idx[len(nmt.idx)-1] = got
							m[name] = nmt
						}
					}
				case 2, 3, 4, 5: // insert or upsert
					upsert := kind == 5
					cols := []string{} // not nil: nil would mean every column
					var vals []Value
					row := make([]Value, n+1)
					for i := range mt.def.Columns {
						row[i] = mt.def.Columns[i].Default
					}
					for i := 0; i < n; i++ {
						if rapid.IntRange(0, 3).Draw(t, "give") > 0 {
							v := genModelValue(t, "value")
							cols = append(cols, mt.def.Columns[i].Name)
							vals = append(vals, v)
							row[i] = storeValue(&mt.def.Columns[i], v)
						}
					}
					if s := mt.rowidSlot(); s >= 0 && row[s].IsNull() {
						row[s] = MakeInt(mt.nextRowid())
					}
					possible := mt.violations(row, "", upsert)
					if len(possible) > 0 && possible[0] == ErrType {
						possible = possible[:1]
					}
					if upsert {
						_, err = tx.Upsert(mt.def.Name, cols, vals)
					} else {
						_, err = tx.Insert(mt.def.Name, cols, vals)
					}
					if expectErr(t, "insert", err, possible) {
						nm := &mTable{def: mt.def, rows: map[string][]Value{}, idx: mt.idx}
						for k, r := range mt.rows {
							nm.rows[k] = r
						}
						nm.rows[mt.key(row)] = row
						m[name] = nm
					}
				case 6, 7: // update
					old, key := pickRow(t, mt)
					set := rapid.SliceOfNDistinct(rapid.IntRange(0, n-1), 1, n, rapid.ID[int]).Draw(t, "set")
					var cols []string
					var vals []Value
					var row []Value
					if old != nil {
						row = append([]Value(nil), old...)
					}
					for _, i := range set {
						v := genModelValue(t, "value")
						if s := mt.rowidSlot(); s == i && rapid.Bool().Draw(t, "keep rowid") {
							v = MakeInt(int64(rapid.IntRange(1, 12).Draw(t, "rowid")))
						}
						cols = append(cols, mt.def.Columns[i].Name)
						vals = append(vals, v)
						if row != nil {
							row[i] = storeValue(&mt.def.Columns[i], v)
						}
					}
					var possible []error
					if old == nil {
						possible = []error{ErrNotFound}
					} else {
						possible = mt.violations(row, mt.key(old), false)
						if len(possible) > 0 && possible[0] == ErrType {
							possible = possible[:1]
						}
					}
					err = tx.Update(mt.def.Name, key, cols, vals)
					if expectErr(t, "update", err, possible) {
						nm := &mTable{def: mt.def, rows: map[string][]Value{}, idx: mt.idx}
						for k, r := range mt.rows {
							nm.rows[k] = r
						}
						delete(nm.rows, mt.key(old))
						nm.rows[mt.key(row)] = row
						m[name] = nm
					}
				default: // delete
					old, key := pickRow(t, mt)
					found, err := tx.Delete(mt.def.Name, key)
					if err != nil || found != (old != nil) {
						t.Fatalf("delete %v: %v, %v; model has %v", key, found, err, old)
					}
					if old != nil {
						nm := &mTable{def: mt.def, rows: map[string][]Value{}, idx: mt.idx}
						for k, r := range mt.rows {
							nm.rows[k] = r
						}
						delete(nm.rows, mt.key(old))
						m[name] = nm
					}
				}
				if err != nil && len(b.Ops) != len(before) {
					t.Fatalf("a failed write changed the batch: %d ops, was %d", len(b.Ops), len(before))
				}
				if err != nil {
					for i := range before {
						if before[i].Kind != b.Ops[i].Kind || !bytes.Equal(before[i].Key, b.Ops[i].Key) || !bytes.Equal(before[i].Value, b.Ops[i].Value) {
							t.Fatalf("a failed write changed op %d", i)
						}
					}
				}
				// Read your writes: the Tx sees the batch so far.
				if rapid.IntRange(0, 3).Draw(t, "check pending") == 0 {
					checkScan(t, tx, m[name], name, mem)
				}
			}
			snap.Close()
			if err := s.Apply(b); err != nil {
				t.Fatal(err)
			}
			history = append(history, m)
			checkIndexes(t, s, m, mem)
			// Scans at random positions.
			for range rapid.IntRange(1, 3).Draw(t, "reads") {
				p := batch.Offset(rapid.IntRange(0, int(s.AppliedPosition())).Draw(t, "position"))
				snap, err := s.Snapshot(p)
				if err != nil {
					t.Fatal(err)
				}
				rtx := NewTx(snap, nil)
				all := history[len(history)-1]
				var names []string
				for n := range all {
					names = append(names, n)
				}
				sort.Strings(names)
				name := rapid.SampledFrom(names).Draw(t, "read table")
				if mt := history[p][name]; mt == nil {
					_, err := rtx.Scan(context.Background(), name, nil)
					if !errors.Is(err, ErrNoTable) {
						t.Fatalf("scan of %s at %d, before it exists: %v", name, p, err)
					}
				} else {
					checkScan(t, rtx, mt, name, mem)
					// Point lookups agree.
					for _, r := range mt.rows {
						var key []Value
						for _, i := range mt.keyCols() {
							key = append(key, r[i])
						}
						got, err := rtx.Get(name, key, nil)
						if err != nil || tupleString(got) != tupleString(r[:len(mt.def.Columns)]) {
							t.Fatalf("get %v at %d: %v %v, model %v", key, p, got, err, r)
						}
						break
					}
				}
				snap.Close()
			}
		}
		mem.AssertSize(t, 0)
	})
}

// pickRow returns an existing row of m and its key, or (nil, a key of no
// row) now and then.
func pickRow(t *rapid.T, m *mTable) ([]Value, []Value) {
	keys := make([]string, 0, len(m.rows))
	for k := range m.rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 || rapid.IntRange(0, 5).Draw(t, "missing row") == 0 {
		var key []Value
		for range m.keyCols() {
			key = append(key, MakeInt(int64(rapid.IntRange(100, 200).Draw(t, "missing key"))))
		}
		return nil, key
	}
	row := m.rows[rapid.SampledFrom(keys).Draw(t, "row")]
	var key []Value
	for _, i := range m.keyCols() {
		key = append(key, row[i])
	}
	return row, key
}

// checkIndexes: every index holds exactly one entry per row of its table,
// with the row's values: a covering scan of the index columns, in index
// order, equals the model's rows sorted by those values and their keys.
func checkIndexes(t *rapid.T, s *store.Store, m mState, mem memory.Allocator) {
	snap, err := s.Snapshot(s.AppliedPosition())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tx := NewTx(snap, nil)
	for name, mt := range m {
		for _, x := range mt.idx {
			sc, err := tx.Scan(context.Background(), name, &ScanOptions{Index: x.Name, Columns: x.Columns, Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			got := scanRowsT(t, sc)
			sc.Release()
			cols := mt.idxCols(x)
			type e struct {
				k   string
				row []Value
			}
			var want []e
			for k, r := range mt.rows {
				var p []byte
				row := make([]Value, len(cols))
				for j, i := range cols {
					p = AppendKey(p, r[i])
					row[j] = r[i]
				}
				want = append(want, e{string(p) + k, row})
			}
			sort.Slice(want, func(i, j int) bool { return want[i].k < want[j].k })
			if len(got) != len(want) {
				t.Fatalf("index %s: %d entries, table has %d rows", x.Name, len(got), len(want))
			}
			for i := range got {
				if tupleString(got[i]) != tupleString(want[i].row) {
					t.Fatalf("index %s: entry %d is %v, model %v", x.Name, i, got[i], want[i].row)
				}
			}
		}
	}
}
