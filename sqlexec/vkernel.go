package sqlexec

import (
	"cmp"
	"math"
	"strings"
)

// vfn evaluates a compiled expression over the rows sel of a batch.
type vfn func(b *vbatch, sel []int32) (*vec, error)

// vbatch is a batch of one FROM item as an expression sees it: column i
// of the query level's scope is column i-off of the item's batch.
type vbatch struct {
	tb  *tbatch
	off int
	// e evaluates the expressions that have no vectorised form, one row
	// at a time: its row is loaded from the batch on demand.
	e      env
	loaded int32
}

func newVBatch(tb *tbatch, off, width int, outer *env) *vbatch {
	b := &vbatch{tb: tb, off: off, loaded: -1}
	b.e = env{row: make([]Value, width), outer: outer.outer, x: outer.x}
	return b
}

func (b *vbatch) col(i int) (*vec, error) {
	j := i - b.off
	if j < 0 || j >= len(b.tb.cols) {
		return nil, errNoVec
	}
	return b.tb.col(j)
}

// load makes b.e's row row i of the batch.
func (b *vbatch) load(i int32) error {
	if b.loaded == i {
		return nil
	}
	tb := b.tb
	if tb.rows != nil {
		copy(b.e.row[b.off:], tb.rows[i])
	} else {
		// the values borrow the batch's memory: evalVec marks what it
		// computes from them borrowed
		row := b.e.row[b.off:]
		for j := range tb.cols {
			if j >= len(row) {
				break
			}
			v, err := tb.col(j)
			if err != nil {
				return err
			}
			row[j] = v.at(i)
		}
	}
	b.loaded = i
	return nil
}

type noVecError struct{}

func (noVecError) Error() string { return "sqlexec: column outside the batch" }

var errNoVec error = noVecError{}

// evalVec evaluates x over the rows sel of b: through its vectorised
// form when it has one, else one row at a time through its scalar form.
func evalVec(x cexpr, b *vbatch, sel []int32) (*vec, error) {
	n := b.tb.n
	if x.vf != nil {
		v, err := x.vf(b, sel)
		if err != errNoVec {
			return v, err
		}
	}
	if x.isConst {
		v, err := x.fn(&b.e)
		if err != nil {
			if len(sel) == 0 {
				return broadcast(null, n), nil
			}
			return nil, err
		}
		return broadcast(v, n), nil
	}
	out := newVec(vAny, n)
	out.borrowed = b.tb.rec != nil
	for _, i := range sel {
		if err := b.load(i); err != nil {
			return nil, err
		}
		v, err := x.fn(&b.e)
		if err != nil {
			return nil, err
		}
		out.anys[i] = v
	}
	return out, nil
}

// identity is the selection of every row of a batch of n rows.
func identity(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(i)
	}
	return s
}

// truthSel keeps the rows of sel where v is true (NULL and false drop).
func truthSel(v *vec, sel []int32) []int32 {
	out := sel[:0:0]
	switch v.kind {
	case vInt:
		for _, i := range sel {
			if v.ints[i] != 0 && !v.isNull(i) {
				out = append(out, i)
			}
		}
	case vReal:
		for _, i := range sel {
			if v.reals[i] != 0 && !v.isNull(i) {
				out = append(out, i)
			}
		}
	default:
		for _, i := range sel {
			if t, ok := truth(v.at(i)); t && ok {
				out = append(out, i)
			}
		}
	}
	return out
}

// truth3 is SQLite's truth value of row i: 1 true, 0 false, -1 NULL.
func truth3(v *vec, i int32) int8 {
	if v.isNull(i) {
		return -1
	}
	var t, ok bool
	switch v.kind {
	case vInt:
		t, ok = v.ints[i] != 0, true
	case vReal:
		t, ok = v.reals[i] != 0, true
	default:
		t, ok = truth(v.at(i))
	}
	switch {
	case !ok:
		return -1
	case t:
		return 1
	}
	return 0
}

