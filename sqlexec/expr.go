package sqlexec

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
	"github.com/projstore/projstore/store"
)

// env is the evaluation environment of a compiled expression: the current
// row of its query level, that level's aggregate results, and the
// environment of the enclosing query (for correlated references).
type env struct {
	row   []Value
	gkeys []Value // the group's GROUP BY values
	aggs  []Value
	outer *env
	x     *execCtx
}

// execCtx is per statement: parameters and the database.
type execCtx struct {
	db    *DB
	args  []Value
	now   time.Time
	goctx context.Context
	// scans caches each table's rows for the statement; vecs its batches
	// when read whole (scanTable), scanned the tables read once; held are
	// the Arrow records vecs keep (released when the statement ends).
	scans   map[*memTable][][]Value
	vecs    map[*memTable]*tableVecs
	scanned map[*memTable]bool
	held    []arrow.RecordBatch
	// trigScope and trigEnv hold NEW and OLD while a trigger body runs.
	trigScope *scope
	trigEnv   *env
}

// evalFn evaluates a compiled expression.
type evalFn func(e *env) (Value, error)

// cexpr is a compiled expression with what comparisons need to know.
type cexpr struct {
	fn       evalFn
	aff      aff
	coll     collation
	explicit bool // the collation was given by COLLATE
	isConst  bool
	// vf, when set, evaluates the expression over a batch (vkernel.go);
	// without it evalVec calls fn for each row.
	vf vfn
}

// scopeCol is one column visible in a FROM clause.
type scopeCol struct {
	table string // alias or table name
	name  string
	aff   aff
	coll  collation
	// hidden: the right-hand column of a USING or NATURAL join, reached
	// only when qualified and left out of *.
	hidden bool
	// pseudo: the rowid of a table, reached by the names rowid, oid and
	// _rowid_ when no column has the name, and left out of *.
	pseudo bool
}

// scope resolves names for one query level.
type scope struct {
	cols   []scopeCol
	parent *scope
	ctes   map[string]*cteDef
	// aggregate context: when agg is set, aggregate calls are collected
	// and column references read the group's representative row.
	agg        *aggCollector
	inAggArg   bool
	groupTerms []groupTerm
	// correlated records that an expression of this level (or below)
	// referenced a column of an enclosing level; outerRefs lists them as
	// (levels up from this scope, column index).
	correlated bool
	outerRefs  map[[2]int]bool
	// refs collects the indexes of this level's columns referenced while
	// compiling, for join planning; nil when not tracked.
	refs map[int]bool
	// used, when set, collects every column of this level that the query
	// reads (from any level), so that scans read only those (vecsOf).
	used map[int]bool
	// aliases are result-column aliases usable in WHERE/GROUP BY/HAVING
	// (SQLite allows them where no column has the name).
	aliases    map[string]sqlparse.Expr
	aliasDepth int
}

type groupTerm struct {
	str string
	c   cexpr
}

type cteDef struct {
	name    string
	columns []string
	sel     *sqlparse.Select
	scope   *scope // where the CTE was defined
	rec     bool
	// compiling is set while the CTE's own body is planned, so that a
	// name in it does not resolve to itself (unless recursive).
	compiling   bool
	inRecursion bool
	cols        []outCol
	// a recursive CTE being evaluated: its current rows
	working *resultSet
}

var errNoSuchColumn = errors.New("no such column")

// compiler turns AST expressions into evalFns.
type compiler struct {
	db *DB
	// stmtAsOf is the statement's AS OF OFFSET; snaps the store
	// snapshots its table references hold until the statement ends.
	stmtAsOf *sqlparse.AsOf
	snaps    []*store.Snapshot
	args     []Value // the statement's parameters, for AS OF OFFSET ?
}

