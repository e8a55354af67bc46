package sqlparse

import "strings"

// MaxDepth bounds the nesting of parentheses, prefix operators and
// subqueries. It is SQLite's default expression depth limit; the corpus
// stays far below it, while a fuzzer's ((((... would otherwise recurse
// until the stack gives out.
const MaxDepth = 1000

// Error is a syntax error at a position in the source.
type Error struct {
	Line, Col, Offset int
	Msg               string
}

func (e *Error) Error() string {
	return "line " + itoa(e.Line) + ", column " + itoa(e.Col) + ": " + e.Msg
}

// parser is a recursive-descent parser over the lexer's token stream. Errors
// unwind with panic(*Error) to the statement boundary, as in go/parser: the
// first error ends the statement, and no production needs error plumbing.
type parser struct {
	lx      lexer
	prevEnd int // offset just past the previous token
	depth   int

	// Parameter numbering is per statement, as in SQLite's sqlite3_prepare.
	maxParam int
	named    map[string]int
}

func (p *parser) init(src string) {
	p.lx.init(src)
}

func (p *parser) next() {
	p.prevEnd = p.lx.off
	p.lx.next()
}

// tok is the current token.
func (p *parser) tok() token { return p.lx.tok }

// peek returns the lexer as it would be after n more tokens.
func (p *parser) peek(n int) lexer {
	l := p.lx
	for ; n > 0; n-- {
		l.next()
	}
	return l
}

func (p *parser) got(t token) bool {
	if p.lx.tok == t {
		p.next()
		return true
	}
	return false
}

func (p *parser) want(t token) Pos {
	pos := p.lx.pos
	if p.lx.tok != t {
		p.errorExpected(quote(t.String()))
	}
	p.next()
	return pos
}

func (p *parser) errorAt(pos Pos, msg string) {
	panic(&Error{Line: pos.Line, Col: pos.Col, Offset: pos.Offset, Msg: msg})
}

// found describes the current token for an error message.
func (p *parser) found() string {
	switch p.lx.tok {
	case tokEOF:
		return "end of input"
	}
	return quote(p.lx.src[p.lx.pos.Offset:p.lx.off])
}

// errorExpected reports that what was expected at the current token. A
// token the lexer could not read is reported as such instead.
func (p *parser) errorExpected(what string) {
	if p.lx.tok == tokIllegal {
		p.errorAt(p.lx.pos, p.lx.lit)
	}
	p.errorAt(p.lx.pos, "expected "+what+", found "+p.found())
}

func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.errorAt(p.lx.pos, "nested too deeply (more than "+itoa(MaxDepth)+" levels)")
	}
}

func (p *parser) leave() { p.depth-- }

// isID reports whether the current token can be an identifier: SQLite's ID
// class, which takes in the fallback keywords.
func (p *parser) isID() bool {
	t := p.lx.tok
	return t == tokIdent || t == tokQIdent || t.isKeyword() && fallback[t]
}

// isName reports whether the current token can name a table, column, index
// or the like: SQLite's nm class, which adds the join keywords, INDEXED and
// string literals to isID.
func (p *parser) isName() bool {
	t := p.lx.tok
	return p.isID() || isJoinKeyword(t) || t == kwIndexed || t == tokString
}

// name reads a name (isName).
func (p *parser) name(what string) string {
	if !p.isName() {
		p.errorExpected(what)
	}
	s := p.lx.lit
	p.next()
	return s
}

// qualified reads [schema.]name.
func (p *parser) qualified(what string) (schema, name string) {
	name = p.name(what)
	if p.got(tokDot) {
		schema, name = name, p.name(what)
	}
	return schema, name
}

// isWord reports whether the current token is the bare identifier w, for
// words SQLite does not reserve (SYSTEM_TIME, FILTER, STORED, ...).
func isWord(l *lexer, w string) bool {
	return l.tok == tokIdent && strings.EqualFold(l.lit, w)
}

// nameList reads ( name, ... ).
func (p *parser) nameList(what string) []string {
	p.want(tokLParen)
	var names []string
	for {
		names = append(names, p.name(what))
		if !p.got(tokComma) {
			break
		}
	}
	p.want(tokRParen)
	return names
}

// ---------------------------------------------------------------------------
// Statements

// stmt parses one statement, resetting per-statement state.
func (p *parser) stmt() (s Stmt, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			s, err = nil, e
		}
	}()
	p.depth, p.maxParam, p.named = 0, 0, nil
	return p.statement(true), nil
}

