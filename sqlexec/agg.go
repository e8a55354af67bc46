package sqlexec

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
)

// ErrIntegerOverflow is sum() overflowing int64, as in SQLite.
var ErrIntegerOverflow = errors.New("integer overflow")

// aggSpec is one aggregate call of a query level.
type aggSpec struct {
	name     string
	distinct bool
	star     bool
	args     []cexpr
	filter   *cexpr
	coll     collation
}

// aggCollector gathers the aggregate calls of a query level.
type aggCollector struct {
	specs []*aggSpec
}

func (c *compiler) aggregate(x *sqlparse.Call, s *scope) (cexpr, error) {
	name := strings.ToLower(x.Name)
	if s.agg == nil || s.inAggArg {
		return cexpr{}, fmt.Errorf("misuse of aggregate function %s()", x.Name)
	}
	if x.Star && name != "count" {
		return cexpr{}, fmt.Errorf("wrong number of arguments to function %s()", x.Name)
	}
	if x.Star && x.Distinct {
		return cexpr{}, fmt.Errorf("near \"*\": syntax error")
	}
	n := len(x.Args)
	ok := false
	switch name {
	case "count":
		ok = x.Star && n == 0 || !x.Star && n <= 1
	case "sum", "total", "avg", "min", "max":
		ok = n == 1
	case "group_concat":
		ok = n == 1 || n == 2
	case "string_agg":
		ok = n == 2
	}
	if !ok {
		return cexpr{}, fmt.Errorf("wrong number of arguments to function %s()", x.Name)
	}
	if x.Distinct && n != 1 {
		return cexpr{}, fmt.Errorf("DISTINCT aggregates must have exactly one argument")
	}
	spec := &aggSpec{name: name, distinct: x.Distinct, star: x.Star || n == 0}
	if name == "string_agg" {
		spec.name = "group_concat"
	}
	s.inAggArg = true
	defer func() { s.inAggArg = false }()
	for _, a := range x.Args {
		ca, err := c.compile(a, s)
		if err != nil {
			return cexpr{}, err
		}
		spec.args = append(spec.args, ca)
	}
	if x.Filter != nil {
		f, err := c.compile(x.Filter, s)
		if err != nil {
			return cexpr{}, err
		}
		spec.filter = &f
	}
	if len(spec.args) > 0 {
		spec.coll = spec.args[0].coll
	}
	k := len(s.agg.specs)
	s.agg.specs = append(s.agg.specs, spec)
	r := cexpr{fn: func(e *env) (Value, error) { return e.aggs[k], nil }}
	if name == "min" || name == "max" {
		// min and max compare with their argument's collation, but like
		// every aggregate their result has no affinity
		r.coll = spec.args[0].coll
	}
	return r, nil
}

// aggState accumulates one aggregate over a group.
type aggState struct {
	spec *aggSpec
	seen map[string]struct{}

	count int64
	// sum
	isum      int64
	overflow  bool
	approx    bool // a real (or non-integer) was added
	fsum, err float64
	// min/max
	best    Value
	hasBest bool
	// group_concat
	buf     []byte
	hasText bool
	sep     string // the row's separator (second argument)
}

func newAggState(spec *aggSpec) *aggState {
	a := &aggState{spec: spec}
	if spec.distinct {
		a.seen = map[string]struct{}{}
	}
	return a
}

// kbn adds f with Kahan-Babuska-Neumaier compensation, as SQLite does.
func (a *aggState) kbn(f float64) {
	s := a.fsum
	t := s + f
	if math.Abs(s) > math.Abs(f) {
		a.err += (s - t) + f
	} else {
		a.err += (f - t) + s
	}
	a.fsum = t
}

func (a *aggState) kbnInit(i int64) {
	if i <= -4503599627370496 || i >= 4503599627370496 {
		sm := i % 16384
		a.fsum, a.err = float64(i-sm), float64(sm)
	} else {
		a.fsum, a.err = float64(i), 0
	}
}

func (a *aggState) kbnInt(i int64) {
	if i <= -4503599627370496 || i >= 4503599627370496 {
		sm := i % 16384
		a.kbn(float64(i - sm))
		a.kbn(float64(sm))
	} else {
		a.kbn(float64(i))
	}
}

// approxSum is the compensated sum, without the error term when that
// overflowed (sqlite3IsOverflow).
func (a *aggState) approxSum() float64 {
	if math.IsInf(a.err, 0) || math.IsNaN(a.err) {
		return a.fsum
	}
	return a.fsum + a.err
}