func (c *compiler) compile(x sqlparse.Expr, s *scope) (cexpr, error) {
	// In an aggregate query, an expression that is a GROUP BY term reads
	// the group's value of it (from the group's first row), as SQLite
	// reads the sorter column.
	if s.agg != nil && !s.inAggArg && len(s.groupTerms) > 0 {
		if _, lit := x.(*sqlparse.Literal); !lit {
			str := x.String()
			for k, g := range s.groupTerms {
				if g.str == str {
					k, gc := k, g.c
					return cexpr{fn: func(e *env) (Value, error) { return e.gkeys[k], nil }, aff: gc.aff, coll: gc.coll, explicit: gc.explicit}, nil
				}
			}
		}
	}
	switch x := x.(type) {
	case *sqlparse.Literal:
		v, err := literalValue(x, false)
		if err != nil {
			return cexpr{}, err
		}
		return constExpr(v), nil
	case *sqlparse.Column:
		return c.column(x, s)
	case *sqlparse.Param:
		idx := x.Index
		fn := func(e *env) (Value, error) {
			if idx < 1 || idx > len(e.x.args) {
				return null, nil
			}
			return e.x.args[idx-1], nil
		}
		return cexpr{fn: fn, vf: func(b *vbatch, sel []int32) (*vec, error) {
			v, _ := fn(&b.e)
			return broadcast(v, b.tb.n), nil
		}}, nil
	case *sqlparse.Unary:
		if x.Op == sqlparse.OpNeg {
			if lit, ok := x.X.(*sqlparse.Literal); ok && lit.Kind == sqlparse.IntLit {
				v, err := literalValue(lit, true)
				if err != nil {
					return cexpr{}, err
				}
				return constExpr(v), nil
			}
		}
		a, err := c.compile(x.X, s)
		if err != nil {
			return cexpr{}, err
		}
		f := a.fn
		var r cexpr
		switch x.Op {
		case sqlparse.OpNeg:
			r = cexpr{fn: func(e *env) (Value, error) {
				v, err := f(e)
				return negate(v), err
			}, vf: func(b *vbatch, sel []int32) (*vec, error) {
				v, err := evalVec(a, b, sel)
				if err != nil {
					return nil, err
				}
				return vNeg(v, sel, b.tb.n), nil
			}}
		case sqlparse.OpPlus:
			r = cexpr{fn: f, coll: a.coll, explicit: a.explicit}
		case sqlparse.OpBitNot:
			r = cexpr{fn: func(e *env) (Value, error) {
				v, err := f(e)
				if err != nil || v.IsNull() {
					return null, err
				}
				return column.MakeInt(^toInt(v)), nil
			}}
		case sqlparse.OpNot:
			r = cexpr{fn: func(e *env) (Value, error) {
				v, err := f(e)
				if err != nil {
					return null, err
				}
				b, ok := truth(v)
				if !ok {
					return null, nil
				}
				return boolVal(!b), nil
			}, vf: func(b *vbatch, sel []int32) (*vec, error) {
				v, err := evalVec(a, b, sel)
				if err != nil {
					return nil, err
				}
				return vNot(v, sel, b.tb.n), nil
			}}
		default:
			return cexpr{}, fmt.Errorf("unsupported unary operator")
		}
		r.isConst = a.isConst
		return c.fold(r)
	case *sqlparse.Binary:
		return c.binary(x, s)
	case *sqlparse.IsNull:
		a, err := c.compile(x.X, s)
		if err != nil {
			return cexpr{}, err
		}
		not := x.Not
		return cexpr{fn: func(e *env) (Value, error) {
			v, err := a.fn(e)
			return boolVal(v.IsNull() != not), err
		}, vf: func(b *vbatch, sel []int32) (*vec, error) {
			v, err := evalVec(a, b, sel)
			if err != nil {
				return nil, err
			}
			return vIsNull(v, not, sel, b.tb.n), nil
		}, isConst: a.isConst}, nil
	case *sqlparse.Collate:
		a, err := c.compile(x.X, s)
		if err != nil {
			return cexpr{}, err
		}
		coll, ok := collationNamed(x.Collation)
		if !ok {
			return cexpr{}, fmt.Errorf("no such collation sequence: %s", x.Collation)
		}
		a.coll, a.explicit = coll, true
		return a, nil
	case *sqlparse.Like:
		return c.like(x, s)
	case *sqlparse.Between:
		return c.between(x, s)
	case *sqlparse.In:
		return c.in(x, s)
	case *sqlparse.Exists:
		q, err := c.subquery(x.Select, s)
		if err != nil {
			return cexpr{}, err
		}
		return cexpr{fn: func(e *env) (Value, error) {
			rs, err := q.run(e, 1)
			if err != nil {
				return null, err
			}
			return boolVal(len(rs.rows) > 0), nil
		}}, nil
	case *sqlparse.Subquery:
		q, err := c.subquery(x.Select, s)
		if err != nil {
			return cexpr{}, err
		}
		if len(q.cols) != 1 {
			return cexpr{}, fmt.Errorf("sub-select returns %d columns - expected 1", len(q.cols))
		}
		return cexpr{fn: func(e *env) (Value, error) {
			rs, err := q.run(e, 1)
			if err != nil || len(rs.rows) == 0 {
				return null, err
			}
			return rs.rows[0][0], nil
		}, aff: q.cols[0].aff, coll: q.cols[0].coll}, nil
	case *sqlparse.Row:
		return cexpr{}, fmt.Errorf("row value misused")
	case *sqlparse.Cast:
		a, err := c.compile(x.X, s)
		if err != nil {
			return cexpr{}, err
		}
		name := ""
		if x.Type != nil {
			name = x.Type.Name
		}
		ca := column.AffinityOf(name)
		return c.fold(cexpr{fn: func(e *env) (Value, error) {
			v, err := a.fn(e)
			if err != nil {
				return null, err
			}
			return castTo(v, ca), nil
		}, aff: affOf(ca), isConst: a.isConst, coll: a.coll, explicit: a.explicit})
	case *sqlparse.Case:
		return c.caseExpr(x, s)
	case *sqlparse.Call:
		return c.call(x, s)
	case *sqlparse.Raise:
		return c.raise(x, s)
	}
	return cexpr{}, fmt.Errorf("unsupported expression %T", x)
}