func (p *parser) statement(top bool) Stmt {
	pos := p.lx.pos
	switch p.tok() {
	case kwExplain:
		p.next()
		e := &Explain{Pos: pos}
		if p.got(kwQuery) {
			p.want(kwPlan)
			e.QueryPlan = true
		}
		if p.tok() == kwExplain {
			p.errorExpected("statement")
		}
		e.Stmt = p.statement(top)
		return e
	case kwSelect, kwValues:
		return p.query(nil, top)
	case kwWith:
		return p.withStatement(top)
	case kwInsert, kwReplace:
		return p.insert(nil)
	case kwUpdate:
		return p.update(nil)
	case kwDelete:
		return p.delete(nil)
	case kwCreate:
		return p.create()
	case kwDrop:
		return p.drop()
	case kwBegin:
		return p.begin()
	case kwCommit, kwEnd:
		p.next()
		p.transactionName()
		return &Commit{Pos: pos}
	case kwRollback:
		p.next()
		p.transactionName()
		if p.tok() == kwTo {
			p.errorAt(p.lx.pos, "savepoints are not supported")
		}
		return &Rollback{Pos: pos}
	case kwAnalyze:
		p.next()
		a := &Analyze{Pos: pos}
		if p.isName() {
			a.Schema, a.Name = p.qualified("name")
		}
		return a
	case kwReindex:
		p.next()
		r := &Reindex{Pos: pos}
		if p.isName() {
			r.Schema, r.Name = p.qualified("name")
		}
		return r
	case kwSavepoint, kwRelease:
		p.errorAt(pos, "savepoints are not supported")
	case kwAlter, kwAttach, kwDetach, kwPragma, kwVacuum:
		p.errorAt(pos, p.tok().String()+" is not supported")
	}
	p.errorExpected("statement")
	return nil
}

func (p *parser) transactionName() {
	if p.got(kwTransaction) && p.isID() {
		p.next()
	}
}

func (p *parser) begin() Stmt {
	b := &Begin{Pos: p.want(kwBegin)}
	switch p.tok() {
	case kwDeferred:
		b.Mode = TxDeferred
	case kwImmediate:
		b.Mode = TxImmediate
	case kwExclusive:
		b.Mode = TxExclusive
	}
	if b.Mode != TxDefault {
		p.next()
	}
	p.transactionName()
	return b
}

// withStatement parses WITH ... followed by SELECT, INSERT, UPDATE or
// DELETE.
func (p *parser) withStatement(top bool) Stmt {
	w := p.with()
	switch p.tok() {
	case kwInsert, kwReplace:
		return p.insert(w)
	case kwUpdate:
		return p.update(w)
	case kwDelete:
		return p.delete(w)
	}
	return p.query(w, top)
}

func (p *parser) with() *With {
	w := &With{Pos: p.want(kwWith)}
	// Right after WITH, RECURSIVE is always the keyword, as in SQLite: a CTE
	// named recursive must then be quoted or follow WITH RECURSIVE.
	w.Recursive = p.got(kwRecursive)
	for {
		c := &CTE{Pos: p.lx.pos, Name: p.name("common table expression name")}
		if p.tok() == tokLParen {
			c.Columns = p.nameList("column name")
		}
		p.want(kwAs)
		if p.tok() == kwNot || p.tok() == kwMaterialized {
			m := !p.got(kwNot)
			p.want(kwMaterialized)
			c.Materialized = &m
		}
		p.want(tokLParen)
		p.enter()
		c.Select = p.query(nil, false)
		p.leave()
		p.want(tokRParen)
		w.CTEs = append(w.CTEs, c)
		if !p.got(tokComma) {
			return w
		}
	}
}

// startsQuery reports whether the current token starts a SELECT.
func (p *parser) startsQuery() bool {
	t := p.tok()
	return t == kwSelect || t == kwValues || t == kwWith
}

// isAsOfOffset reports whether the next tokens are AS OF OFFSET, which is
// never an alias named "of": OFFSET cannot follow an alias.
func (p *parser) isAsOfOffset() bool {
	return p.tok() == kwAs && p.peek(1).tok == kwOf && p.peek(2).tok == kwOffset
}