// step adds one row; changed reports that min/max took this row's value.
func (a *aggState) step(e *env) (changed bool, err error) {
	sp := a.spec
	if sp.filter != nil {
		if ok, err := sp.filter.holds(e); err != nil || !ok {
			return false, err
		}
	}
	if sp.star {
		a.count++
		return false, nil
	}
	v, err := sp.args[0].fn(e)
	if err != nil {
		return false, err
	}
	if sp.name == "group_concat" && len(sp.args) == 2 && !v.IsNull() {
		sv, err := sp.args[1].fn(e)
		if err != nil {
			return false, err
		}
		a.sep = textOf(sv)
	}
	return a.add(v), nil
}

// add adds the argument's value v of one row; changed reports that
// min/max took it.
func (a *aggState) add(v Value) (changed bool) {
	sp := a.spec
	if v.IsNull() {
		// a NULL before any value still counts as a min()/max() hit for
		// bare columns (SQLite's minmaxStep does not skip the load)
		return (sp.name == "min" || sp.name == "max") && !a.hasBest
	}
	v = norm(v)
	if a.seen != nil {
		k := string(appendKey(nil, v, sp.coll))
		if _, dup := a.seen[k]; dup {
			return false
		}
		a.seen[k] = struct{}{}
	}
	switch sp.name {
	case "count":
		a.count++
	case "sum", "total", "avg":
		a.count++
		n := v
		if v.Type() == column.Text || v.Type() == column.Blob {
			// sqlite3_value_numeric_type: integer text is an integer,
			// other numeric text a real, anything else read as a real
			if sn, ok := textNumber(v.Text()); ok && v.Type() == column.Text {
				n = sn
			} else {
				n = column.MakeReal(toFloat(v))
			}
		}
		if n.Type() == column.Integer {
			a.sumInt(n.Int())
		} else {
			a.sumReal(n.Float())
		}
	case "min", "max":
		if !a.hasBest {
			a.best, a.hasBest = v, true
			return true
		}
		c := compareVals(v, a.best, sp.coll)
		if sp.name == "min" && c < 0 || sp.name == "max" && c > 0 {
			a.best = v
			return true
		}
	case "group_concat":
		sep := ","
		if len(sp.args) == 2 {
			sep = a.sep
		}
		if a.hasText {
			a.buf = append(a.buf, sep...)
		}
		a.buf = append(a.buf, textOf(v)...)
		a.hasText = true
	}
	return false
}

// sumInt and sumReal add to a sum as SQLite's sumStep: an exact integer
// sum until a real arrives or it overflows, then Kahan-Babuska-Neumaier
// from there.
func (a *aggState) sumInt(x int64) {
	if !a.approx {
		if r, ok := addInt(a.isum, x); ok {
			a.isum = r
		} else {
			a.overflow = true
			a.kbnInit(a.isum)
			a.approx = true
			a.kbnInt(x)
		}
	} else {
		a.kbnInt(x)
	}
}

func (a *aggState) sumReal(f float64) {
	if !a.approx {
		a.approx = true
		a.kbnInit(a.isum)
	} else {
		a.overflow = false // a real after an overflow clears it, as in SQLite
	}
	a.kbn(f)
}

func (a *aggState) final() (Value, error) {
	switch a.spec.name {
	case "count":
		return column.MakeInt(a.count), nil
	case "sum":
		if a.count == 0 {
			return null, nil
		}
		if a.overflow {
			return null, ErrIntegerOverflow
		}
		if !a.approx {
			return column.MakeInt(a.isum), nil
		}
		return column.MakeReal(a.approxSum()), nil
	case "total":
		if !a.approx {
			return column.MakeReal(float64(a.isum)), nil
		}
		return column.MakeReal(a.approxSum()), nil
	case "avg":
		if a.count == 0 {
			return null, nil
		}
		s := float64(a.isum)
		if a.approx {
			s = a.approxSum()
		}
		return column.MakeReal(s / float64(a.count)), nil
	case "min", "max":
		if !a.hasBest {
			return null, nil
		}
		return a.best, nil
	case "group_concat":
		if !a.hasText {
			return null, nil
		}
		return column.MakeText(string(a.buf)), nil
	}
	return null, fmt.Errorf("unknown aggregate %s", a.spec.name)
}

// hasAggregate reports whether x holds an aggregate call of its own level
// (not inside a subquery).
func hasAggregate(x sqlparse.Node) bool {
	found := false
	if x == nil {
		return false
	}
	sqlparse.Inspect(x, func(n sqlparse.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *sqlparse.Subquery, *sqlparse.Exists, *sqlparse.Select:
			return false
		case *sqlparse.In:
			if n.Select != nil {
				if hasAggregate(n.X) {
					found = true
				}
				return false
			}
		case *sqlparse.Call:
			if isAggCall(n) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}