func constExpr(v Value) cexpr {
	return cexpr{fn: func(*env) (Value, error) { return v, nil }, isConst: true}
}

// fold evaluates a constant expression once.
func (c *compiler) fold(x cexpr) (cexpr, error) {
	if !x.isConst {
		return x, nil
	}
	v, err := x.fn(&env{x: &execCtx{db: c.db}})
	if err != nil {
		// keep the error for evaluation time (a query over no rows must not fail)
		return x, nil
	}
	r := constExpr(v)
	r.aff, r.coll, r.explicit = x.aff, x.coll, x.explicit
	return r, nil
}

func literalValue(x *sqlparse.Literal, neg bool) (Value, error) {
	switch x.Kind {
	case sqlparse.IntLit:
		t := x.Value
		if len(t) > 2 && (t[1] == 'x' || t[1] == 'X') {
			u, err := strconv.ParseUint(t[2:], 16, 64)
			if err != nil {
				return null, fmt.Errorf("hex literal too big: %s", t)
			}
			i := int64(u)
			if neg {
				i = -i
			}
			return column.MakeInt(i), nil
		}
		if neg {
			t = "-" + t
		}
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return column.MakeInt(i), nil
		}
		f, _ := strconv.ParseFloat(t, 64)
		return column.MakeReal(f), nil
	case sqlparse.FloatLit:
		f, err := strconv.ParseFloat(x.Value, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
				return null, fmt.Errorf("malformed number %q", x.Value)
			}
		}
		if neg {
			f = -f
		}
		return column.MakeReal(f), nil
	case sqlparse.StringLit:
		return column.MakeText(x.Value), nil
	case sqlparse.BlobLit:
		return column.MakeBlobString(x.Value), nil
	case sqlparse.NullLit:
		return null, nil
	case sqlparse.TrueLit:
		return one, nil
	case sqlparse.FalseLit:
		return zero, nil
	case sqlparse.CurrentTimeLit:
		return column.MakeText(time.Now().UTC().Format("15:04:05")), nil
	case sqlparse.CurrentDateLit:
		return column.MakeText(time.Now().UTC().Format("2006-01-02")), nil
	case sqlparse.CurrentTimestampLit:
		return column.MakeText(time.Now().UTC().Format("2006-01-02 15:04:05")), nil
	}
	return null, fmt.Errorf("unsupported literal")
}

// column resolves a column reference through the scope chain.
func (c *compiler) column(x *sqlparse.Column, s *scope) (cexpr, error) {
	depth := 0
	for sc := s; sc != nil; sc = sc.parent {
		idx := -1
		for i, col := range sc.cols {
			if col.pseudo {
				continue
			}
			if !strings.EqualFold(col.name, x.Name) || (col.hidden && x.Table == "") {
				continue
			}
			if x.Table != "" && !strings.EqualFold(col.table, x.Table) {
				continue
			}
			if idx >= 0 {
				return cexpr{}, fmt.Errorf("ambiguous column name: %s", colName(x))
			}
			idx = i
		}
		if idx < 0 && isRowidName(x.Name) {
			for i, col := range sc.cols {
				if !col.pseudo || x.Table != "" && !strings.EqualFold(col.table, x.Table) {
					continue
				}
				if idx >= 0 {
					return cexpr{}, fmt.Errorf("ambiguous column name: %s", colName(x))
				}
				idx = i
			}
		}
		if idx >= 0 {
			col := sc.cols[idx]
			if depth > 0 {
				d := depth
				for t := s; t != sc; t = t.parent {
					t.correlated = true
					if t.outerRefs == nil {
						t.outerRefs = map[[2]int]bool{}
					}
					t.outerRefs[[2]int{d, idx}] = true
					d--
				}
			}
			if sc.refs != nil {
				sc.refs[idx] = true
			}
			if sc.used != nil {
				sc.used[idx] = true
			}
			d, i := depth, idx
			var fn evalFn
			var vf vfn
			if d == 0 {
				fn = func(e *env) (Value, error) { return e.row[i], nil }
				vf = func(b *vbatch, _ []int32) (*vec, error) { return b.col(i) }
			} else {
				fn = func(e *env) (Value, error) {
					for k := 0; k < d; k++ {
						e = e.outer
					}
					return e.row[i], nil
				}
			}
			return cexpr{fn: fn, vf: vf, aff: col.aff, coll: col.coll}, nil
		}
		if x.Table == "" && sc.aliases != nil && depth == 0 {
			if a, ok := sc.aliases[strings.ToLower(x.Name)]; ok && sc.aliasDepth < 8 {
				sc.aliasDepth++
				r, err := c.compile(a, sc)
				sc.aliasDepth--
				return r, err
			}
		}
		depth++
	}
	if x.Quoted && x.Table == "" {
		return constExpr(column.MakeText(x.Name)), nil
	}
	return cexpr{}, fmt.Errorf("no such column: %s", colName(x))
}

