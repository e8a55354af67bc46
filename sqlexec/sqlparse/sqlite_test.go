package sqlparse

import (
	"database/sql"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestSQLitePrecedence compares the parser with SQLite (modernc.org/sqlite,
// a translation of SQLite's C source, through database/sql) on random
// constant expressions that mix every operator and prefix and postfix
// form. For each expression: SQLite reports a syntax error exactly when we
// do; and when both accept it, SQLite gives the same value (or an error)
// for the expression as written, for our tree printed with every operation
// in parentheses, and for our canonical printing. A tree of another shape
// than SQLite's shows up as a different value.
func TestSQLitePrecedence(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	n := 3000
	if testing.Short() {
		n = 300
	}
	seed := uint64(time.Now().UnixNano())
	g := &exprGen{r: rand.New(rand.NewPCG(seed, 0))}

	// eval is SQLite's quote() of expr, or "error"; syntax reports whether
	// the error is one of parsing.
	eval := func(expr string) (value string, syntax bool) {
		var v sql.NullString
		err := db.QueryRow("SELECT quote(" + expr + ")").Scan(&v)
		if err != nil {
			msg := err.Error()
			return "error", strings.Contains(msg, "syntax error") || strings.Contains(msg, "incomplete input") ||
				strings.Contains(msg, "unrecognized token")
		}
		return v.String, false
	}
	// the classification rests on SQLite's messages: check it on known cases
	for _, c := range []struct {
		src, value string
		syntax     bool
	}{{"1 + 2 * 3", "7", false}, {"1 +", "error", true}, {"1 ) 2", "error", true}, {"'a", "error", true}, {"abs(-9223372036854775807 - 1)", "error", false}} {
		if v, syntax := eval(c.src); v != c.value || syntax != c.syntax {
			t.Fatalf("SQLite on %s: %s (syntax error %v), want %s (%v)", c.src, v, syntax, c.value, c.syntax)
		}
	}
	failures := 0
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf(format, args...)
		failures++
	}
	for i := 0; i < n && failures < 10; i++ {
		// A third of the expressions use only operators that keep numbers
		// numbers, where a tree of the wrong shape changes the value; a
		// third add comparisons and logic over numbers; the rest mix in
		// everything, which mostly tests what is accepted.
		g.arith, g.logic = i%3 == 0, i%3 == 1
		src := g.expr(2)
		x, perr := ParseExpr(src)
		a, syntax := eval(src)
		switch {
		case syntax && perr == nil:
			fail("SQLite finds a syntax error, we do not: %s", src)
		case !syntax && perr != nil:
			fail("we find a syntax error, SQLite does not: %s\n%v", src, perr)
		case perr == nil:
			b, _ := eval(parenthesised(x))
			c, _ := eval(x.String())
			if a != b || a != c {
				fail("our tree evaluates differently in SQLite:\n  as written      %s = %s\n  parenthesised   %s = %s\n  printed         %s = %s",
					src, a, parenthesised(x), b, x.String(), c)
			}
		}
	}
	if t.Failed() {
		t.Logf("seed %d", seed)
	}
}

// exprGen writes random constant expressions from SQLite's operators.
type exprGen struct {
	r     *rand.Rand
	arith bool // only arithmetic, bitwise and concatenation
	logic bool // numbers, arithmetic, comparisons and logic
}

func (g *exprGen) pick(list ...string) string { return list[g.r.IntN(len(list))] }

func (g *exprGen) operand(depth int) string {
	r := g.r.Float64()
	if g.arith || g.logic {
		if depth > 0 && r < 0.1 {
			return "(" + g.expr(depth-1) + ")"
		}
		s := strconv.Itoa(1 + g.r.IntN(9))
		for g.r.Float64() < 0.2 {
			if g.logic {
				s = g.pick("-", "+", "~", "NOT") + " " + s
			} else {
				s = g.pick("-", "+", "~") + " " + s
			}
		}
		return s
	}
	if depth > 0 {
		sub := func() string { return g.expr(depth - 1) }
		switch {
		case r < 0.08:
			return "(" + sub() + ")"
		case r < 0.12:
			return "CASE WHEN " + sub() + " THEN " + sub() + " ELSE " + sub() + " END"
		case r < 0.15:
			return "CAST(" + sub() + " AS " + g.pick("INTEGER", "REAL", "TEXT", "VARCHAR(5)", "") + ")"
		case r < 0.17:
			return g.pick("EXISTS (SELECT ", "(SELECT ", "NOT EXISTS (SELECT ") + sub() + ")"
		case r < 0.19:
			return g.pick("coalesce(", "nullif(", "max(", "glob(") + sub() + ", " + sub() + ")"
		case r < 0.21:
			return "CASE " + sub() + " WHEN " + sub() + " THEN " + sub() + " END"
		}
	}
	// Mostly numbers: NULLs, text and blobs make most operators give NULL
	// or 0, which would hide a tree of the wrong shape.
	s := strconv.Itoa(1 + g.r.IntN(9))
	if g.r.Float64() < 0.2 {
		s = g.pick("0", "-1", "2.5", "NULL", "'a'", "'7'", "'%'", "x'01'", "TRUE", "FALSE")
	}
	for g.r.Float64() < 0.25 {
		s = g.pick("-", "+", "~", "NOT") + " " + s
	}
	return s
}

func (g *exprGen) expr(depth int) string {
	s := g.operand(depth)
	if g.arith {
		for range g.r.IntN(6) {
			// Weighted towards + - *: division, shifts and masks soon give
			// 0 whatever the shape.
			s += " " + g.pick("+", "+", "-", "-", "*", "*", "*", "/", "%", "||", "||", "&", "|", "<<", ">>") +
				" " + g.operand(depth)
		}
		return s
	}
	if g.logic {
		for range g.r.IntN(6) {
			switch r := g.r.Float64(); {
			case r < 0.4:
				s += " " + g.pick("+", "-", "*", "||") + " " + g.operand(depth)
			case r < 0.85:
				s += " " + g.pick("<", "<=", ">", ">=", "=", "<>", "AND", "OR", "IS", "IS NOT") + " " + g.operand(depth)
			case r < 0.95:
				s += " " + g.pick("BETWEEN", "NOT BETWEEN") + " " + g.operand(depth) + " AND " + g.operand(depth)
			default:
				s += " " + g.pick("IN", "NOT IN") + " (" + g.operand(depth) + ", " + g.operand(depth) + ")"
			}
		}
		return s
	}
	for range g.r.IntN(5) {
		switch r := g.r.Float64(); {
		case r < 0.45:
			s += " " + g.pick("+", "-", "*", "/", "%", "&", "|", "<<", ">>", "||") + " " + g.operand(depth)
		case r < 0.6:
			s += " " + g.pick("<", "<=", ">", ">=", "=", "==", "!=", "<>", "AND", "OR", "IS", "IS NOT",
				"IS DISTINCT FROM", "IS NOT DISTINCT FROM", "LIKE", "NOT LIKE", "GLOB", "NOT GLOB", "->", "->>") +
				" " + g.operand(depth)
		case r < 0.7:
			s += " " + g.pick("BETWEEN", "NOT BETWEEN") + " " + g.operand(depth) + " AND " + g.operand(depth)
		case r < 0.8:
			var list []string
			for range g.r.IntN(4) {
				list = append(list, g.operand(depth))
			}
			s += " " + g.pick("IN", "NOT IN") + " (" + strings.Join(list, ", ") + ")"
		case r < 0.83:
			s += " ESCAPE " + g.pick("'x'", "'!'")
		default:
			s += " " + g.pick("ISNULL", "NOTNULL", "NOT NULL", "COLLATE nocase", "COLLATE binary")
		}
	}
	return s
}

// parenthesised prints x with every operation in parentheses, so that
// SQLite's precedence plays no part in reading it back.
func parenthesised(x Expr) string {
	not := func(b bool) string {
		if b {
			return "NOT "
		}
		return ""
	}
	list := func(xs []Expr) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = parenthesised(x)
		}
		return strings.Join(s, ", ")
	}
	switch x := x.(type) {
	case *Unary:
		return "(" + x.Op.String() + " " + parenthesised(x.X) + ")"
	case *Binary:
		return "(" + parenthesised(x.X) + " " + x.Op.String() + " " + parenthesised(x.Y) + ")"
	case *IsNull:
		if x.Not {
			return "(" + parenthesised(x.X) + " NOTNULL)"
		}
		return "(" + parenthesised(x.X) + " ISNULL)"
	case *Collate:
		return "(" + parenthesised(x.X) + " COLLATE " + x.Collation + ")"
	case *Like:
		s := "(" + parenthesised(x.X) + " " + not(x.Not) + x.Op.String() + " " + parenthesised(x.Pattern)
		if x.Escape != nil {
			s += " ESCAPE " + parenthesised(x.Escape)
		}
		return s + ")"
	case *Between:
		return "(" + parenthesised(x.X) + " " + not(x.Not) + "BETWEEN " + parenthesised(x.Lo) + " AND " + parenthesised(x.Hi) + ")"
	case *In:
		if x.Select != nil || x.Table != nil {
			return "(" + x.String() + ")"
		}
		return "(" + parenthesised(x.X) + " " + not(x.Not) + "IN (" + list(x.List) + "))"
	case *Case:
		s := "(CASE"
		if x.Operand != nil {
			s += " " + parenthesised(x.Operand)
		}
		for _, w := range x.Whens {
			s += " WHEN " + parenthesised(w.Cond) + " THEN " + parenthesised(w.Result)
		}
		if x.Else != nil {
			s += " ELSE " + parenthesised(x.Else)
		}
		return s + " END)"
	case *Call:
		return x.Name + "(" + list(x.Args) + ")"
	case *Cast:
		return "CAST(" + parenthesised(x.X) + " AS " + x.Type.String() + ")"
	}
	return x.String()
}
