package sqlparse

import "strings"

// Script reads a script one statement at a time:
//
//	s := sqlparse.NewScript(src)
//	for s.Next() {
//		run(s.Stmt(), s.Text())
//	}
//	if err := s.Err(); err != nil { ... }
//
// Empty statements (;;) are skipped. Parsing stops at the first syntax
// error: Next returns false and Err returns the *Error. Statements before it
// have already been returned, so a caller may run them first, as SQLite's
// shell does.
type Script struct {
	p    parser
	stmt Stmt
	text string
	err  error
	done bool
}

// NewScript returns a Script reading src.
func NewScript(src string) *Script {
	s := new(Script)
	s.p.init(src)
	return s
}

// Next parses the next statement and reports whether there was one.
func (s *Script) Next() bool {
	if s.done {
		return false
	}
	for s.p.tok() == tokSemi {
		s.p.next()
	}
	if s.p.tok() == tokEOF {
		s.done = true
		return false
	}
	start := s.p.lx.pos.Offset
	stmt, err := s.p.stmt()
	if err == nil && s.p.tok() != tokSemi && s.p.tok() != tokEOF {
		err = s.p.endError()
	}
	if err != nil {
		s.stmt, s.text, s.err, s.done = nil, "", err, true
		return false
	}
	s.stmt = stmt
	s.text = s.p.lx.src[start:s.p.prevEnd]
	return true
}

// endError is the error for a token after a complete statement.
func (p *parser) endError() (err error) {
	defer func() { err = recover().(*Error) }()
	p.errorExpected(`";" or end of input`)
	return nil
}

// Stmt returns the statement Next read.
func (s *Script) Stmt() Stmt { return s.stmt }

// Text returns the source text of the statement Next read, from its first
// token to its last, without the ';'.
func (s *Script) Text() string { return s.text }

// Err returns the syntax error that stopped the script, or nil.
func (s *Script) Err() error { return s.err }

// Parse parses a script of ';'-separated statements. On a syntax error it
// returns the statements before it and the *Error.
func Parse(src string) ([]Stmt, error) {
	var stmts []Stmt
	s := NewScript(src)
	for s.Next() {
		stmts = append(stmts, s.Stmt())
	}
	return stmts, s.Err()
}

// ParseOne parses exactly one statement, optionally followed by ';'.
func ParseOne(src string) (Stmt, error) {
	s := NewScript(src)
	if !s.Next() {
		if err := s.Err(); err != nil {
			return nil, err
		}
		pos := s.p.lx.pos
		return nil, &Error{Line: pos.Line, Col: pos.Col, Offset: pos.Offset, Msg: "expected statement, found end of input"}
	}
	stmt := s.Stmt()
	for s.p.tok() == tokSemi {
		s.p.next()
	}
	if s.p.tok() != tokEOF {
		pos := s.p.lx.pos
		return nil, &Error{Line: pos.Line, Col: pos.Col, Offset: pos.Offset, Msg: "expected one statement, found another: " + s.p.found()}
	}
	return stmt, nil
}

// ParseExpr parses a single expression, for tools and tests.
func ParseExpr(src string) (x Expr, err error) {
	var p parser
	p.init(src)
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			x, err = nil, e
		}
	}()
	x = p.expr()
	if p.tok() != tokEOF {
		p.errorExpected("end of expression")
	}
	return x, nil
}

// Complete reports whether src ends a statement: its last token is a ';'
// outside any string, quoted name, comment or trigger body. It is SQLite's
// sqlite3_complete, for a shell deciding whether to read another line. It
// does not check syntax: Complete("SELEC;") is true.
func Complete(src string) bool {
	// The states and transitions of sqlite3_complete (complete.c).
	const (
		invalid = iota
		start
		normal
		explain
		create
		trigger
		semi
		end
	)
	const (
		tSemi = iota
		tOther
		tExplain
		tCreate
		tTemp
		tTrigger
		tEnd
	)
	next := [8][7]uint8{
		invalid: {start, normal, explain, create, normal, normal, normal},
		start:   {start, normal, explain, create, normal, normal, normal},
		normal:  {start, normal, normal, normal, normal, normal, normal},
		explain: {start, explain, normal, create, normal, normal, normal},
		create:  {start, normal, normal, normal, create, trigger, normal},
		trigger: {semi, trigger, trigger, trigger, trigger, trigger, trigger},
		semi:    {semi, trigger, trigger, trigger, trigger, trigger, end},
		end:     {start, trigger, trigger, trigger, trigger, trigger, trigger},
	}
	var l lexer
	state := uint8(invalid)
	for l.init(src); l.tok != tokEOF; l.next() {
		var t int
		switch l.tok {
		case tokSemi:
			t = tSemi
		case kwExplain:
			t = tExplain
		case kwCreate:
			t = tCreate
		case kwTemp:
			t = tTemp
		case kwTrigger:
			t = tTrigger
		case kwEnd:
			t = tEnd
		case tokIllegal:
			if strings.HasPrefix(l.lit, "unterminated") {
				return false
			}
			t = tOther
		default:
			t = tOther
		}
		state = next[state][t]
	}
	return state == start && !l.openComment
}
