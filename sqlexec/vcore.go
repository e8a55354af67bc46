package sqlexec

import (
	"errors"
	"math"

	"github.com/projstore/projstore/column"
)

// The vectorised operators of a SELECT core over base tables: the scan
// reads a table's batches (tableVecs), WHERE terms become selection
// vectors (filter), and then either the result columns are evaluated
// over the selected rows (project) or the rows are grouped and
// aggregated batch by batch (hash aggregate). Rows become []Value only
// at the end, for the result or for the operators that still work row
// by row (joins of several items, compound operators, ORDER BY).

// selBatch is a batch with the rows that passed the filter.
type selBatch struct {
	b   *vbatch
	sel []int32
}

// vectorised reports whether the FROM clause is one base table, read
// by scanVec.
func (fp *fromPlan) vectorised() bool {
	return len(fp.items) == 1 && fp.items[0].table != nil && !fp.items[0].left
}

// scanVec scans the single table of fp, filters its batches by every
// WHERE term and calls fn with each batch that keeps a row. A batch is
// valid only during the call.
func (fp *fromPlan) scanVec(e *env, fn func(selBatch) error) error {
	it := fp.items[0]
	var consts, own []*conj
	for _, cj := range fp.where {
		if onlyItem(cj.items, 0) {
			own = append(own, cj)
		} else {
			consts = append(consts, cj)
		}
	}
	// terms on no column of the table (constants, references to an
	// enclosing query) are decided once, as run decides them
	if len(consts) > 0 {
		e.row = make([]Value, fp.width)
		ok, err := allHold(consts, e)
		if err != nil || !ok {
			return err
		}
	}
	return it.filterVec(e, own, fp.width, fp.need(it), fn)
}

// filterVec reads the batches of a base-table item (the columns need,
// nil for all) and calls fn with the rows of each where every one of
// conds holds.
func (it *fromItem) filterVec(e *env, conds []*conj, width int, need []int, fn func(selBatch) error) error {
	ctx := e.x.ctx()
	return e.x.scanTable(it.table, need, func(tb *tbatch) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := newVBatch(tb, it.offset, width, e)
		sel := identity(tb.n)
		for _, cj := range conds {
			v, err := evalVec(cj.x, b, sel)
			if err != nil {
				return err
			}
			if sel = truthSel(v, sel); len(sel) == 0 {
				return nil
			}
		}
		return fn(selBatch{b, sel})
	})
}

