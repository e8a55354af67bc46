package sqlexec

import (
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/projstore/projstore/column"
)

// scalarFunc is a built-in scalar function over evaluated arguments.
type scalarFunc struct {
	minArgs, maxArgs int // maxArgs < 0: any number
	fn               func(args []Value) (Value, error)
}

var scalarFuncs map[string]scalarFunc

func init() {
	scalarFuncs = map[string]scalarFunc{
		"abs":      {1, 1, fnAbs},
		"coalesce": {2, -1, fnCoalesce},
		"ifnull":   {2, 2, fnCoalesce},
		"nullif":   {2, 2, fnNullif},
		"length":   {1, 1, fnLength},
		"octet_length": {1, 1, func(a []Value) (Value, error) {
			if a[0].IsNull() {
				return null, nil
			}
			return column.MakeInt(int64(len(textOf(a[0])))), nil
		}},
		"lower":     {1, 1, func(a []Value) (Value, error) { return mapText(a[0], lowerASCII), nil }},
		"upper":     {1, 1, func(a []Value) (Value, error) { return mapText(a[0], upperASCII), nil }},
		"substr":    {2, 3, fnSubstr},
		"substring": {2, 3, fnSubstr},
		"trim":      {1, 2, func(a []Value) (Value, error) { return fnTrim(a, true, true), nil }},
		"ltrim":     {1, 2, func(a []Value) (Value, error) { return fnTrim(a, true, false), nil }},
		"rtrim":     {1, 2, func(a []Value) (Value, error) { return fnTrim(a, false, true), nil }},
		"replace":   {3, 3, fnReplace},
		"instr":     {2, 2, fnInstr},
		"round":     {1, 2, fnRound},
		"typeof":    {1, 1, func(a []Value) (Value, error) { return column.MakeText(typeName(a[0])), nil }},
		"printf":    {1, -1, fnPrintf},
		"format":    {1, -1, fnPrintf},
		"hex": {1, 1, func(a []Value) (Value, error) {
			return column.MakeText(strings.ToUpper(hex.EncodeToString([]byte(textOf(a[0]))))), nil
		}},
		"quote":    {1, 1, func(a []Value) (Value, error) { return column.MakeText(quoteValue(a[0])), nil }},
		"min":      {2, -1, func(a []Value) (Value, error) { return minmax(a, -1), nil }},
		"max":      {2, -1, func(a []Value) (Value, error) { return minmax(a, 1), nil }},
		"iif":      {3, 3, fnIif},
		"if":       {2, 3, fnIif},
		"char":     {0, -1, fnChar},
		"unicode":  {1, 1, fnUnicode},
		"zeroblob": {1, 1, fnZeroblob},
		"likelihood": {2, 2, func(a []Value) (Value, error) {
			p := a[1]
			if p.Type() != column.Real && !isInt(p) || toFloat(p) < 0 || toFloat(p) > 1 {
				return null, fmt.Errorf("second argument to likelihood() must be a constant between 0.0 and 1.0")
			}
			return a[0], nil
		}},
		"likely":   {1, 1, func(a []Value) (Value, error) { return a[0], nil }},
		"unlikely": {1, 1, func(a []Value) (Value, error) { return a[0], nil }},
		"sign":     {1, 1, fnSign},
		"random":   {0, 0, fnRandom},
		"randomblob": {1, 1, func(a []Value) (Value, error) {
			n := toInt(a[0])
			if n < 1 {
				n = 1
			}
			if n > 1<<20 {
				return null, fmt.Errorf("string or blob too big")
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.next())
			}
			return column.MakeBlob(b), nil
		}},
		"concat": {1, -1, func(a []Value) (Value, error) {
			var b strings.Builder
			for _, v := range a {
				b.WriteString(textOf(v))
			}
			return column.MakeText(b.String()), nil
		}},
		"concat_ws": {2, -1, func(a []Value) (Value, error) {
			if a[0].IsNull() {
				return null, nil
			}
			sep := textOf(a[0])
			var parts []string
			for _, v := range a[1:] {
				if !v.IsNull() {
					parts = append(parts, textOf(v))
				}
			}
			return column.MakeText(strings.Join(parts, sep)), nil
		}},
		"unhex": {1, 2, func(a []Value) (Value, error) {
			if a[0].IsNull() {
				return null, nil
			}
			s := textOf(a[0])
			if len(a) == 2 && !a[1].IsNull() {
				ign := textOf(a[1])
				s = strings.Map(func(r rune) rune {
					if strings.ContainsRune(ign, r) {
						return -1
					}
					return r
				}, s)
			}
			b, err := hex.DecodeString(s)
			if err != nil {
				return null, nil
			}
			return column.MakeBlob(b), nil
		}},
	}
}

