package sqlexec

import (
	"fmt"

	"github.com/projstore/projstore/sqlexec/sqlparse"
)

// recursive is the plan of a recursive CTE: an anchor select, then the
// recursive selects run over the rows the previous round added.
type recursive struct {
	d        *cteDef
	anchor   *selectPlan
	step     *selectPlan
	unionAll bool
	limit    *cexpr
	offset   *cexpr
}

// maxRecursiveRows bounds a recursive CTE without a LIMIT that does not
// terminate.
const maxRecursiveRows = 10_000_000

// ctxCheckEvery is how much work a recursive CTE does between checks of
// the statement's context, counted as one per round plus one per row of
// the round's working set (what the step reads): a round of one row takes
// about a microsecond, so a cancelled statement stops within a millisecond
// or so, while the check (a channel poll) stays off the profile; and a
// round over many rows checks after it.
const ctxCheckEvery = 1024

func (c *compiler) recursivePlan(d *cteDef, cs *scope) (*selectPlan, error) {
	sel := d.sel
	if len(sel.Compound) == 0 {
		return nil, fmt.Errorf("recursive reference in a subquery: %s", d.name)
	}
	op := sel.Compound[0].Op
	if op != sqlparse.Union && op != sqlparse.UnionAll {
		return nil, fmt.Errorf("circular reference: %s", d.name)
	}
	anchor, err := c.selectPlan(&sqlparse.Select{Core: sel.Core}, cs.parent)
	if err != nil {
		return nil, err
	}
	if err := renameCols(anchor, d); err != nil {
		return nil, err
	}
	d.cols = anchor.cols
	stepSel := &sqlparse.Select{Core: sel.Compound[0].Core, Compound: sel.Compound[1:]}
	d.compiling, d.inRecursion = false, true
	step, err := c.selectPlan(stepSel, cs.parent)
	d.compiling, d.inRecursion = true, false
	if err != nil {
		return nil, err
	}
	if len(step.cols) != len(anchor.cols) {
		return nil, fmt.Errorf("SELECTs to the left and right of %s do not have the same number of result columns", compoundName(op))
	}
	r := &recursive{d: d, anchor: anchor, step: step, unionAll: op == sqlparse.UnionAll}
	ls := &scope{parent: cs.parent}
	if sel.Limit != nil {
		l, err := c.compile(sel.Limit, ls)
		if err != nil {
			return nil, err
		}
		r.limit = &l
		if sel.Offset != nil {
			o, err := c.compile(sel.Offset, ls)
			if err != nil {
				return nil, err
			}
			r.offset = &o
		}
	}
	p := &selectPlan{cols: anchor.cols, rec: r, scope: ls}
	if len(sel.OrderBy) > 0 {
		return nil, fmt.Errorf("ORDER BY in a recursive common table expression is not supported")
	}
	return p, nil
}

func (r *recursive) exec(outer *env, x *execCtx) (*resultSet, error) {
	lenv := &env{outer: outer, x: x}
	limit, offset := int64(-1), int64(0)
	if r.limit != nil {
		v, err := r.limit.fn(lenv)
		if err != nil {
			return nil, err
		}
		if limit, err = limitValue(v); err != nil {
			return nil, err
		}
		if r.offset != nil {
			v, err := r.offset.fn(lenv)
			if err != nil {
				return nil, err
			}
			if offset, err = limitValue(v); err != nil {
				return nil, err
			}
		}
	}
	first, err := r.anchor.execCtx(outer, x)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	key := func(row []Value) string {
		var b []byte
		for i, v := range row {
			b = appendKey(b, v, r.anchor.cols[i].coll)
		}
		return string(b)
	}
	var all [][]Value
	add := func(rows [][]Value) [][]Value {
		var fresh [][]Value
		for _, row := range rows {
			if !r.unionAll {
				k := key(row)
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			fresh = append(fresh, row)
		}
		all = append(all, fresh...)
		return fresh
	}
	work := add(first.rows)
	saved := r.d.working
	defer func() { r.d.working = saved }()
	// The loop runs until the CTE stops adding rows, which a query that
	// never terminates reaches only at maxRecursiveRows: minutes. A
	// cancelled or timed-out statement must not wait for that.
	ctx := x.ctx()
	budget := 0 // work left before the next check: the first round checks
	for len(work) > 0 {
		if budget -= 1 + len(work); budget < 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			budget = ctxCheckEvery
		}
		if limit >= 0 && int64(len(all)) >= limit+offset {
			break
		}
		if len(all) > maxRecursiveRows {
			return nil, fmt.Errorf("recursive CTE %s produced more than %d rows", r.d.name, maxRecursiveRows)
		}
		r.d.working = &resultSet{cols: r.anchor.cols, rows: work}
		next, err := r.step.execCtx(outer, x)
		if err != nil {
			return nil, err
		}
		work = add(next.rows)
	}
	if offset > 0 {
		if offset >= int64(len(all)) {
			all = nil
		} else {
			all = all[offset:]
		}
	}
	if limit >= 0 && limit < int64(len(all)) {
		all = all[:limit]
	}
	return &resultSet{cols: r.anchor.cols, rows: all}, nil
}