// query parses a complete SELECT; with is a WITH clause already read. Only
// a top-level statement may end in AS OF OFFSET.
func (p *parser) query(with *With, top bool) *Select {
	pos := p.lx.pos
	if with != nil {
		pos = with.Pos
	} else if p.tok() == kwWith {
		with = p.with()
	}
	s := &Select{Pos: pos, With: with, Core: p.core()}
	for {
		cpos := p.lx.pos
		var op CompoundOp
		switch p.tok() {
		case kwUnion:
			p.next()
			op = Union
			if p.got(kwAll) {
				op = UnionAll
			}
		case kwIntersect:
			p.next()
			op = Intersect
		case kwExcept:
			p.next()
			op = Except
		default:
			goto tail
		}
		s.Compound = append(s.Compound, &CompoundTerm{Pos: cpos, Op: op, Core: p.core()})
	}
tail:
	if last := s.lastCore(); last.Values != nil && (p.tok() == kwOrder || p.tok() == kwLimit) {
		// In SQLite's grammar ORDER BY and LIMIT belong to a SELECT core.
		p.errorAt(p.lx.pos, p.tok().String()+" cannot follow VALUES")
	}
	if p.got(kwOrder) {
		p.want(kwBy)
		s.OrderBy = p.orderTerms()
	}
	if p.got(kwLimit) {
		s.Limit = p.expr()
		if p.got(kwOffset) {
			s.Offset = p.expr()
		} else if p.got(tokComma) {
			// LIMIT a, b means OFFSET a LIMIT b.
			s.Offset, s.Limit = s.Limit, p.expr()
		}
	}
	if p.isAsOfOffset() {
		if !top {
			p.errorAt(p.lx.pos, "AS OF OFFSET can only end a top-level SELECT; elsewhere use FOR SYSTEM_TIME AS OF OFFSET on a table")
		}
		apos := p.lx.pos
		p.next()
		p.next()
		p.next()
		s.AsOf = &AsOf{Pos: apos, Offset: p.expr()}
	}
	return s
}

func (s *Select) lastCore() *SelectCore {
	if n := len(s.Compound); n > 0 {
		return s.Compound[n-1].Core
	}
	return s.Core
}

func (p *parser) orderTerms() []*OrderTerm {
	var terms []*OrderTerm
	for {
		t := &OrderTerm{Pos: p.lx.pos, Expr: p.expr()}
		if p.got(kwAsc) {
			t.Order = Asc
		} else if p.got(kwDesc) {
			t.Order = Desc
		}
		if p.got(kwNulls) {
			switch {
			case p.got(kwFirst):
				t.Nulls = NullsFirst
			case p.got(kwLast):
				t.Nulls = NullsLast
			default:
				p.errorExpected("FIRST or LAST")
			}
		}
		terms = append(terms, t)
		if !p.got(tokComma) {
			return terms
		}
	}
}

func (p *parser) core() *SelectCore {
	c := &SelectCore{Pos: p.lx.pos}
	if p.got(kwValues) {
		c.Values = p.valueRows()
		return c
	}
	p.want(kwSelect)
	if p.got(kwDistinct) {
		c.Distinct = true
	} else {
		p.got(kwAll)
	}
	for {
		c.Columns = append(c.Columns, p.resultColumn())
		if !p.got(tokComma) {
			break
		}
	}
	if p.got(kwFrom) {
		c.From = p.from()
	}
	if p.got(kwWhere) {
		c.Where = p.expr()
	}
	if p.got(kwGroup) {
		p.want(kwBy)
		c.GroupBy = p.exprList()
	}
	if p.got(kwHaving) {
		c.Having = p.expr()
	}
	if isWord(&p.lx, "WINDOW") {
		p.errorAt(p.lx.pos, "window functions are not supported")
	}
	return c
}

func (p *parser) valueRows() [][]Expr {
	var rows [][]Expr
	for {
		p.want(tokLParen)
		rows = append(rows, p.exprList())
		p.want(tokRParen)
		if !p.got(tokComma) {
			return rows
		}
	}
}

func (p *parser) resultColumn() *ResultColumn {
	pos := p.lx.pos
	if p.got(tokStar) {
		return &ResultColumn{Pos: pos, Star: true}
	}
	if p.isName() && p.peek(1).tok == tokDot && p.peek(2).tok == tokStar {
		t := p.lx.lit
		p.next()
		p.next()
		p.next()
		return &ResultColumn{Pos: pos, Star: true, Table: t}
	}
	rc := &ResultColumn{Pos: pos, Expr: p.expr()}
	rc.Text = p.lx.src[pos.Offset:p.prevEnd]
	rc.Alias = p.alias()
	return rc
}

