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
func (p *parser) tok() Token { return p.lx.tok }

// peek returns the lexer as it would be after n more tokens.
func (p *parser) peek(n int) lexer {
	l := p.lx
	for ; n > 0; n-- {
		l.next()
	}
	return l
}

func (p *parser) got(t Token) bool {
	if p.lx.tok == t {
		p.next()
		return true
	}
	return false
}

func (p *parser) want(t Token) Pos {
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
	case EOF:
		return "end of input"
	}
	return quote(p.lx.src[p.lx.pos.Offset:p.lx.off])
}

// errorExpected reports that what was expected at the current token. A
// token the lexer could not read is reported as such instead.
func (p *parser) errorExpected(what string) {
	if p.lx.tok == ILLEGAL {
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
	return t == IDENT || t == QIDENT || t.IsKeyword() && fallback[t]
}

// isName reports whether the current token can name a table, column, index
// or the like: SQLite's nm class, which adds the join keywords, INDEXED and
// string literals to isID.
func (p *parser) isName() bool {
	t := p.lx.tok
	return p.isID() || isJoinKeyword(t) || t == INDEXED || t == STRING
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
	if p.got(DOT) {
		schema, name = name, p.name(what)
	}
	return schema, name
}

// isWord reports whether the current token is the bare identifier w, for
// words SQLite does not reserve (SYSTEM_TIME, FILTER, STORED, ...).
func isWord(l *lexer, w string) bool {
	return l.tok == IDENT && strings.EqualFold(l.lit, w)
}

// nameList reads ( name, ... ).
func (p *parser) nameList(what string) []string {
	p.want(LPAREN)
	var names []string
	for {
		names = append(names, p.name(what))
		if !p.got(COMMA) {
			break
		}
	}
	p.want(RPAREN)
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
	case EXPLAIN:
		p.next()
		e := &Explain{Pos: pos}
		if p.got(QUERY) {
			p.want(PLAN)
			e.QueryPlan = true
		}
		if p.tok() == EXPLAIN {
			p.errorExpected("statement")
		}
		e.Stmt = p.statement(top)
		return e
	case SELECT, VALUES:
		return p.query(nil, top)
	case WITH:
		return p.withStatement(top)
	case INSERT, REPLACE:
		return p.insert(nil)
	case UPDATE:
		return p.update(nil)
	case DELETE:
		return p.delete(nil)
	case CREATE:
		return p.create()
	case DROP:
		return p.drop()
	case BEGIN:
		return p.begin()
	case COMMIT, END:
		p.next()
		p.transactionName()
		return &Commit{Pos: pos}
	case ROLLBACK:
		p.next()
		p.transactionName()
		if p.tok() == TO {
			p.errorAt(p.lx.pos, "savepoints are not supported")
		}
		return &Rollback{Pos: pos}
	case ANALYZE:
		p.next()
		a := &Analyze{Pos: pos}
		if p.isName() {
			a.Schema, a.Name = p.qualified("name")
		}
		return a
	case REINDEX:
		p.next()
		r := &Reindex{Pos: pos}
		if p.isName() {
			r.Schema, r.Name = p.qualified("name")
		}
		return r
	case SAVEPOINT, RELEASE:
		p.errorAt(pos, "savepoints are not supported")
	case ALTER, ATTACH, DETACH, PRAGMA, VACUUM:
		p.errorAt(pos, p.tok().String()+" is not supported")
	}
	p.errorExpected("statement")
	return nil
}

func (p *parser) transactionName() {
	if p.got(TRANSACTION) && p.isID() {
		p.next()
	}
}

func (p *parser) begin() Stmt {
	b := &Begin{Pos: p.want(BEGIN)}
	switch p.tok() {
	case DEFERRED:
		b.Mode = TxDeferred
	case IMMEDIATE:
		b.Mode = TxImmediate
	case EXCLUSIVE:
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
	case INSERT, REPLACE:
		return p.insert(w)
	case UPDATE:
		return p.update(w)
	case DELETE:
		return p.delete(w)
	}
	return p.query(w, top)
}

