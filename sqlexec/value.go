package sqlexec

import (
	"math"
	"strconv"
	"strings"

	"github.com/projstore/projstore/column"
)

// Value is one SQL value; see column.Value.
type Value = column.Value

var (
	null = Value{}
	one  = column.MakeInt(1)
	zero = column.MakeInt(0)
)

// aff is the affinity of an expression as SQLite's comparison rules see
// it: affNone for expressions that have none (literals, arithmetic),
// otherwise a column affinity.
type aff int8

const (
	affNone aff = iota
	affBlob
	affText
	affNumeric
	affInteger
	affReal
)

func affOf(a column.Affinity) aff {
	switch a {
	case column.AffinityText:
		return affText
	case column.AffinityNumeric:
		return affNumeric
	case column.AffinityInteger:
		return affInteger
	case column.AffinityReal:
		return affReal
	}
	return affBlob
}

func (a aff) numeric() bool { return a >= affNumeric }

// compareAff is SQLite's sqlite3CompareAffinity for two operands.
func compareAff(a, b aff) aff {
	if a > affNone && b > affNone {
		if a.numeric() || b.numeric() {
			return affNumeric
		}
		return affBlob
	}
	if a <= affNone {
		return b
	}
	return a
}

// applyAff converts v as SQLite does before a comparison under affinity a.
func applyCmpAff(v Value, a aff) Value {
	switch {
	case a.numeric():
		if v.Type() == column.Text {
			t := v.Text()
			if k := strings.IndexByte(t, 0); k >= 0 {
				if n, ok := strictNumber(t[:k]); ok {
					return column.MakeReal(n.Float())
				}
				return v
			}
			return column.AffinityNumeric.Apply(v)
		}
	case a == affText:
		switch v.Type() {
		case column.Integer, column.Real:
			return column.MakeText(string(column.AppendText(nil, v)))
		}
	}
	return v
}

// isNumber reports whether v is an integer or a real (booleans and
// timestamps are integers).
func isNumber(v Value) bool {
	switch v.Type() {
	case column.Integer, column.Real, column.Boolean, column.Timestamp:
		return true
	}
	return false
}

func isInt(v Value) bool {
	switch v.Type() {
	case column.Integer, column.Boolean, column.Timestamp:
		return true
	}
	return false
}

// norm turns booleans and timestamps into integers: SQL sees them so.
func norm(v Value) Value {
	switch v.Type() {
	case column.Boolean, column.Timestamp:
		return column.MakeInt(v.Int())
	}
	return v
}

// prefixNumber parses the longest numeric prefix of s as SQLite's
// sqlite3AtoF does for arithmetic on text: leading spaces, a sign, digits
// with an optional point and exponent. It returns an integer when the
// prefix has no point or exponent and fits int64, else a real; text with
// no numeric prefix is the integer 0.
func prefixNumber(s string) Value {
	// Text with a NUL byte is read up to the NUL, and is never a pure
	// integer (SQLite's sqlite3Atoi64 sees the bytes after it).
	if k := strings.IndexByte(s, 0); k >= 0 {
		if !strings.ContainsAny(s[:k], "0123456789") {
			return zero
		}
		v := prefixNumber(s[:k])
		return column.MakeReal(v.Float())
	}
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	pure := true
	if i < len(s) && s[i] == '.' {
		j := i + 1
		d := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
			d++
		}
		if digits+d > 0 {
			pure = false
			i = j
			digits += d
		}
	}
	if digits == 0 {
		return zero
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		d := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
			d++
		}
		if d > 0 {
			pure = false
			i = j
		}
	}
	t := s[start:i]
	if pure {
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return column.MakeInt(n)
		}
	}
	f, _ := strconv.ParseFloat(t, 64)
	return column.MakeReal(f)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// numify returns v as a number for arithmetic: NULL stays NULL, numbers
// stay, text and blobs are read by their numeric prefix.
func numify(v Value) Value {
	switch v.Type() {
	case column.Null, column.Integer, column.Real:
		return v
	case column.Boolean, column.Timestamp:
		return column.MakeInt(v.Int())
	}
	return prefixNumber(v.Text())
}

// toFloat is sqlite3VdbeRealValue.
func toFloat(v Value) float64 {
	switch v.Type() {
	case column.Real:
		return v.Float()
	case column.Integer, column.Boolean, column.Timestamp:
		return float64(v.Int())
	case column.Text, column.Blob:
		return prefixNumber(v.Text()).Float()
	}
	return 0
}

