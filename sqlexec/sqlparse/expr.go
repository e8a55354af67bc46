package sqlparse

import "strings"

// Expression parsing, one function per precedence level of SQLite's
// parse.y, lowest first:
//
//	OR
//	AND
//	NOT (prefix)
//	= == != <> IS [NOT] [DISTINCT FROM] IN LIKE GLOB MATCH REGEXP BETWEEN
//	  ISNULL NOTNULL NOT NULL
//	< <= > >=
//	& | << >>
//	+ -
//	* / %
//	|| -> ->>
//	COLLATE (postfix)
//	- + ~ (prefix)
//
// Binary levels loop, so long chains do not recurse; the levels from < up
// share one precedence-climbing function. A prefix operator found
// where an operand is expected takes everything that binds tighter than
// itself, as in yacc: 1 + NOT x = 2 is 1 + (NOT (x = 2)).

// Precedence levels, shared with the printer.
const (
	precLowest = iota
	precOr
	precAnd
	precNot
	precEquality
	precComparison
	precBitwise
	precAdditive
	precMultiplicative
	precConcat
	precCollate
	precUnary
	precPrimary
)

func (p *parser) expr() Expr {
	p.enter()
	x := p.or()
	p.leave()
	return x
}

func (p *parser) exprList() []Expr {
	var list []Expr
	for {
		list = append(list, p.expr())
		if !p.got(COMMA) {
			return list
		}
	}
}

func (p *parser) or() Expr {
	x := p.and()
	for p.tok() == OR {
		pos := p.lx.pos
		p.next()
		x = &Binary{Pos: pos, Op: OpOr, X: x, Y: p.and()}
	}
	return x
}

func (p *parser) and() Expr {
	x := p.not()
	for p.tok() == AND {
		pos := p.lx.pos
		p.next()
		x = &Binary{Pos: pos, Op: OpAnd, X: x, Y: p.not()}
	}
	return x
}

func (p *parser) not() Expr {
	if p.tok() != NOT {
		return p.equality()
	}
	pos := p.lx.pos
	p.next()
	p.enter()
	x := p.not()
	p.leave()
	return &Unary{Pos: pos, Op: OpNot, X: x}
}

func likeOp(t Token) (LikeOp, bool) {
	switch t {
	case LIKE:
		return OpLike, true
	case GLOB:
		return OpGlob, true
	case MATCH:
		return OpMatch, true
	case REGEXP:
		return OpRegexp, true
	}
	return 0, false
}

func (p *parser) equality() Expr {
	x := p.comparison()
	for {
		pos := p.lx.pos
		switch t := p.tok(); t {
		case EQ, NE:
			p.next()
			op := OpEq
			if t == NE {
				op = OpNe
			}
			x = &Binary{Pos: pos, Op: op, X: x, Y: p.comparison()}
			continue
		case IS:
			p.next()
			op := OpIs
			if p.got(NOT) {
				op = OpIsNot
			}
			if p.got(DISTINCT) {
				p.want(FROM)
				// IS DISTINCT FROM is IS NOT; IS NOT DISTINCT FROM is IS.
				op = OpIs + OpIsNot - op
			}
			x = &Binary{Pos: pos, Op: op, X: x, Y: p.comparison()}
			continue
		case ISNULL, NOTNULL:
			p.next()
			x = p.binary(precComparison, &IsNull{Pos: pos, Not: t == NOTNULL, X: x})
			continue
		}
		not := false
		if p.tok() == NOT {
			switch p.peek(1).tok {
			case NULL:
				p.next()
				p.next()
				x = p.binary(precComparison, &IsNull{Pos: pos, Not: true, X: x})
				continue
			case LIKE, GLOB, MATCH, REGEXP, IN, BETWEEN:
				p.next()
				not = true
			default:
				return x
			}
		}
		if op, ok := likeOp(p.tok()); ok {
			// Pattern and escape both take comparisons: yacc shifts < over
			// reducing the LIKE, and reduces on = and the looser operators.
			p.next()
			l := &Like{Pos: pos, Op: op, Not: not, X: x, Pattern: p.comparison()}
			if p.got(ESCAPE) {
				l.Escape = p.comparison()
			}
			x = l
			continue
		}
		switch p.tok() {
		case BETWEEN:
			p.next()
			b := &Between{Pos: pos, Not: not, X: x}
			// The lower bound may itself hold = or IS (yacc shifts them); it
			// stops at AND, which binds looser.
			p.enter()
			b.Lo = p.equality()
			p.leave()
			p.want(AND)
			b.Hi = p.comparison()
			x = b
		case IN:
			p.next()
			x = p.binary(precComparison, p.in(pos, not, x))
		default:
			return x
		}
	}
}

