package sqlexec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/projstore/projstore/sqlexec/sqlparse"
)

// fromItem is one table of a FROM clause.
type fromItem struct {
	alias  string
	cols   []scopeCol
	offset int

	table *memTable   // a base table
	sub   *selectPlan // a derived table, view or CTE
	cte   *cteDef     // a reference to a recursive CTE's working set

	op   sqlparse.JoinOp // how it joins the items before it
	on   []*conj         // LEFT JOIN conditions
	left bool
}

// conj is one AND-term of WHERE or ON, with the items it references.
type conj struct {
	x     cexpr
	items []bool
	// equality between an expression of earlier items and one of a single
	// item, for hash joins
	eq      bool
	l, r    cexpr
	lItems  []bool
	rItems  []bool
	af      aff
	coll    collation
	applied bool
}

type fromPlan struct {
	items   []*fromItem
	width   int
	where   []*conj
	hasLeft bool
	// used is the scope's set of columns the query reads; nil reads all
	used map[int]bool
}

// need lists the columns of item it that the query reads, nil for all.
func (fp *fromPlan) need(it *fromItem) []int {
	if fp.used == nil {
		return nil
	}
	need := []int{}
	for j := range it.cols {
		if fp.used[it.offset+j] {
			need = append(need, j)
		}
	}
	return need
}

// corePlan is one SELECT core (or VALUES).
type corePlan struct {
	cols   []outCol
	values [][]cexpr
	from   *fromPlan
	scope  *scope

	isAgg    bool
	groupBy  []cexpr
	having   []cexpr // AND-terms
	aggs     []*aggSpec
	proj     []cexpr
	extra    []cexpr
	order    []orderKey
	distinct bool
}

