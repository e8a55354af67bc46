package sqlexec

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
)

// outCol describes one column of a result.
type outCol struct {
	name string
	aff  aff
	coll collation
}

// resultSet is a materialised query result.
type resultSet struct {
	cols []outCol
	rows [][]Value
}

// selectPlan is a compiled SELECT.
type selectPlan struct {
	cols   []outCol
	cores  []*corePlan
	ops    []sqlparse.CompoundOp
	order  []orderKey // indexes into the row (output columns then extras)
	nExtra int
	limit  *cexpr
	offset *cexpr
	rec    *recursive // a recursive CTE
	scope  *scope
}

type orderKey struct {
	col  int
	desc bool
	coll collation
	// nulls: 0 default (first asc, last desc), 1 first, 2 last
	nulls sqlparse.NullsOrder
}

// subq is a compiled subquery used as an expression.
type subq struct {
	plan  *selectPlan
	cols  []outCol
	corr  bool
	cache *resultSet
	sets  map[[2]int]*valueSet
	// A correlated subquery that refers only to columns of the level it
	// appears in is cached by the values of those columns (keyCols).
	keyCols  []int
	byKey    map[string]*resultSet
	setByKey map[string]*valueSet
}

// maxCorrelatedCache bounds the results kept per correlated subquery.
const maxCorrelatedCache = 4096

func (c *compiler) subquery(sel *sqlparse.Select, s *scope) (*subq, error) {
	p, err := c.selectPlan(sel, s)
	if err != nil {
		return nil, err
	}
	q := &subq{plan: p, cols: p.cols, corr: p.scope.correlated}
	if q.corr && !hasVolatile(sel) {
		ok := true
		for ref := range p.scope.outerRefs {
			if ref[0] != 1 {
				ok = false
			}
			q.keyCols = append(q.keyCols, ref[1])
		}
		if !ok {
			q.keyCols = nil
		}
	}
	return q, nil
}

// hasVolatile reports a call whose value changes between calls.
func hasVolatile(x sqlparse.Node) bool {
	found := false
	sqlparse.Inspect(x, func(n sqlparse.Node) bool {
		if c, ok := n.(*sqlparse.Call); ok && (strings.EqualFold(c.Name, "random") || strings.EqualFold(c.Name, "randomblob")) {
			found = true
		}
		return !found
	})
	return found
}

// corrKey is the cache key of a correlated subquery in e, exact as to
// storage class ("" when it cannot be cached).
func (q *subq) corrKey(e *env) (string, bool) {
	if len(q.keyCols) == 0 || e == nil {
		return "", false
	}
	var b []byte
	for _, i := range q.keyCols {
		if i >= len(e.row) {
			return "", false
		}
		v := e.row[i]
		b = append(b, byte(v.Type()))
		b = column.AppendText(b, v)
		b = append(b, 0, byte(len(b)), byte(len(b)>>8))
	}
	return string(b), true
}

func (q *subq) run(e *env, limit int) (*resultSet, error) {
	if !q.corr && q.cache != nil {
		return q.cache, nil
	}
	key, keyed := q.corrKey(e)
	if keyed {
		if rs, ok := q.byKey[key]; ok {
			return rs, nil
		}
	}
	rs, err := q.plan.exec(e)
	if err != nil {
		return nil, err
	}
	if !q.corr {
		q.cache = rs
	} else if keyed {
		if q.byKey == nil || len(q.byKey) >= maxCorrelatedCache {
			q.byKey = map[string]*resultSet{}
		}
		q.byKey[key] = rs
	}
	return rs, nil
}

func (q *subq) valueSet(e *env, af aff, coll collation) (*valueSet, error) {
	key := [2]int{int(af), int(coll)}
	if !q.corr {
		if s, ok := q.sets[key]; ok {
			return s, nil
		}
	}
	ck, keyed := q.corrKey(e)
	ck = fmt.Sprintf("%d/%d/", af, coll) + ck
	if keyed {
		if s, ok := q.setByKey[ck]; ok {
			return s, nil
		}
	}
	rs, err := q.run(e, -1)
	if err != nil {
		return nil, err
	}
	set := newValueSet()
	for _, r := range rs.rows {
		set.add(applyCmpAff(r[0], af), coll)
	}
	if !q.corr {
		if q.sets == nil {
			q.sets = map[[2]int]*valueSet{}
		}
		q.sets[key] = set
	} else if keyed {
		if q.setByKey == nil || len(q.setByKey) >= maxCorrelatedCache {
			q.setByKey = map[string]*valueSet{}
		}
		q.setByKey[ck] = set
	}
	return set, nil
}

