package sqlexec

import (
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

// scanVec scans the single table of fp and filters its batches by every
// WHERE term.
func (fp *fromPlan) scanVec(e *env) ([]selBatch, error) {
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
			return nil, err
		}
	}
	return it.filterVec(e, own, fp.width, fp.need(it))
}

// filterVec reads the batches of a base-table item (the columns need,
// nil for all) and keeps the rows where every one of conds holds.
func (it *fromItem) filterVec(e *env, conds []*conj, width int, need []int) ([]selBatch, error) {
	tv, err := e.x.vecsOf(it.table, need)
	if err != nil {
		return nil, err
	}
	ctx := e.x.ctx()
	var out []selBatch
	for _, tb := range tv.batches {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := newVBatch(tb, it.offset, width, e)
		sel := identity(tb.n)
		for _, cj := range conds {
			v, err := evalVec(cj.x, b, sel)
			if err != nil {
				return nil, err
			}
			if sel = truthSel(v, sel); len(sel) == 0 {
				break
			}
		}
		if len(sel) > 0 {
			out = append(out, selBatch{b, sel})
		}
	}
	return out, nil
}

// rowsOf materialises the selected rows of batches.
func rowsOf(sbs []selBatch) ([][]Value, error) {
	n := 0
	for _, sb := range sbs {
		n += len(sb.sel)
	}
	out := make([][]Value, 0, n)
	for _, sb := range sbs {
		for _, i := range sb.sel {
			r, err := sb.b.tb.row(i)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// projectVec evaluates the result columns (and ORDER BY's extra ones)
// over the selected rows.
func (cp *corePlan) projectVec(sbs []selBatch) ([][]Value, error) {
	exprs := append(append([]cexpr(nil), cp.proj...), cp.extra...)
	w := len(exprs)
	var out [][]Value
	vs := make([]*vec, w)
	for _, sb := range sbs {
		for k, x := range exprs {
			v, err := evalVec(x, sb.b, sb.sel)
			if err != nil {
				return nil, err
			}
			vs[k] = v
		}
		flat := make([]Value, len(sb.sel)*w)
		for p, i := range sb.sel {
			r := flat[p*w : (p+1)*w : (p+1)*w]
			for k, v := range vs {
				r[k] = v.at(i)
			}
			out = append(out, r)
		}
	}
	return out, nil
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
func (cp *corePlan) aggregateVec(e *env, sbs []selBatch, project func(*env) ([]Value, error)) ([][]Value, error) {
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
	ctx := e.x.ctx()
	for _, sb := range sbs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, sel := sb.b, sb.sel
		for g, x := range cp.groupBy {
			v, err := evalVec(x, b, sel)
			if err != nil {
				return nil, err
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
				return nil, err
			}
		}
		// bare columns read the group's first row, then each row that
		// the last min() or max() takes its value from
		for p, i := range sel {
			grp := gs[p]
			if grp.repB == nil || lastMinMax >= 0 && changed[p] {
				grp.repB, grp.repI = b.tb, i
			}
		}
	}
	for _, grp := range gt.order {
		r, err := grp.repB.row(grp.repI)
		if err != nil {
			return nil, err
		}
		grp.rep = r
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
		grp.keys[g] = k.at(i)
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
			ch, err := gs[p].states[k].step(&b.e)
			if err != nil {
				return err
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
			ch := gs[p].states[k].add(v.at(i))
			if track {
				changed[p] = ch
			}
		}
	}
	return nil
}
