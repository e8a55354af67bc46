package sqlexec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/projstore/projstore/column"
)

// decimalDigits returns the decimal digits of |f| (no leading zeros) and
// the decimal exponent e such that |f| = 0.d1d2d3... * 10^e, rounded half
// up to at most sig significant digits as SQLite's sqlite3FpDecode does.
func decimalDigits(f float64, sig int) ([]byte, int) {
	if f == 0 {
		return []byte{'0'}, 1
	}
	// 27 exact significant digits, then round half up.
	s := strconv.FormatFloat(math.Abs(f), 'e', 26, 64) // d.ddd...de±XX
	mant := []byte(s[:1] + s[2:28])
	exp, _ := strconv.Atoi(s[29:])
	exp++ // 0.d... form
	if sig < len(mant) {
		if sig < 0 {
			return []byte{'0'}, 1
		}
		round := mant[sig] >= '5'
		mant = mant[:sig]
		if round {
			i := len(mant) - 1
			for ; i >= 0; i-- {
				if mant[i] == '9' {
					mant[i] = '0'
					continue
				}
				mant[i]++
				break
			}
			if i < 0 {
				mant = append([]byte{'1'}, mant...)
				mant = mant[:len(mant)-1]
				exp++
			}
		}
	}
	// trim trailing zeros
	for len(mant) > 1 && mant[len(mant)-1] == '0' {
		mant = mant[:len(mant)-1]
	}
	if len(mant) == 0 {
		return []byte{'0'}, 1
	}
	return mant, exp
}

// formatFixed renders f as SQLite's printf "%.<prec>f": at most 16
// significant digits, the rest zeros.
func formatFixed(f float64, prec int) string { return formatFixedSig(f, prec, 16) }

// formatFixedSig is formatFixed keeping at most maxSig significant digits
// (16 for printf, 26 for its '!' form, which round() uses).
func formatFixedSig(f float64, prec, maxSig int) string {
	if math.IsInf(f, 0) {
		if f > 0 {
			return "Inf"
		}
		return "-Inf"
	}
	neg := f < 0
	// digits wanted: those before the point plus prec, capped at 16.
	_, e0 := decimalDigits(f, 27)
	sig := e0 + prec
	if sig > maxSig {
		sig = maxSig
	}
	var mant []byte
	var exp int
	if sig <= 0 {
		// may round up to 10^-prec
		mant, exp = decimalDigits(f, 27)
		if sig == 0 && mant[0] >= '5' {
			mant, exp = []byte{'1'}, e0+1
		} else {
			mant, exp = []byte{'0'}, 1
		}
	} else {
		mant, exp = decimalDigits(f, sig)
	}
	isZero := len(mant) == 1 && mant[0] == '0'
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	digit := func(pos int) byte { // pos: 0-based index into the digits for 10^(exp-1-pos)
		if isZero || pos < 0 || pos >= len(mant) {
			return '0'
		}
		return mant[pos]
	}
	if isZero {
		exp = 1
	}
	if exp <= 0 {
		b.WriteByte('0')
	} else {
		for i := 0; i < exp; i++ {
			b.WriteByte(digit(i))
		}
	}
	if prec > 0 {
		b.WriteByte('.')
		for i := 0; i < prec; i++ {
			b.WriteByte(digit(exp + i))
		}
	}
	return b.String()
}

// formatExp renders f as "%.<prec>e" with SQLite's 16-digit limit.
func formatExp(f float64, prec int, upper bool) string {
	if math.IsInf(f, 0) {
		if f > 0 {
			return "Inf"
		}
		return "-Inf"
	}
	sig := prec + 1
	if sig > 16 {
		sig = 16
	}
	mant, exp := decimalDigits(f, sig)
	isZero := len(mant) == 1 && mant[0] == '0'
	var b strings.Builder
	if f < 0 {
		b.WriteByte('-')
	}
	if isZero {
		exp = 1
	}
	d := func(i int) byte {
		if i < len(mant) {
			return mant[i]
		}
		return '0'
	}
	b.WriteByte(d(0))
	if prec > 0 {
		b.WriteByte('.')
		for i := 1; i <= prec; i++ {
			b.WriteByte(d(i))
		}
	}
	if upper {
		b.WriteByte('E')
	} else {
		b.WriteByte('e')
	}
	e := exp - 1
	if e < 0 {
		b.WriteByte('-')
		e = -e
	} else {
		b.WriteByte('+')
	}
	if e < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.Itoa(e))
	return b.String()
}