// selectPlan compiles a full SELECT whose enclosing scope is parent.
func (c *compiler) selectPlan(sel *sqlparse.Select, parent *scope) (*selectPlan, error) {
	if sel.AsOf != nil {
		if c.db.store == nil {
			return nil, fmt.Errorf("AS OF OFFSET needs a database attached to a store")
		}
		c.stmtAsOf = sel.AsOf
	}
	// the level's own scope holds the CTEs; cores get child scopes.
	ls := &scope{parent: parent}
	if parent != nil {
		ls.cols = nil
	}
	addCTEs(ls, sel.With)
	p := &selectPlan{scope: ls}
	cores := append([]*sqlparse.SelectCore{sel.Core}, nil...)
	for _, t := range sel.Compound {
		cores = append(cores, t.Core)
		p.ops = append(p.ops, t.Op)
	}
	simple := len(cores) == 1
	for i, core := range cores {
		var ob []*sqlparse.OrderTerm
		if simple {
			ob = sel.OrderBy
		}
		cp, err := c.corePlan(core, ls, ob)
		if err != nil {
			return nil, err
		}
		if i > 0 && len(cp.cols) != len(p.cores[0].cols) {
			return nil, fmt.Errorf("SELECTs to the left and right of %s do not have the same number of result columns", compoundName(p.ops[i-1]))
		}
		p.cores = append(p.cores, cp)
	}
	p.cols = p.cores[0].cols
	if simple {
		p.order = p.cores[0].order
		p.nExtra = len(p.cores[0].extra)
	} else if len(sel.OrderBy) > 0 {
		for i, t := range sel.OrderBy {
			k, err := c.compoundOrder(t, i, p, cores[0])
			if err != nil {
				return nil, err
			}
			p.order = append(p.order, k)
		}
	}
	if sel.Limit != nil {
		l, err := c.compile(sel.Limit, ls)
		if err != nil {
			return nil, err
		}
		p.limit = &l
		if sel.Offset != nil {
			o, err := c.compile(sel.Offset, ls)
			if err != nil {
				return nil, err
			}
			p.offset = &o
		}
	}
	return p, nil
}

// addCTEs defines the common table expressions of w (if any) in ls.
func addCTEs(ls *scope, w *sqlparse.With) {
	if w == nil {
		return
	}
	ls.ctes = map[string]*cteDef{}
	for _, cte := range w.CTEs {
		d := &cteDef{name: cte.Name, columns: cte.Columns, sel: cte.Select, scope: ls, rec: w.Recursive && refersTo(cte.Select, cte.Name)}
		ls.ctes[strings.ToLower(cte.Name)] = d
	}
}

// writeScope is the scope above a write statement's table: the
// trigger's NEW and OLD, or the statement's WITH clause (SQLite allows
// no WITH inside a trigger).
func writeScope(x *execCtx, w *sqlparse.With) (*scope, error) {
	if w == nil {
		return x.trigScope, nil
	}
	if x.trigScope != nil {
		return nil, errors.New("common table expressions are not allowed in a trigger")
	}
	ws := &scope{}
	addCTEs(ws, w)
	return ws, nil
}

func refersTo(sel *sqlparse.Select, name string) bool {
	found := false
	sqlparse.Inspect(sel, func(n sqlparse.Node) bool {
		if t, ok := n.(*sqlparse.TableName); ok && t.Schema == "" && strings.EqualFold(t.Name, name) {
			found = true
		}
		return !found
	})
	return found
}

func compoundName(op sqlparse.CompoundOp) string {
	switch op {
	case sqlparse.UnionAll:
		return "UNION ALL"
	case sqlparse.Intersect:
		return "INTERSECT"
	case sqlparse.Except:
		return "EXCEPT"
	}
	return "UNION"
}

func ordinalName(i int) string {
	switch i {
	case 1:
		return "1st"
	case 2:
		return "2nd"
	case 3:
		return "3rd"
	}
	return fmt.Sprintf("%dth", i)
}