// alias reads [AS] alias, or nothing. Without AS, an alias is an identifier
// or a string (SQLite's ids class), never a join keyword.
func (p *parser) alias() string {
	if p.tok() == kwAs {
		if p.isAsOfOffset() {
			return ""
		}
		p.next()
		return p.name("alias")
	}
	if p.isID() || p.tok() == tokString {
		if p.isTemporal() || p.isWindowClause() {
			return ""
		}
		s := p.lx.lit
		p.next()
		return s
	}
	return ""
}

// isWindowClause reports whether the next tokens are WINDOW name AS, which
// SQLite's tokenizer reads as a WINDOW clause rather than an alias.
func (p *parser) isWindowClause() bool {
	if !isWord(&p.lx, "WINDOW") {
		return false
	}
	l := p.peek(1)
	return (l.tok == tokIdent || l.tok == tokQIdent) && p.peek(2).tok == kwAs
}

// ---------------------------------------------------------------------------
// FROM

func (p *parser) from() TableExpr {
	left := p.tableItem()
	for {
		pos := p.lx.pos
		j := &Join{Pos: pos, Left: left}
		switch p.tok() {
		case tokComma:
			p.next()
			j.Op = CommaJoin
		case kwJoin:
			p.next()
			j.Op = InnerJoin
		case kwNatural, kwLeft, kwRight, kwFull, kwInner, kwCross:
			if p.got(kwNatural) {
				j.Natural = true
			}
			switch {
			case p.got(kwLeft):
				j.Op = LeftJoin
				p.got(kwOuter)
			case p.got(kwRight):
				j.Op = RightJoin
				p.got(kwOuter)
			case p.got(kwFull):
				j.Op = FullJoin
				p.got(kwOuter)
			case p.got(kwInner):
				j.Op = InnerJoin
			case p.got(kwCross):
				j.Op = CrossJoin
			default:
				j.Op = InnerJoin
			}
			p.want(kwJoin)
		default:
			return left
		}
		j.Right = p.tableItem()
		if p.got(kwOn) {
			j.On = p.expr()
		} else if p.got(kwUsing) {
			j.Using = p.nameList("column name")
		}
		left = j
	}
}

// isTemporal reports whether the next tokens are FOR SYSTEM_TIME.
func (p *parser) isTemporal() bool {
	if p.tok() != kwFor {
		return false
	}
	l := p.peek(1)
	return isWord(&l, "SYSTEM_TIME")
}

// asOf parses FOR SYSTEM_TIME AS OF OFFSET expr.
func (p *parser) asOf() *AsOf {
	pos := p.want(kwFor)
	p.next() // SYSTEM_TIME
	p.want(kwAs)
	p.want(kwOf)
	if isWord(&p.lx, "TIMESTAMP") {
		p.errorAt(p.lx.pos, "AS OF TIMESTAMP is not supported: use AS OF OFFSET <log position>")
	}
	p.want(kwOffset)
	return &AsOf{Pos: pos, Offset: p.expr()}
}

func (p *parser) tableItem() TableExpr {
	pos := p.lx.pos
	if p.got(tokLParen) {
		p.enter()
		defer p.leave()
		if p.startsQuery() {
			d := &DerivedTable{Pos: pos, Select: p.query(nil, false)}
			p.want(tokRParen)
			d.Alias = p.alias()
			return d
		}
		inner := p.from()
		p.want(tokRParen)
		if apos := p.lx.pos; p.tok() == kwAs || p.isID() || p.tok() == tokString {
			if t, ok := inner.(*TableName); ok && t.Alias == "" {
				t.Alias = p.alias()
			} else if alias := p.alias(); alias != "" {
				p.errorAt(apos, "an alias for a parenthesised join is not supported")
			}
		}
		return inner
	}
	t := &TableName{Pos: pos}
	t.Schema, t.Name = p.qualified("table name")
	if p.tok() == tokLParen {
		p.errorAt(p.lx.pos, "table-valued functions are not supported")
	}
	if p.isTemporal() {
		t.AsOf = p.asOf()
	}
	t.Alias = p.alias()
	if t.AsOf == nil && p.isTemporal() {
		t.AsOf = p.asOf()
	}
	p.indexHint(t)
	return t
}

// indexHint reads INDEXED BY name or NOT INDEXED.
func (p *parser) indexHint(t *TableName) {
	switch {
	case p.got(kwIndexed):
		p.want(kwBy)
		t.IndexedBy = p.name("index name")
	case p.tok() == kwNot && p.peek(1).tok == kwIndexed:
		p.next()
		p.next()
		t.NotIndexed = true
	}
}

// ---------------------------------------------------------------------------
// INSERT, UPDATE, DELETE

