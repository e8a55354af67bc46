package sqlparse

import "strings"

// Expression parsing follows the precedence levels of SQLite's parse.y,
// lowest first:
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
// OR, AND and the equality level have a function each; the levels from <
// up share one precedence-climbing function. Every level loops, so long
// chains do not recurse. A prefix operator found where an operand is
// expected takes everything that binds tighter than itself, as in yacc:
// 1 + NOT x = 2 is 1 + (NOT (x = 2)).

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
		if !p.got(tokComma) {
			return list
		}
	}
}

func (p *parser) or() Expr {
	x := p.and()
	for p.tok() == kwOr {
		pos := p.lx.pos
		p.next()
		x = &Binary{Pos: pos, Op: OpOr, X: x, Y: p.and()}
	}
	return x
}

func (p *parser) and() Expr {
	x := p.not()
	for p.tok() == kwAnd {
		pos := p.lx.pos
		p.next()
		x = &Binary{Pos: pos, Op: OpAnd, X: x, Y: p.not()}
	}
	return x
}

func (p *parser) not() Expr {
	if p.tok() != kwNot {
		return p.equality()
	}
	pos := p.lx.pos
	p.next()
	p.enter()
	x := p.not()
	p.leave()
	return &Unary{Pos: pos, Op: OpNot, X: x}
}

func likeOp(t token) (LikeOp, bool) {
	switch t {
	case kwLike:
		return OpLike, true
	case kwGlob:
		return OpGlob, true
	case kwMatch:
		return OpMatch, true
	case kwRegexp:
		return OpRegexp, true
	}
	return 0, false
}

