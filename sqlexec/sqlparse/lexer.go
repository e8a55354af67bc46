package sqlparse

import "strings"

// Pos is a position in the source: a byte offset from the start of the
// script, and the 1-based line and byte column. Every node embeds one, which
// gives it a Position method.
type Pos struct {
	Offset, Line, Col int
}

// Position returns p; it lets every node that embeds a Pos satisfy Node.
func (p Pos) Position() Pos { return p }

// IsValid reports whether p was set by the parser (lines start at 1).
func (p Pos) IsValid() bool { return p.Line > 0 }

// lexer turns SQL text into tokens on demand; the parser holds one token of
// lookahead in the lexer itself and peeks further by copying the lexer,
// which is a few words and never allocates.
type lexer struct {
	src       string
	off       int // next byte to read
	line      int
	lineStart int // offset of the current line's first byte

	tok token
	pos Pos
	// lit is the token's text: the source spelling for words, numbers and
	// parameters, the decoded value for strings, blobs and quoted
	// identifiers, and the error message for tokIllegal.
	lit string

	// openComment records a block comment that ran to the end of input,
	// which SQLite accepts but which means more input is coming (Complete).
	openComment bool
}

func (l *lexer) init(src string) {
	*l = lexer{src: src, line: 1}
	l.next()
}

func (l *lexer) errorf(msg string) {
	l.tok = tokIllegal
	l.lit = msg
}

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isIDChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '$' }

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skipSpace skips white space and comments, counting lines. An unterminated
// block comment runs to the end of input, as in SQLite.
func (l *lexer) skipSpace() {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == '\n':
			l.off++
			l.line++
			l.lineStart = l.off
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.off++
		case c == '-' && l.off+1 < len(l.src) && l.src[l.off+1] == '-':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.off++
			}
		case c == '/' && l.off+1 < len(l.src) && l.src[l.off+1] == '*':
			l.off += 2
			for l.off < len(l.src) && !(l.src[l.off] == '*' && l.off+1 < len(l.src) && l.src[l.off+1] == '/') {
				if l.src[l.off] == '\n' {
					l.line++
					l.lineStart = l.off + 1
				}
				l.off++
			}
			l.off += 2
			if l.off > len(l.src) {
				l.off = len(l.src)
				l.openComment = true
			}
		default:
			return
		}
	}
}

// next reads the next token into l.tok, l.pos and l.lit.
func (l *lexer) next() {
	l.skipSpace()
	l.pos = Pos{Offset: l.off, Line: l.line, Col: l.off - l.lineStart + 1}
	if l.off >= len(l.src) {
		l.tok, l.lit = tokEOF, ""
		return
	}
	start := l.off
	c := l.src[l.off]
	l.off++
	switch {
	case (c == 'x' || c == 'X') && l.off < len(l.src) && l.src[l.off] == '\'':
		l.blob(start)
		return
	case isLetter(c):
		for l.off < len(l.src) && isIDChar(l.src[l.off]) {
			l.off++
		}
		l.lit = l.src[start:l.off]
		l.tok = lookup(l.lit)
		return
	case isDigit(c) || c == '.' && l.off < len(l.src) && isDigit(l.src[l.off]):
		l.number(start)
		return
	}
	switch c {
	case '\'':
		l.quoted(start, '\'', tokString)
		return
	case '"':
		l.quoted(start, '"', tokQIdent)
		return
	case '`':
		l.quoted(start, '`', tokQIdent)
		return
	case '[':
		end := strings.IndexByte(l.src[l.off:], ']')
		if end < 0 {
			l.off = len(l.src)
			l.errorf("unterminated [identifier]")
			return
		}
		l.lit = l.src[l.off : l.off+end]
		l.off += end + 1
		l.tok = tokQIdent
		l.countLines(start)
		return
	case '?':
		for l.off < len(l.src) && isDigit(l.src[l.off]) {
			l.off++
		}
		l.tok, l.lit = tokParam, l.src[start:l.off]
		return
	case ':', '@', '$':
		for l.off < len(l.src) && isIDChar(l.src[l.off]) {
			l.off++
		}
		if l.off == start+1 {
			l.errorf("parameter name missing after " + string(c))
			return
		}
		l.tok, l.lit = tokParam, l.src[start:l.off]
		return
	}
	l.tok = l.operator(c)
	l.lit = l.src[start:l.off]
	if l.tok == tokIllegal {
		l.lit = "unrecognized token: " + quote(l.src[start:l.off])
	}
}