func (p *parser) conflictAction() ConflictAction {
	switch p.tok() {
	case kwRollback:
		p.next()
		return ConflictRollback
	case kwAbort:
		p.next()
		return ConflictAbort
	case kwReplace:
		p.next()
		return ConflictReplace
	case kwFail:
		p.next()
		return ConflictFail
	case kwIgnore:
		p.next()
		return ConflictIgnore
	}
	p.errorExpected("ROLLBACK, ABORT, REPLACE, FAIL or IGNORE")
	return 0
}

func (p *parser) orAction() ConflictAction {
	if p.got(kwOr) {
		return p.conflictAction()
	}
	return ConflictDefault
}

// writeTarget reads the table of an UPDATE or DELETE: [schema.]name [AS
// alias] [INDEXED BY i | NOT INDEXED], AS not optional. Writes happen at the next position,
// so a FOR SYSTEM_TIME clause here is refused by name.
func (p *parser) writeTarget() *TableName {
	t := &TableName{Pos: p.lx.pos}
	t.Schema, t.Name = p.qualified("table name")
	if p.isTemporal() {
		p.errorAt(p.lx.pos, "FOR SYSTEM_TIME applies to reads only")
	}
	if p.got(kwAs) { // SQLite wants AS here
		t.Alias = p.name("alias")
	}
	p.indexHint(t)
	return t
}

// startOf is the position of a statement that may begin with a WITH clause
// already read.
func (p *parser) startOf(w *With) Pos {
	if w != nil {
		return w.Pos
	}
	return p.lx.pos
}

func (p *parser) insert(w *With) Stmt {
	s := &Insert{Pos: p.startOf(w), With: w}
	if p.got(kwReplace) {
		s.Or, s.Replace = ConflictReplace, true
	} else {
		p.want(kwInsert)
		s.Or = p.orAction()
	}
	p.want(kwInto)
	s.Table = &TableName{Pos: p.lx.pos}
	s.Table.Schema, s.Table.Name = p.qualified("table name")
	if p.got(kwAs) {
		s.Table.Alias = p.name("alias")
	}
	if p.tok() == tokLParen {
		s.Columns = p.nameList("column name")
	}
	if p.got(kwDefault) {
		p.want(kwValues)
		s.DefaultValues = true
	} else {
		if !p.startsQuery() {
			p.errorExpected("VALUES, SELECT or DEFAULT VALUES")
		}
		s.Select = p.query(nil, false)
	}
	p.refuseTail()
	return s
}

// refuseTail names the SQLite clauses after a write that are not supported.
func (p *parser) refuseTail() {
	switch {
	case p.tok() == kwOn && p.peek(1).tok == kwConflict:
		p.errorAt(p.lx.pos, "upsert (ON CONFLICT) is not supported")
	case p.tok() == kwReturning:
		p.errorAt(p.lx.pos, "RETURNING is not supported")
	}
}

func (p *parser) update(w *With) Stmt {
	s := &Update{Pos: p.startOf(w), With: w}
	p.want(kwUpdate)
	s.Or = p.orAction()
	s.Table = p.writeTarget()
	p.want(kwSet)
	for {
		a := &Assignment{Pos: p.lx.pos}
		if p.tok() == tokLParen {
			a.Columns = p.nameList("column name")
		} else {
			a.Columns = []string{p.name("column name")}
		}
		p.want(tokEq)
		a.Value = p.expr()
		s.Set = append(s.Set, a)
		if !p.got(tokComma) {
			break
		}
	}
	if p.got(kwFrom) {
		s.From = p.from()
	}
	if p.got(kwWhere) {
		s.Where = p.expr()
	}
	p.refuseTail()
	if p.tok() == kwOrder || p.tok() == kwLimit {
		p.errorAt(p.lx.pos, "ORDER BY and LIMIT on UPDATE are not supported")
	}
	return s
}

func (p *parser) delete(w *With) Stmt {
	s := &Delete{Pos: p.startOf(w), With: w}
	p.want(kwDelete)
	p.want(kwFrom)
	s.Table = p.writeTarget()
	if p.got(kwWhere) {
		s.Where = p.expr()
	}
	p.refuseTail()
	if p.tok() == kwOrder || p.tok() == kwLimit {
		p.errorAt(p.lx.pos, "ORDER BY and LIMIT on DELETE are not supported")
	}
	return s
}

// ---------------------------------------------------------------------------
// CREATE and DROP

func (p *parser) ifNotExists() bool {
	if p.tok() == kwIf {
		p.next()
		p.want(kwNot)
		p.want(kwExists)
		return true
	}
	return false
}