// boolVec is the result of a logical operator: 0/1 integers, NULL for
// unknown.
func setTruth(out *vec, i int32, t int8, n int) {
	if t < 0 {
		out.setNull(i, n)
		return
	}
	out.ints[i] = int64(t)
}

// vLogic is AND (and true) or OR (and false) of a and b over sel.
func vLogic(and bool, a, b *vec, sel []int32, n int) *vec {
	out := newVec(vInt, n)
	for _, i := range sel {
		ta, tb := truth3(a, i), truth3(b, i)
		var r int8
		if and {
			switch {
			case ta == 0 || tb == 0:
				r = 0
			case ta < 0 || tb < 0:
				r = -1
			default:
				r = 1
			}
		} else {
			switch {
			case ta == 1 || tb == 1:
				r = 1
			case ta < 0 || tb < 0:
				r = -1
			default:
				r = 0
			}
		}
		setTruth(out, i, r, n)
	}
	return out
}

// decided is the rows of sel where a alone does not settle AND (a is not
// false) or OR (a is not true).
func undecided(and bool, a *vec, sel []int32) []int32 {
	out := make([]int32, 0, len(sel))
	for _, i := range sel {
		t := truth3(a, i)
		if and && t != 0 || !and && t != 1 {
			out = append(out, i)
		}
	}
	return out
}

func vNot(a *vec, sel []int32, n int) *vec {
	out := newVec(vInt, n)
	for _, i := range sel {
		t := truth3(a, i)
		if t >= 0 {
			t = 1 - t
		}
		setTruth(out, i, t, n)
	}
	return out
}

func vIsNull(a *vec, not bool, sel []int32, n int) *vec {
	out := newVec(vInt, n)
	for _, i := range sel {
		if a.isNull(i) != not {
			out.ints[i] = 1
		}
	}
	return out
}

// orNulls is the NULL mask of a binary operator's result: NULL where
// either operand is.
func orNulls(a, b *vec, sel []int32, n int) []bool {
	if a.null == nil && b.null == nil {
		return nil
	}
	m := make([]bool, n)
	for _, i := range sel {
		m[i] = a.isNull(i) || b.isNull(i)
	}
	return m
}

// vCompare is a comparison (op as compareOp takes it) under affinity af
// and collation coll.
func vCompare(op byte, a, b *vec, sel []int32, n int, af aff, coll collation) *vec {
	out := newVec(vInt, n)
	out.null = orNulls(a, b, sel, n)
	r := out.ints
	switch {
	case a.kind == vInt && b.kind == vInt && af != affText:
		x, y := a.ints, b.ints
		switch op {
		case '<':
			for _, i := range sel {
				r[i] = b2i(x[i] < y[i])
			}
		case 'l':
			for _, i := range sel {
				r[i] = b2i(x[i] <= y[i])
			}
		case '>':
			for _, i := range sel {
				r[i] = b2i(x[i] > y[i])
			}
		case 'g':
			for _, i := range sel {
				r[i] = b2i(x[i] >= y[i])
			}
		case '=':
			for _, i := range sel {
				r[i] = b2i(x[i] == y[i])
			}
		case '!':
			for _, i := range sel {
				r[i] = b2i(x[i] != y[i])
			}
		}
	case a.kind == vReal && b.kind == vReal && af != affText:
		x, y := a.reals, b.reals
		for _, i := range sel {
			r[i] = b2i(cmpHolds(op, cmp.Compare(x[i], y[i]))) // never NaN: MakeReal stores NaN as NULL
		}
	case a.kind == vText && b.kind == vText && !af.numeric() && coll == collBinary:
		x, y := a.texts, b.texts
		for _, i := range sel {
			r[i] = b2i(cmpHolds(op, strings.Compare(x[i], y[i])))
		}
	default:
		for _, i := range sel {
			if out.null != nil && out.null[i] {
				continue
			}
			v := compareOp(op, a.at(i), b.at(i), af, coll)
			if v.IsNull() {
				out.setNull(i, n)
			} else {
				r[i] = v.Int()
			}
		}
	}
	return out
}