// rng is a deterministic generator for random(): tests are reproducible.
var rng = &splitmix{state: 0x9e3779b97f4a7c15}

type splitmix struct{ state uint64 }

func (s *splitmix) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func fnRandom([]Value) (Value, error) { return column.MakeInt(int64(rng.next())), nil }

func fnAbs(a []Value) (Value, error) {
	v := a[0]
	switch v.Type() {
	case column.Null:
		return null, nil
	case column.Integer, column.Boolean, column.Timestamp:
		i := v.Int()
		if i == math.MinInt64 {
			return null, fmt.Errorf("integer overflow")
		}
		if i < 0 {
			i = -i
		}
		return column.MakeInt(i), nil
	case column.Real:
		return column.MakeReal(math.Abs(v.Float())), nil
	}
	return column.MakeReal(math.Abs(toFloat(v))), nil
}

func fnSign(a []Value) (Value, error) {
	v := a[0]
	var f float64
	switch v.Type() {
	case column.Integer, column.Boolean, column.Timestamp, column.Real:
		f = v.Float()
	case column.Text:
		n, ok := textNumber(v.Text())
		if !ok {
			return null, nil
		}
		f = n.Float()
	default:
		return null, nil
	}
	switch {
	case f > 0:
		return one, nil
	case f < 0:
		return column.MakeInt(-1), nil
	}
	return zero, nil
}

// strictNumber is text that is entirely a number, converted as a column
// of NUMERIC affinity stores it.
func strictNumber(s string) (Value, bool) {
	v := column.AffinityNumeric.Apply(column.MakeText(s))
	return v, isNumber(v)
}

// textNumber is text that is entirely a number, converted as SQLite's
// applyNumericAffinity without bTryForInt: an integer only when written
// as one ('12', not '12.0').
func textNumber(s string) (Value, bool) {
	if k := strings.IndexByte(s, 0); k >= 0 {
		v, ok := strictNumber(s[:k])
		return column.MakeReal(v.Float()), ok
	}
	v, ok := strictNumber(s)
	if !ok {
		return v, false
	}
	if v.Type() == column.Integer && strings.ContainsAny(s, ".eE") {
		return column.MakeReal(v.Float()), true
	}
	return v, true
}

func fnCoalesce(a []Value) (Value, error) {
	for _, v := range a {
		if !v.IsNull() {
			return v, nil
		}
	}
	return null, nil
}

func fnNullif(a []Value) (Value, error) {
	if !a[0].IsNull() && !a[1].IsNull() && compareVals(a[0], a[1], collBinary) == 0 {
		return null, nil
	}
	return a[0], nil
}

func fnIif(a []Value) (Value, error) {
	if b, _ := truth(a[0]); b {
		return a[1], nil
	}
	if len(a) == 3 {
		return a[2], nil
	}
	return null, nil
}

func fnLength(a []Value) (Value, error) {
	v := a[0]
	switch v.Type() {
	case column.Null:
		return null, nil
	case column.Blob:
		return column.MakeInt(int64(len(v.Text()))), nil
	case column.Text:
		s := v.Text()
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return column.MakeInt(int64(utf8.RuneCountInString(s))), nil
	}
	return column.MakeInt(int64(len(textOf(v)))), nil
}

func mapText(v Value, f func(byte) byte) Value {
	if v.IsNull() {
		return null
	}
	s := []byte(textOf(v))
	for i := range s {
		s[i] = f(s[i])
	}
	return column.MakeText(string(s))
}