func (p *parser) create() Stmt {
	pos := p.want(kwCreate)
	temp := p.got(kwTemp)
	switch p.tok() {
	case kwTable:
		return p.createTable(pos, temp)
	case kwView:
		p.next()
		v := &CreateView{Pos: pos, Temp: temp, IfNotExists: p.ifNotExists()}
		v.Schema, v.Name = p.qualified("view name")
		if p.tok() == tokLParen {
			v.Columns = p.nameList("column name")
		}
		p.want(kwAs)
		v.Select = p.query(nil, false)
		return v
	case kwTrigger:
		return p.createTrigger(pos, temp)
	case kwUnique, kwIndex:
		if temp {
			p.errorExpected("TABLE, VIEW or TRIGGER")
		}
		ix := &CreateIndex{Pos: pos, Unique: p.got(kwUnique)}
		p.want(kwIndex)
		ix.IfNotExists = p.ifNotExists()
		ix.Schema, ix.Name = p.qualified("index name")
		p.want(kwOn)
		ix.Table = p.name("table name")
		p.want(tokLParen)
		ix.Columns = p.orderTerms()
		p.want(tokRParen)
		if p.got(kwWhere) {
			ix.Where = p.expr()
		}
		return ix
	case kwVirtual:
		p.errorAt(p.lx.pos, "virtual tables are not supported")
	}
	p.errorExpected("TABLE, INDEX, VIEW or TRIGGER")
	return nil
}

func (p *parser) createTable(pos Pos, temp bool) Stmt {
	p.want(kwTable)
	t := &CreateTable{Pos: pos, Temp: temp, IfNotExists: p.ifNotExists()}
	t.Schema, t.Name = p.qualified("table name")
	if p.got(kwAs) {
		t.As = p.query(nil, false)
		return t
	}
	p.want(tokLParen)
	for {
		if p.startsTableConstraint() {
			break
		}
		t.Columns = append(t.Columns, p.columnDef())
		if !p.got(tokComma) {
			goto end
		}
	}
	// Table constraints; SQLite lets the commas between them be left out.
	for {
		t.Constraints = append(t.Constraints, p.tableConstraint())
		p.got(tokComma)
		if p.tok() == tokRParen {
			break
		}
	}
end:
	p.want(tokRParen)
	if p.tok() != kwWithout && !isWord(&p.lx, "STRICT") {
		return t
	}
	for {
		switch {
		case p.tok() == kwWithout:
			p.next()
			if !isWord(&p.lx, "ROWID") {
				p.errorExpected("ROWID")
			}
			p.next()
			t.WithoutRowid = true
		case isWord(&p.lx, "STRICT"):
			p.next()
			t.Strict = true
		default:
			p.errorExpected("WITHOUT ROWID or STRICT")
		}
		if !p.got(tokComma) {
			break
		}
	}
	return t
}

func (p *parser) startsTableConstraint() bool {
	switch p.tok() {
	case kwConstraint, kwPrimary, kwUnique, kwCheck, kwForeign:
		return true
	}
	return false
}

// typeName reads words and up to two signed numbers in parentheses. It stops
// at GENERATED ALWAYS, which starts a column constraint.
func (p *parser) typeName() *TypeName {
	pos := p.lx.pos
	var b strings.Builder
	for (p.isID() || p.tok() == tokString) && !(p.tok() == kwGenerated && p.peek(1).tok == kwAlways) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.lx.lit)
		p.next()
	}
	if b.Len() == 0 {
		return nil
	}
	t := &TypeName{Pos: pos, Name: b.String()}
	if p.got(tokLParen) {
		t.Args = append(t.Args, p.signedNumber())
		if p.got(tokComma) {
			t.Args = append(t.Args, p.signedNumber())
		}
		p.want(tokRParen)
	}
	return t
}

func (p *parser) signedNumber() string {
	sign := ""
	if p.tok() == tokPlus || p.tok() == tokMinus {
		sign = p.tok().String()
		p.next()
	}
	if p.tok() != tokInteger && p.tok() != tokFloat {
		p.errorExpected("number")
	}
	s := sign + p.lx.lit
	p.next()
	return s
}