// toInt is sqlite3VdbeIntValue: reals truncate (saturating), text by its
// integer prefix.
func toInt(v Value) int64 {
	switch v.Type() {
	case column.Integer, column.Boolean, column.Timestamp, column.Real:
		return v.Int()
	case column.Text, column.Blob:
		return textToInt(v.Text())
	}
	return 0
}

// textToInt reads the integer prefix of s (sqlite3Atoi64): digits after
// an optional sign; values beyond int64 saturate.
func textToInt(s string) int64 {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	for i < len(s) && s[i] == '0' {
		i++
	}
	var u uint64
	over := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if u > (math.MaxUint64-9)/10 {
			over = true
			continue
		}
		u = u*10 + uint64(s[i]-'0')
	}
	if neg {
		if over || u > 1<<63 {
			return math.MinInt64
		}
		return -int64(u)
	}
	if over || u > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(u)
}

// truth is SQLite's truth value of v: NULL is unknown (ok false), numbers
// are true when nonzero, text by its numeric prefix.
func truth(v Value) (b, ok bool) {
	switch v.Type() {
	case column.Null:
		return false, false
	case column.Integer, column.Boolean, column.Timestamp:
		return v.Int() != 0, true
	case column.Real:
		return v.Float() != 0, true
	}
	return toFloat(v) != 0, true
}

func boolVal(b bool) Value {
	if b {
		return one
	}
	return zero
}

// textOf renders v as SQLite converts it to TEXT.
func textOf(v Value) string {
	switch v.Type() {
	case column.Text, column.Blob:
		return v.Text()
	case column.Null:
		return ""
	}
	return string(column.AppendText(nil, norm(v)))
}

// arith applies + - * / % to two values as SQLite does.
func arith(op byte, a, b Value) Value {
	if a.IsNull() || b.IsNull() {
		return null
	}
	oa, ob := a, b
	a, b = numify(a), numify(b)
	if isInt(a) && isInt(b) {
		x, y := a.Int(), b.Int()
		switch op {
		case '+':
			if r, ok := addInt(x, y); ok {
				return column.MakeInt(r)
			}
		case '-':
			if r, ok := subInt(x, y); ok {
				return column.MakeInt(r)
			}
		case '*':
			if r, ok := mulInt(x, y); ok {
				return column.MakeInt(r)
			}
		case '/':
			if y == 0 {
				return null
			}
			if x == math.MinInt64 && y == -1 {
				return column.MakeReal(-float64(x))
			}
			return column.MakeInt(x / y)
		case '%':
			if y == 0 {
				return null
			}
			if y == -1 {
				return zero
			}
			return column.MakeInt(x % y)
		}
	}
	x, y := a.Float(), b.Float()
	switch op {
	case '+':
		return column.MakeReal(x + y)
	case '-':
		return column.MakeReal(x - y)
	case '*':
		return column.MakeReal(x * y)
	case '/':
		if y == 0 {
			return null
		}
		return column.MakeReal(x / y)
	case '%':
		// SQLite: both operands as integers (sqlite3VdbeIntValue of the
		// operands as given: text by its integer prefix), result real.
		ix, iy := toInt(oa), toInt(ob)
		if iy == 0 {
			return null
		}
		if iy == -1 {
			iy = 1
		}
		return column.MakeReal(float64(ix % iy))
	}
	return null
}

func addInt(x, y int64) (int64, bool) {
	r := x + y
	if (x >= 0) == (y >= 0) && (r >= 0) != (x >= 0) {
		return 0, false
	}
	return r, true
}

func subInt(x, y int64) (int64, bool) {
	if y == math.MinInt64 {
		if x >= 0 {
			return 0, false
		}
		return x - y, true
	}
	return addInt(x, -y)
}

func mulInt(x, y int64) (int64, bool) {
	if x == 0 || y == 0 {
		return 0, true
	}
	r := x * y
	if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
		return 0, false
	}
	return r, true
}

// bitop applies & | << >> to values as integers.
func bitop(op byte, a, b Value) Value {
	if a.IsNull() || b.IsNull() {
		return null
	}
	x, y := toInt(a), toInt(b)
	switch op {
	case '&':
		return column.MakeInt(x & y)
	case '|':
		return column.MakeInt(x | y)
	case '<', '>':
		if op == '>' {
			if y == math.MinInt64 {
				y = math.MaxInt64
			} else {
				y = -y
			}
		}
		// now shift left by y (negative: right)
		if y >= 64 {
			return zero
		}
		if y <= -64 {
			if x < 0 {
				return column.MakeInt(-1)
			}
			return zero
		}
		if y >= 0 {
			return column.MakeInt(int64(uint64(x) << uint(y)))
		}
		return column.MakeInt(x >> uint(-y))
	}
	return null
}