func (c *compiler) corePlan(core *sqlparse.SelectCore, ls *scope, orderBy []*sqlparse.OrderTerm) (*corePlan, error) {
	cs := &scope{parent: ls, used: map[int]bool{}}
	cp := &corePlan{scope: cs, distinct: core.Distinct}
	if core.Values != nil {
		for i, row := range core.Values {
			if i > 0 && len(row) != len(core.Values[0]) {
				return nil, fmt.Errorf("all VALUES must have the same number of terms")
			}
			var r []cexpr
			for _, x := range row {
				e, err := c.compile(x, cs)
				if err != nil {
					return nil, err
				}
				r = append(r, e)
			}
			cp.values = append(cp.values, r)
		}
		for i := range core.Values[0] {
			cp.cols = append(cp.cols, outCol{name: "column" + strconv.Itoa(i+1)})
		}
		for i, t := range orderBy {
			k, err := valuesOrder(t, i, cp.cols)
			if err != nil {
				return nil, err
			}
			cp.order = append(cp.order, k)
		}
		return cp, nil
	}
	if core.From != nil {
		fp, err := c.fromPlan(core.From, cs)
		if err != nil {
			return nil, err
		}
		cp.from = fp
	}
	// result columns, stars expanded
	type rcol struct {
		x    sqlparse.Expr
		idx  int // star column index, or -1
		name string
	}
	var rcs []rcol
	for _, rc := range core.Columns {
		if rc.Star {
			n := 0
			for i, col := range cs.cols {
				if col.hidden || col.pseudo || rc.Table != "" && !strings.EqualFold(col.table, rc.Table) {
					continue
				}
				rcs = append(rcs, rcol{idx: i, name: col.name})
				n++
			}
			if n == 0 {
				if rc.Table != "" {
					return nil, fmt.Errorf("no such table: %s", rc.Table)
				}
				return nil, fmt.Errorf("no tables specified")
			}
			continue
		}
		name := rc.Alias
		if name == "" {
			if col, ok := rc.Expr.(*sqlparse.Column); ok {
				name = col.Name
			} else {
				name = rc.Text
				if name == "" {
					name = rc.Expr.String()
				}
			}
		}
		rcs = append(rcs, rcol{x: rc.Expr, idx: -1, name: name})
	}
	// aliases usable in WHERE, GROUP BY, HAVING
	cs.aliases = map[string]sqlparse.Expr{}
	for _, rc := range core.Columns {
		if rc.Alias != "" {
			if _, dup := cs.aliases[strings.ToLower(rc.Alias)]; !dup {
				cs.aliases[strings.ToLower(rc.Alias)] = rc.Expr
			}
		}
	}
	// WHERE conjuncts
	if core.Where != nil {
		for _, x := range splitAnd(core.Where) {
			cj, err := c.conj(x, cs, cp.from)
			if err != nil {
				return nil, err
			}
			if cp.from == nil {
				cp.from = &fromPlan{}
			}
			cp.from.where = append(cp.from.where, cj)
		}
	}
	isAgg := len(core.GroupBy) > 0
	for _, r := range rcs {
		if r.x != nil && hasAggregate(r.x) {
			isAgg = true
		}
	}
	if core.Having != nil && !isAgg {
		return nil, fmt.Errorf("HAVING clause on a non-aggregate query")
	}
	for _, t := range orderBy {
		if hasAggregate(t.Expr) {
			isAgg = true
		}
	}
	cp.isAgg = isAgg
	// GROUP BY
	for _, g := range core.GroupBy {
		x := g
		if lit, ok := g.(*sqlparse.Literal); ok && lit.Kind == sqlparse.IntLit {
			v, _ := literalValue(lit, false)
			n := v.Int()
			if n < 1 || n > int64(len(rcs)) {
				return nil, fmt.Errorf("GROUP BY term out of range - should be between 1 and %d", len(rcs))
			}
			if rcs[n-1].x == nil {
				x = &sqlparse.Column{Name: cs.cols[rcs[n-1].idx].name, Table: cs.cols[rcs[n-1].idx].table}
			} else {
				x = rcs[n-1].x
			}
		} else if col, ok := g.(*sqlparse.Column); ok && col.Table == "" {
			for _, rc := range core.Columns {
				if rc.Alias != "" && strings.EqualFold(rc.Alias, col.Name) {
					x = rc.Expr
					break
				}
			}
		}
		if hasAggregate(x) {
			return nil, fmt.Errorf("aggregate functions are not allowed in the GROUP BY clause")
		}
		e, err := c.compile(x, cs)
		if err != nil {
			return nil, err
		}
		cp.groupBy = append(cp.groupBy, e)
		cs.groupTerms = append(cs.groupTerms, groupTerm{str: x.String(), c: e})
	}
	if isAgg {
		cs.agg = &aggCollector{}
	}
	for _, r := range rcs {
		if r.x == nil {
			col := cs.cols[r.idx]
			i := r.idx
			cs.used[i] = true
			cp.proj = append(cp.proj, cexpr{fn: func(e *env) (Value, error) { return e.row[i], nil },
				vf: func(b *vbatch, _ []int32) (*vec, error) { return b.col(i) }, aff: col.aff, coll: col.coll})
			cp.cols = append(cp.cols, outCol{name: r.name, aff: col.aff, coll: col.coll})
			continue
		}
		e, err := c.compile(r.x, cs)
		if err != nil {
			return nil, err
		}
		cp.proj = append(cp.proj, e)
		cp.cols = append(cp.cols, outCol{name: r.name, aff: e.aff, coll: e.coll})
	}
	// ORDER BY
	for i, t := range orderBy {
		k := orderKey{col: -1, desc: t.Order == sqlparse.Desc, nulls: t.Nulls}
		x := t.Expr
		var coll *collation
		if cl, ok := x.(*sqlparse.Collate); ok {
			cc, ok := collationNamed(cl.Collation)
			if !ok {
				return nil, fmt.Errorf("no such collation sequence: %s", cl.Collation)
			}
			coll = &cc
			x = cl.X
		}
		if lit, ok := x.(*sqlparse.Literal); ok && lit.Kind == sqlparse.IntLit {
			v, _ := literalValue(lit, false)
			n := v.Int()
			if n < 1 || n > int64(len(cp.cols)) {
				return nil, fmt.Errorf("%s ORDER BY term out of range - should be between 1 and %d", ordinalName(i+1), len(cp.cols))
			}
			k.col = int(n - 1)
		} else {
			if col, ok := x.(*sqlparse.Column); ok && col.Table == "" {
				for j, rc := range core.Columns {
					if rc.Alias != "" && strings.EqualFold(rc.Alias, col.Name) {
						k.col = j
						break
					}
				}
			}
			if k.col < 0 {
				e, err := c.compile(x, cs)
				if err != nil {
					return nil, err
				}
				k.col = len(cp.cols) + len(cp.extra)
				cp.extra = append(cp.extra, e)
				if coll == nil {
					k.coll = e.coll
				}
			}
		}
		if coll != nil {
			k.coll = *coll
		} else if k.col < len(cp.cols) {
			k.coll = cp.cols[k.col].coll
		}
		cp.order = append(cp.order, k)
	}
	if core.Having != nil {
		// Constant HAVING terms of a GROUP BY query filter its rows
		// first, as SQLite's havingToWhere moves them into WHERE: a false
		// one means no groups, and no aggregate is finalised.
		var kept []sqlparse.Expr
		for _, x := range splitAnd(core.Having) {
			if len(core.GroupBy) > 0 && !hasAggregate(x) && !hasSubquery(x) && !hasColumn(x) && !isAlwaysFalse(x) {
				agg := cs.agg
				cs.agg = nil
				cj, err := c.conj(x, cs, cp.from)
				cs.agg = agg
				if err != nil {
					return nil, err
				}
				if cp.from == nil {
					cp.from = &fromPlan{}
				}
				cp.from.where = append(cp.from.where, cj)
				continue
			}
			kept = append(kept, x)
		}
		for _, x := range kept {
			h, err := c.compile(x, cs)
			if err != nil {
				return nil, err
			}
			cp.having = append(cp.having, h)
		}
	}
	if cs.agg != nil {
		cp.aggs = cs.agg.specs
	}
	return cp, nil
}