func colName(x *sqlparse.Column) string {
	if x.Table != "" {
		return x.Table + "." + x.Name
	}
	return x.Name
}

// cmpColl chooses the collation of a comparison as SQLite does.
func cmpColl(a, b cexpr) collation {
	if a.explicit {
		return a.coll
	}
	if b.explicit {
		return b.coll
	}
	if a.coll != collBinary {
		return a.coll
	}
	return b.coll
}

func (c *compiler) binary(x *sqlparse.Binary, s *scope) (cexpr, error) {
	// SQLite's parser (sqlite3ExprAnd) replaces x AND y by 0 when either
	// side is the literal 0 or FALSE, before names are resolved.
	if x.Op == sqlparse.OpAnd && (isFalseLit(x.X) || isFalseLit(x.Y)) {
		return constExpr(zero), nil
	}
	a, err := c.compile(x.X, s)
	if err != nil {
		return cexpr{}, err
	}
	b, err := c.compile(x.Y, s)
	if err != nil {
		return cexpr{}, err
	}
	// After names are resolved, SQLite's code generator
	// (sqlite3ExprSimplifiedAndOr) makes x OR y the constant 1 when
	// either side is TRUE or a positive integer literal: the other side
	// is never evaluated.
	if x.Op == sqlparse.OpOr && (isTrueLit(x.X) || isTrueLit(x.Y)) {
		return constExpr(one), nil
	}
	fa, fb := a.fn, b.fn
	isConst := a.isConst && b.isConst
	// SQLite evaluates both operands of AND and OR in a value context (an
	// error on the right surfaces); skip the right only when it is costly.
	lazy := hasSubquery(x.Y)
	var r cexpr
	switch x.Op {
	case sqlparse.OpAnd:
		r = cexpr{fn: func(e *env) (Value, error) {
			va, err := fa(e)
			if err != nil {
				return null, err
			}
			ta, oka := truth(va)
			if oka && !ta && lazy {
				return zero, nil
			}
			vb, err := fb(e)
			if err != nil {
				return null, err
			}
			tb, okb := truth(vb)
			if oka && !ta || okb && !tb {
				return zero, nil
			}
			if !oka || !okb {
				return null, nil
			}
			return one, nil
		}}
	case sqlparse.OpOr:
		r = cexpr{fn: func(e *env) (Value, error) {
			va, err := fa(e)
			if err != nil {
				return null, err
			}
			ta, oka := truth(va)
			if oka && ta && lazy {
				return one, nil
			}
			vb, err := fb(e)
			if err != nil {
				return null, err
			}
			tb, okb := truth(vb)
			if oka && ta || okb && tb {
				return one, nil
			}
			if !oka || !okb {
				return null, nil
			}
			return zero, nil
		}}
	case sqlparse.OpAdd, sqlparse.OpSub, sqlparse.OpMul, sqlparse.OpDiv, sqlparse.OpRem:
		op := map[sqlparse.Op]byte{sqlparse.OpAdd: '+', sqlparse.OpSub: '-', sqlparse.OpMul: '*', sqlparse.OpDiv: '/', sqlparse.OpRem: '%'}[x.Op]
		r = cexpr{fn: both(fa, fb, func(va, vb Value) Value { return arith(op, va, vb) })}
	case sqlparse.OpBitAnd, sqlparse.OpBitOr, sqlparse.OpShl, sqlparse.OpShr:
		op := map[sqlparse.Op]byte{sqlparse.OpBitAnd: '&', sqlparse.OpBitOr: '|', sqlparse.OpShl: '<', sqlparse.OpShr: '>'}[x.Op]
		r = cexpr{fn: both(fa, fb, func(va, vb Value) Value { return bitop(op, va, vb) })}
	case sqlparse.OpConcat:
		r = cexpr{fn: both(fa, fb, func(va, vb Value) Value {
			if va.IsNull() || vb.IsNull() {
				return null
			}
			return column.MakeText(textOf(va) + textOf(vb))
		})}
	case sqlparse.OpLt, sqlparse.OpLe, sqlparse.OpGt, sqlparse.OpGe, sqlparse.OpEq, sqlparse.OpNe:
		op := map[sqlparse.Op]byte{sqlparse.OpLt: '<', sqlparse.OpLe: 'l', sqlparse.OpGt: '>', sqlparse.OpGe: 'g', sqlparse.OpEq: '=', sqlparse.OpNe: '!'}[x.Op]
		af := compareAff(a.aff, b.aff)
		coll := cmpColl(a, b)
		r = cexpr{fn: both(fa, fb, func(va, vb Value) Value { return compareOp(op, va, vb, af, coll) })}
	case sqlparse.OpIs, sqlparse.OpIsNot:
		want := x.Op == sqlparse.OpIs
		af := compareAff(a.aff, b.aff)
		coll := cmpColl(a, b)
		r = cexpr{fn: both(fa, fb, func(va, vb Value) Value {
			eq := va.IsNull() && vb.IsNull()
			if !va.IsNull() && !vb.IsNull() {
				eq = compareVals(applyCmpAff(va, af), applyCmpAff(vb, af), coll) == 0
			}
			return boolVal(eq == want)
		})}
	default:
		return cexpr{}, fmt.Errorf("unsupported operator %v", x.Op)
	}
	r.vf = binaryVec(x.Op, a, b, lazy)
	r.isConst = isConst
	return c.fold(r)
}