// negate is unary minus.
func negate(v Value) Value {
	if v.IsNull() {
		return null
	}
	v = numify(v)
	if isInt(v) {
		if v.Int() == math.MinInt64 {
			return column.MakeReal(-float64(v.Int()))
		}
		return column.MakeInt(-v.Int())
	}
	return column.MakeReal(0 - v.Float()) // SQLite computes 0 - x: -(0.0) is 0.0
}

// collation is a text comparison.
type collation uint8

const (
	collBinary collation = iota
	collNoCase
	collRTrim
)

func collationNamed(name string) (collation, bool) {
	switch strings.ToUpper(name) {
	case "BINARY":
		return collBinary, true
	case "NOCASE":
		return collNoCase, true
	case "RTRIM":
		return collRTrim, true
	}
	return 0, false
}

// compareVals orders two values (NULL first) with a collation for text.
func compareVals(a, b Value, c collation) int {
	if c != collBinary && a.Type() == column.Text && b.Type() == column.Text {
		x, y := a.Text(), b.Text()
		switch c {
		case collNoCase:
			return compareNoCase(x, y)
		case collRTrim:
			return strings.Compare(strings.TrimRight(x, " "), strings.TrimRight(y, " "))
		}
	}
	return column.Compare(norm(a), norm(b))
}

func compareNoCase(x, y string) int {
	n := min(len(x), len(y))
	for i := 0; i < n; i++ {
		a, b := lowerASCII(x[i]), lowerASCII(y[i])
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return 0
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}

// compareOp evaluates a comparison with SQLite's affinity conversions;
// NULL operands give NULL.
func compareOp(op byte, a, b Value, af aff, c collation) Value {
	if a.IsNull() || b.IsNull() {
		return null
	}
	a, b = applyCmpAff(a, af), applyCmpAff(b, af)
	r := compareVals(a, b, c)
	var t bool
	switch op {
	case '<':
		t = r < 0
	case 'l':
		t = r <= 0
	case '>':
		t = r > 0
	case 'g':
		t = r >= 0
	case '=':
		t = r == 0
	case '!':
		t = r != 0
	}
	return boolVal(t)
}

// castTo converts v as CAST(v AS type) with the affinity of the type name.
func castTo(v Value, a column.Affinity) Value {
	if v.IsNull() {
		return null
	}
	v = norm(v)
	switch a {
	case column.AffinityText:
		return column.MakeText(textOf(v))
	case column.AffinityBlob:
		return column.MakeBlobString(textOf(v))
	case column.AffinityInteger:
		switch v.Type() {
		case column.Integer:
			return v
		case column.Real:
			return column.MakeInt(v.Int())
		}
		return column.MakeInt(textToInt(v.Text()))
	case column.AffinityReal:
		return column.MakeReal(toFloat(v))
	case column.AffinityNumeric:
		switch v.Type() {
		case column.Integer, column.Real:
			return v
		}
		// sqlite3VdbeMemNumerify: a real becomes an integer only when it
		// is one within ±2^51 (sqlite3RealSameAsInt).
		n := prefixNumber(v.Text())
		if n.Type() == column.Real {
			f := n.Float()
			if f >= -2251799813685248.0 && f < 2251799813685248.0 && f == math.Trunc(f) {
				return column.MakeInt(int64(f))
			}
		}
		return n
	}
	return v
}

// typeName is typeof().
func typeName(v Value) string {
	switch v.Type() {
	case column.Null:
		return "null"
	case column.Integer, column.Boolean, column.Timestamp:
		return "integer"
	case column.Real:
		return "real"
	case column.Text:
		return "text"
	}
	return "blob"
}

// TextToInt converts text to an integer as SQLite's sqlite3_column_int64
// does: the integer prefix, 0 if there is none.
func TextToInt(s string) int64 { return textToInt(s) }

// TextToFloat converts text to a real as sqlite3_column_double does: the
// numeric prefix, 0 if there is none.
func TextToFloat(s string) float64 { return prefixNumber(s).Float() }

// FormatFloat renders f as SQLite's printf "%.<prec>f": at most 16
// significant digits, then zeros.
func FormatFloat(f float64, prec int) string { return formatFixed(f, prec) }

// FormatReal renders f as SQLite converts a REAL to TEXT.
func FormatReal(f float64) string { return textOf(column.MakeReal(f)) }
