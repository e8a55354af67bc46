package sqlparse

import (
	"strings"
	"testing"
)

// tree renders an expression fully parenthesised, prefix style, so that a
// test states the shape of the tree rather than a printing of it.
func tree(x Expr) string {
	var b strings.Builder
	var walk func(Expr)
	list := func(head string, xs ...Expr) {
		b.WriteString("(" + head)
		for _, x := range xs {
			b.WriteByte(' ')
			walk(x)
		}
		b.WriteByte(')')
	}
	neg := func(not bool, s string) string {
		if not {
			return "not-" + s
		}
		return s
	}
	walk = func(x Expr) {
		switch x := x.(type) {
		case *Literal:
			switch x.Kind {
			case StringLit:
				b.WriteString("'" + x.Value + "'")
			case BlobLit:
				b.WriteString("x'" + x.Value + "'")
			case NullLit:
				b.WriteString("null")
			case TrueLit:
				b.WriteString("true")
			case FalseLit:
				b.WriteString("false")
			case CurrentTimeLit, CurrentDateLit, CurrentTimestampLit:
				b.WriteString(x.String())
			default:
				b.WriteString(x.Value)
			}
		case *Column:
			for _, s := range []string{x.Schema, x.Table} {
				if s != "" {
					b.WriteString(s + ".")
				}
			}
			if x.Quoted {
				b.WriteString(`"` + x.Name + `"`)
			} else {
				b.WriteString(x.Name)
			}
		case *Param:
			b.WriteString(x.Name + "#" + itoa(x.Index))
		case *Unary:
			list(x.Op.String(), x.X)
		case *Binary:
			list(x.Op.String(), x.X, x.Y)
		case *IsNull:
			list(neg(x.Not, "isnull"), x.X)
		case *Collate:
			list("collate-"+x.Collation, x.X)
		case *Like:
			if x.Escape != nil {
				list(neg(x.Not, x.Op.String()), x.X, x.Pattern, x.Escape)
			} else {
				list(neg(x.Not, x.Op.String()), x.X, x.Pattern)
			}
		case *Between:
			list(neg(x.Not, "between"), x.X, x.Lo, x.Hi)
		case *In:
			switch {
			case x.Select != nil:
				b.WriteString("(" + neg(x.Not, "in") + " ")
				walk(x.X)
				b.WriteString(" {" + x.Select.String() + "})")
			case x.Table != nil:
				b.WriteString("(" + neg(x.Not, "in") + " ")
				walk(x.X)
				b.WriteString(" table:" + x.Table.Name + ")")
			default:
				list(neg(x.Not, "in"), append([]Expr{x.X}, x.List...)...)
			}
		case *Exists:
			b.WriteString("(exists {" + x.Select.String() + "})")
		case *Subquery:
			b.WriteString("{" + x.Select.String() + "}")
		case *Row:
			list("row", x.List...)
		case *Cast:
			list("cast-"+x.Type.String(), x.X)
		case *Case:
			b.WriteString("(case")
			if x.Operand != nil {
				b.WriteByte(' ')
				walk(x.Operand)
			}
			for _, w := range x.Whens {
				b.WriteString(" ")
				list("when", w.Cond, w.Result)
			}
			if x.Else != nil {
				b.WriteString(" ")
				list("else", x.Else)
			}
			b.WriteByte(')')
		case *Call:
			head := x.Name
			if x.Distinct {
				head += "-distinct"
			}
			if x.Star {
				head += "-*"
			}
			args := x.Args
			if x.Filter != nil {
				args = append(append([]Expr{}, args...), &Column{Name: "filter:" + x.Filter.String()})
			}
			list("call-"+head, args...)
		default:
			b.WriteString(x.String())
		}
	}
	walk(x)
	return b.String()
}