func (p *parser) columnDef() *ColumnDef {
	c := &ColumnDef{Pos: p.lx.pos, Name: p.name("column name")}
	c.Type = p.typeName()
	for {
		pos := p.lx.pos
		name := ""
		if p.got(kwConstraint) {
			name = p.name("constraint name")
		}
		k := &ColumnConstraint{Pos: pos, Name: name}
		switch p.tok() {
		case kwPrimary:
			p.next()
			p.want(kwKey)
			k.Kind = PrimaryKeyConstraint
			if p.got(kwAsc) {
				k.Order = Asc
			} else if p.got(kwDesc) {
				k.Order = Desc
			}
			k.OnConflict = p.onConflict()
			k.Autoincrement = p.got(kwAutoincrement)
		case kwNot:
			p.next()
			p.want(kwNull)
			k.Kind = NotNullConstraint
			k.OnConflict = p.onConflict()
		case kwNull:
			p.next()
			k.Kind = NullConstraint
			k.OnConflict = p.onConflict()
		case kwUnique:
			p.next()
			k.Kind = UniqueConstraint
			k.OnConflict = p.onConflict()
		case kwCheck:
			p.next()
			k.Kind = CheckConstraint
			p.want(tokLParen)
			k.Expr = p.expr()
			p.want(tokRParen)
		case kwDefault:
			p.next()
			k.Kind = DefaultConstraint
			k.Expr = p.defaultValue()
		case kwCollate:
			p.next()
			k.Kind = CollateConstraint
			k.Collation = p.name("collation name")
		case kwReferences:
			k.Kind = ForeignKeyConstraint
			k.References = p.foreignKey()
		case kwGenerated, kwAs:
			if p.got(kwGenerated) {
				p.want(kwAlways)
			}
			p.want(kwAs)
			k.Kind = GeneratedConstraint
			p.want(tokLParen)
			k.Expr = p.expr()
			p.want(tokRParen)
			if isWord(&p.lx, "STORED") {
				p.next()
				k.Stored = true
			} else {
				p.got(kwVirtual)
			}
		default:
			if name != "" {
				p.errorExpected("constraint")
			}
			return c
		}
		c.Constraints = append(c.Constraints, k)
	}
}

// defaultValue reads what may follow DEFAULT: a parenthesised expression, a
// signed number, a literal, or an identifier, which SQLite takes as a
// string (TRUE and FALSE as booleans).
func (p *parser) defaultValue() Expr {
	pos := p.lx.pos
	switch p.tok() {
	case tokLParen:
		p.next()
		x := p.expr()
		p.want(tokRParen)
		return x
	case tokPlus, tokMinus:
		op := OpPlus
		if p.tok() == tokMinus {
			op = OpNeg
		}
		p.next()
		switch p.tok() {
		case tokInteger, tokFloat, tokString, tokBlob, kwNull, kwCurrentDate, kwCurrentTime, kwCurrentTimestamp:
		default:
			p.errorExpected("literal")
		}
		return &Unary{Pos: pos, Op: op, X: p.primary()}
	case tokInteger, tokFloat, tokString, tokBlob, kwNull, kwCurrentDate, kwCurrentTime, kwCurrentTimestamp:
		return p.primary()
	}
	if p.isID() {
		s := p.lx.lit
		quoted := p.tok() == tokQIdent
		p.next()
		if !quoted && strings.EqualFold(s, "true") {
			return &Literal{Pos: pos, Kind: TrueLit}
		}
		if !quoted && strings.EqualFold(s, "false") {
			return &Literal{Pos: pos, Kind: FalseLit}
		}
		return &Literal{Pos: pos, Kind: StringLit, Value: s}
	}
	p.errorExpected("default value")
	return nil
}

// onConflict reads [ON CONFLICT action].
func (p *parser) onConflict() ConflictAction {
	if p.tok() == kwOn && p.peek(1).tok == kwConflict {
		p.next()
		p.next()
		return p.conflictAction()
	}
	return ConflictDefault
}

func (p *parser) tableConstraint() *TableConstraint {
	c := &TableConstraint{Pos: p.lx.pos}
	if p.got(kwConstraint) {
		c.Name = p.name("constraint name")
	}
	switch p.tok() {
	case kwPrimary, kwUnique:
		c.Kind = UniqueConstraint
		if p.got(kwPrimary) {
			p.want(kwKey)
			c.Kind = PrimaryKeyConstraint
		} else {
			p.next()
		}
		p.want(tokLParen)
		c.Columns = p.orderTerms()
		if c.Kind == PrimaryKeyConstraint && p.tok() == kwAutoincrement {
			p.errorAt(p.lx.pos, "AUTOINCREMENT belongs on an INTEGER PRIMARY KEY column")
		}
		p.want(tokRParen)
		c.OnConflict = p.onConflict()
	case kwCheck:
		p.next()
		c.Kind = CheckConstraint
		p.want(tokLParen)
		c.Check = p.expr()
		p.want(tokRParen)
		c.OnConflict = p.onConflict()
	case kwForeign:
		p.next()
		p.want(kwKey)
		c.Kind = ForeignKeyConstraint
		c.FKColumns = p.nameList("column name")
		c.References = p.foreignKey()
	default:
		p.errorExpected("PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY")
	}
	return c
}