// operator reads the rest of the operator that starts with c.
func (l *lexer) operator(c byte) token {
	peek := func(b byte) bool {
		if l.off < len(l.src) && l.src[l.off] == b {
			l.off++
			return true
		}
		return false
	}
	switch c {
	case '(':
		return tokLParen
	case ')':
		return tokRParen
	case ',':
		return tokComma
	case ';':
		return tokSemi
	case '.':
		return tokDot
	case '+':
		return tokPlus
	case '-':
		if peek('>') {
			if peek('>') {
				return tokArrow2
			}
			return tokArrow
		}
		return tokMinus
	case '*':
		return tokStar
	case '/':
		return tokSlash
	case '%':
		return tokRem
	case '&':
		return tokBitAnd
	case '~':
		return tokBitNot
	case '|':
		if peek('|') {
			return tokConcat
		}
		return tokBitOr
	case '=':
		peek('=')
		return tokEq
	case '!':
		if peek('=') {
			return tokNe
		}
	case '<':
		switch {
		case peek('='):
			return tokLe
		case peek('>'):
			return tokNe
		case peek('<'):
			return tokShl
		}
		return tokLt
	case '>':
		switch {
		case peek('='):
			return tokGe
		case peek('>'):
			return tokShr
		}
		return tokGt
	}
	return tokIllegal
}

// quoted reads a string or quoted identifier whose opening quote q is at
// start; a doubled quote stands for one. It allocates only when the text
// holds a doubled quote.
func (l *lexer) quoted(start int, q byte, tok token) {
	var b []byte
	from := l.off
	for {
		i := strings.IndexByte(l.src[l.off:], q)
		if i < 0 {
			l.off = len(l.src)
			l.countLines(start)
			if tok == tokString {
				l.errorf("unterminated string literal")
			} else {
				l.errorf("unterminated quoted identifier")
			}
			return
		}
		l.off += i + 1
		if l.off < len(l.src) && l.src[l.off] == q {
			b = append(b, l.src[from:l.off]...)
			l.off++
			from = l.off
			continue
		}
		break
	}
	if b == nil {
		l.lit = l.src[from : l.off-1]
	} else {
		l.lit = string(append(b, l.src[from:l.off-1]...))
	}
	l.tok = tok
	l.countLines(start)
}

// countLines accounts for newlines inside a token that started at start.
func (l *lexer) countLines(start int) {
	for i := start; i < l.off; i++ {
		if l.src[i] == '\n' {
			l.line++
			l.lineStart = i + 1
		}
	}
}

// blob reads X'hex'; the x is at start and the quote at l.off.
func (l *lexer) blob(start int) {
	l.off++ // the quote
	from := l.off
	for l.off < len(l.src) && isHex(l.src[l.off]) {
		l.off++
	}
	hex := l.src[from:l.off]
	if l.off >= len(l.src) || l.src[l.off] != '\'' || len(hex)%2 != 0 {
		// Swallow the rest of the would-be literal so that the error names it.
		for l.off < len(l.src) && l.src[l.off] != '\'' && l.src[l.off] != '\n' {
			l.off++
		}
		if l.off < len(l.src) && l.src[l.off] == '\'' {
			l.off++
		}
		l.errorf("malformed blob literal: " + l.src[start:l.off])
		return
	}
	l.off++
	b := make([]byte, len(hex)/2)
	for i := range b {
		b[i] = unhex(hex[2*i])<<4 | unhex(hex[2*i+1])
	}
	l.tok, l.lit = tokBlob, string(b)
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// number reads an integer or real whose first byte is at start. A number
// running straight into letters (12abc) is one bad token, as in SQLite.
func (l *lexer) number(start int) {
	l.tok = tokInteger
	if l.src[start] == '0' && l.off < len(l.src) && (l.src[l.off] == 'x' || l.src[l.off] == 'X') &&
		l.off+1 < len(l.src) && isHex(l.src[l.off+1]) {
		l.off++
		for l.off < len(l.src) && isHex(l.src[l.off]) {
			l.off++
		}
	} else {
		l.off = start
		for l.off < len(l.src) && isDigit(l.src[l.off]) {
			l.off++
		}
		if l.off < len(l.src) && l.src[l.off] == '.' {
			l.tok = tokFloat
			l.off++
			for l.off < len(l.src) && isDigit(l.src[l.off]) {
				l.off++
			}
		}
		if l.off < len(l.src) && (l.src[l.off] == 'e' || l.src[l.off] == 'E') {
			i := l.off + 1
			if i < len(l.src) && (l.src[i] == '+' || l.src[i] == '-') {
				i++
			}
			if i < len(l.src) && isDigit(l.src[i]) {
				l.tok = tokFloat
				l.off = i
				for l.off < len(l.src) && isDigit(l.src[l.off]) {
					l.off++
				}
			}
		}
	}
	if l.off < len(l.src) && isIDChar(l.src[l.off]) {
		for l.off < len(l.src) && isIDChar(l.src[l.off]) {
			l.off++
		}
		l.errorf("unrecognized token: " + quote(l.src[start:l.off]))
		return
	}
	l.lit = l.src[start:l.off]
}

// quote returns s in double quotes for messages, cut short if long.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return `"` + s + `"`
}