func b2i(t bool) int64 {
	if t {
		return 1
	}
	return 0
}

func cmpHolds(op byte, c int) bool {
	switch op {
	case '<':
		return c < 0
	case 'l':
		return c <= 0
	case '>':
		return c > 0
	case 'g':
		return c >= 0
	case '=':
		return c == 0
	}
	return c != 0
}

// vArith is + - * / % over numbers as arith defines them: typed loops
// for integers and reals, arith itself for anything else (and for a
// batch where an integer operation overflows into a real).
func vArith(op byte, a, b *vec, sel []int32, n int) *vec {
	nulls := orNulls(a, b, sel, n)
	switch {
	case a.kind == vInt && b.kind == vInt:
		if out := arithInts(op, a.ints, b.ints, sel, n, nulls); out != nil {
			return out
		}
	case (a.kind == vInt || a.kind == vReal) && (b.kind == vInt || b.kind == vReal) && op != '%':
		out := newVec(vReal, n)
		out.null = nulls
		for _, i := range sel {
			if nulls != nil && nulls[i] {
				continue
			}
			x, y := realAt(a, i), realAt(b, i)
			var r float64
			switch op {
			case '+':
				r = x + y
			case '-':
				r = x - y
			case '*':
				r = x * y
			case '/':
				if y == 0 {
					out.setNull(i, n)
					continue
				}
				r = x / y
			}
			if r != r {
				// Inf - Inf and the like: SQLite stores a NaN as NULL
				// (column.MakeReal), and later kernels must see NULL
				out.setNull(i, n)
				continue
			}
			out.reals[i] = r
		}
		return out
	}
	out := newVec(vAny, n)
	for _, i := range sel {
		out.anys[i] = arith(op, a.at(i), b.at(i))
	}
	return out
}

func realAt(v *vec, i int32) float64 {
	if v.kind == vInt {
		return float64(v.ints[i])
	}
	return v.reals[i]
}

// arithInts is integer arithmetic over sel, or nil when a row leaves the
// integers (overflow, MinInt64 / -1).
func arithInts(op byte, x, y []int64, sel []int32, n int, nulls []bool) *vec {
	out := newVec(vInt, n)
	out.null = nulls
	r := out.ints
	for _, i := range sel {
		if nulls != nil && nulls[i] {
			continue
		}
		var ok bool
		switch op {
		case '+':
			r[i], ok = addInt(x[i], y[i])
		case '-':
			r[i], ok = subInt(x[i], y[i])
		case '*':
			r[i], ok = mulInt(x[i], y[i])
		case '/':
			switch {
			case y[i] == 0:
				out.setNull(i, n)
				ok = true
			case x[i] == math.MinInt64 && y[i] == -1:
				ok = false
			default:
				r[i], ok = x[i]/y[i], true
			}
		case '%':
			switch y[i] {
			case 0:
				out.setNull(i, n)
			case -1:
				r[i] = 0
			default:
				r[i] = x[i] % y[i]
			}
			ok = true
		}
		if !ok {
			return nil
		}
	}
	return out
}

// vNeg is unary minus.
func vNeg(a *vec, sel []int32, n int) *vec {
	switch a.kind {
	case vInt:
		out := newVec(vInt, n)
		out.null = a.null
		for _, i := range sel {
			if a.ints[i] == math.MinInt64 && !a.isNull(i) {
				return vNegAny(a, sel, n)
			}
			out.ints[i] = -a.ints[i]
		}
		return out
	case vReal:
		out := newVec(vReal, n)
		out.null = a.null
		for _, i := range sel {
			out.reals[i] = 0 - a.reals[i] // as negate: -(0.0) is 0.0
		}
		return out
	}
	return vNegAny(a, sel, n)
}

func vNegAny(a *vec, sel []int32, n int) *vec {
	out := newVec(vAny, n)
	for _, i := range sel {
		out.anys[i] = negate(a.at(i))
	}
	return out
}