func valuesOrder(t *sqlparse.OrderTerm, i int, cols []outCol) (orderKey, error) {
	k := orderKey{desc: t.Order == sqlparse.Desc, nulls: t.Nulls}
	if lit, ok := t.Expr.(*sqlparse.Literal); ok && lit.Kind == sqlparse.IntLit {
		v, _ := literalValue(lit, false)
		if n := v.Int(); n >= 1 && n <= int64(len(cols)) {
			k.col = int(n - 1)
			return k, nil
		}
		return k, fmt.Errorf("%s ORDER BY term out of range - should be between 1 and %d", ordinalName(i+1), len(cols))
	}
	if col, ok := t.Expr.(*sqlparse.Column); ok {
		for j, c := range cols {
			if strings.EqualFold(c.name, col.Name) {
				k.col = j
				return k, nil
			}
		}
	}
	return k, fmt.Errorf("%s ORDER BY term does not match any column in the result set", ordinalName(i+1))
}

func splitAnd(x sqlparse.Expr) []sqlparse.Expr {
	if b, ok := x.(*sqlparse.Binary); ok && b.Op == sqlparse.OpAnd {
		if isFalseLit(b.X) || isFalseLit(b.Y) {
			return []sqlparse.Expr{x} // folds to 0 as a whole (see binary)
		}
		return append(splitAnd(b.X), splitAnd(b.Y)...)
	}
	return []sqlparse.Expr{x}
}

// itemsOf maps referenced column indexes to FROM items.
func itemsOf(refs map[int]bool, fp *fromPlan) []bool {
	if fp == nil {
		return nil
	}
	out := make([]bool, len(fp.items))
	for idx := range refs {
		for k, it := range fp.items {
			if idx >= it.offset && idx < it.offset+len(it.cols) {
				out[k] = true
			}
		}
	}
	return out
}

// conj compiles one AND-term and records what it references.
func (c *compiler) conj(x sqlparse.Expr, cs *scope, fp *fromPlan) (*conj, error) {
	cs.refs = map[int]bool{}
	e, err := c.compile(x, cs)
	refs := cs.refs
	cs.refs = nil
	if err != nil {
		return nil, err
	}
	cj := &conj{x: e, items: itemsOf(refs, fp)}
	if b, ok := x.(*sqlparse.Binary); ok && b.Op == sqlparse.OpEq && fp != nil {
		cs.refs = map[int]bool{}
		l, err1 := c.compile(b.X, cs)
		lr := cs.refs
		cs.refs = map[int]bool{}
		r, err2 := c.compile(b.Y, cs)
		rr := cs.refs
		cs.refs = nil
		if err1 == nil && err2 == nil && !hasSubquery(b.X) && !hasSubquery(b.Y) {
			cj.eq = true
			cj.l, cj.r = l, r
			cj.lItems, cj.rItems = itemsOf(lr, fp), itemsOf(rr, fp)
			cj.af = compareAff(l.aff, r.aff)
			cj.coll = cmpColl(l, r)
		}
	}
	return cj, nil
}

func hasSubquery(x sqlparse.Node) bool {
	found := false
	sqlparse.Inspect(x, func(n sqlparse.Node) bool {
		switch n.(type) {
		case *sqlparse.Subquery, *sqlparse.Exists, *sqlparse.Select:
			found = true
		case *sqlparse.Call:
			if n.(*sqlparse.Call).Name == "random" || strings.EqualFold(n.(*sqlparse.Call).Name, "random") {
				found = true
			}
		}
		return !found
	})
	return found
}