// compoundOrder resolves an ORDER BY term of a compound select to an
// output column.
func (c *compiler) compoundOrder(t *sqlparse.OrderTerm, i int, p *selectPlan, first *sqlparse.SelectCore) (orderKey, error) {
	x := t.Expr
	k := orderKey{col: -1, desc: t.Order == sqlparse.Desc, nulls: t.Nulls}
	collSet := false
	if cl, ok := x.(*sqlparse.Collate); ok {
		coll, ok := collationNamed(cl.Collation)
		if !ok {
			return k, fmt.Errorf("no such collation sequence: %s", cl.Collation)
		}
		k.coll, collSet = coll, true
		x = cl.X
	}
	if lit, ok := x.(*sqlparse.Literal); ok && lit.Kind == sqlparse.IntLit {
		v, _ := literalValue(lit, false)
		n := v.Int()
		if n < 1 || n > int64(len(p.cols)) {
			return k, fmt.Errorf("%s ORDER BY term out of range - should be between 1 and %d", ordinalName(i+1), len(p.cols))
		}
		k.col = int(n - 1)
	} else {
		if col, ok := x.(*sqlparse.Column); ok && col.Table == "" {
			for j, oc := range p.cols {
				if strings.EqualFold(oc.name, col.Name) {
					k.col = j
					break
				}
			}
		}
		if k.col < 0 {
			xs := x.String()
			for j, rc := range first.Columns {
				if rc.Expr != nil && rc.Expr.String() == xs {
					k.col = j
					break
				}
			}
		}
		if k.col < 0 {
			return k, fmt.Errorf("%s ORDER BY term does not match any column in the result set", ordinalName(i+1))
		}
	}
	if !collSet {
		k.coll = p.cols[k.col].coll
	}
	return k, nil
}

// exec runs the plan in the environment of its enclosing query (nil at
// top level).
func (p *selectPlan) exec(outer *env) (*resultSet, error) {
	var x *execCtx
	if outer != nil {
		x = outer.x
	}
	return p.execCtx(outer, x)
}

func (p *selectPlan) execCtx(outer *env, x *execCtx) (*resultSet, error) {
	if p.rec != nil {
		return p.rec.exec(outer, x)
	}
	lenv := &env{outer: outer, x: x}
	// limit and offset first: LIMIT 0 skips the work
	limit, offset, err := p.limits(lenv)
	if err != nil {
		return nil, err
	}
	// materialise recursive CTEs lazily: handled by the table source.
	max := int64(-1)
	if limit >= 0 && len(p.cores) == 1 && len(p.order) == 0 && !p.cores[0].distinct {
		max = limit + offset
	}
	rows, err := p.cores[0].exec(lenv, max)
	if err != nil {
		return nil, err
	}
	width := len(p.cols)
	for i, op := range p.ops {
		right, err := p.cores[i+1].exec(lenv, -1)
		if err != nil {
			return nil, err
		}
		rows = compound(op, rows, right, p.cols, width)
	}
	if len(p.order) > 0 {
		sortRows(rows, p.order)
	}
	if offset > 0 {
		if offset >= int64(len(rows)) {
			rows = nil
		} else {
			rows = rows[offset:]
		}
	}
	if limit >= 0 && limit < int64(len(rows)) {
		rows = rows[:limit]
	}
	if p.nExtra > 0 {
		for i, r := range rows {
			rows[i] = r[:width:width]
		}
	}
	return &resultSet{cols: p.cols, rows: rows}, nil
}

// stream runs p as a top-level query and hands its rows to emit a batch
// at a time as the scan produces them. It reports false, having done
// nothing, when p must be materialised first: a compound, ORDER BY,
// aggregate, DISTINCT or a FROM clause other than one table.
func (p *selectPlan) stream(x *execCtx, emit func([][]Value) error) (bool, error) {
	if p.rec != nil || len(p.cores) != 1 || len(p.order) > 0 || p.nExtra > 0 {
		return false, nil
	}
	cp := p.cores[0]
	if cp.values != nil || cp.from == nil || !cp.from.vectorised() || cp.isAgg || cp.distinct {
		return false, nil
	}
	lenv := &env{x: x}
	limit, offset, err := p.limits(lenv)
	if err != nil {
		return true, err
	}
	return true, cp.streamVec(&env{outer: lenv, x: x}, offset, limit, emit)
}

// limits evaluates LIMIT (-1 when there is none) and OFFSET (at least 0).
func (p *selectPlan) limits(lenv *env) (limit, offset int64, err error) {
	limit = -1
	if p.limit == nil {
		return limit, 0, nil
	}
	v, err := p.limit.fn(lenv)
	if err != nil {
		return 0, 0, err
	}
	if limit, err = limitValue(v); err != nil {
		return 0, 0, err
	}
	if p.offset != nil {
		v, err := p.offset.fn(lenv)
		if err != nil {
			return 0, 0, err
		}
		if offset, err = limitValue(v); err != nil {
			return 0, 0, err
		}
	}
	return limit, max(offset, 0), nil
}