// formatGeneral renders "%.<prec>g" (alt keeps trailing zeros).
func formatGeneral(f float64, prec int, alt bool) string {
	if math.IsInf(f, 0) {
		if f > 0 {
			return "Inf"
		}
		return "-Inf"
	}
	if prec == 0 {
		prec = 1
	}
	sig := prec
	if sig > 16 {
		sig = 16
	}
	mant, exp := decimalDigits(f, sig)
	if len(mant) == 1 && mant[0] == '0' {
		exp = 1
	}
	x := exp - 1
	var s string
	if x < -4 || x >= prec {
		s = formatExp(f, prec-1, false)
		if !alt {
			i := strings.IndexByte(s, 'e')
			m, e := s[:i], s[i:]
			if strings.IndexByte(m, '.') >= 0 {
				m = strings.TrimRight(strings.TrimRight(m, "0"), ".")
			}
			s = m + e
		}
	} else {
		s = formatFixed(f, prec-1-x)
		if !alt && strings.IndexByte(s, '.') >= 0 {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
	}
	return s
}

// sqlPrintf implements SQLite's printf()/format().
func sqlPrintf(format string, args []Value) (string, error) {
	var out strings.Builder
	ai := 0
	next := func() (Value, bool) {
		if ai < len(args) {
			ai++
			return args[ai-1], true
		}
		return null, false
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			out.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			break
		}
		var minus, plus, space, zeroPad, alt, comma, bang bool
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '-':
				minus = true
			case '+':
				plus = true
			case ' ':
				space = true
			case '0':
				zeroPad = true
			case '#':
				alt = true
			case ',':
				comma = true
			case '!':
				bang = true
			default:
				break flags
			}
		}
		width := 0
		if i < len(format) && format[i] == '*' {
			v, _ := next()
			width = int(toInt(v))
			if width < 0 {
				minus = true
				width = -width
			}
			i++
		} else {
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				width = width*10 + int(format[i]-'0')
				if width > 100000 {
					return "", fmt.Errorf("printf: width too large")
				}
				i++
			}
		}
		prec := -1
		if i < len(format) && format[i] == '.' {
			i++
			prec = 0
			if i < len(format) && format[i] == '*' {
				v, _ := next()
				prec = int(toInt(v))
				if prec < 0 {
					prec = -prec
				}
				i++
			} else {
				for i < len(format) && format[i] >= '0' && format[i] <= '9' {
					prec = prec*10 + int(format[i]-'0')
					if prec > 100000 {
						return "", fmt.Errorf("printf: precision too large")
					}
					i++
				}
			}
		}
		// length modifiers are ignored
		for i < len(format) && (format[i] == 'l' || format[i] == 'h') {
			i++
		}
		if i >= len(format) {
			break
		}
		conv := format[i]
		var s string
		numeric := false
		switch conv {
		case '%':
			out.WriteString(pad("", "%", width, minus, false))
			continue
		case 'd', 'i':
			v, _ := next()
			n := toIntPrintf(v)
			numeric = true
			var digits string
			if n < 0 {
				digits = strconv.FormatUint(uint64(-n), 10)
				if n == math.MinInt64 {
					digits = "9223372036854775808"
				}
			} else {
				digits = strconv.FormatInt(n, 10)
			}
			if prec > len(digits) {
				digits = strings.Repeat("0", prec-len(digits)) + digits
			}
			if comma {
				digits = addCommas(digits)
			}
			sign := ""
			switch {
			case n < 0:
				sign = "-"
			case plus:
				sign = "+"
			case space:
				sign = " "
			}
			s = pad(sign, digits, width, minus, zeroPad)
			out.WriteString(s)
			continue
		case 'x', 'X', 'o':
			v, _ := next()
			n := uint64(toIntPrintf(v))
			base := 16
			if conv == 'o' {
				base = 8
			}
			digits := strconv.FormatUint(n, base)
			if conv == 'X' {
				digits = strings.ToUpper(digits)
			}
			if prec > len(digits) {
				digits = strings.Repeat("0", prec-len(digits)) + digits
			}
			prefix := ""
			if alt && n != 0 {
				switch conv {
				case 'x':
					prefix = "0x"
				case 'X':
					prefix = "0X"
				case 'o':
					prefix = "0"
				}
			}
			out.WriteString(pad(prefix, digits, width, minus, zeroPad))
			continue
		case 'u':
			v, _ := next()
			n := toIntPrintf(v)
			out.WriteString(pad("", strconv.FormatUint(uint64(n), 10), width, minus, zeroPad))
			continue
		case 'f', 'F', 'e', 'E', 'g', 'G':
			v, _ := next()
			f := toFloat(v)
			if prec < 0 {
				prec = 6
			}
			numeric = true
			switch conv {
			case 'f', 'F':
				s = formatFixed(f, prec)
			case 'e', 'E':
				s = formatExp(f, prec, conv == 'E')
			default:
				s = formatGeneral(f, prec, alt)
				if conv == 'G' {
					s = strings.ToUpper(s)
				}
			}
			sign := ""
			if strings.HasPrefix(s, "-") {
				sign, s = "-", s[1:]
			} else if plus {
				sign = "+"
			} else if space {
				sign = " "
			}
			if math.IsInf(f, 0) {
				zeroPad = false
			}
			out.WriteString(pad(sign, s, width, minus, zeroPad && numeric))
			continue
		case 'c':
			v, _ := next()
			t := textOf(v)
			r := "\x00"
			if t != "" {
				_, size := utf8.DecodeRuneInString(t)
				r = t[:size]
			}
			n := 1
			if prec > 1 {
				n = prec
			}
			out.WriteString(pad("", strings.Repeat(r, n), width, minus, false))
			continue
		case 's', 'z':
			v, ok := next()
			if !ok || v.IsNull() {
				s = ""
			} else {
				s = textOf(v)
			}
			s = truncChars(s, prec, bang)
		case 'q', 'Q', 'w':
			v, _ := next()
			if v.IsNull() {
				if conv == 'Q' {
					s = "NULL"
				} else {
					s = "(NULL)"
				}
			} else {
				t := truncChars(textOf(v), prec, bang)
				quote := "'"
				if conv == 'w' {
					quote = `"`
				}
				s = strings.ReplaceAll(t, quote, quote+quote)
				if conv == 'Q' {
					s = "'" + s + "'"
				}
			}
		default:
			// SQLite stops formatting at an unknown conversion.
			return out.String(), nil
		}
		out.WriteString(padChars(s, width, minus, bang))
	}
	return out.String(), nil
}