// fromPlan resolves a FROM clause into items and the core scope's columns.
func (c *compiler) fromPlan(t sqlparse.TableExpr, cs *scope) (*fromPlan, error) {
	fp := &fromPlan{used: cs.used}
	var onExprs []struct {
		item int
		x    sqlparse.Expr
	}
	var usings [][3]int // item, left column, right column of USING/NATURAL
	var add func(t sqlparse.TableExpr, op sqlparse.JoinOp) error
	add = func(t sqlparse.TableExpr, op sqlparse.JoinOp) error {
		switch t := t.(type) {
		case *sqlparse.Join:
			if err := add(t.Left, op); err != nil {
				return err
			}
			if _, nested := t.Right.(*sqlparse.Join); nested && t.Op == sqlparse.LeftJoin {
				return fmt.Errorf("a parenthesised join on the right of LEFT JOIN is not supported")
			}
			switch t.Op {
			case sqlparse.RightJoin, sqlparse.FullJoin:
				return fmt.Errorf("RIGHT and FULL OUTER JOINs are not supported")
			}
			first := len(fp.items)
			if err := add(t.Right, t.Op); err != nil {
				return err
			}
			it := fp.items[first]
			it.op = t.Op
			it.left = t.Op == sqlparse.LeftJoin
			if it.left {
				fp.hasLeft = true
			}
			// USING and NATURAL become equalities
			using := t.Using
			if t.Natural {
				for _, rc := range it.cols {
					if rc.pseudo {
						continue
					}
					for _, lc := range cs.cols[:it.offset] {
						if strings.EqualFold(lc.name, rc.name) && !lc.hidden && !lc.pseudo {
							using = append(using, rc.name)
							break
						}
					}
				}
			}
			for _, name := range using {
				li := -1
				for i, lc := range cs.cols[:it.offset] {
					if strings.EqualFold(lc.name, name) && !lc.hidden && !lc.pseudo {
						li = i
						break
					}
				}
				ri := -1
				for i, rc := range it.cols {
					if strings.EqualFold(rc.name, name) && !rc.pseudo {
						ri = i
					}
				}
				if li < 0 || ri < 0 {
					return fmt.Errorf("cannot join using column %s - column not present in both tables", name)
				}
				cs.cols[it.offset+ri].hidden = true
				it.cols[ri].hidden = true
				usings = append(usings, [3]int{first, li, it.offset + ri})
			}
			if t.On != nil {
				onExprs = append(onExprs, struct {
					item int
					x    sqlparse.Expr
				}{first, t.On})
			}
			return nil
		case *sqlparse.TableName:
			it, err := c.tableItem(t, cs)
			if err != nil {
				return err
			}
			return c.addItem(fp, it, cs)
		case *sqlparse.DerivedTable:
			p, err := c.selectPlan(t.Select, cs.parent)
			if err != nil {
				return err
			}
			it := &fromItem{alias: t.Alias, sub: p}
			for _, oc := range p.cols {
				it.cols = append(it.cols, scopeCol{table: t.Alias, name: oc.name, aff: oc.aff, coll: oc.coll})
			}
			return c.addItem(fp, it, cs)
		}
		return fmt.Errorf("unsupported FROM item %T", t)
	}
	if err := add(t, sqlparse.CommaJoin); err != nil {
		return nil, err
	}
	fp.width = len(cs.cols)
	for _, u := range usings {
		it := fp.items[u[0]]
		l, r := cs.cols[u[1]], cs.cols[u[2]]
		li, ri := u[1], u[2]
		if fp.used != nil {
			fp.used[li], fp.used[ri] = true, true
		}
		lx := cexpr{fn: func(e *env) (Value, error) { return e.row[li], nil }, aff: l.aff, coll: l.coll}
		rx := cexpr{fn: func(e *env) (Value, error) { return e.row[ri], nil }, aff: r.aff, coll: r.coll}
		af, coll := compareAff(l.aff, r.aff), cmpColl(lx, rx)
		cj := &conj{eq: true, l: lx, r: rx, af: af, coll: coll,
			lItems: itemsOf(map[int]bool{li: true}, fp), rItems: itemsOf(map[int]bool{ri: true}, fp),
			items: itemsOf(map[int]bool{li: true, ri: true}, fp)}
		cj.x = cexpr{fn: func(e *env) (Value, error) { return compareOp('=', e.row[li], e.row[ri], af, coll), nil }}
		if it.left {
			it.on = append(it.on, cj)
		} else {
			fp.where = append(fp.where, cj)
		}
	}
	for _, oe := range onExprs {
		it := fp.items[oe.item]
		for _, x := range splitAnd(oe.x) {
			cj, err := c.conj(x, cs, fp)
			if err != nil {
				return nil, err
			}
			if it.left {
				// an ON term may not use items after its join
				for k := oe.item + 1; k < len(fp.items); k++ {
					if cj.items[k] {
						return nil, fmt.Errorf("ON clause references tables to its right")
					}
				}
				it.on = append(it.on, cj)
			} else {
				fp.where = append(fp.where, cj)
			}
		}
	}
	return fp, nil
}

func (c *compiler) addItem(fp *fromPlan, it *fromItem, cs *scope) error {
	// SQLite allows a name twice (t, t): references to it are ambiguous.
	it.offset = len(cs.cols)
	for i := range it.cols {
		it.cols[i].table = it.alias
	}
	cs.cols = append(cs.cols, it.cols...)
	fp.items = append(fp.items, it)
	return nil
}

// lookupCTE finds a CTE visible from s.
func lookupCTE(s *scope, name string) *cteDef {
	for sc := s; sc != nil; sc = sc.parent {
		if d, ok := sc.ctes[strings.ToLower(name)]; ok && !d.compiling {
			return d
		}
	}
	return nil
}