func limitValue(v Value) (int64, error) {
	if v.IsNull() {
		return 0, fmt.Errorf("datatype mismatch")
	}
	n := applyCmpAff(v, affNumeric)
	if !isInt(n) {
		return 0, fmt.Errorf("datatype mismatch")
	}
	return n.Int(), nil
}

// compound combines two row sets; the non-ALL operators deduplicate and
// return rows in sorted order, as SQLite's ephemeral indexes do.
func compound(op sqlparse.CompoundOp, left, right [][]Value, cols []outCol, width int) [][]Value {
	if op == sqlparse.UnionAll {
		return append(left, right...)
	}
	key := func(r []Value) string {
		var b []byte
		for i := 0; i < width; i++ {
			b = appendKey(b, r[i], cols[i].coll)
		}
		return string(b)
	}
	var out [][]Value
	switch op {
	case sqlparse.Union:
		// As SQLite's union index: among the left rows the first of equal
		// rows stays (1 before 1.0); a right row replaces an equal one
		at := map[string]int{}
		for _, r := range left {
			k := key(r)
			if _, ok := at[k]; !ok {
				at[k] = len(out)
				out = append(out, r)
			}
		}
		seenRight := map[string]bool{}
		for _, r := range right {
			k := key(r)
			if seenRight[k] {
				continue // equal rows of one SELECT: the first stays
			}
			seenRight[k] = true
			if i, ok := at[k]; ok {
				out[i] = r
				continue
			}
			at[k] = len(out)
			out = append(out, r)
		}
	case sqlparse.Intersect, sqlparse.Except:
		inRight := map[string]bool{}
		for _, r := range right {
			inRight[key(r)] = true
		}
		at := map[string]int{}
		for _, r := range left {
			k := key(r)
			if inRight[k] != (op == sqlparse.Intersect) {
				continue
			}
			if _, ok := at[k]; ok {
				continue
			}
			at[k] = len(out)
			out = append(out, r)
		}
	}
	keys := make([]orderKey, width)
	for i := range keys {
		keys[i] = orderKey{col: i, coll: cols[i].coll}
	}
	sortRows(out, keys)
	return out
}

// sortRows sorts rows by keys, stably. The key columns are read into vecs
// first, so that a key whose values share a storage class compares in a
// typed loop (integers, reals, binary text) rather than through Values;
// the rows are then put in the order of the sorted row numbers.
func sortRows(rows [][]Value, keys []orderKey) {
	if len(rows) < 2 || len(keys) == 0 {
		return
	}
	cols := make([]*vec, len(keys))
	for i, k := range keys {
		cols[i] = vecOfRows(rows, k.col)
	}
	perm := identity(len(rows))
	slices.SortStableFunc(perm, func(i, j int32) int {
		for n, k := range keys {
			if c := compareKey(cols[n], i, j, k); c != 0 {
				return c
			}
		}
		return 0
	})
	sorted := make([][]Value, len(rows))
	for i, p := range perm {
		sorted[i] = rows[p]
	}
	copy(rows, sorted)
}

// compareKey orders rows i and j of v by one ORDER BY key: NULLs first
// ascending and last descending unless NULLS FIRST/LAST says otherwise.
func compareKey(v *vec, i, j int32, k orderKey) int {
	xn, yn := v.isNull(i), v.isNull(j)
	if xn || yn {
		if xn && yn {
			return 0
		}
		nullFirst := !k.desc
		if k.nulls == sqlparse.NullsFirst {
			nullFirst = true
		} else if k.nulls == sqlparse.NullsLast {
			nullFirst = false
		}
		if xn == nullFirst {
			return -1
		}
		return 1
	}
	var c int
	switch {
	case v.kind == vInt:
		c = cmp.Compare(v.ints[i], v.ints[j])
	case v.kind == vReal:
		c = cmp.Compare(v.reals[i], v.reals[j])
	case v.kind == vText && k.coll == collBinary:
		c = strings.Compare(v.texts[i], v.texts[j])
	default:
		c = compareVals(v.at(i), v.at(j), k.coll)
	}
	if k.desc {
		return -c
	}
	return c
}