// TestPrecedence pins the shape of trees for SQLite's operator precedence,
// https://www.sqlite.org/lang_expr.html, including the yacc behaviour of
// prefix operators found where an operand is expected.
func TestPrecedence(t *testing.T) {
	tests := []struct{ src, want string }{
		// Binary levels, left associative.
		{"a OR b AND c", "(OR a (AND b c))"},
		{"a AND b OR c", "(OR (AND a b) c)"},
		{"a OR b OR c", "(OR (OR a b) c)"},
		{"NOT a AND b", "(AND (NOT a) b)"},
		{"NOT a = b", "(NOT (= a b))"},
		{"NOT NOT a", "(NOT (NOT a))"},
		{"a = b < c", "(= a (< b c))"},
		{"a < b = c", "(= (< a b) c)"},
		{"a = b = c", "(= (= a b) c)"},
		{"a == b != c <> d", "(<> (<> (= a b) c) d)"},
		{"a < b & c", "(< a (& b c))"},
		{"a & b + c", "(& a (+ b c))"},
		{"a | b << c >> d & e", "(& (>> (<< (| a b) c) d) e)"},
		{"a + b * c", "(+ a (* b c))"},
		{"a - b - c", "(- (- a b) c)"},
		{"a * b / c % d", "(% (/ (* a b) c) d)"},
		{"a * b || c", "(* a (|| b c))"},
		{"a || b -> c ->> d", "(->> (-> (|| a b) c) d)"},
		{"a || b COLLATE nocase", "(|| a (collate-nocase b))"},
		{"-a COLLATE nocase", "(collate-nocase (- a))"},
		{"a COLLATE x COLLATE y", "(collate-y (collate-x a))"},
		{"-a * b", "(* (- a) b)"},
		{"- - + ~a", "(- (- (+ (~ a))))"},
		{"-a || b", "(|| (- a) b)"},
		// Prefix operators in operand position take what binds tighter.
		{"1 + NOT x = 2", "(+ 1 (NOT (= x 2)))"},
		{"a = NOT b", "(= a (NOT b))"},
		{"- NOT x * y", "(- (NOT (* x y)))"},
		{"- NOT x AND y", "(AND (- (NOT x)) y)"},
		{"NOT - x", "(NOT (- x))"},
		// IS, IS NOT, IS [NOT] DISTINCT FROM, NULL tests.
		{"a IS NULL", "(IS a null)"},
		{"a IS NOT NULL", "(IS NOT a null)"},
		{"a IS DISTINCT FROM b", "(IS NOT a b)"},
		{"a IS NOT DISTINCT FROM b", "(IS a b)"},
		{"a IS b < c", "(IS a (< b c))"},
		{"a IS b = c", "(= (IS a b) c)"},
		{"a ISNULL", "(isnull a)"},
		{"a NOTNULL", "(not-isnull a)"},
		{"a NOT NULL", "(not-isnull a)"},
		{"a + 1 NOT NULL = 0", "(= (not-isnull (+ a 1)) 0)"},
		{"NOT a ISNULL", "(NOT (isnull a))"},
		// A closed postfix form is a plain operand for any operator after
		// it (found by comparing with SQLite 3.40 on random expressions).
		{"a NOTNULL * b", "(* (not-isnull a) b)"},
		{"a ISNULL < 5", "(< (isnull a) 5)"},
		{"a NOT NULL || b", "(|| (not-isnull a) b)"},
		{"a IN (1) || b", "(|| (in a 1) b)"},
		{"a IN t + 1", "(+ (in a table:t) 1)"},
		{"a IN (1) COLLATE nocase", "(collate-nocase (in a 1))"},
		{"+ NOT x IN () >= 1 IS 2", "(+ (NOT (IS (>= (in x) 1) 2)))"},
		{"a = b IN (1) * 2 = c", "(= (* (in (= a b) 1) 2) c)"},
		// LIKE family and ESCAPE.
		{"a LIKE b", "(LIKE a b)"},
		{"a NOT LIKE b ESCAPE c", "(not-LIKE a b c)"},
		{"a GLOB b", "(GLOB a b)"},
		{"a NOT GLOB b", "(not-GLOB a b)"},
		{"a MATCH b", "(MATCH a b)"},
		{"a REGEXP b", "(REGEXP a b)"},
		{"a LIKE b || c", "(LIKE a (|| b c))"},
		{"a LIKE b < c", "(LIKE a (< b c))"},
		{"a LIKE b = c", "(= (LIKE a b) c)"},
		{"a LIKE b ESCAPE c & d", "(LIKE a b (& c d))"},
		{"a LIKE b ESCAPE c < d", "(LIKE a b (< c d))"},
		{"a LIKE b ESCAPE c = d", "(= (LIKE a b c) d)"},
		{"a LIKE b ESCAPE c AND d", "(AND (LIKE a b c) d)"},
		// BETWEEN.
		{"a BETWEEN b AND c", "(between a b c)"},
		{"a NOT BETWEEN b AND c", "(not-between a b c)"},
		{"a BETWEEN b AND c AND d", "(AND (between a b c) d)"},
		{"a BETWEEN b + 1 AND c * 2", "(between a (+ b 1) (* c 2))"},
		{"a BETWEEN b AND c < d", "(between a b (< c d))"},
		{"a BETWEEN b AND c = d", "(= (between a b c) d)"},
		{"a BETWEEN b = c AND d", "(between a (= b c) d)"},
		{"a = b BETWEEN c AND d", "(between (= a b) c d)"},
		{"a BETWEEN b AND c OR d", "(OR (between a b c) d)"},
		// IN.
		{"a IN (1, 2)", "(in a 1 2)"},
		{"a NOT IN (1)", "(not-in a 1)"},
		{"a IN ()", "(in a)"},
		{"a IN t", "(in a table:t)"},
		{"a NOT IN s.t", "(not-in a table:t)"},
		{"a IN (SELECT b FROM t)", "(in a {SELECT b FROM t})"},
		{"a + 1 IN (2) = 1", "(= (in (+ a 1) 2) 1)"},
		{"a IN (1) AND b", "(AND (in a 1) b)"},
		{"NOT a IN (1)", "(NOT (in a 1))"},
		// Primaries.
		{"(a + b) * c", "(* (+ a b) c)"},
		{"((a))", "a"},
		{"(a, b) = (1, 2)", "(= (row a b) (row 1 2))"},
		{"t.c + s.t.c", "(+ t.c s.t.c)"},
		{`"a b" + [c] + ` + "`d`", `(+ (+ "a b" c) d)`},
		{"'it''s' || X'41'", "(|| 'it's' x'A')"},
		{"NULL IS TRUE AND FALSE", "(AND (IS null true) false)"},
		{`"true"`, `"true"`},
		{"CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"},
		{"1.5e3 + .5 + 0x10", "(+ (+ 1.5e3 .5) 0x10)"},
		{"? + ?5 + ? + :x + @y + :x + $z", "(+ (+ (+ (+ (+ (+ ?#1 ?5#5) ?#6) :x#7) @y#8) :x#7) $z#9)"},
		{"CAST(a + 1 AS INTEGER) + 1", "(+ (cast-INTEGER (+ a 1)) 1)"},
		{"CAST(a AS VARCHAR(10))", "(cast-VARCHAR(10) a)"},
		{"CAST(a AS UNSIGNED BIG INT)", "(cast-UNSIGNED BIG INT a)"},
		{"CASE WHEN a THEN b END", "(case (when a b))"},
		{"CASE a WHEN 1 THEN 'x' WHEN 2 THEN 'y' ELSE 'z' END", "(case a (when 1 'x') (when 2 'y') (else 'z'))"},
		{"count(*)", "(call-count-*)"},
		{"count(DISTINCT a)", "(call-count-distinct a)"},
		{"count(ALL a)", "(call-count a)"},
		{"coalesce(a, b, 1)", "(call-coalesce a b 1)"},
		{"random()", "(call-random)"},
		{"replace(a, 'x', 'y') || like(a, b) || glob(a, b)", "(|| (|| (call-replace a 'x' 'y') (call-like a b)) (call-glob a b))"},
		{"left + right + indexed", "(+ (+ left right) indexed)"},
		{`"left"(a) + "cast"(b)`, "(+ (call-left a) (call-cast b))"},
		{"CAST(a AS)", "(cast- a)"},
		{"count(ALL)", "(call-count)"},
		{"sum(a) FILTER (WHERE a > 0)", "(call-sum a filter:a > 0)"},
		{"EXISTS (SELECT 1)", "(exists {SELECT 1})"},
		{"NOT EXISTS (SELECT 1)", "(NOT (exists {SELECT 1}))"},
		{"(SELECT 1) + 1", "(+ {SELECT 1} 1)"},
		{"key + replace + offset", "(+ (+ key replace) offset)"},
	}
	for _, tt := range tests {
		x, err := ParseExpr(tt.src)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if got := tree(x); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
		}
		checkRoundTrip(t, tt.src, x)
	}
}

// checkRoundTrip prints x, parses the print, and wants the same tree.
func checkRoundTrip(t *testing.T, src string, x Expr) {
	t.Helper()
	printed := x.String()
	y, err := ParseExpr(printed)
	if err != nil {
		t.Errorf("%s: printed as %s, which does not parse: %v", src, printed, err)
		return
	}
	if a, b := tree(x), tree(y); a != b {
		t.Errorf("%s: printed as %s, which parses as %s, not %s", src, printed, b, a)
	}
}
