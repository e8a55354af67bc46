package column

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Value is one SQL value: NULL, an integer, a real, text, a blob, a
// boolean or a timestamp. The zero Value is NULL.
//
// It is a small tagged struct (32 bytes) rather than an interface, so
// slices of Values do not allocate per element and a type switch is a
// byte comparison. Text and blob bytes are held as a string: immutable,
// so a Value can be copied and shared freely.
type Value struct {
	typ  Type
	bits uint64 // Integer, Boolean (0 or 1), Timestamp (µs since epoch) as int64; Real as float64 bits
	str  string // Text and Blob bytes
}

// MakeInt returns the integer i.
func MakeInt(i int64) Value { return Value{typ: Integer, bits: uint64(i)} }

// MakeReal returns the real f. A NaN becomes NULL, as SQLite stores it.
func MakeReal(f float64) Value {
	if f != f {
		return Value{}
	}
	return Value{typ: Real, bits: math.Float64bits(f)}
}

// MakeText returns the text s.
func MakeText(s string) Value { return Value{typ: Text, str: s} }

// MakeBlob returns a blob holding a copy of b.
func MakeBlob(b []byte) Value { return Value{typ: Blob, str: string(b)} }

// MakeBlobString returns a blob holding the bytes of s, without a copy.
func MakeBlobString(s string) Value { return Value{typ: Blob, str: s} }

// MakeBool returns the boolean b.
func MakeBool(b bool) Value {
	if b {
		return Value{typ: Boolean, bits: 1}
	}
	return Value{typ: Boolean}
}

// MakeTimestamp returns the timestamp us microseconds after the Unix epoch (UTC).
func MakeTimestamp(us int64) Value { return Value{typ: Timestamp, bits: uint64(us)} }

// MakeTime returns t as a timestamp, truncated to the microsecond.
func MakeTime(t time.Time) Value { return MakeTimestamp(t.UnixMicro()) }

// Type returns v's type: its storage class, or Boolean or Timestamp.
func (v Value) Type() Type { return v.typ }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.typ == Null }

// Int returns the integer value of an Integer, Boolean (0 or 1) or
// Timestamp (microseconds); a Real truncated toward zero (saturating);
// and 0 for anything else.
func (v Value) Int() int64 {
	switch v.typ {
	case Integer, Boolean, Timestamp:
		return int64(v.bits)
	case Real:
		return realToInt(math.Float64frombits(v.bits))
	}
	return 0
}

// Float returns the value of a Real, or of an integer-like value
// converted to float64, and 0 for anything else.
func (v Value) Float() float64 {
	switch v.typ {
	case Real:
		return math.Float64frombits(v.bits)
	case Integer, Boolean, Timestamp:
		return float64(int64(v.bits))
	}
	return 0
}

// Bool reports whether v is a true Boolean or a nonzero number.
func (v Value) Bool() bool {
	switch v.typ {
	case Integer, Boolean, Timestamp:
		return v.bits != 0
	case Real:
		return math.Float64frombits(v.bits) != 0
	}
	return false
}

// Text returns the bytes of a Text or Blob value as a string (no copy),
// and "" for anything else; see AppendText for other types as text.
func (v Value) Text() string {
	if v.typ == Text || v.typ == Blob {
		return v.str
	}
	return ""
}

// Bytes returns a copy of the bytes of a Text or Blob value, and nil for anything else.
func (v Value) Bytes() []byte {
	if v.typ == Text || v.typ == Blob {
		return []byte(v.str)
	}
	return nil
}

// Time returns the time of a Timestamp value (UTC), and the zero Time for anything else.
func (v Value) Time() time.Time {
	if v.typ != Timestamp {
		return time.Time{}
	}
	return time.UnixMicro(int64(v.bits)).UTC()
}

// realToInt truncates f toward zero, saturating at the int64 limits (NaN is 0).
func realToInt(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f <= -9223372036854775808.0:
		return math.MinInt64
	case f >= 9223372036854775808.0:
		return math.MaxInt64
	}
	return int64(f)
}

// exactInt returns f as an int64 if it is an integer strictly inside the
// int64 range, as SQLite's sqlite3VdbeIntegerAffinity requires before it
// turns a real into an integer.
func exactInt(f float64) (int64, bool) {
	if f > -9223372036854775808.0 && f < 9223372036854775808.0 {
		i := int64(f)
		if float64(i) == f && i != math.MinInt64 {
			return i, true
		}
	}
	return 0, false
}

// classRank orders storage classes as SQLite does: NULL < numbers < text < blob.
func classRank(t Type) int {
	switch t {
	case Null:
		return 0
	case Integer, Real, Boolean, Timestamp:
		return 1
	case Text:
		return 2
	}
	return 3
}