func (p *parser) equality() Expr {
	x := p.comparison()
	for {
		pos := p.lx.pos
		switch t := p.tok(); t {
		case tokEq, tokNe:
			p.next()
			op := OpEq
			if t == tokNe {
				op = OpNe
			}
			x = &Binary{Pos: pos, Op: op, X: x, Y: p.comparison()}
			continue
		case kwIs:
			p.next()
			op := OpIs
			if p.got(kwNot) {
				op = OpIsNot
			}
			if p.got(kwDistinct) {
				p.want(kwFrom)
				// IS DISTINCT FROM is IS NOT; IS NOT DISTINCT FROM is IS.
				op = OpIs + OpIsNot - op
			}
			x = &Binary{Pos: pos, Op: op, X: x, Y: p.comparison()}
			continue
		case kwIsnull, kwNotnull:
			p.next()
			x = p.binary(precComparison, &IsNull{Pos: pos, Not: t == kwNotnull, X: x})
			continue
		}
		not := false
		if p.tok() == kwNot {
			switch p.peek(1).tok {
			case kwNull:
				p.next()
				p.next()
				x = p.binary(precComparison, &IsNull{Pos: pos, Not: true, X: x})
				continue
			case kwLike, kwGlob, kwMatch, kwRegexp, kwIn, kwBetween:
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
			if p.got(kwEscape) {
				l.Escape = p.comparison()
			}
			x = l
			continue
		}
		switch p.tok() {
		case kwBetween:
			p.next()
			b := &Between{Pos: pos, Not: not, X: x}
			// The lower bound may itself hold = or IS (yacc shifts them); it
			// stops at AND, which binds looser.
			p.enter()
			b.Lo = p.equality()
			p.leave()
			p.want(kwAnd)
			b.Hi = p.comparison()
			x = b
		case kwIn:
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
	if p.got(tokLParen) {
		p.enter()
		switch {
		case p.startsQuery():
			in.Select = p.query(nil, false)
		case p.tok() == tokRParen:
			in.List = []Expr{}
		default:
			in.List = p.exprList()
		}
		p.leave()
		p.want(tokRParen)
		return in
	}
	t := &TableName{Pos: p.lx.pos}
	t.Schema, t.Name = p.qualified("table name or (")
	if p.tok() == tokLParen {
		p.errorAt(p.lx.pos, "table-valued functions are not supported")
	}
	in.Table = t
	return in
}

// binop returns the operator and precedence of a binary operator token
// from the comparison level up; ok is false for any other token.
func binop(t token) (op Op, prec int, ok bool) {
	switch t {
	case tokLt:
		return OpLt, precComparison, true
	case tokLe:
		return OpLe, precComparison, true
	case tokGt:
		return OpGt, precComparison, true
	case tokGe:
		return OpGe, precComparison, true
	case tokBitAnd:
		return OpBitAnd, precBitwise, true
	case tokBitOr:
		return OpBitOr, precBitwise, true
	case tokShl:
		return OpShl, precBitwise, true
	case tokShr:
		return OpShr, precBitwise, true
	case tokPlus:
		return OpAdd, precAdditive, true
	case tokMinus:
		return OpSub, precAdditive, true
	case tokStar:
		return OpMul, precMultiplicative, true
	case tokSlash:
		return OpDiv, precMultiplicative, true
	case tokRem:
		return OpRem, precMultiplicative, true
	case tokConcat:
		return OpConcat, precConcat, true
	case tokArrow:
		return OpExtract, precConcat, true
	case tokArrow2:
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
		if p.tok() == kwCollate {
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
	case tokMinus:
		op = OpNeg
	case tokPlus:
		op = OpPlus
	case tokBitNot:
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
	case tokInteger:
		return lit(IntLit, p.lx.lit)
	case tokFloat:
		return lit(FloatLit, p.lx.lit)
	case tokString:
		return lit(StringLit, p.lx.lit)
	case tokBlob:
		return lit(BlobLit, p.lx.lit)
	case kwNull:
		return lit(NullLit, "")
	case kwCurrentTime:
		return lit(CurrentTimeLit, "")
	case kwCurrentDate:
		return lit(CurrentDateLit, "")
	case kwCurrentTimestamp:
		return lit(CurrentTimestampLit, "")
	case tokParam:
		return p.param()
	case tokLParen:
		p.next()
		p.enter()
		if p.startsQuery() {
			s := p.query(nil, false)
			p.leave()
			p.want(tokRParen)
			return &Subquery{Pos: pos, Select: s}
		}
		list := p.exprList()
		p.leave()
		p.want(tokRParen)
		if len(list) == 1 {
			return list[0]
		}
		return &Row{Pos: pos, List: list}
	case kwNot:
		// A NOT where an operand is expected (a = NOT b): it takes in
		// everything down to the NOT level.
		return p.not()
	case kwExists:
		p.next()
		p.want(tokLParen)
		p.enter()
		s := p.query(nil, false)
		p.leave()
		p.want(tokRParen)
		return &Exists{Pos: pos, Select: s}
	case kwCase:
		return p.caseExpr()
	case kwCast:
		// Where an operand is expected, CAST is always the keyword, as in
		// SQLite: a column named cast must be quoted.
		p.next()
		p.want(tokLParen)
		p.enter()
		c := &Cast{Pos: pos, X: p.expr()}
		p.leave()
		p.want(kwAs)
		c.Type = p.typeName() // nil for CAST(x AS), which SQLite accepts
		p.want(tokRParen)
		return c
	case kwRaise:
		return p.raise()
	}
	if p.isID() || isJoinKeyword(p.tok()) || p.tok() == kwIndexed {
		if isJoinKeyword(p.tok()) && p.peek(1).tok == tokLParen {
			// SQLite takes LEFT as a column name but not as a function name.
			p.errorAt(pos, "expected expression, found "+p.found())
		}
		quoted := p.tok() == tokQIdent && p.lx.src[pos.Offset] == '"'
		bare := p.tok() == tokIdent
		name := p.lx.lit
		p.next()
		switch p.tok() {
		case tokLParen:
			return p.call(pos, name)
		case tokDot:
			p.next()
			c := &Column{Pos: pos, Table: name}
			c.Quoted = p.tok() == tokQIdent && p.lx.src[p.lx.pos.Offset] == '"'
			c.Name = p.name("column name")
			if p.got(tokDot) {
				c.Schema, c.Table = c.Table, c.Name
				c.Quoted = p.tok() == tokQIdent && p.lx.src[p.lx.pos.Offset] == '"'
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
	c := &Case{Pos: p.want(kwCase)}
	p.enter()
	if p.tok() != kwWhen {
		c.Operand = p.expr()
	}
	for p.tok() == kwWhen {
		w := &When{Pos: p.lx.pos}
		p.next()
		w.Cond = p.expr()
		p.want(kwThen)
		w.Result = p.expr()
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		p.errorExpected("WHEN")
	}
	if p.got(kwElse) {
		c.Else = p.expr()
	}
	p.want(kwEnd)
	p.leave()
	return c
}

func (p *parser) raise() Expr {
	r := &Raise{Pos: p.want(kwRaise)}
	p.want(tokLParen)
	if p.got(kwIgnore) {
		r.Action = ConflictIgnore
	} else {
		switch p.tok() {
		case kwRollback, kwAbort, kwFail:
			r.Action = p.conflictAction()
		default:
			p.errorExpected("IGNORE, ROLLBACK, ABORT or FAIL")
		}
		p.want(tokComma)
		r.Message = p.expr()
	}
	p.want(tokRParen)
	return r
}

// call parses a function call after its name; the current token is "(".
func (p *parser) call(pos Pos, name string) Expr {
	c := &Call{Pos: pos, Name: name}
	p.want(tokLParen)
	p.enter()
	all := false
	if p.got(kwDistinct) {
		c.Distinct = true
	} else {
		all = p.got(kwAll)
	}
	switch {
	case p.tok() == tokStar:
		if c.Distinct || all {
			p.errorAt(p.lx.pos, "DISTINCT or ALL cannot be used with *")
		}
		p.next()
		c.Star = true
	case p.tok() != tokRParen:
		c.Args = p.exprList()
		if p.got(kwOrder) {
			p.want(kwBy)
			c.OrderBy = p.orderTerms()
		}
	case c.Distinct:
		p.errorExpected("expression")
	}
	p.leave()
	p.want(tokRParen)
	if isWord(&p.lx, "FILTER") && p.peek(1).tok == tokLParen {
		p.next()
		p.next()
		p.want(kwWhere)
		c.Filter = p.expr()
		p.want(tokRParen)
	}
	if isWord(&p.lx, "OVER") {
		p.errorAt(p.lx.pos, "window functions are not supported")
	}
	return c
}