// in parses what follows IN.
func (p *parser) in(pos Pos, not bool, x Expr) Expr {
	in := &In{Pos: pos, Not: not, X: x}
	if p.got(LPAREN) {
		p.enter()
		switch {
		case p.startsQuery():
			in.Select = p.query(nil, false)
		case p.tok() == RPAREN:
			in.List = []Expr{}
		default:
			in.List = p.exprList()
		}
		p.leave()
		p.want(RPAREN)
		return in
	}
	t := &TableName{Pos: p.lx.pos}
	t.Schema, t.Name = p.qualified("table name or (")
	if p.tok() == LPAREN {
		p.errorAt(p.lx.pos, "table-valued functions are not supported")
	}
	in.Table = t
	return in
}

// binop returns the operator and precedence of a binary operator token
// from the comparison level up; ok is false for any other token.
func binop(t Token) (op Op, prec int, ok bool) {
	switch t {
	case LT:
		return OpLt, precComparison, true
	case LE:
		return OpLe, precComparison, true
	case GT:
		return OpGt, precComparison, true
	case GE:
		return OpGe, precComparison, true
	case BITAND:
		return OpBitAnd, precBitwise, true
	case BITOR:
		return OpBitOr, precBitwise, true
	case SHL:
		return OpShl, precBitwise, true
	case SHR:
		return OpShr, precBitwise, true
	case PLUS:
		return OpAdd, precAdditive, true
	case MINUS:
		return OpSub, precAdditive, true
	case STAR:
		return OpMul, precMultiplicative, true
	case SLASH:
		return OpDiv, precMultiplicative, true
	case REM:
		return OpRem, precMultiplicative, true
	case CONCAT:
		return OpConcat, precConcat, true
	case ARROW:
		return OpExtract, precConcat, true
	case ARROW2:
		return OpExtractText, precConcat, true
	}
	return 0, 0, false
}

func (p *parser) comparison() Expr { return p.binary(precComparison, nil) }

// binary parses the operators from < up to || and the postfix COLLATE, by
// precedence climbing: operators of one level loop, and recursion goes one
// call per level, never per term. It takes operators of precedence min and
// above. left, when not nil, is an operand already parsed: after a closed
// postfix form such as x ISNULL or x IN (...), yacc reduces it to a plain
// expression that any operator may follow, so x ISNULL * 2 is
// (x ISNULL) * 2, and the equality level hands it back here.
func (p *parser) binary(min int, left Expr) Expr {
	x := left
	if x == nil {
		x = p.unary()
	}
	for {
		pos := p.lx.pos
		if p.tok() == COLLATE {
			if precCollate < min {
				return x
			}
			p.next()
			x = &Collate{Pos: pos, X: x, Collation: p.name("collation name")}
			continue
		}
		op, prec, ok := binop(p.tok())
		if !ok || prec < min {
			return x
		}
		p.next()
		x = &Binary{Pos: pos, Op: op, X: x, Y: p.binary(prec+1, nil)}
	}
}

func (p *parser) unary() Expr {
	var op Op
	switch p.tok() {
	case MINUS:
		op = OpNeg
	case PLUS:
		op = OpPlus
	case BITNOT:
		op = OpBitNot
	default:
		return p.primary()
	}
	pos := p.lx.pos
	p.next()
	p.enter()
	x := p.unary()
	p.leave()
	return &Unary{Pos: pos, Op: op, X: x}
}

func (p *parser) primary() Expr {
	pos := p.lx.pos
	lit := func(k LitKind, v string) Expr {
		p.next()
		return &Literal{Pos: pos, Kind: k, Value: v}
	}
	switch p.tok() {
	case INTEGER:
		return lit(IntLit, p.lx.lit)
	case FLOAT:
		return lit(FloatLit, p.lx.lit)
	case STRING:
		return lit(StringLit, p.lx.lit)
	case BLOB:
		return lit(BlobLit, p.lx.lit)
	case NULL:
		return lit(NullLit, "")
	case CURRENT_TIME:
		return lit(CurrentTimeLit, "")
	case CURRENT_DATE:
		return lit(CurrentDateLit, "")
	case CURRENT_TIMESTAMP:
		return lit(CurrentTimestampLit, "")
	case PARAM:
		return p.param()
	case LPAREN:
		p.next()
		p.enter()
		if p.startsQuery() {
			s := p.query(nil, false)
			p.leave()
			p.want(RPAREN)
			return &Subquery{Pos: pos, Select: s}
		}
		list := p.exprList()
		p.leave()
		p.want(RPAREN)
		if len(list) == 1 {
			return list[0]
		}
		return &Row{Pos: pos, List: list}
	case NOT:
		// A NOT where an operand is expected (a = NOT b): it takes in
		// everything down to the NOT level.
		return p.not()
	case EXISTS:
		p.next()
		p.want(LPAREN)
		p.enter()
		s := p.query(nil, false)
		p.leave()
		p.want(RPAREN)
		return &Exists{Pos: pos, Select: s}
	case CASE:
		return p.caseExpr()
	case CAST:
		// Where an operand is expected, CAST is always the keyword, as in
		// SQLite: a column named cast must be quoted.
		p.next()
		p.want(LPAREN)
		p.enter()
		c := &Cast{Pos: pos, X: p.expr()}
		p.leave()
		p.want(AS)
		c.Type = p.typeName() // nil for CAST(x AS), which SQLite accepts
		p.want(RPAREN)
		return c
	case RAISE:
		return p.raise()
	}
	if p.isID() || isJoinKeyword(p.tok()) || p.tok() == INDEXED {
		if isJoinKeyword(p.tok()) && p.peek(1).tok == LPAREN {
			// SQLite takes LEFT as a column name but not as a function name.
			p.errorAt(pos, "expected expression, found "+p.found())
		}
		quoted := p.tok() == QIDENT && p.lx.src[pos.Offset] == '"'
		bare := p.tok() == IDENT
		name := p.lx.lit
		p.next()
		switch p.tok() {
		case LPAREN:
			return p.call(pos, name)
		case DOT:
			p.next()
			c := &Column{Pos: pos, Table: name}
			c.Quoted = p.tok() == QIDENT && p.lx.src[p.lx.pos.Offset] == '"'
			c.Name = p.name("column name")
			if p.got(DOT) {
				c.Schema, c.Table = c.Table, c.Name
				c.Quoted = p.tok() == QIDENT && p.lx.src[p.lx.pos.Offset] == '"'
				c.Name = p.name("column name")
			}
			return c
		}
		if bare && strings.EqualFold(name, "true") {
			return &Literal{Pos: pos, Kind: TrueLit}
		}
		if bare && strings.EqualFold(name, "false") {
			return &Literal{Pos: pos, Kind: FalseLit}
		}
		return &Column{Pos: pos, Name: name, Quoted: quoted}
	}
	p.errorExpected("expression")
	return nil
}