// Compare compares a and b in SQLite's order: NULL first (equal to
// itself, as in ORDER BY and in keys), then numbers compared by value
// across integers and reals (exactly, even beyond 2^53), then text by its
// bytes (the BINARY collation), then blobs by their bytes. Boolean and
// Timestamp values are integers. Compare returns -1, 0 or +1.
func Compare(a, b Value) int {
	ra, rb := classRank(a.typ), classRank(b.typ)
	if ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	switch ra {
	case 0:
		return 0
	case 1:
		return compareNumbers(a, b)
	}
	return strings.Compare(a.str, b.str)
}

func compareNumbers(a, b Value) int {
	if a.typ != Real {
		if b.typ != Real {
			return cmp3(int64(a.bits), int64(b.bits))
		}
		return compareIntReal(int64(a.bits), math.Float64frombits(b.bits))
	}
	if b.typ != Real {
		return -compareIntReal(int64(b.bits), math.Float64frombits(a.bits))
	}
	x, y := math.Float64frombits(a.bits), math.Float64frombits(b.bits)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// compareIntReal compares i with r exactly (r is not NaN), as SQLite's
// sqlite3IntFloatCompare does: converting i to float64 would round above 2^53.
func compareIntReal(i int64, r float64) int {
	if r < -9223372036854775808.0 {
		return 1
	}
	if r >= 9223372036854775808.0 {
		return -1
	}
	fl := math.Floor(r)
	if c := cmp3(i, int64(fl)); c != 0 {
		return c
	}
	if r > fl {
		return -1
	}
	return 0
}

func cmp3(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// Apply returns v converted as SQLite converts a value stored into a
// column of affinity a:
//
//   - TEXT: integers and reals become their text (reals as SQLite's
//     "%!.17g", fewer digits where a run of 0s or 9s allows: 1.0 is
//     "1.0", 0.1 is "0.1", 1/3 is "0.33333333333333332", 1e20 is
//     "1.0e+20");
//   - NUMERIC and INTEGER: text that is a well-formed number (surrounding
//     spaces allowed) becomes an integer if it has an exact int64 value
//     ('12', '12.0', '1e3', ' 7 '), else a real ('12.5', or an integer too
//     large for int64); a real with an exact int64 value becomes an
//     integer; other text ('abc', '12abc', '0x10') stays text;
//   - REAL: as NUMERIC, then every number becomes a real;
//   - BLOB: nothing changes.
//
// NULL and blobs never change. Booleans and timestamps are integers here
// (TEXT renders a timestamp as 'YYYY-MM-DD HH:MM:SS[.ffffff]').
//
// Checked against SQLite 3.54.1 (modernc.org/sqlite v1.62.0) on 9,022
// texts stored under each affinity: the same storage class and value
// every time, and the same text but for the 17th-digit difference
// appendReal describes (33 of 45,110).
func (a Affinity) Apply(v Value) Value {
	switch a {
	case AffinityText:
		switch v.typ {
		case Integer, Real, Boolean, Timestamp:
			return MakeText(string(AppendText(nil, v)))
		}
	case AffinityNumeric, AffinityInteger:
		switch v.typ {
		case Text:
			if n, ok := parseNumber(v.str); ok {
				return n
			}
		case Real:
			if i, ok := exactInt(math.Float64frombits(v.bits)); ok {
				return MakeInt(i)
			}
		}
	case AffinityReal:
		switch v.typ {
		case Text:
			if n, ok := parseNumber(v.str); ok {
				return MakeReal(n.Float())
			}
		case Integer, Boolean, Timestamp:
			return MakeReal(float64(int64(v.bits)))
		}
	}
	return v
}

// Coerce returns v as stored in a column of type t and affinity a: the
// affinity applied (see Affinity.Apply), then, for a Boolean column, an
// integer 0 or 1 becomes a Boolean, and for a Timestamp column, an
// integer (microseconds since the epoch) or ISO-8601 text ('2024-05-01',
// '2024-05-01 12:00:00.5', with 'T' and a zone allowed) becomes a
// Timestamp. A Boolean or Timestamp value stored into a column of
// another type is the integer it is to SQLite (or its text, under TEXT
// affinity), so Boolean and Timestamp values only ever appear in columns
// of their own type. -0.0 is stored as 0.0 (SQLite does not tell them
// apart). Whatever does not convert is kept as it is, in another storage
// class, as SQLite keeps it.
//
// Coerce also restores a value read back from a key (DecodeKey returns
// numbers as Integer or Real) to what was stored: keys and stored values
// are one to one.
func Coerce(v Value, t Type, a Affinity) Value {
	if (v.typ == Boolean || v.typ == Timestamp) && v.typ != t && a != AffinityText {
		v = MakeInt(int64(v.bits))
	}
	v = a.Apply(v)
	switch t {
	case Boolean:
		if v.typ == Integer && (v.bits == 0 || v.bits == 1) {
			return Value{typ: Boolean, bits: v.bits}
		}
	case Timestamp:
		switch v.typ {
		case Integer:
			return MakeTimestamp(int64(v.bits))
		case Text:
			if us, ok := parseTimestamp(v.str); ok {
				return MakeTimestamp(us)
			}
		}
	}
	if v.typ == Real && v.bits == 1<<63 {
		return MakeReal(0)
	}
	return v
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// parseNumber converts text to a number as SQLite's applyNumericAffinity
// does: sqlite3AtoF's syntax (optional spaces, sign, digits with an
// optional point, optional exponent, spaces; at least one digit), then an
// integer if the text is a pure integer within int64, or a real that is
// turned into an integer if it has an exact value strictly inside int64.
func parseNumber(s string) (Value, bool) {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	t := s[i:j]
	k := 0
	if k < len(t) && (t[k] == '+' || t[k] == '-') {
		k++
	}
	digits, pure := 0, true
	for k < len(t) && t[k] >= '0' && t[k] <= '9' {
		k++
		digits++
	}
	if k < len(t) && t[k] == '.' {
		pure = false
		k++
		for k < len(t) && t[k] >= '0' && t[k] <= '9' {
			k++
			digits++
		}
	}
	if digits == 0 {
		return Value{}, false
	}
	if k < len(t) && (t[k] == 'e' || t[k] == 'E') {
		pure = false
		k++
		if k < len(t) && (t[k] == '+' || t[k] == '-') {
			k++
		}
		e := 0
		for k < len(t) && t[k] >= '0' && t[k] <= '9' {
			k++
			e++
		}
		if e == 0 {
			return Value{}, false
		}
	}
	if k != len(t) {
		return Value{}, false
	}
	if pure {
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return MakeInt(n), true
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && f == 0 && !strings.ContainsAny(t, "123456789") {
		f = 0 // "0e999999999" and the like: zero, whatever ParseFloat says
	} else if err != nil {
		// ErrRange: ParseFloat already returned ±Inf or the nearest
		// denormal/zero, which is what SQLite yields too.
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return Value{}, false
		}
	}
	if n, ok := exactInt(f); ok {
		return MakeInt(n), true
	}
	return MakeReal(f), true
}

var timestampLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTimestamp parses ISO-8601 text into microseconds since the epoch.
// Text with sub-microsecond digits is refused, so a stored timestamp
// never silently differs from what was written.
func parseTimestamp(s string) (int64, bool) {
	if len(s) < 10 || len(s) > 40 || s[4] != '-' {
		return 0, false
	}
	for _, layout := range timestampLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if t.Nanosecond()%1000 != 0 || t.Year() < -290000 || t.Year() > 290000 {
			return 0, false
		}
		return t.UnixMicro(), true
	}
	return 0, false
}

// AppendText appends v as text, as SQLite converts a value to TEXT:
// integers in decimal, reals as SQLite's "%!.17g" (see appendReal;
// always with a point or an exponent: "1.0", "0.1", "1.0e+20", "-Inf"), text and blob bytes as
// they are, NULL as nothing, booleans as 1 or 0, and timestamps as
// 'YYYY-MM-DD HH:MM:SS' with a fraction only when it is not zero.
func AppendText(dst []byte, v Value) []byte {
	switch v.typ {
	case Integer, Boolean:
		return appendInt(dst, int64(v.bits))
	case Real:
		return appendReal(dst, math.Float64frombits(v.bits))
	case Text, Blob:
		return append(dst, v.str...)
	case Timestamp:
		t := time.UnixMicro(int64(v.bits)).UTC()
		if t.Nanosecond() == 0 {
			return t.AppendFormat(dst, "2006-01-02 15:04:05")
		}
		return t.AppendFormat(dst, "2006-01-02 15:04:05.999999")
	}
	return dst
}

func appendInt(dst []byte, i int64) []byte { return strconv.AppendInt(dst, i, 10) }

// appendReal renders f as SQLite converts a REAL to TEXT: printf
// "%!.17g" as SQLite 3.53 and later implement it (sqlite3FpDecode):
// 18 significant digits, shortened when a run of 9s or 0s at the 15th
// and 16th digits gives a shorter text that reads back as the same
// double (so 0.1 is "0.1", not "0.10000000000000001"), else rounded half
// up to 17; trailing zeros dropped but one digit kept after the point;
// exponent form when the decimal exponent is below -4 or above 16, with
// at least two exponent digits; "Inf", "-Inf"; -0.0 as "0.0".
//
// Checked against SQLite 3.54.1: the same text for every double whose
// shortest form has up to 16 digits; for about 0.5% of doubles that need
// 17, SQLite's 17th digit is one lower, because its digit generation
// (sqlite3Fp2Convert10) approximates where strconv is exact. Porting it
// would close that gap.
func appendReal(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "Inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-Inf"...)
	case f != f:
		return append(dst, "NaN"...)
	case f == 0:
		return append(dst, "0.0"...) // -0.0 too, as SQLite prints it
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	const n = 18
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', n-1, 64) // d.ddddddddddddddddde±dd
	exp10, _ := strconv.Atoi(string(e[n+2:]))
	var z [n + 1]byte // one spare digit in front for a carry
	z[0] = '0'
	z[1] = e[0]
	copy(z[2:], e[2:n+1])
	d := z[1:]       // the 18 digits
	iDP := exp10 + 1 // value = 0.d * 10^iDP
	iRound := n - 1  // 17
	if d[15] == '9' && d[14] == '9' {
		jj := 14
		for jj > 0 && d[jj-1] == '9' {
			jj--
		}
		// The digits before the run of 9s, plus one, at the run's scale.
		var cand []byte
		if jj == 0 {
			cand = append(cand, '1')
		} else {
			cand = append(cand, d[:jj]...)
			for k := len(cand) - 1; ; k-- {
				if cand[k] < '9' { // a 9 cannot precede the run
					cand[k]++
					break
				}
			}
		}
		if readsBack(cand, iDP-jj, f) {
			iRound = jj + 1
		}
	} else if iDP >= n || (d[15] == '0' && d[14] == '0' && d[13] == '0') {
		jj := 13
		for d[jj-1] == '0' {
			jj--
		}
		if readsBack(d[:jj], iDP-jj, f) {
			iRound = jj + 1
		}
	}
	digits := d[:iRound]
	if d[iRound] >= '5' {
		j := iRound - 1
		for ; j >= 0 && digits[j] == '9'; j-- {
			digits[j] = '0'
		}
		if j >= 0 {
			digits[j]++
		} else {
			digits = z[:iRound+1] // the carry becomes a new first digit
			digits[0] = '1'
			iDP++
		}
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	return appendDigits(dst, digits, iDP-1)
}

// readsBack reports whether the integer digits times 10^exp parses back to f.
func readsBack(digits []byte, exp int, f float64) bool {
	var buf [40]byte
	b := append(buf[:0], digits...)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(exp), 10)
	g, err := strconv.ParseFloat(string(b), 64)
	return err == nil && g == f
}

// appendDigits lays out significant digits (no trailing zeros but the
// first) with decimal exponent exp as "%!g" does for precision 17.
func appendDigits(dst, mant []byte, exp int) []byte {
	if exp < -4 || exp > 16 {
		dst = append(dst, mant[0], '.')
		if len(mant) > 1 {
			dst = append(dst, mant[1:]...)
		} else {
			dst = append(dst, '0')
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	if exp < 0 {
		dst = append(dst, '0', '.')
		for i := -1; i > exp; i-- {
			dst = append(dst, '0')
		}
		return append(dst, mant...)
	}
	for i := 0; i <= exp; i++ {
		if i < len(mant) {
			dst = append(dst, mant[i])
		} else {
			dst = append(dst, '0')
		}
	}
	dst = append(dst, '.')
	if exp+1 < len(mant) {
		return append(dst, mant[exp+1:]...)
	}
	return append(dst, '0')
}

// String returns v as an SQL literal, for messages and tests: NULL, 12,
// 1.5, 'text' (inner quotes doubled), X'00FF', TRUE,
// TIMESTAMP '2024-05-01 00:00:00'.
func (v Value) String() string {
	switch v.typ {
	case Null:
		return "NULL"
	case Text:
		return "'" + strings.ReplaceAll(v.str, "'", "''") + "'"
	case Blob:
		const hex = "0123456789ABCDEF"
		b := make([]byte, 0, 3+2*len(v.str))
		b = append(b, "X'"...)
		for i := 0; i < len(v.str); i++ {
			b = append(b, hex[v.str[i]>>4], hex[v.str[i]&15])
		}
		return string(append(b, '\''))
	case Boolean:
		if v.bits != 0 {
			return "TRUE"
		}
		return "FALSE"
	case Timestamp:
		return "TIMESTAMP '" + string(AppendText(nil, v)) + "'"
	}
	return string(AppendText(nil, v))
}