// binaryVec is the vectorised form of a binary operator, nil for those
// evaluated a row at a time.
func binaryVec(op sqlparse.Op, a, b cexpr, lazy bool) vfn {
	switch op {
	case sqlparse.OpAnd, sqlparse.OpOr:
		and := op == sqlparse.OpAnd
		return func(bt *vbatch, sel []int32) (*vec, error) {
			va, err := evalVec(a, bt, sel)
			if err != nil {
				return nil, err
			}
			// as the scalar form: the right side is skipped where the
			// left decides only when it is costly (a subquery)
			rsel := sel
			if lazy {
				rsel = undecided(and, va, sel)
			}
			vb, err := evalVec(b, bt, rsel)
			if err != nil {
				return nil, err
			}
			return vLogic(and, va, vb, sel, bt.tb.n), nil
		}
	case sqlparse.OpAdd, sqlparse.OpSub, sqlparse.OpMul, sqlparse.OpDiv, sqlparse.OpRem:
		ch := map[sqlparse.Op]byte{sqlparse.OpAdd: '+', sqlparse.OpSub: '-', sqlparse.OpMul: '*', sqlparse.OpDiv: '/', sqlparse.OpRem: '%'}[op]
		return func(bt *vbatch, sel []int32) (*vec, error) {
			va, vb, err := evalBoth(a, b, bt, sel)
			if err != nil {
				return nil, err
			}
			return vArith(ch, va, vb, sel, bt.tb.n), nil
		}
	case sqlparse.OpLt, sqlparse.OpLe, sqlparse.OpGt, sqlparse.OpGe, sqlparse.OpEq, sqlparse.OpNe:
		ch := map[sqlparse.Op]byte{sqlparse.OpLt: '<', sqlparse.OpLe: 'l', sqlparse.OpGt: '>', sqlparse.OpGe: 'g', sqlparse.OpEq: '=', sqlparse.OpNe: '!'}[op]
		af := compareAff(a.aff, b.aff)
		coll := cmpColl(a, b)
		return func(bt *vbatch, sel []int32) (*vec, error) {
			va, vb, err := evalBoth(a, b, bt, sel)
			if err != nil {
				return nil, err
			}
			return vCompare(ch, va, vb, sel, bt.tb.n, af, coll), nil
		}
	}
	return nil
}

func evalBoth(a, b cexpr, bt *vbatch, sel []int32) (*vec, *vec, error) {
	va, err := evalVec(a, bt, sel)
	if err != nil {
		return nil, nil, err
	}
	vb, err := evalVec(b, bt, sel)
	if err != nil {
		return nil, nil, err
	}
	return va, vb, nil
}

// where compiles the WHERE clause of UPDATE or DELETE in s; without
// one, every row holds.
func (c *compiler) where(x sqlparse.Expr, s *scope) (cexpr, error) {
	if x == nil {
		return constExpr(one), nil
	}
	return c.compile(x, s)
}

// holds reports whether x is true for e: NULL, like false, does not hold.
func (x cexpr) holds(e *env) (bool, error) {
	v, err := x.fn(e)
	if err != nil {
		return false, err
	}
	b, _ := truth(v)
	return b, nil
}

// both evaluates a and b, in that order (an error in either is the
// result's), and combines their values with f.
func both(a, b evalFn, f func(va, vb Value) Value) evalFn {
	return func(e *env) (Value, error) {
		va, err := a(e)
		if err != nil {
			return null, err
		}
		vb, err := b(e)
		if err != nil {
			return null, err
		}
		return f(va, vb), nil
	}
}