func toIntPrintf(v Value) int64 {
	if v.Type() == column.Real {
		return v.Int()
	}
	return toInt(v)
}

func addCommas(d string) string {
	var b strings.Builder
	for i := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(d[i])
	}
	return b.String()
}

// truncChars keeps at most prec bytes of s, or characters with the '!'
// flag, as SQLite's %s and %q count.
func truncChars(s string, prec int, chars bool) string {
	if prec < 0 {
		return s
	}
	if chars {
		n := 0
		for i := range s {
			if n == prec {
				return s[:i]
			}
			n++
		}
		return s
	}
	if len(s) > prec {
		return s[:prec]
	}
	return s
}

// padChars pads s to width bytes, or characters with the '!' flag.
func padChars(s string, width int, left, chars bool) string {
	n := len(s)
	if chars {
		n = utf8.RuneCountInString(s)
	}
	if n >= width {
		return s
	}
	if left {
		return s + strings.Repeat(" ", width-n)
	}
	return strings.Repeat(" ", width-n) + s
}

func pad(sign, digits string, width int, left, zeroPad bool) string {
	n := len(sign) + len(digits)
	if n >= width {
		return sign + digits
	}
	if left {
		return sign + digits + strings.Repeat(" ", width-n)
	}
	if zeroPad {
		return sign + strings.Repeat("0", width-n) + digits
	}
	return strings.Repeat(" ", width-n) + sign + digits
}

// quoteValue is quote(): an SQL literal for v.
func quoteValue(v Value) string {
	switch v.Type() {
	case column.Null:
		return "NULL"
	case column.Integer, column.Boolean, column.Timestamp:
		return strconv.FormatInt(v.Int(), 10)
	case column.Real:
		switch f := v.Float(); {
		case math.IsInf(f, 1):
			return "9.0e+999"
		case math.IsInf(f, -1):
			return "-9.0e+999"
		}
		return string(column.AppendText(nil, v))
	case column.Text:
		return "'" + strings.ReplaceAll(cString(v.Text()), "'", "''") + "'"
	}
	return "X'" + strings.ToUpper(fmt.Sprintf("%x", v.Text())) + "'"
}