// param numbers a parameter as SQLite does (see Param).
func (p *parser) param() Expr {
	pr := &Param{Pos: p.lx.pos, Name: p.lx.lit}
	const maxVar = 250000 // SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32
	switch {
	case pr.Name == "?":
		p.maxParam++
		pr.Index = p.maxParam
	case pr.Name[0] == '?':
		n := 0
		for _, c := range pr.Name[1:] {
			n = n*10 + int(c-'0')
			if n > maxVar {
				break
			}
		}
		if n < 1 || n > maxVar {
			p.errorAt(pr.Pos, "parameter number must be between ?1 and ?"+itoa(maxVar))
		}
		pr.Index = n
		p.maxParam = max(p.maxParam, n)
	default:
		if i, ok := p.named[pr.Name]; ok {
			pr.Index = i
		} else {
			if p.named == nil {
				p.named = make(map[string]int)
			}
			p.maxParam++
			pr.Index = p.maxParam
			p.named[pr.Name] = pr.Index
		}
	}
	p.next()
	return pr
}

func (p *parser) caseExpr() Expr {
	c := &Case{Pos: p.want(CASE)}
	p.enter()
	if p.tok() != WHEN {
		c.Operand = p.expr()
	}
	for p.tok() == WHEN {
		w := &When{Pos: p.lx.pos}
		p.next()
		w.Cond = p.expr()
		p.want(THEN)
		w.Result = p.expr()
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		p.errorExpected("WHEN")
	}
	if p.got(ELSE) {
		c.Else = p.expr()
	}
	p.want(END)
	p.leave()
	return c
}

func (p *parser) raise() Expr {
	r := &Raise{Pos: p.want(RAISE)}
	p.want(LPAREN)
	if p.got(IGNORE) {
		r.Action = ConflictIgnore
	} else {
		switch p.tok() {
		case ROLLBACK, ABORT, FAIL:
			r.Action = p.conflictAction()
		default:
			p.errorExpected("IGNORE, ROLLBACK, ABORT or FAIL")
		}
		p.want(COMMA)
		r.Message = p.expr()
	}
	p.want(RPAREN)
	return r
}

// call parses a function call after its name; the current token is "(".
func (p *parser) call(pos Pos, name string) Expr {
	c := &Call{Pos: pos, Name: name}
	p.want(LPAREN)
	p.enter()
	all := false
	if p.got(DISTINCT) {
		c.Distinct = true
	} else {
		all = p.got(ALL)
	}
	switch {
	case p.tok() == STAR:
		if c.Distinct || all {
			p.errorAt(p.lx.pos, "DISTINCT or ALL cannot be used with *")
		}
		p.next()
		c.Star = true
	case p.tok() != RPAREN:
		c.Args = p.exprList()
		if p.got(ORDER) {
			p.want(BY)
			c.OrderBy = p.orderTerms()
		}
	case c.Distinct:
		p.errorExpected("expression")
	}
	p.leave()
	p.want(RPAREN)
	if isWord(&p.lx, "FILTER") && p.peek(1).tok == LPAREN {
		p.next()
		p.next()
		p.want(WHERE)
		c.Filter = p.expr()
		p.want(RPAREN)
	}
	if isWord(&p.lx, "OVER") {
		p.errorAt(p.lx.pos, "window functions are not supported")
	}
	return c
}