func (c *compiler) like(x *sqlparse.Like, s *scope) (cexpr, error) {
	a, err := c.compile(x.X, s)
	if err != nil {
		return cexpr{}, err
	}
	p, err := c.compile(x.Pattern, s)
	if err != nil {
		return cexpr{}, err
	}
	var esc *cexpr
	if x.Escape != nil {
		e, err := c.compile(x.Escape, s)
		if err != nil {
			return cexpr{}, err
		}
		esc = &e
	}
	op, not := x.Op, x.Not
	if op == sqlparse.OpMatch || op == sqlparse.OpRegexp {
		return cexpr{}, fmt.Errorf("no such function: %s", map[sqlparse.LikeOp]string{sqlparse.OpMatch: "MATCH", sqlparse.OpRegexp: "REGEXP"}[op])
	}
	return cexpr{fn: func(e *env) (Value, error) {
		v, err := a.fn(e)
		if err != nil {
			return null, err
		}
		pv, err := p.fn(e)
		if err != nil {
			return null, err
		}
		// SQLite is built with SQLITE_LIKE_DOESNT_MATCH_BLOBS: a blob
		// operand never matches, whatever the other one is.
		if v.Type() == column.Blob || pv.Type() == column.Blob {
			return boolVal(not), nil
		}
		var escR rune
		hasEsc := false
		if esc != nil {
			ev, err := esc.fn(e)
			if err != nil {
				return null, err
			}
			if ev.IsNull() {
				return null, nil
			}
			es := textOf(ev)
			if utf8.RuneCountInString(es) != 1 {
				return null, fmt.Errorf("ESCAPE expression must be a single character")
			}
			escR, _ = utf8.DecodeRuneInString(es)
			hasEsc = true
		}
		if v.IsNull() || pv.IsNull() {
			return null, nil
		}
		// the C function reads both as NUL-terminated strings
		var m bool
		if op == sqlparse.OpGlob {
			m = globMatch(cString(textOf(pv)), cString(textOf(v)))
		} else {
			m = likeMatch(cString(textOf(pv)), cString(textOf(v)), escR, hasEsc)
		}
		return boolVal(m != not), nil
	}, isConst: a.isConst && p.isConst}, nil
}

func (c *compiler) between(x *sqlparse.Between, s *scope) (cexpr, error) {
	a, err := c.compile(x.X, s)
	if err != nil {
		return cexpr{}, err
	}
	lo, err := c.compile(x.Lo, s)
	if err != nil {
		return cexpr{}, err
	}
	hi, err := c.compile(x.Hi, s)
	if err != nil {
		return cexpr{}, err
	}
	af1, af2 := compareAff(a.aff, lo.aff), compareAff(a.aff, hi.aff)
	c1, c2 := cmpColl(a, lo), cmpColl(a, hi)
	not := x.Not
	return cexpr{fn: func(e *env) (Value, error) {
		v, err := a.fn(e)
		if err != nil {
			return null, err
		}
		l, err := lo.fn(e)
		if err != nil {
			return null, err
		}
		h, err := hi.fn(e)
		if err != nil {
			return null, err
		}
		r1 := compareOp('g', v, l, af1, c1)
		r2 := compareOp('l', v, h, af2, c2)
		t1, ok1 := truth(r1)
		t2, ok2 := truth(r2)
		var res Value
		switch {
		case ok1 && !t1 || ok2 && !t2:
			res = zero
		case !ok1 || !ok2:
			res = null
		default:
			res = one
		}
		if not && !res.IsNull() {
			res = boolVal(res.Int() == 0)
		}
		return res, nil
	}}, nil
}