func (p *parser) with() *With {
	w := &With{Pos: p.want(WITH)}
	// Right after WITH, RECURSIVE is always the keyword, as in SQLite: a CTE
	// named recursive must then be quoted or follow WITH RECURSIVE.
	w.Recursive = p.got(RECURSIVE)
	for {
		c := &CTE{Pos: p.lx.pos, Name: p.name("common table expression name")}
		if p.tok() == LPAREN {
			c.Columns = p.nameList("column name")
		}
		p.want(AS)
		if p.tok() == NOT || p.tok() == MATERIALIZED {
			m := !p.got(NOT)
			p.want(MATERIALIZED)
			c.Materialized = &m
		}
		p.want(LPAREN)
		p.enter()
		c.Select = p.query(nil, false)
		p.leave()
		p.want(RPAREN)
		w.CTEs = append(w.CTEs, c)
		if !p.got(COMMA) {
			return w
		}
	}
}

// startsQuery reports whether the current token starts a SELECT.
func (p *parser) startsQuery() bool {
	t := p.tok()
	return t == SELECT || t == VALUES || t == WITH
}

// isAsOfOffset reports whether the next tokens are AS OF OFFSET, which is
// never an alias named "of": OFFSET cannot follow an alias.
func (p *parser) isAsOfOffset() bool {
	return p.tok() == AS && p.peek(1).tok == OF && p.peek(2).tok == OFFSET
}