func (p *parser) foreignKey() *ForeignKey {
	fk := &ForeignKey{Pos: p.want(kwReferences), Table: p.name("table name")}
	if p.tok() == tokLParen {
		fk.Columns = p.nameList("column name")
	}
	for {
		switch {
		case p.tok() == kwOn && (p.peek(1).tok == kwDelete || p.peek(1).tok == kwUpdate):
			p.next()
			a := "ON " + p.tok().String()
			p.next()
			switch {
			case p.got(kwSet):
				if p.got(kwNull) {
					a += " SET NULL"
				} else {
					p.want(kwDefault)
					a += " SET DEFAULT"
				}
			case p.got(kwCascade):
				a += " CASCADE"
			case p.got(kwRestrict):
				a += " RESTRICT"
			case p.got(kwNo):
				p.want(kwAction)
				a += " NO ACTION"
			default:
				p.errorExpected("SET NULL, SET DEFAULT, CASCADE, RESTRICT or NO ACTION")
			}
			fk.Actions = append(fk.Actions, a)
		case p.tok() == kwMatch:
			p.next()
			fk.Actions = append(fk.Actions, "MATCH "+strings.ToUpper(p.name("match name")))
		case p.tok() == kwDeferrable || p.tok() == kwNot && p.peek(1).tok == kwDeferrable:
			a := "DEFERRABLE"
			if p.got(kwNot) {
				a = "NOT DEFERRABLE"
			}
			p.next()
			if p.got(kwInitially) {
				if p.got(kwDeferred) {
					a += " INITIALLY DEFERRED"
				} else {
					p.want(kwImmediate)
					a += " INITIALLY IMMEDIATE"
				}
			}
			// The deferrable clause comes last in SQLite's grammar.
			fk.Actions = append(fk.Actions, a)
			return fk
		default:
			return fk
		}
	}
}

func (p *parser) createTrigger(pos Pos, temp bool) Stmt {
	p.want(kwTrigger)
	t := &CreateTrigger{Pos: pos, Temp: temp, IfNotExists: p.ifNotExists()}
	t.Schema, t.Name = p.qualified("trigger name")
	switch {
	case p.got(kwBefore):
		t.Time = Before
	case p.got(kwAfter):
		t.Time = After
	case p.got(kwInstead):
		p.want(kwOf)
		t.Time = InsteadOf
	}
	switch {
	case p.got(kwDelete):
		t.Event = TriggerDelete
	case p.got(kwInsert):
		t.Event = TriggerInsert
	case p.got(kwUpdate):
		t.Event = TriggerUpdate
		if p.got(kwOf) {
			for {
				t.Columns = append(t.Columns, p.name("column name"))
				if !p.got(tokComma) {
					break
				}
			}
		}
	default:
		p.errorExpected("DELETE, INSERT or UPDATE")
	}
	p.want(kwOn)
	t.Table = p.name("table name")
	if p.got(kwFor) {
		p.want(kwEach)
		p.want(kwRow)
		t.ForEachRow = true
	}
	if p.got(kwWhen) {
		t.When = p.expr()
	}
	p.want(kwBegin)
	for p.tok() != kwEnd {
		switch p.tok() {
		case kwSelect, kwValues, kwWith, kwInsert, kwReplace, kwUpdate, kwDelete:
		default:
			p.errorExpected("SELECT, INSERT, UPDATE, DELETE or END")
		}
		t.Body = append(t.Body, p.statement(false))
		p.want(tokSemi)
	}
	p.want(kwEnd)
	return t
}

func (p *parser) drop() Stmt {
	d := &Drop{Pos: p.want(kwDrop)}
	switch p.tok() {
	case kwTable:
		d.Kind = TableObject
	case kwIndex:
		d.Kind = IndexObject
	case kwView:
		d.Kind = ViewObject
	case kwTrigger:
		d.Kind = TriggerObject
	default:
		p.errorExpected("TABLE, INDEX, VIEW or TRIGGER")
	}
	p.next()
	if p.got(kwIf) {
		p.want(kwExists)
		d.IfExists = true
	}
	d.Schema, d.Name = p.qualified("name")
	return d
}