func (c *compiler) in(x *sqlparse.In, s *scope) (cexpr, error) {
	if _, ok := x.X.(*sqlparse.Row); ok {
		return cexpr{}, fmt.Errorf("row value misused")
	}
	a, err := c.compile(x.X, s)
	if err != nil {
		return cexpr{}, err
	}
	not := x.Not
	// finish applies IN's three-valued result.
	finish := func(found, sawNull bool) Value {
		switch {
		case found:
			return boolVal(!not)
		case sawNull:
			return null
		}
		return boolVal(not)
	}
	if x.Select != nil || x.Table != nil {
		sel := x.Select
		if sel == nil {
			sel = &sqlparse.Select{Core: &sqlparse.SelectCore{
				Columns: []*sqlparse.ResultColumn{{Star: true}},
				From:    &sqlparse.TableName{Name: x.Table.Name, Schema: x.Table.Schema},
			}}
		}
		q, err := c.subquery(sel, s)
		if err != nil {
			return cexpr{}, err
		}
		if len(q.cols) != 1 {
			return cexpr{}, fmt.Errorf("sub-select returns %d columns - expected 1", len(q.cols))
		}
		af := compareAff(q.cols[0].aff, a.aff)
		coll := a.coll
		if !a.explicit && a.coll == collBinary {
			coll = q.cols[0].coll
		}
		return cexpr{fn: func(e *env) (Value, error) {
			v, err := a.fn(e)
			if err != nil {
				return null, err
			}
			set, err := q.valueSet(e, af, coll)
			if err != nil {
				return null, err
			}
			if set.empty {
				return boolVal(not), nil
			}
			if v.IsNull() {
				return null, nil
			}
			found := set.has(applyCmpAff(v, af), coll)
			return finish(found, set.hasNull), nil
		}}, nil
	}
	list := make([]cexpr, len(x.List))
	allConst := true
	for i, y := range x.List {
		if list[i], err = c.compile(y, s); err != nil {
			return cexpr{}, err
		}
		allConst = allConst && list[i].isConst
	}
	af := a.aff
	if af == affBlob {
		af = affNone
	}
	coll := a.coll
	if allConst && len(list) > 0 {
		// constant list: a hash set
		set := newValueSet()
		for _, y := range list {
			v, err := y.fn(&env{x: &execCtx{db: c.db}})
			if err != nil {
				allConst = false
				break
			}
			set.add(applyCmpAff(v, af), coll)
		}
		if allConst {
			return cexpr{fn: func(e *env) (Value, error) {
				v, err := a.fn(e)
				if err != nil || v.IsNull() {
					return null, err
				}
				return finish(set.has(applyCmpAff(v, af), coll), set.hasNull), nil
			}}, nil
		}
	}
	return cexpr{fn: func(e *env) (Value, error) {
		v, err := a.fn(e)
		if err != nil {
			return null, err
		}
		if len(list) == 0 {
			return boolVal(not), nil
		}
		if v.IsNull() {
			// the list is still evaluated: its errors surface, as in SQLite
			for _, y := range list {
				if _, err := y.fn(e); err != nil {
					return null, err
				}
			}
			return null, nil
		}
		sawNull, found := false, false
		for _, y := range list {
			w, err := y.fn(e)
			if err != nil {
				return null, err
			}
			r := compareOp('=', v, w, af, coll)
			if r.IsNull() {
				sawNull = true
			} else if r.Int() == 1 {
				found = true
				break
			}
		}
		return finish(found, sawNull), nil
	}}, nil
}

func (c *compiler) caseExpr(x *sqlparse.Case, s *scope) (cexpr, error) {
	var op *cexpr
	if x.Operand != nil {
		o, err := c.compile(x.Operand, s)
		if err != nil {
			return cexpr{}, err
		}
		op = &o
	}
	type arm struct {
		cond, res cexpr
		af        aff
		coll      collation
	}
	arms := make([]arm, len(x.Whens))
	for i, w := range x.Whens {
		cnd, err := c.compile(w.Cond, s)
		if err != nil {
			return cexpr{}, err
		}
		res, err := c.compile(w.Result, s)
		if err != nil {
			return cexpr{}, err
		}
		arms[i] = arm{cond: cnd, res: res}
		if op != nil {
			arms[i].af = compareAff(op.aff, cnd.aff)
			arms[i].coll = cmpColl(*op, cnd)
		}
	}
	var els *cexpr
	if x.Else != nil {
		e, err := c.compile(x.Else, s)
		if err != nil {
			return cexpr{}, err
		}
		els = &e
	}
	return cexpr{fn: func(e *env) (Value, error) {
		var ov Value
		if op != nil {
			v, err := op.fn(e)
			if err != nil {
				return null, err
			}
			ov = v
		}
		for _, a := range arms {
			cv, err := a.cond.fn(e)
			if err != nil {
				return null, err
			}
			var hit bool
			if op != nil {
				r := compareOp('=', ov, cv, a.af, a.coll)
				hit = !r.IsNull() && r.Int() == 1
			} else {
				hit, _ = truth(cv)
			}
			if hit {
				return a.res.fn(e)
			}
		}
		if els != nil {
			return els.fn(e)
		}
		return null, nil
	}}, nil
}

var aggNames = map[string]bool{"count": true, "sum": true, "total": true, "avg": true, "min": true, "max": true, "group_concat": true, "string_agg": true}

func isAggCall(x *sqlparse.Call) bool {
	name := strings.ToLower(x.Name)
	if !aggNames[name] {
		return false
	}
	if (name == "min" || name == "max") && len(x.Args) != 1 {
		return false
	}
	return true
}