// query parses a complete SELECT; with is a WITH clause already read. Only
// a top-level statement may end in AS OF OFFSET.
func (p *parser) query(with *With, top bool) *Select {
	pos := p.lx.pos
	if with != nil {
		pos = with.Pos
	} else if p.tok() == WITH {
		with = p.with()
	}
	s := &Select{Pos: pos, With: with, Core: p.core()}
	for {
		cpos := p.lx.pos
		var op CompoundOp
		switch p.tok() {
		case UNION:
			p.next()
			op = Union
			if p.got(ALL) {
				op = UnionAll
			}
		case INTERSECT:
			p.next()
			op = Intersect
		case EXCEPT:
			p.next()
			op = Except
		default:
			goto tail
		}
		s.Compound = append(s.Compound, &CompoundTerm{Pos: cpos, Op: op, Core: p.core()})
	}
tail:
	if last := s.lastCore(); last.Values != nil && (p.tok() == ORDER || p.tok() == LIMIT) {
		// In SQLite's grammar ORDER BY and LIMIT belong to a SELECT core.
		p.errorAt(p.lx.pos, p.tok().String()+" cannot follow VALUES")
	}
	if p.got(ORDER) {
		p.want(BY)
		s.OrderBy = p.orderTerms()
	}
	if p.got(LIMIT) {
		s.Limit = p.expr()
		if p.got(OFFSET) {
			s.Offset = p.expr()
		} else if p.got(COMMA) {
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
		if p.got(ASC) {
			t.Order = Asc
		} else if p.got(DESC) {
			t.Order = Desc
		}
		if p.got(NULLS) {
			switch {
			case p.got(FIRST):
				t.Nulls = NullsFirst
			case p.got(LAST):
				t.Nulls = NullsLast
			default:
				p.errorExpected("FIRST or LAST")
			}
		}
		terms = append(terms, t)
		if !p.got(COMMA) {
			return terms
		}
	}
}

func (p *parser) core() *SelectCore {
	c := &SelectCore{Pos: p.lx.pos}
	if p.got(VALUES) {
		c.Values = p.valueRows()
		return c
	}
	p.want(SELECT)
	if p.got(DISTINCT) {
		c.Distinct = true
	} else {
		p.got(ALL)
	}
	for {
		c.Columns = append(c.Columns, p.resultColumn())
		if !p.got(COMMA) {
			break
		}
	}
	if p.got(FROM) {
		c.From = p.from()
	}
	if p.got(WHERE) {
		c.Where = p.expr()
	}
	if p.got(GROUP) {
		p.want(BY)
		c.GroupBy = p.exprList()
	}
	if p.got(HAVING) {
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
		p.want(LPAREN)
		rows = append(rows, p.exprList())
		p.want(RPAREN)
		if !p.got(COMMA) {
			return rows
		}
	}
}

func (p *parser) resultColumn() *ResultColumn {
	pos := p.lx.pos
	if p.got(STAR) {
		return &ResultColumn{Pos: pos, Star: true}
	}
	if p.isName() && p.peek(1).tok == DOT && p.peek(2).tok == STAR {
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
	if p.tok() == AS {
		if p.isAsOfOffset() {
			return ""
		}
		p.next()
		return p.name("alias")
	}
	if p.isID() || p.tok() == STRING {
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
	return (l.tok == IDENT || l.tok == QIDENT) && p.peek(2).tok == AS
}

// ---------------------------------------------------------------------------
// FROM

func (p *parser) from() TableExpr {
	left := p.tableItem()
	for {
		pos := p.lx.pos
		j := &Join{Pos: pos, Left: left}
		switch p.tok() {
		case COMMA:
			p.next()
			j.Op = CommaJoin
		case JOIN:
			p.next()
			j.Op = InnerJoin
		case NATURAL, LEFT, RIGHT, FULL, INNER, CROSS:
			if p.got(NATURAL) {
				j.Natural = true
			}
			switch {
			case p.got(LEFT):
				j.Op = LeftJoin
				p.got(OUTER)
			case p.got(RIGHT):
				j.Op = RightJoin
				p.got(OUTER)
			case p.got(FULL):
				j.Op = FullJoin
				p.got(OUTER)
			case p.got(INNER):
				j.Op = InnerJoin
			case p.got(CROSS):
				j.Op = CrossJoin
			default:
				j.Op = InnerJoin
			}
			p.want(JOIN)
		default:
			return left
		}
		j.Right = p.tableItem()
		if p.got(ON) {
			j.On = p.expr()
		} else if p.got(USING) {
			j.Using = p.nameList("column name")
		}
		left = j
	}
}

// isTemporal reports whether the next tokens are FOR SYSTEM_TIME.
func (p *parser) isTemporal() bool {
	if p.tok() != FOR {
		return false
	}
	l := p.peek(1)
	return isWord(&l, "SYSTEM_TIME")
}

// asOf parses FOR SYSTEM_TIME AS OF OFFSET expr.
func (p *parser) asOf() *AsOf {
	pos := p.want(FOR)
	p.next() // SYSTEM_TIME
	p.want(AS)
	p.want(OF)
	if isWord(&p.lx, "TIMESTAMP") {
		p.errorAt(p.lx.pos, "AS OF TIMESTAMP is not supported: use AS OF OFFSET <log position>")
	}
	p.want(OFFSET)
	return &AsOf{Pos: pos, Offset: p.expr()}
}

func (p *parser) tableItem() TableExpr {
	pos := p.lx.pos
	if p.got(LPAREN) {
		p.enter()
		defer p.leave()
		if p.startsQuery() {
			d := &DerivedTable{Pos: pos, Select: p.query(nil, false)}
			p.want(RPAREN)
			d.Alias = p.alias()
			return d
		}
		inner := p.from()
		p.want(RPAREN)
		if apos := p.lx.pos; p.tok() == AS || p.isID() || p.tok() == STRING {
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
	if p.tok() == LPAREN {
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
	case p.got(INDEXED):
		p.want(BY)
		t.IndexedBy = p.name("index name")
	case p.tok() == NOT && p.peek(1).tok == INDEXED:
		p.next()
		p.next()
		t.NotIndexed = true
	}
}

// ---------------------------------------------------------------------------
// INSERT, UPDATE, DELETE

func (p *parser) conflictAction() ConflictAction {
	switch p.tok() {
	case ROLLBACK:
		p.next()
		return ConflictRollback
	case ABORT:
		p.next()
		return ConflictAbort
	case REPLACE:
		p.next()
		return ConflictReplace
	case FAIL:
		p.next()
		return ConflictFail
	case IGNORE:
		p.next()
		return ConflictIgnore
	}
	p.errorExpected("ROLLBACK, ABORT, REPLACE, FAIL or IGNORE")
	return 0
}

func (p *parser) orAction() ConflictAction {
	if p.got(OR) {
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
	if p.got(AS) { // SQLite wants AS here
		t.Alias = p.name("alias")
	}
	p.indexHint(t)
	return t
}

func startPos(w *With, p *parser) Pos {
	if w != nil {
		return w.Pos
	}
	return p.lx.pos
}

func (p *parser) insert(w *With) Stmt {
	s := &Insert{Pos: startPos(w, p), With: w}
	if p.got(REPLACE) {
		s.Or, s.Replace = ConflictReplace, true
	} else {
		p.want(INSERT)
		s.Or = p.orAction()
	}
	p.want(INTO)
	s.Table = &TableName{Pos: p.lx.pos}
	s.Table.Schema, s.Table.Name = p.qualified("table name")
	if p.got(AS) {
		s.Table.Alias = p.name("alias")
	}
	if p.tok() == LPAREN {
		s.Columns = p.nameList("column name")
	}
	if p.got(DEFAULT) {
		p.want(VALUES)
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
	case p.tok() == ON && p.peek(1).tok == CONFLICT:
		p.errorAt(p.lx.pos, "upsert (ON CONFLICT) is not supported")
	case p.tok() == RETURNING:
		p.errorAt(p.lx.pos, "RETURNING is not supported")
	}
}

func (p *parser) update(w *With) Stmt {
	s := &Update{Pos: startPos(w, p), With: w}
	p.want(UPDATE)
	s.Or = p.orAction()
	s.Table = p.writeTarget()
	p.want(SET)
	for {
		a := &Assignment{Pos: p.lx.pos}
		if p.tok() == LPAREN {
			a.Columns = p.nameList("column name")
		} else {
			a.Columns = []string{p.name("column name")}
		}
		p.want(EQ)
		a.Value = p.expr()
		s.Set = append(s.Set, a)
		if !p.got(COMMA) {
			break
		}
	}
	if p.got(FROM) {
		s.From = p.from()
	}
	if p.got(WHERE) {
		s.Where = p.expr()
	}
	p.refuseTail()
	if p.tok() == ORDER || p.tok() == LIMIT {
		p.errorAt(p.lx.pos, "ORDER BY and LIMIT on UPDATE are not supported")
	}
	return s
}

func (p *parser) delete(w *With) Stmt {
	s := &Delete{Pos: startPos(w, p), With: w}
	p.want(DELETE)
	p.want(FROM)
	s.Table = p.writeTarget()
	if p.got(WHERE) {
		s.Where = p.expr()
	}
	p.refuseTail()
	if p.tok() == ORDER || p.tok() == LIMIT {
		p.errorAt(p.lx.pos, "ORDER BY and LIMIT on DELETE are not supported")
	}
	return s
}

// ---------------------------------------------------------------------------
// CREATE and DROP

func (p *parser) ifNotExists() bool {
	if p.tok() == IF {
		p.next()
		p.want(NOT)
		p.want(EXISTS)
		return true
	}
	return false
}

func (p *parser) create() Stmt {
	pos := p.want(CREATE)
	temp := p.got(TEMP)
	switch p.tok() {
	case TABLE:
		return p.createTable(pos, temp)
	case VIEW:
		p.next()
		v := &CreateView{Pos: pos, Temp: temp, IfNotExists: p.ifNotExists()}
		v.Schema, v.Name = p.qualified("view name")
		if p.tok() == LPAREN {
			v.Columns = p.nameList("column name")
		}
		p.want(AS)
		v.Select = p.query(nil, false)
		return v
	case TRIGGER:
		return p.createTrigger(pos, temp)
	case UNIQUE, INDEX:
		if temp {
			p.errorExpected("TABLE, VIEW or TRIGGER")
		}
		ix := &CreateIndex{Pos: pos, Unique: p.got(UNIQUE)}
		p.want(INDEX)
		ix.IfNotExists = p.ifNotExists()
		ix.Schema, ix.Name = p.qualified("index name")
		p.want(ON)
		ix.Table = p.name("table name")
		p.want(LPAREN)
		ix.Columns = p.orderTerms()
		p.want(RPAREN)
		if p.got(WHERE) {
			ix.Where = p.expr()
		}
		return ix
	case VIRTUAL:
		p.errorAt(p.lx.pos, "virtual tables are not supported")
	}
	p.errorExpected("TABLE, INDEX, VIEW or TRIGGER")
	return nil
}

func (p *parser) createTable(pos Pos, temp bool) Stmt {
	p.want(TABLE)
	t := &CreateTable{Pos: pos, Temp: temp, IfNotExists: p.ifNotExists()}
	t.Schema, t.Name = p.qualified("table name")
	if p.got(AS) {
		t.As = p.query(nil, false)
		return t
	}
	p.want(LPAREN)
	for {
		if p.startsTableConstraint() {
			break
		}
		t.Columns = append(t.Columns, p.columnDef())
		if !p.got(COMMA) {
			goto end
		}
	}
	// Table constraints; SQLite lets the commas between them be left out.
	for {
		t.Constraints = append(t.Constraints, p.tableConstraint())
		p.got(COMMA)
		if p.tok() == RPAREN {
			break
		}
	}
end:
	p.want(RPAREN)
	if p.tok() != WITHOUT && !isWord(&p.lx, "STRICT") {
		return t
	}
	for {
		switch {
		case p.tok() == WITHOUT:
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
		if !p.got(COMMA) {
			break
		}
	}
	return t
}

func (p *parser) startsTableConstraint() bool {
	switch p.tok() {
	case CONSTRAINT, PRIMARY, UNIQUE, CHECK, FOREIGN:
		return true
	}
	return false
}

// typeName reads words and up to two signed numbers in parentheses. It stops
// at GENERATED ALWAYS, which starts a column constraint.
func (p *parser) typeName() *TypeName {
	pos := p.lx.pos
	var b strings.Builder
	for (p.isID() || p.tok() == STRING) && !(p.tok() == GENERATED && p.peek(1).tok == ALWAYS) {
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
	if p.got(LPAREN) {
		t.Args = append(t.Args, p.signedNumber())
		if p.got(COMMA) {
			t.Args = append(t.Args, p.signedNumber())
		}
		p.want(RPAREN)
	}
	return t
}

func (p *parser) signedNumber() string {
	sign := ""
	if p.tok() == PLUS || p.tok() == MINUS {
		sign = p.tok().String()
		p.next()
	}
	if p.tok() != INTEGER && p.tok() != FLOAT {
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
		if p.got(CONSTRAINT) {
			name = p.name("constraint name")
		}
		k := &ColumnConstraint{Pos: pos, Name: name}
		switch p.tok() {
		case PRIMARY:
			p.next()
			p.want(KEY)
			k.Kind = PrimaryKeyConstraint
			if p.got(ASC) {
				k.Order = Asc
			} else if p.got(DESC) {
				k.Order = Desc
			}
			k.OnConflict = p.onConflict()
			k.Autoincrement = p.got(AUTOINCR)
		case NOT:
			p.next()
			p.want(NULL)
			k.Kind = NotNullConstraint
			k.OnConflict = p.onConflict()
		case NULL:
			p.next()
			k.Kind = NullConstraint
			k.OnConflict = p.onConflict()
		case UNIQUE:
			p.next()
			k.Kind = UniqueConstraint
			k.OnConflict = p.onConflict()
		case CHECK:
			p.next()
			k.Kind = CheckConstraint
			p.want(LPAREN)
			k.Expr = p.expr()
			p.want(RPAREN)
		case DEFAULT:
			p.next()
			k.Kind = DefaultConstraint
			k.Expr = p.defaultValue()
		case COLLATE:
			p.next()
			k.Kind = CollateConstraint
			k.Collation = p.name("collation name")
		case REFERENCES:
			k.Kind = ForeignKeyConstraint
			k.References = p.foreignKey()
		case GENERATED, AS:
			if p.got(GENERATED) {
				p.want(ALWAYS)
			}
			p.want(AS)
			k.Kind = GeneratedConstraint
			p.want(LPAREN)
			k.Expr = p.expr()
			p.want(RPAREN)
			if isWord(&p.lx, "STORED") {
				p.next()
				k.Stored = true
			} else {
				p.got(VIRTUAL)
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
	case LPAREN:
		p.next()
		x := p.expr()
		p.want(RPAREN)
		return x
	case PLUS, MINUS:
		op := OpPlus
		if p.tok() == MINUS {
			op = OpNeg
		}
		p.next()
		switch p.tok() {
		case INTEGER, FLOAT, STRING, BLOB, NULL, CURRENT_DATE, CURRENT_TIME, CURRENT_TIMESTAMP:
		default:
			p.errorExpected("literal")
		}
		return &Unary{Pos: pos, Op: op, X: p.primary()}
	case INTEGER, FLOAT, STRING, BLOB, NULL, CURRENT_DATE, CURRENT_TIME, CURRENT_TIMESTAMP:
		return p.primary()
	}
	if p.isID() {
		s := p.lx.lit
		quoted := p.tok() == QIDENT
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
	if p.tok() == ON && p.peek(1).tok == CONFLICT {
		p.next()
		p.next()
		return p.conflictAction()
	}
	return ConflictDefault
}

func (p *parser) tableConstraint() *TableConstraint {
	c := &TableConstraint{Pos: p.lx.pos}
	if p.got(CONSTRAINT) {
		c.Name = p.name("constraint name")
	}
	switch p.tok() {
	case PRIMARY, UNIQUE:
		c.Kind = UniqueConstraint
		if p.got(PRIMARY) {
			p.want(KEY)
			c.Kind = PrimaryKeyConstraint
		} else {
			p.next()
		}
		p.want(LPAREN)
		c.Columns = p.orderTerms()
		if c.Kind == PrimaryKeyConstraint && p.tok() == AUTOINCR {
			p.errorAt(p.lx.pos, "AUTOINCREMENT belongs on an INTEGER PRIMARY KEY column")
		}
		p.want(RPAREN)
		c.OnConflict = p.onConflict()
	case CHECK:
		p.next()
		c.Kind = CheckConstraint
		p.want(LPAREN)
		c.Check = p.expr()
		p.want(RPAREN)
		c.OnConflict = p.onConflict()
	case FOREIGN:
		p.next()
		p.want(KEY)
		c.Kind = ForeignKeyConstraint
		c.FKColumns = p.nameList("column name")
		c.References = p.foreignKey()
	default:
		p.errorExpected("PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY")
	}
	return c
}

func (p *parser) foreignKey() *ForeignKey {
	fk := &ForeignKey{Pos: p.want(REFERENCES), Table: p.name("table name")}
	if p.tok() == LPAREN {
		fk.Columns = p.nameList("column name")
	}
	for {
		switch {
		case p.tok() == ON && (p.peek(1).tok == DELETE || p.peek(1).tok == UPDATE):
			p.next()
			a := "ON " + p.tok().String()
			p.next()
			switch {
			case p.got(SET):
				if p.got(NULL) {
					a += " SET NULL"
				} else {
					p.want(DEFAULT)
					a += " SET DEFAULT"
				}
			case p.got(CASCADE):
				a += " CASCADE"
			case p.got(RESTRICT):
				a += " RESTRICT"
			case p.got(NO):
				p.want(ACTION)
				a += " NO ACTION"
			default:
				p.errorExpected("SET NULL, SET DEFAULT, CASCADE, RESTRICT or NO ACTION")
			}
			fk.Actions = append(fk.Actions, a)
		case p.tok() == MATCH:
			p.next()
			fk.Actions = append(fk.Actions, "MATCH "+strings.ToUpper(p.name("match name")))
		case p.tok() == DEFERRABLE || p.tok() == NOT && p.peek(1).tok == DEFERRABLE:
			a := "DEFERRABLE"
			if p.got(NOT) {
				a = "NOT DEFERRABLE"
			}
			p.next()
			if p.got(INITIALLY) {
				if p.got(DEFERRED) {
					a += " INITIALLY DEFERRED"
				} else {
					p.want(IMMEDIATE)
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
	p.want(TRIGGER)
	t := &CreateTrigger{Pos: pos, Temp: temp, IfNotExists: p.ifNotExists()}
	t.Schema, t.Name = p.qualified("trigger name")
	switch {
	case p.got(BEFORE):
		t.Time = Before
	case p.got(AFTER):
		t.Time = After
	case p.got(INSTEAD):
		p.want(OF)
		t.Time = InsteadOf
	}
	switch {
	case p.got(DELETE):
		t.Event = TriggerDelete
	case p.got(INSERT):
		t.Event = TriggerInsert
	case p.got(UPDATE):
		t.Event = TriggerUpdate
		if p.got(OF) {
			for {
				t.Columns = append(t.Columns, p.name("column name"))
				if !p.got(COMMA) {
					break
				}
			}
		}
	default:
		p.errorExpected("DELETE, INSERT or UPDATE")
	}
	p.want(ON)
	t.Table = p.name("table name")
	if p.got(FOR) {
		p.want(EACH)
		p.want(ROW)
		t.ForEachRow = true
	}
	if p.got(WHEN) {
		t.When = p.expr()
	}
	p.want(BEGIN)
	for p.tok() != END {
		switch p.tok() {
		case SELECT, VALUES, WITH, INSERT, REPLACE, UPDATE, DELETE:
		default:
			p.errorExpected("SELECT, INSERT, UPDATE, DELETE or END")
		}
		t.Body = append(t.Body, p.statement(false))
		p.want(SEMI)
	}
	p.want(END)
	return t
}

func (p *parser) drop() Stmt {
	d := &Drop{Pos: p.want(DROP)}
	switch p.tok() {
	case TABLE:
		d.Kind = TableObject
	case INDEX:
		d.Kind = IndexObject
	case VIEW:
		d.Kind = ViewObject
	case TRIGGER:
		d.Kind = TriggerObject
	default:
		p.errorExpected("TABLE, INDEX, VIEW or TRIGGER")
	}
	p.next()
	if p.got(IF) {
		p.want(EXISTS)
		d.IfExists = true
	}
	d.Schema, d.Name = p.qualified("name")
	return d
}