func fnSubstr(a []Value) (Value, error) {
	if a[0].IsNull() || a[1].IsNull() || (len(a) == 3 && a[2].IsNull()) {
		return null, nil
	}
	blob := a[0].Type() == column.Blob
	s := textOf(a[0])
	if !blob {
		s = cString(s)
	}
	if blob && s == "" {
		return null, nil // sqlite3_value_blob of an empty blob is a null pointer
	}
	var units []int // byte offsets of characters for text
	n := int64(len(s))
	if !blob {
		units = make([]int, 0, len(s)+1)
		for i := range s {
			units = append(units, i)
		}
		n = int64(len(units))
		units = append(units, len(s))
	}
	p1 := toInt(a[1])
	var p2 int64
	negP2 := false
	if len(a) == 3 {
		p2 = toInt(a[2])
		if p2 < 0 {
			p2 = -p2
			negP2 = true
		}
	} else {
		p2 = math.MaxInt64 // SQLite 3.54: no length means "to the end"
	}
	if p1 < 0 {
		p1 += n
		if p1 < 0 {
			if negP2 {
				p2 = 0
			} else {
				p2 += p1
				if p2 < 0 {
					p2 = 0
				}
			}
			p1 = 0
		}
	} else if p1 > 0 {
		p1--
	} else if p2 > 0 && !negP2 {
		p2--
	}
	if negP2 {
		p1 -= p2
		if p1 < 0 {
			p2 += p1
			p1 = 0
		}
	}
	if p1 > n {
		p1 = n
	}
	end := p1 + p2
	if end > n || end < p1 {
		end = n
	}
	if blob {
		return column.MakeBlobString(s[p1:end]), nil
	}
	return column.MakeText(s[units[p1]:units[end]]), nil
}

func fnTrim(a []Value, left, right bool) Value {
	if a[0].IsNull() {
		return null
	}
	s := textOf(a[0])
	set := " "
	if len(a) == 2 {
		if a[1].IsNull() {
			return null
		}
		set = textOf(a[1])
	}
	if left {
		s = strings.TrimLeft(s, set)
	}
	if right {
		s = strings.TrimRight(s, set)
	}
	return column.MakeText(s)
}

func fnReplace(a []Value) (Value, error) {
	if a[0].IsNull() || a[1].IsNull() || a[2].IsNull() {
		return null, nil
	}
	s, from, to := textOf(a[0]), textOf(a[1]), textOf(a[2])
	if from == "" {
		return column.MakeText(s), nil
	}
	return column.MakeText(strings.ReplaceAll(s, from, to)), nil
}

func fnInstr(a []Value) (Value, error) {
	if a[0].IsNull() || a[1].IsNull() {
		return null, nil
	}
	h, n := textOf(a[0]), textOf(a[1])
	i := strings.Index(h, n)
	if i < 0 {
		return zero, nil
	}
	if a[0].Type() == column.Blob && a[1].Type() == column.Blob {
		return column.MakeInt(int64(i + 1)), nil
	}
	return column.MakeInt(int64(utf8.RuneCountInString(h[:i]) + 1)), nil
}

func fnRound(a []Value) (Value, error) {
	if a[0].IsNull() {
		return null, nil
	}
	digits := int64(0)
	if len(a) == 2 {
		if a[1].IsNull() {
			return null, nil
		}
		digits = toInt(a[1])
		if digits > 30 {
			digits = 30
		}
		if digits < 0 {
			digits = 0
		}
	}
	f := toFloat(a[0])
	if digits == 0 && math.Abs(f) <= 4503599627370496.0 {
		// (double)(i64)(r ± 0.5): -0.25 rounds to +0.0, as in SQLite
		if f < 0 {
			f = float64(int64(f - 0.5))
		} else {
			f = float64(int64(f + 0.5))
		}
		return column.MakeReal(f), nil
	}
	if math.Abs(f) >= 4503599627370496.0 || math.IsInf(f, 0) {
		return column.MakeReal(f), nil
	}
	s := formatFixedSig(f, int(digits), 26) // SQLite's "%!.*f"
	r := prefixNumber(s)
	return column.MakeReal(r.Float()), nil
}

func fnPrintf(a []Value) (Value, error) {
	if a[0].IsNull() {
		return null, nil
	}
	s, err := sqlPrintf(textOf(a[0]), a[1:])
	if err != nil {
		return null, err
	}
	return column.MakeText(s), nil
}

func minmax(a []Value, dir int) Value {
	// As SQLite's minmaxFunc: on a tie, min() takes the later argument
	// and max() keeps the earlier one.
	best := a[0]
	for i, v := range a {
		if v.IsNull() {
			return null
		}
		if i == 0 {
			continue
		}
		c := compareVals(best, v, collBinary)
		if dir < 0 && c >= 0 || dir > 0 && c < 0 {
			best = v
		}
	}
	return best
}

func fnChar(a []Value) (Value, error) {
	var b strings.Builder
	for _, v := range a {
		c := toInt(v)
		if c < 0 || c > 0x10ffff {
			c = 0xfffd
		}
		b.WriteRune(rune(c))
	}
	return column.MakeText(b.String()), nil
}