func (c *compiler) call(x *sqlparse.Call, s *scope) (cexpr, error) {
	name := strings.ToLower(x.Name)
	if isAggCall(x) {
		return c.aggregate(x, s)
	}
	if x.Distinct {
		return cexpr{}, fmt.Errorf("DISTINCT aggregates must have exactly one argument")
	}
	if x.Filter != nil {
		return cexpr{}, fmt.Errorf("FILTER may not be used with non-aggregate %s()", x.Name)
	}
	if x.Star {
		return cexpr{}, fmt.Errorf("wrong number of arguments to function %s()", x.Name)
	}
	f, ok := scalarFuncs[name]
	if !ok {
		return cexpr{}, fmt.Errorf("no such function: %s", x.Name)
	}
	if len(x.Args) < f.minArgs || (f.maxArgs >= 0 && len(x.Args) > f.maxArgs) {
		return cexpr{}, fmt.Errorf("wrong number of arguments to function %s()", x.Name)
	}
	args := make([]cexpr, len(x.Args))
	isConst := name != "random" && name != "randomblob"
	for i, y := range x.Args {
		a, err := c.compile(y, s)
		if err != nil {
			return cexpr{}, err
		}
		args[i] = a
		isConst = isConst && a.isConst
	}
	// lazy forms
	switch name {
	case "coalesce", "ifnull":
		return c.fold(cexpr{fn: func(e *env) (Value, error) {
			for _, a := range args {
				v, err := a.fn(e)
				if err != nil || !v.IsNull() {
					return v, err
				}
			}
			return null, nil
		}, isConst: isConst})
	case "iif", "if":
		return c.fold(cexpr{fn: func(e *env) (Value, error) {
			v, err := args[0].fn(e)
			if err != nil {
				return null, err
			}
			if b, _ := truth(v); b {
				return args[1].fn(e)
			}
			if len(args) == 3 {
				return args[2].fn(e)
			}
			return null, nil
		}, isConst: isConst})
	}
	r := cexpr{fn: func(e *env) (Value, error) {
		vals := make([]Value, len(args))
		for i, a := range args {
			v, err := a.fn(e)
			if err != nil {
				return null, err
			}
			vals[i] = v
		}
		return f.fn(vals)
	}, isConst: isConst}
	switch name {
	case "likely", "unlikely", "likelihood":
		r.aff, r.coll, r.explicit = args[0].aff, args[0].coll, args[0].explicit
	case "min", "max":
		for _, a := range args {
			if a.explicit {
				r.coll = a.coll
				break
			}
		}
	}
	return c.fold(r)
}

// valueSet is a hash set of values compared as SQLite compares them.
type valueSet struct {
	m       map[string]struct{}
	hasNull bool
	empty   bool
}

func newValueSet() *valueSet { return &valueSet{m: map[string]struct{}{}, empty: true} }

func (s *valueSet) add(v Value, c collation) {
	s.empty = false
	if v.IsNull() {
		s.hasNull = true
		return
	}
	s.m[string(appendKey(nil, v, c))] = struct{}{}
}

func (s *valueSet) has(v Value, c collation) bool {
	if v.IsNull() {
		return false
	}
	_, ok := s.m[string(appendKey(nil, v, c))]
	return ok
}

// appendKey appends an encoding of v under which values equal by SQLite's
// comparison (1 = 1.0; NOCASE text) have equal bytes.
func appendKey(dst []byte, v Value, c collation) []byte {
	v = norm(v)
	switch v.Type() {
	case column.Null:
		return append(dst, 0)
	case column.Integer:
		return append(strconv.AppendInt(append(dst, 1), v.Int(), 10), 0)
	case column.Real:
		f := v.Float()
		if f >= -9223372036854775808.0 && f < 9223372036854775808.0 && f == math.Trunc(f) {
			return append(strconv.AppendInt(append(dst, 1), int64(f), 10), 0)
		}
		return append(strconv.AppendFloat(append(dst, 2), f, 'g', -1, 64), 0)
	case column.Text:
		t := v.Text()
		switch c {
		case collNoCase:
			b := []byte(t)
			for i := range b {
				b[i] = lowerASCII(b[i])
			}
			t = string(b)
		case collRTrim:
			t = strings.TrimRight(t, " ")
		}
		dst = append(dst, 3)
		dst = strconv.AppendInt(dst, int64(len(t)), 10)
		dst = append(dst, ':')
		return append(dst, t...)
	}
	dst = append(dst, 4)
	dst = strconv.AppendInt(dst, int64(len(v.Text())), 10)
	dst = append(dst, ':')
	return append(dst, v.Text()...)
}

// isTrueLit is SQLite's ExprAlwaysTrue: TRUE, or an integer literal
// other than 0 (a negative number is an expression, not a literal).
func isTrueLit(x sqlparse.Expr) bool {
	l, ok := x.(*sqlparse.Literal)
	if !ok {
		return false
	}
	switch l.Kind {
	case sqlparse.TrueLit:
		return true
	case sqlparse.IntLit:
		v, err := literalValue(l, false)
		return err == nil && v.Type() == column.Integer && v.Int() != 0
	}
	return false
}

func isFalseLit(x sqlparse.Expr) bool {
	l, ok := x.(*sqlparse.Literal)
	if !ok {
		return false
	}
	switch l.Kind {
	case sqlparse.FalseLit:
		return true
	case sqlparse.IntLit:
		v, err := literalValue(l, false)
		return err == nil && v.Type() == column.Integer && v.Int() == 0
	}
	return false
}