// rows materialises the selected rows.
func (sb selBatch) rows(out [][]Value) ([][]Value, error) {
	for _, i := range sb.sel {
		r, err := sb.b.tb.row(i)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// errEnough stops a scan that has produced the rows it was asked for.
var errEnough = errors.New("sqlexec: enough rows")

// projectVec evaluates the result columns (and ORDER BY's extra ones)
// over the selected rows, stopping after max rows (max < 0: all).
func (cp *corePlan) projectVec(e *env, max int64) ([][]Value, error) {
	var out [][]Value
	err := cp.streamVec(e, 0, max, func(rows [][]Value) error {
		out = append(out, rows...)
		return nil
	})
	return out, err
}

// streamVec evaluates the result columns over the selected rows of each
// batch and hands them to emit, a batch at a time: the first skip rows
// are left out and the scan stops after max rows (max < 0: all).
func (cp *corePlan) streamVec(e *env, skip, max int64, emit func([][]Value) error) error {
	exprs := append(append([]cexpr(nil), cp.proj...), cp.extra...)
	w := len(exprs)
	vs := make([]*vec, w)
	if max == 0 {
		return nil
	}
	var sent int64
	err := cp.from.scanVec(e, func(sb selBatch) error {
		sel := sb.sel
		if skip > 0 {
			k := min(skip, int64(len(sel)))
			sel, skip = sel[k:], skip-k
		}
		if max >= 0 && sent+int64(len(sel)) > max {
			sel = sel[:max-sent]
		}
		if len(sel) == 0 {
			return nil
		}
		for k, x := range exprs {
			v, err := evalVec(x, sb.b, sel)
			if err != nil {
				return err
			}
			vs[k] = v
		}
		flat := make([]Value, len(sel)*w)
		rows := make([][]Value, len(sel))
		for p, i := range sel {
			r := flat[p*w : (p+1)*w : (p+1)*w]
			for k, v := range vs {
				r[k] = v.owned(i)
			}
			rows[p] = r
		}
		sent += int64(len(rows))
		if err := emit(rows); err != nil {
			return err
		}
		if max >= 0 && sent >= max {
			return errEnough
		}
		return nil
	})
	if err == errEnough {
		err = nil
	}
	return err
}

// groupTable finds a row's group: by an integer (or integral real, as
// appendKey keys them) in ints when there is one GROUP BY term, else by
// appendKey's encoding of the terms.
type groupTable struct {
	ints  map[int64]*group
	strs  map[string]*group
	order []*group
	key   []byte
}

// aggregateVec is aggregate over filtered batches: GROUP BY terms and
// aggregate arguments are evaluated a batch at a time, sums, counts and
// min/max of typed vecs updated in typed loops.
func (cp *corePlan) aggregateVec(e *env, project func(*env) ([]Value, error)) ([][]Value, error) {
	gt := &groupTable{ints: map[int64]*group{}, strs: map[string]*group{}}
	lastMinMax := -1
	for k, sp := range cp.aggs {
		if sp.name == "min" || sp.name == "max" {
			lastMinMax = k
		}
	}
	keys := make([]*vec, len(cp.groupBy))
	var gs []*group
	var changed []bool
	err := cp.from.scanVec(e, func(sb selBatch) error {
		b, sel := sb.b, sb.sel
		for g, x := range cp.groupBy {
			v, err := evalVec(x, b, sel)
			if err != nil {
				return err
			}
			keys[g] = v
		}
		gs = gs[:0]
		for _, i := range sel {
			gs = append(gs, cp.groupOf(gt, keys, i))
		}
		if lastMinMax >= 0 {
			changed = append(changed[:0], make([]bool, len(sel))...)
		}
		for k, sp := range cp.aggs {
			if err := stepVec(k, sp, b, sel, gs, changed, k == lastMinMax); err != nil {
				return err
			}
		}
		// bare columns read the group's first row, then each row that
		// the last min() or max() takes its value from; the last such row
		// of the batch is the one kept
		for p := range sel {
			grp := gs[p]
			if grp.rep == nil && grp.repSet != b || lastMinMax >= 0 && changed[p] {
				grp.repSet, grp.repAt = b, int32(p)
			}
		}
		for p, i := range sel {
			if grp := gs[p]; grp.repSet == b && grp.repAt == int32(p) {
				r, err := b.tb.row(i)
				if err != nil {
					return err
				}
				grp.rep = r
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cp.finishGroups(e, gt.order, project)
}

// groupOf returns the group of row i, making it on first sight.
func (cp *corePlan) groupOf(gt *groupTable, keys []*vec, i int32) *group {
	var grp *group
	intKey, isInt := int64(0), false
	if len(keys) == 1 {
		k := keys[0]
		switch {
		case k.kind == vInt && !k.isNull(i):
			intKey, isInt = k.ints[i], true
		case k.kind == vReal && !k.isNull(i):
			f := k.reals[i]
			if f >= -9223372036854775808.0 && f < 9223372036854775808.0 && f == math.Trunc(f) {
				intKey, isInt = int64(f), true
			}
		case k.kind == vAny:
			v := norm(k.anys[i])
			switch v.Type() {
			case column.Integer:
				intKey, isInt = v.Int(), true
			case column.Real:
				f := v.Float()
				if f >= -9223372036854775808.0 && f < 9223372036854775808.0 && f == math.Trunc(f) {
					intKey, isInt = int64(f), true
				}
			}
		}
	}
	if isInt {
		grp = gt.ints[intKey]
	} else {
		gt.key = gt.key[:0]
		for g, k := range keys {
			gt.key = appendKey(gt.key, k.at(i), cp.groupBy[g].coll)
		}
		grp = gt.strs[string(gt.key)]
	}
	if grp != nil {
		return grp
	}
	grp = &group{keys: make([]Value, len(keys))}
	for g, k := range keys {
		grp.keys[g] = k.owned(i) // kept after the batch is released
	}
	for _, s := range cp.aggs {
		grp.states = append(grp.states, newAggState(s))
	}
	if isInt {
		gt.ints[intKey] = grp
	} else {
		gt.strs[string(gt.key)] = grp
	}
	gt.order = append(gt.order, grp)
	return grp
}

// stepVec adds the rows sel of b to aggregate k of their groups gs.
func stepVec(k int, sp *aggSpec, b *vbatch, sel []int32, gs []*group, changed []bool, track bool) error {
	if sp.filter != nil || sp.distinct || len(sp.args) != 1 && !sp.star {
		// FILTER, DISTINCT and group_concat's separator: a row at a time
		for p, i := range sel {
			if err := b.load(i); err != nil {
				return err
			}
			st := gs[p].states[k]
			ch, err := st.step(&b.e)
			if err != nil {
				return err
			}
			if ch && b.tb.rec != nil {
				st.best = ownValue(st.best) // the row borrowed the record's memory
			}
			if track {
				changed[p] = ch
			}
		}
		return nil
	}
	if sp.star {
		for p := range sel {
			gs[p].states[k].count++
		}
		return nil
	}
	v, err := evalVec(sp.args[0], b, sel)
	if err != nil {
		return err
	}
	switch {
	case v.kind == vInt && (sp.name == "sum" || sp.name == "total" || sp.name == "avg"):
		for p, i := range sel {
			st := gs[p].states[k]
			if v.isNull(i) {
				continue
			}
			st.count++
			st.sumInt(v.ints[i])
		}
	case v.kind == vReal && (sp.name == "sum" || sp.name == "total" || sp.name == "avg"):
		for p, i := range sel {
			st := gs[p].states[k]
			if v.isNull(i) {
				continue
			}
			st.count++
			st.sumReal(v.reals[i])
		}
	case v.kind != vAny && sp.name == "count":
		for p, i := range sel {
			if !v.isNull(i) {
				gs[p].states[k].count++
			}
		}
	case v.kind == vInt && (sp.name == "min" || sp.name == "max"):
		isMin := sp.name == "min"
		for p, i := range sel {
			st := gs[p].states[k]
			if v.isNull(i) || !st.hasBest || st.best.Type() != column.Integer {
				ch := st.add(v.at(i))
				if track {
					changed[p] = ch
				}
				continue
			}
			x, best := v.ints[i], st.best.Int()
			if isMin && x < best || !isMin && x > best {
				st.best = v.at(i)
				if track {
					changed[p] = true
				}
			}
		}
	default:
		for p, i := range sel {
			st := gs[p].states[k]
			ch := st.add(v.at(i))
			if ch && v.borrowed {
				st.best = ownValue(st.best) // min/max keep it past the batch
			}
			if track {
				changed[p] = ch
			}
		}
	}
	return nil
}

// rowBatch is rows as a batch (rows of one item, or joined rows of the
// whole FROM clause), for the kernels.
func rowBatch(rows [][]Value, width int) *tbatch {
	return &tbatch{n: len(rows), rows: rows, cols: make([]*vec, width)}
}

// filterRows returns the positions of the rows (of ncols columns, the
// first being the scope's column off) where every one of conds holds,
// evaluating them a batch of rows at a time.
func filterRows(e *env, rows [][]Value, conds []*conj, off, ncols, width int) ([]int, error) {
	if len(conds) == 0 {
		kept := make([]int, len(rows))
		for i := range kept {
			kept[i] = i
		}
		return kept, nil
	}
	var kept []int
	for start := 0; start < len(rows); start += scanBatchRows {
		chunk := rows[start:min(start+scanBatchRows, len(rows))]
		b := newVBatch(rowBatch(chunk, ncols), off, width, e)
		sel := identity(len(chunk))
		for _, cj := range conds {
			v, err := evalVec(cj.x, b, sel)
			if err != nil {
				return nil, err
			}
			if sel = truthSel(v, sel); len(sel) == 0 {
				break
			}
		}
		for _, i := range sel {
			kept = append(kept, start+int(i))
		}
	}
	return kept, nil
}

// hashIndex is the build side of a hash join: row numbers by join key.
// Integers, and reals with an integral value, are keyed by value in
// ints (as appendKey keys them alike); other values by appendKey.
type hashIndex struct {
	ints map[int64][]int
	strs map[string][]int
	af   aff
	coll collation
	buf  []byte
}

// key returns row i of v as a join key: an integer, or bytes in h.buf;
// ok is false for NULL, which joins nothing.
func (h *hashIndex) key(v *vec, i int32) (n int64, isInt, ok bool) {
	if v.isNull(i) {
		return 0, false, false
	}
	var x Value
	switch {
	case v.kind == vInt && h.af != affText:
		return v.ints[i], true, true
	default:
		x = norm(applyCmpAff(v.at(i), h.af))
	}
	switch x.Type() {
	case column.Null:
		return 0, false, false
	case column.Integer:
		return x.Int(), true, true
	case column.Real:
		if f := x.Float(); f >= -9223372036854775808.0 && f < 9223372036854775808.0 && f == math.Trunc(f) {
			return int64(f), true, true
		}
	}
	h.buf = appendKey(h.buf[:0], x, h.coll)
	return 0, false, true
}

func (h *hashIndex) get(v *vec, i int32) []int {
	n, isInt, ok := h.key(v, i)
	switch {
	case !ok:
		return nil
	case isInt:
		return h.ints[n]
	}
	return h.strs[string(h.buf)]
}

// buildIndex evaluates the join key x over the rows of an item (of ncols
// columns, the first being the scope's column off) and indexes them.
func buildIndex(e *env, rows [][]Value, off, ncols, width int, x cexpr, af aff, coll collation) (*hashIndex, error) {
	h := &hashIndex{ints: map[int64][]int{}, strs: map[string][]int{}, af: af, coll: coll}
	for start := 0; start < len(rows); start += scanBatchRows {
		chunk := rows[start:min(start+scanBatchRows, len(rows))]
		b := newVBatch(rowBatch(chunk, ncols), off, width, e)
		v, err := evalVec(x, b, identity(len(chunk)))
		if err != nil {
			return nil, err
		}
		for p := range chunk {
			n, isInt, ok := h.key(v, int32(p))
			switch {
			case !ok:
			case isInt:
				h.ints[n] = append(h.ints[n], start+p)
			default:
				h.strs[string(h.buf)] = append(h.strs[string(h.buf)], start+p)
			}
		}
	}
	return h, nil
}