func fnUnicode(a []Value) (Value, error) {
	if a[0].IsNull() {
		return null, nil
	}
	s := textOf(a[0])
	if s == "" {
		return null, nil
	}
	r, _ := utf8.DecodeRuneInString(s)
	return column.MakeInt(int64(r)), nil
}

func fnZeroblob(a []Value) (Value, error) {
	n := toInt(a[0])
	if n < 0 {
		n = 0
	}
	if n > 1<<30 {
		return null, fmt.Errorf("string or blob too big")
	}
	return column.MakeBlob(make([]byte, n)), nil
}

// likeMatch is SQLite's LIKE: % and _ wildcards, ASCII case folding,
// an optional escape character.
func likeMatch(pat, s string, esc rune, hasEsc bool) bool {
	for len(pat) > 0 {
		r, n := utf8.DecodeRuneInString(pat)
		switch {
		case hasEsc && r == esc:
			pat = pat[n:]
			if len(pat) == 0 {
				return false
			}
			r, n = utf8.DecodeRuneInString(pat)
			if len(s) == 0 {
				return false
			}
			c, m := utf8.DecodeRuneInString(s)
			if foldRune(c) != foldRune(r) {
				return false
			}
			pat, s = pat[n:], s[m:]
		case r == '%':
			for len(pat) > 0 && (pat[0] == '%' || pat[0] == '_') {
				if pat[0] == '_' {
					if len(s) == 0 {
						return false
					}
					_, m := utf8.DecodeRuneInString(s)
					s = s[m:]
				}
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for {
				if likeMatch(pat, s, esc, hasEsc) {
					return true
				}
				if len(s) == 0 {
					return false
				}
				_, m := utf8.DecodeRuneInString(s)
				s = s[m:]
			}
		case r == '_':
			if len(s) == 0 {
				return false
			}
			_, m := utf8.DecodeRuneInString(s)
			pat, s = pat[n:], s[m:]
		default:
			if len(s) == 0 {
				return false
			}
			c, m := utf8.DecodeRuneInString(s)
			if foldRune(c) != foldRune(r) {
				return false
			}
			pat, s = pat[n:], s[m:]
		}
	}
	return len(s) == 0
}

func foldRune(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 32
	}
	return r
}

// globMatch is SQLite's GLOB: * ? [...] with ^ negation, case-sensitive.
func globMatch(pat, s string) bool {
	for len(pat) > 0 {
		r, n := utf8.DecodeRuneInString(pat)
		switch r {
		case '*':
			for len(pat) > 0 && (pat[0] == '*' || pat[0] == '?') {
				if pat[0] == '?' {
					if len(s) == 0 {
						return false
					}
					_, m := utf8.DecodeRuneInString(s)
					s = s[m:]
				}
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for {
				if globMatch(pat, s) {
					return true
				}
				if len(s) == 0 {
					return false
				}
				_, m := utf8.DecodeRuneInString(s)
				s = s[m:]
			}
		case '?':
			if len(s) == 0 {
				return false
			}
			_, m := utf8.DecodeRuneInString(s)
			pat, s = pat[n:], s[m:]
		case '[':
			if len(s) == 0 {
				return false
			}
			c, m := utf8.DecodeRuneInString(s)
			rest, ok := matchClass(pat[1:], c)
			if !ok {
				return false
			}
			pat, s = rest, s[m:]
		default:
			if len(s) == 0 {
				return false
			}
			c, m := utf8.DecodeRuneInString(s)
			if c != r {
				return false
			}
			pat, s = pat[n:], s[m:]
		}
	}
	return len(s) == 0
}

// matchClass matches c against a [...] class whose body starts at p; it
// returns the pattern after the class and whether c matched.
func matchClass(p string, c rune) (string, bool) {
	invert := false
	if len(p) > 0 && p[0] == '^' {
		invert = true
		p = p[1:]
	}
	matched := false
	first := true
	var prev rune = -1
	for {
		if len(p) == 0 {
			return "", false // unterminated class matches nothing
		}
		r, n := utf8.DecodeRuneInString(p)
		if r == ']' && !first {
			p = p[n:]
			break
		}
		if r == '-' && prev >= 0 && len(p) > n && p[n] != ']' {
			hi, m := utf8.DecodeRuneInString(p[n:])
			if c >= prev && c <= hi {
				matched = true
			}
			p = p[n+m:]
			prev = -1
			first = false
			continue
		}
		if r == c {
			matched = true
		}
		prev = r
		p = p[n:]
		first = false
	}
	return p, matched != invert
}

// cString is s up to its first NUL byte, as C functions read text.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}