// tableItem resolves a table name: a CTE, a view or a base table.
func (c *compiler) tableItem(t *sqlparse.TableName, cs *scope) (*fromItem, error) {
	alias := t.Alias
	if alias == "" {
		alias = t.Name
	}
	asOf := t.AsOf
	inMemory := c.db.tables[strings.ToLower(t.Name)] != nil || c.db.views[strings.ToLower(t.Name)] != nil
	if asOf == nil && t.Schema == "" && lookupCTE(cs, t.Name) == nil && !inMemory {
		asOf = c.stmtAsOf
	}
	if mt := c.db.tables[strings.ToLower(t.Name)]; t.AsOf != nil && inMemory && (mt == nil || mt.src == nil) {
		return nil, fmt.Errorf("table %s: FOR SYSTEM_TIME AS OF OFFSET reads the store; %s is an in-memory table or view", t.Name, t.Name)
	}
	if asOf != nil || (c.db.store != nil && c.db.tables[strings.ToLower(t.Name)] == nil && c.db.views[strings.ToLower(t.Name)] == nil && (t.Schema != "" || lookupCTE(cs, t.Name) == nil)) {
		if c.db.store == nil {
			return nil, fmt.Errorf("table %s: FOR SYSTEM_TIME AS OF OFFSET needs a database attached to a store", t.Name)
		}
		if t.AsOf != nil && lookupCTE(cs, t.Name) != nil {
			return nil, fmt.Errorf("table %s: a CTE has no past positions", t.Name)
		}
		return c.storeItem(t, alias, asOf, cs)
	}
	if t.Schema == "" {
		if d := lookupCTE(cs, t.Name); d != nil {
			if d.working != nil || d.inRecursion {
				it := &fromItem{alias: alias, cte: d}
				for _, oc := range d.cols {
					it.cols = append(it.cols, scopeCol{name: oc.name, aff: oc.aff, coll: oc.coll})
				}
				return it, nil
			}
			p, err := c.ctePlan(d, cs)
			if err != nil {
				return nil, err
			}
			it := &fromItem{alias: alias, sub: p}
			for _, oc := range p.cols {
				it.cols = append(it.cols, scopeCol{name: oc.name, aff: oc.aff, coll: oc.coll})
			}
			return it, nil
		}
	}
	if t.Schema != "" && !strings.EqualFold(t.Schema, "main") && !strings.EqualFold(t.Schema, "temp") {
		return nil, fmt.Errorf("unknown database %s", t.Schema)
	}
	db := c.db
	if v, ok := db.views[strings.ToLower(t.Name)]; ok {
		if v.expanding {
			return nil, fmt.Errorf("view %s is circularly defined", t.Name)
		}
		v.expanding = true
		p, err := c.selectPlan(v.sel, cs.parent)
		v.expanding = false
		if err != nil {
			return nil, err
		}
		return viewItem(v, p, alias), nil
	}
	tb, ok := db.tables[strings.ToLower(t.Name)]
	if !ok {
		return nil, fmt.Errorf("no such table: %s", t.Name)
	}
	it := &fromItem{alias: alias, table: tb}
	for i, col := range tb.def.Columns {
		it.cols = append(it.cols, scopeCol{name: col.Name, aff: tb.affs[i], coll: tb.colls[i]})
	}
	if tb.hasRowid() {
		it.cols = append(it.cols, scopeCol{name: "rowid", aff: affInteger, pseudo: true})
	}
	return it, nil
}

// viewItem is the FROM item of view v, planned as p: its columns are
// named by the view's column list where it has one.
func viewItem(v *viewDef, p *selectPlan, alias string) *fromItem {
	it := &fromItem{alias: alias, sub: p}
	for i, oc := range p.cols {
		name := oc.name
		if i < len(v.columns) {
			name = v.columns[i]
		}
		it.cols = append(it.cols, scopeCol{name: name, aff: oc.aff, coll: oc.coll})
	}
	return it
}

// ctePlan plans a CTE reference.
func (c *compiler) ctePlan(d *cteDef, cs *scope) (*selectPlan, error) {
	d.compiling = true
	defer func() { d.compiling = false }()
	if d.rec {
		return c.recursivePlan(d, cs)
	}
	p, err := c.selectPlan(d.sel, cs.parent)
	if err != nil {
		return nil, err
	}
	if err := renameCols(p, d); err != nil {
		return nil, err
	}
	return p, nil
}

func renameCols(p *selectPlan, d *cteDef) error {
	if len(d.columns) == 0 {
		return nil
	}
	if len(d.columns) != len(p.cols) {
		return fmt.Errorf("table %s has %d values for %d columns", d.name, len(p.cols), len(d.columns))
	}
	cols := make([]outCol, len(p.cols))
	copy(cols, p.cols)
	for i := range cols {
		cols[i].name = d.columns[i]
	}
	p.cols = cols
	return nil
}

// ---------------------------------------------------------------------------
// Execution

// exec runs the core; max, when not negative, is the number of rows
// the caller needs (LIMIT plus OFFSET, with nothing to sort or merge).
func (cp *corePlan) exec(lenv *env, max int64) ([][]Value, error) {
	e := &env{outer: lenv, x: lenv.x}
	var out [][]Value
	if cp.values != nil {
		for _, r := range cp.values {
			row := make([]Value, len(r))
			for i, x := range r {
				v, err := x.fn(e)
				if err != nil {
					return nil, err
				}
				row[i] = v
			}
			out = append(out, row)
		}
		if len(cp.order) > 0 {
			sortRows(out, cp.order)
		}
		return out, nil
	}
	var rows [][]Value
	vectorised := cp.from != nil && cp.from.vectorised()
	switch {
	case vectorised:
	case cp.from != nil:
		var err error
		rows, err = cp.from.run(e)
		if err != nil {
			return nil, err
		}
	default:
		rows = [][]Value{{}}
	}
	width := len(cp.cols) + len(cp.extra)
	project := func(e *env) ([]Value, error) {
		r := make([]Value, width)
		for i, x := range cp.proj {
			v, err := x.fn(e)
			if err != nil {
				return nil, err
			}
			r[i] = v
		}
		for i, x := range cp.extra {
			v, err := x.fn(e)
			if err != nil {
				return nil, err
			}
			r[len(cp.proj)+i] = v
		}
		return r, nil
	}
	switch {
	case vectorised && cp.isAgg:
		var err error
		if out, err = cp.aggregateVec(e, project); err != nil {
			return nil, err
		}
	case vectorised:
		var err error
		if out, err = cp.projectVec(e, max); err != nil {
			return nil, err
		}
	case !cp.isAgg:
		for _, row := range rows {
			e.row = row
			r, err := project(e)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	default:
		var err error
		out, err = cp.aggregate(e, rows, project)
		if err != nil {
			return nil, err
		}
	}
	if cp.distinct {
		seen := map[string]bool{}
		kept := out[:0]
		for _, r := range out {
			var b []byte
			for i := range cp.cols {
				b = appendKey(b, r[i], cp.cols[i].coll)
			}
			if !seen[string(b)] {
				seen[string(b)] = true
				kept = append(kept, r)
			}
		}
		out = kept
	}
	return out, nil
}

type group struct {
	keys   []Value
	rep    []Value
	states []*aggState
	// repSet and repAt mark the row of a batch to become rep
	// (aggregateVec)
	repSet *vbatch
	repAt  int32
}

func (cp *corePlan) aggregate(e *env, rows [][]Value, project func(*env) ([]Value, error)) ([][]Value, error) {
	groups := map[string]*group{}
	var order []*group
	lastMinMax := -1
	for k, sp := range cp.aggs {
		if sp.name == "min" || sp.name == "max" {
			lastMinMax = k
		}
	}
	for _, row := range rows {
		e.row = row
		var key []byte
		var keys []Value
		for _, g := range cp.groupBy {
			v, err := g.fn(e)
			if err != nil {
				return nil, err
			}
			keys = append(keys, v)
			key = appendKey(key, v, g.coll)
		}
		grp := groups[string(key)]
		if grp == nil {
			grp = &group{keys: keys}
			for _, s := range cp.aggs {
				grp.states = append(grp.states, newAggState(s))
			}
			groups[string(key)] = grp
			order = append(order, grp)
		}
		changed := false
		for k, st := range grp.states {
			ch, err := st.step(e)
			if err != nil {
				return nil, err
			}
			if k == lastMinMax {
				changed = ch
			}
		}
		// bare columns read the group's first row, then each row that
		// the last min() or max() of the query takes its value from: SQLite
		// copies them when that function's step does not skip the load
		if grp.rep == nil || changed {
			grp.rep = row
		}
	}
	return cp.finishGroups(e, order, project)
}

// finishGroups computes each group's aggregates, applies HAVING and
// evaluates the result columns, in the order of the GROUP BY values.
func (cp *corePlan) finishGroups(e *env, order []*group, project func(*env) ([]Value, error)) ([][]Value, error) {
	width := 0
	if cp.from != nil {
		width = cp.from.width
	}
	if len(cp.groupBy) == 0 && len(order) == 0 {
		grp := &group{rep: make([]Value, width)}
		for _, s := range cp.aggs {
			grp.states = append(grp.states, newAggState(s))
		}
		order = append(order, grp)
	}
	if len(cp.groupBy) > 0 {
		sort.SliceStable(order, func(i, j int) bool {
			for k, g := range cp.groupBy {
				c := compareVals(order[i].keys[k], order[j].keys[k], g.coll)
				if c != 0 {
					return c < 0
				}
			}
			return false
		})
	}
	var out [][]Value
	for _, grp := range order {
		aggs := make([]Value, len(grp.states))
		for i, st := range grp.states {
			v, err := st.final()
			if err != nil {
				return nil, err
			}
			aggs[i] = v
		}
		e.row, e.aggs, e.gkeys = grp.rep, aggs, grp.keys
		pass := true
		for _, h := range cp.having {
			b, err := h.holds(e)
			if err != nil {
				return nil, err
			}
			if !b {
				pass = false
				break
			}
		}
		if !pass {
			continue
		}
		r, err := project(e)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	e.aggs = nil
	return out, nil
}

// itemRows materialises one FROM item.
func (it *fromItem) rows(e *env) ([][]Value, error) {
	switch {
	case it.table != nil:
		return it.table.scanRows(e.x)
	case it.cte != nil:
		if it.cte.working == nil {
			return nil, nil
		}
		return it.cte.working.rows, nil
	}
	rs, err := it.sub.exec(e.outer)
	if err != nil {
		return nil, err
	}
	return rs.rows, nil
}

func subset(a, b []bool) bool { // a ⊆ b
	for i, x := range a {
		if x && !b[i] {
			return false
		}
	}
	return true
}

func onlyItem(a []bool, k int) bool {
	any := false
	for i, x := range a {
		if x {
			if i != k {
				return false
			}
			any = true
		}
	}
	return any
}

// run joins the items and applies every condition.
func (fp *fromPlan) run(e *env) ([][]Value, error) {
	n := len(fp.items)
	joined := make([]bool, n)
	filter := func(rows [][]Value, conds []*conj) ([][]Value, error) {
		kept, err := filterRows(e, rows, conds, 0, fp.width, fp.width)
		if err != nil || len(kept) == len(rows) {
			return rows, err
		}
		out := make([][]Value, len(kept))
		for i, p := range kept {
			out[i] = rows[p]
		}
		return out, nil
	}
	applied := map[*conj]bool{}
	ready := func() []*conj {
		var out []*conj
		for _, cj := range fp.where {
			if !applied[cj] && (cj.items == nil || subset(cj.items, joined)) {
				applied[cj] = true
				out = append(out, cj)
			}
		}
		return out
	}
	cur := [][]Value{make([]Value, fp.width)}
	cur, err := filter(cur, ready())
	if err != nil {
		return nil, err
	}
	if len(cur) == 0 {
		return nil, nil
	}
	// Materialise every item, filtered by the conditions on it alone: WHERE
	// terms of inner-joined items and ON terms of a LEFT JOIN's own table.
	itemRows := make([][][]Value, n)
	for k, it := range fp.items {
		var own []*conj
		cands := fp.where
		if it.left {
			cands = it.on
		}
		for _, cj := range cands {
			if !applied[cj] && onlyItem(cj.items, k) {
				own = append(own, cj)
			}
		}
		// An error in a term on the item alone is not yet the query's:
		// SQLite evaluates the term only on rows its join reaches, so with
		// other items the term is left to the join, on the pairs it makes.
		deferrable := func(error) bool { return n > 1 && e.x.ctx().Err() == nil }
		var rows [][]Value
		filtered := false
		if it.table != nil && len(own) > 0 {
			// a base table's own terms filter its batches
			err := it.filterVec(e, own, fp.width, fp.need(it), func(sb selBatch) (err error) {
				rows, err = sb.rows(rows)
				return err
			})
			if err != nil && !deferrable(err) {
				return nil, err
			}
			filtered = err == nil
			if !filtered {
				rows = nil
			}
		}
		if !filtered {
			all, err := it.rows(e)
			if err != nil {
				return nil, err
			}
			rows = all
			if len(own) > 0 && it.table == nil {
				kept, err := filterRows(e, all, own, it.offset, len(it.cols), fp.width)
				if err != nil && !deferrable(err) {
					return nil, err
				}
				if err == nil {
					rows = make([][]Value, len(kept))
					for i, p := range kept {
						rows[i] = all[p]
					}
					filtered = true
				}
			}
		}
		if filtered {
			for _, cj := range own {
				applied[cj] = true
			}
		}
		itemRows[k] = rows
	}
	if n == 1 && !fp.items[0].left {
		// one table: its (filtered) rows are the rows, without a copy
		joined[0] = true
		rows := itemRows[0]
		if conds := ready(); len(conds) > 0 {
			rows, err = filter(append([][]Value(nil), rows...), conds)
			if err != nil {
				return nil, err
			}
		}
		return rows, nil
	}
	done := 0
	for done < n {
		if len(cur) == 0 {
			return nil, nil
		}
		// choose the next item: in order when there are LEFT JOINs, else
		// the smallest one joined by an equality, else the smallest one
		k := -1
		if fp.hasLeft {
			k = done
		} else {
			for i := 0; i < n; i++ {
				if joined[i] || done == 0 {
					continue
				}
				for _, cj := range fp.where {
					if !applied[cj] && cj.eq && (subset(cj.lItems, joined) && onlyItem(cj.rItems, i) || subset(cj.rItems, joined) && onlyItem(cj.lItems, i)) {
						if k < 0 || len(itemRows[i]) < len(itemRows[k]) {
							k = i
						}
						break
					}
				}
			}
			if k < 0 {
				for i := 0; i < n; i++ {
					if !joined[i] && (k < 0 || len(itemRows[i]) < len(itemRows[k])) {
						k = i
					}
				}
			}
		}
		it := fp.items[k]
		joined[k] = true
		done++
		var joinConds []*conj
		var post []*conj
		if it.left {
			for _, cj := range it.on {
				if !applied[cj] {
					joinConds = append(joinConds, cj)
				}
			}
			post = ready()
		} else {
			joinConds = ready()
		}
		// a hash key among the join conditions
		var hk *conj
		hkLeftIsOld := false
		old := make([]bool, n)
		copy(old, joined)
		old[k] = false
		for _, cj := range joinConds {
			if !cj.eq {
				continue
			}
			if subset(cj.lItems, old) && onlyItem(cj.rItems, k) {
				hk, hkLeftIsOld = cj, true
				break
			}
			if subset(cj.rItems, old) && onlyItem(cj.lItems, k) {
				hk, hkLeftIsOld = cj, false
				break
			}
		}
		var rest []*conj
		for _, cj := range joinConds {
			if cj != hk {
				rest = append(rest, cj)
			}
		}
		var index *hashIndex
		var oldSide, newSide cexpr
		if hk != nil {
			if hkLeftIsOld {
				oldSide, newSide = hk.l, hk.r
			} else {
				oldSide, newSide = hk.r, hk.l
			}
			if index, err = buildIndex(e, itemRows[k], it.offset, len(it.cols), fp.width, newSide, hk.af, hk.coll); err != nil {
				return nil, err
			}
		}
		all := make([]int, len(itemRows[k]))
		for i := range all {
			all[i] = i
		}
		var next [][]Value
		w := fp.width
		// Joined rows are carved from slabs of a few KiB (small enough to
		// stay in the allocator's size classes), holding fewer rows when
		// the join cannot make that many. Without other join terms a pair
		// is a joined row; with them, pairs wait in pending until a batch
		// of them is filtered at once, and the pairs kept are copied out
		// when few are, so that the rejected ones do not pin their slabs.
		slabRows := max(1, 16<<10/(w*int(unsafe.Sizeof(Value{}))))
		if pairs := len(cur) * max(len(itemRows[k]), 1); pairs < slabRows {
			slabRows = pairs
		}
		carver := func() func() []Value {
			var slab []Value
			return func() []Value {
				if len(slab) < w {
					slab = make([]Value, slabRows*w)
				}
				r := slab[:w:w]
				slab = slab[w:]
				return r
			}
		}
		newRow, pendRow := carver(), carver()
		var pending, chunkOut [][]Value
		var pendingFrom, chunkFrom []int
		matched := make([]bool, len(cur))
		ctx := e.x.ctx()
		flush := func() error {
			if len(pending) == 0 {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			kept, err := filterRows(e, pending, rest, 0, w, w)
			if err != nil {
				return err
			}
			compact := len(kept)*4 < len(pending)
			for _, p := range kept {
				r := pending[p]
				if compact {
					r = newRow()
					copy(r, pending[p])
				}
				matched[pendingFrom[p]] = true
				chunkOut = append(chunkOut, r)
				chunkFrom = append(chunkFrom, pendingFrom[p])
			}
			pending, pendingFrom = pending[:0], pendingFrom[:0]
			return nil
		}
		for start := 0; start < len(cur); start += scanBatchRows {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			chunk := cur[start:min(start+scanBatchRows, len(cur))]
			var keys *vec
			if index != nil {
				b := newVBatch(rowBatch(chunk, w), 0, w, e)
				if keys, err = evalVec(oldSide, b, identity(len(chunk))); err != nil {
					return nil, err
				}
			}
			chunkOut, chunkFrom = chunkOut[:0], chunkFrom[:0]
			for p, l := range chunk {
				cands := all
				if index != nil {
					cands = index.get(keys, int32(p))
				}
				for _, ci := range cands {
					if len(rest) == 0 {
						if len(chunkOut)%scanBatchRows == scanBatchRows-1 {
							// a cross join makes many rows per row of cur
							if err := ctx.Err(); err != nil {
								return nil, err
							}
						}
						row := newRow()
						copy(row, l)
						copy(row[it.offset:], itemRows[k][ci])
						matched[start+p] = true
						chunkOut = append(chunkOut, row)
						chunkFrom = append(chunkFrom, start+p)
						continue
					}
					row := pendRow()
					copy(row, l)
					copy(row[it.offset:], itemRows[k][ci])
					pending = append(pending, row)
					pendingFrom = append(pendingFrom, start+p)
					if len(pending) >= scanBatchRows {
						if err := flush(); err != nil {
							return nil, err
						}
					}
				}
			}
			if err := flush(); err != nil {
				return nil, err
			}
			if !it.left {
				next = append(next, chunkOut...)
				continue
			}
			// a left row's matches, then its padded row if it has none
			j := 0
			for p, l := range chunk {
				for j < len(chunkOut) && chunkFrom[j] == start+p {
					next = append(next, chunkOut[j])
					j++
				}
				if !matched[start+p] {
					row := newRow()
					copy(row, l)
					next = append(next, row)
				}
			}
		}
		cur, err = filter(next, post)
		if err != nil {
			return nil, err
		}
	}
	return cur, nil
}

func hasColumn(x sqlparse.Node) bool {
	found := false
	sqlparse.Inspect(x, func(n sqlparse.Node) bool {
		if _, ok := n.(*sqlparse.Column); ok {
			found = true
		}
		return !found
	})
	return found
}

// isAlwaysFalse is SQLite's ExprAlwaysFalse after its parser folded
// x AND 0: the literal 0 or FALSE, or an AND with one.
func isAlwaysFalse(x sqlparse.Expr) bool {
	if b, ok := x.(*sqlparse.Binary); ok && b.Op == sqlparse.OpAnd {
		return isFalseLit(b.X) || isFalseLit(b.Y)
	}
	return isFalseLit(x)
}

// allHold reports whether every one of conds holds for e, stopping at the
// first that does not.
func allHold(conds []*conj, e *env) (bool, error) {
	for _, cj := range conds {
		if ok, err := cj.x.holds(e); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}
