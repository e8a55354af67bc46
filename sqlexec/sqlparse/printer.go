package sqlparse

import "strings"

// The printer renders a tree as SQL that parses back to an equal tree. It
// keeps no parentheses from the source; it adds them where the tree's shape
// needs them under SQLite's precedence, using the same levels as the parser.

type printer struct {
	strings.Builder
}

func (op Op) String() string {
	switch op {
	case OpNeg, OpSub:
		return "-"
	case OpPlus, OpAdd:
		return "+"
	case OpBitNot:
		return "~"
	case OpNot:
		return "NOT"
	case OpConcat:
		return "||"
	case OpExtract:
		return "->"
	case OpExtractText:
		return "->>"
	case OpMul:
		return "*"
	case OpDiv:
		return "/"
	case OpRem:
		return "%"
	case OpBitAnd:
		return "&"
	case OpBitOr:
		return "|"
	case OpShl:
		return "<<"
	case OpShr:
		return ">>"
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpGt:
		return ">"
	case OpGe:
		return ">="
	case OpEq:
		return "="
	case OpNe:
		return "<>"
	case OpIs:
		return "IS"
	case OpIsNot:
		return "IS NOT"
	case OpAnd:
		return "AND"
	case OpOr:
		return "OR"
	}
	return "op(" + itoa(int(op)) + ")"
}

func (op Op) prec() int {
	switch op {
	case OpNeg, OpPlus, OpBitNot:
		return precUnary
	case OpNot:
		return precNot
	case OpConcat, OpExtract, OpExtractText:
		return precConcat
	case OpMul, OpDiv, OpRem:
		return precMultiplicative
	case OpAdd, OpSub:
		return precAdditive
	case OpBitAnd, OpBitOr, OpShl, OpShr:
		return precBitwise
	case OpLt, OpLe, OpGt, OpGe:
		return precComparison
	case OpEq, OpNe, OpIs, OpIsNot:
		return precEquality
	case OpAnd:
		return precAnd
	case OpOr:
		return precOr
	}
	return precLowest
}

func (op LikeOp) String() string {
	switch op {
	case OpGlob:
		return "GLOB"
	case OpMatch:
		return "MATCH"
	case OpRegexp:
		return "REGEXP"
	}
	return "LIKE"
}

func prec(x Expr) int {
	switch x := x.(type) {
	case *Binary:
		return x.Op.prec()
	case *Unary:
		return x.Op.prec()
	case *IsNull, *Like, *Between, *In:
		return precEquality
	case *Collate:
		return precCollate
	}
	return precPrimary
}

// isBare reports whether s can be written without quotes: an identifier
// that is no keyword (not even a fallback one) and not TRUE or FALSE.
func isBare(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIDChar(s[i]) {
			return false
		}
	}
	return lookup(s) == tokIdent && !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false")
}

func (p *printer) ident(s string) {
	if isBare(s) {
		p.WriteString(s)
		return
	}
	p.quoteIdent(s)
}

func (p *printer) quoteIdent(s string) {
	p.WriteByte('"')
	p.WriteString(strings.ReplaceAll(s, `"`, `""`))
	p.WriteByte('"')
}

func (p *printer) qualified(schema, name string) {
	if schema != "" {
		p.ident(schema)
		p.WriteByte('.')
	}
	p.ident(name)
}

func (p *printer) names(list []string) {
	p.WriteByte('(')
	for i, s := range list {
		if i > 0 {
			p.WriteString(", ")
		}
		p.ident(s)
	}
	p.WriteByte(')')
}

func (p *printer) str(s string) {
	p.WriteByte('\'')
	p.WriteString(strings.ReplaceAll(s, "'", "''"))
	p.WriteByte('\'')
}

// expr prints x, in parentheses if it binds looser than min.
func (p *printer) expr(x Expr, min int) {
	if prec(x) < min {
		p.WriteByte('(')
		p.expr(x, precLowest)
		p.WriteByte(')')
		return
	}
	switch x := x.(type) {
	case *Literal:
		p.literal(x)
	case *Column:
		if x.Schema != "" {
			p.ident(x.Schema)
			p.WriteByte('.')
		}
		if x.Table != "" || x.Schema != "" {
			p.ident(x.Table)
			p.WriteByte('.')
		}
		switch {
		case x.Quoted:
			p.quoteIdent(x.Name)
		case isBare(x.Name):
			p.WriteString(x.Name)
		default:
			// Backticks, because double quotes would set Quoted.
			p.WriteByte('`')
			p.WriteString(strings.ReplaceAll(x.Name, "`", "``"))
			p.WriteByte('`')
		}
	case *Param:
		p.WriteString(x.Name)
	case *Unary:
		p.WriteString(x.Op.String())
		if x.Op == OpNot {
			p.WriteByte(' ')
			p.expr(x.X, precNot)
			return
		}
		// "- -x" must not become the comment "--x".
		if u, ok := x.X.(*Unary); ok && (u.Op == OpNeg || u.Op == OpPlus) {
			p.WriteByte(' ')
		}
		p.expr(x.X, precUnary)
	case *Binary:
		l := x.Op.prec()
		p.expr(x.X, l)
		p.WriteByte(' ')
		p.WriteString(x.Op.String())
		p.WriteByte(' ')
		p.expr(x.Y, l+1)
	case *IsNull:
		p.expr(x.X, precEquality)
		if x.Not {
			p.WriteString(" NOTNULL")
		} else {
			p.WriteString(" ISNULL")
		}
	case *Collate:
		p.expr(x.X, precCollate)
		p.WriteString(" COLLATE ")
		p.ident(x.Collation)
	case *Like:
		p.expr(x.X, precEquality)
		p.not(x.Not)
		p.WriteString(x.Op.String())
		p.WriteByte(' ')
		p.expr(x.Pattern, precComparison)
		if x.Escape != nil {
			p.WriteString(" ESCAPE ")
			p.expr(x.Escape, precComparison)
		}
	case *Between:
		p.expr(x.X, precEquality)
		p.not(x.Not)
		p.WriteString("BETWEEN ")
		p.expr(x.Lo, precComparison)
		p.WriteString(" AND ")
		p.expr(x.Hi, precComparison)
	case *In:
		p.expr(x.X, precEquality)
		p.not(x.Not)
		p.WriteString("IN ")
		switch {
		case x.Select != nil:
			p.WriteByte('(')
			p.query(x.Select)
			p.WriteByte(')')
		case x.Table != nil:
			p.qualified(x.Table.Schema, x.Table.Name)
		default:
			p.WriteByte('(')
			p.exprs(x.List)
			p.WriteByte(')')
		}
	case *Exists:
		p.WriteString("EXISTS (")
		p.query(x.Select)
		p.WriteByte(')')
	case *Subquery:
		p.WriteByte('(')
		p.query(x.Select)
		p.WriteByte(')')
	case *Row:
		p.WriteByte('(')
		p.exprs(x.List)
		p.WriteByte(')')
	case *Cast:
		p.WriteString("CAST(")
		p.expr(x.X, precLowest)
		p.WriteString(" AS ")
		p.typeName(x.Type)
		p.WriteByte(')')
	case *Case:
		p.WriteString("CASE")
		if x.Operand != nil {
			p.WriteByte(' ')
			p.expr(x.Operand, precLowest)
		}
		for _, w := range x.Whens {
			p.WriteString(" WHEN ")
			p.expr(w.Cond, precLowest)
			p.WriteString(" THEN ")
			p.expr(w.Result, precLowest)
		}
		if x.Else != nil {
			p.WriteString(" ELSE ")
			p.expr(x.Else, precLowest)
		}
		p.WriteString(" END")
	case *Call:
		p.funcName(x.Name)
		p.WriteByte('(')
		if x.Distinct {
			p.WriteString("DISTINCT ")
		}
		if x.Star {
			p.WriteByte('*')
		}
		p.exprs(x.Args)
		if len(x.OrderBy) > 0 {
			p.WriteString(" ORDER BY ")
			p.orderTerms(x.OrderBy)
		}
		p.WriteByte(')')
		if x.Filter != nil {
			p.WriteString(" FILTER (WHERE ")
			p.expr(x.Filter, precLowest)
			p.WriteByte(')')
		}
	case *Raise:
		p.WriteString("RAISE(")
		p.WriteString(x.Action.String())
		if x.Message != nil {
			p.WriteString(", ")
			p.expr(x.Message, precLowest)
		}
		p.WriteByte(')')
	case nil:
		p.WriteString("<nil>")
	}
}

func (p *printer) not(not bool) {
	if not {
		p.WriteString(" NOT ")
	} else {
		p.WriteByte(' ')
	}
}

// funcName prints a function name bare when the parser reads it back as a
// function name: fallback keywords such as replace and like qualify, but
// CAST( and RAISE( are not calls.
func (p *printer) funcName(s string) {
	t := lookup(s)
	if isBare(s) || t.isKeyword() && fallback[t] && t != kwCast && t != kwRaise {
		p.WriteString(s)
		return
	}
	p.quoteIdent(s)
}

func (p *printer) exprs(list []Expr) {
	for i, x := range list {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(x, precLowest)
	}
}

func (p *printer) literal(x *Literal) {
	switch x.Kind {
	case IntLit, FloatLit:
		p.WriteString(x.Value)
	case StringLit:
		p.str(x.Value)
	case BlobLit:
		const hex = "0123456789ABCDEF"
		p.WriteString("X'")
		for i := 0; i < len(x.Value); i++ {
			p.WriteByte(hex[x.Value[i]>>4])
			p.WriteByte(hex[x.Value[i]&15])
		}
		p.WriteByte('\'')
	case NullLit:
		p.WriteString("NULL")
	case TrueLit:
		p.WriteString("TRUE")
	case FalseLit:
		p.WriteString("FALSE")
	case CurrentTimeLit:
		p.WriteString("CURRENT_TIME")
	case CurrentDateLit:
		p.WriteString("CURRENT_DATE")
	case CurrentTimestampLit:
		p.WriteString("CURRENT_TIMESTAMP")
	}
}

func (p *printer) typeName(t *TypeName) {
	if t == nil {
		return
	}
	// Type words are kept as written; any that would not read back as a
	// type word is quoted.
	words := strings.Split(t.Name, " ")
	for i, w := range words {
		if i > 0 {
			p.WriteByte(' ')
		}
		tok := lookup(w)
		if tok == kwGenerated && i+1 < len(words) && lookup(words[i+1]) == kwAlways {
			p.quoteIdent(w) // GENERATED ALWAYS would start a constraint
		} else if isBare(w) || tok != tokIdent && fallback[tok] {
			p.WriteString(w)
		} else {
			p.quoteIdent(w)
		}
	}
	if len(t.Args) > 0 {
		p.WriteByte('(')
		p.WriteString(strings.Join(t.Args, ", "))
		p.WriteByte(')')
	}
}

func (a ConflictAction) String() string {
	switch a {
	case ConflictRollback:
		return "ROLLBACK"
	case ConflictAbort:
		return "ABORT"
	case ConflictReplace:
		return "REPLACE"
	case ConflictFail:
		return "FAIL"
	case ConflictIgnore:
		return "IGNORE"
	}
	return ""
}

func (p *printer) orderTerms(terms []*OrderTerm) {
	for i, t := range terms {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(t.Expr, precLowest)
		switch t.Order {
		case Asc:
			p.WriteString(" ASC")
		case Desc:
			p.WriteString(" DESC")
		}
		switch t.Nulls {
		case NullsFirst:
			p.WriteString(" NULLS FIRST")
		case NullsLast:
			p.WriteString(" NULLS LAST")
		}
	}
}

func (p *printer) with(w *With) {
	if w == nil {
		return
	}
	p.WriteString("WITH ")
	if w.Recursive {
		p.WriteString("RECURSIVE ")
	}
	for i, c := range w.CTEs {
		if i > 0 {
			p.WriteString(", ")
		}
		p.ident(c.Name)
		if c.Columns != nil {
			p.names(c.Columns)
		}
		p.WriteString(" AS ")
		if c.Materialized != nil {
			if !*c.Materialized {
				p.WriteString("NOT ")
			}
			p.WriteString("MATERIALIZED ")
		}
		p.WriteByte('(')
		p.query(c.Select)
		p.WriteByte(')')
	}
	p.WriteByte(' ')
}

func (p *printer) query(s *Select) {
	p.with(s.With)
	p.core(s.Core)
	for _, c := range s.Compound {
		switch c.Op {
		case Union:
			p.WriteString(" UNION ")
		case UnionAll:
			p.WriteString(" UNION ALL ")
		case Intersect:
			p.WriteString(" INTERSECT ")
		case Except:
			p.WriteString(" EXCEPT ")
		}
		p.core(c.Core)
	}
	if len(s.OrderBy) > 0 {
		p.WriteString(" ORDER BY ")
		p.orderTerms(s.OrderBy)
	}
	if s.Limit != nil {
		p.WriteString(" LIMIT ")
		p.expr(s.Limit, precLowest)
		if s.Offset != nil {
			p.WriteString(" OFFSET ")
			p.expr(s.Offset, precLowest)
		}
	}
	if s.AsOf != nil {
		p.WriteString(" AS OF OFFSET ")
		p.expr(s.AsOf.Offset, precLowest)
	}
}

func (p *printer) core(c *SelectCore) {
	if c == nil {
		return
	}
	if c.Values != nil {
		p.WriteString("VALUES ")
		for i, row := range c.Values {
			if i > 0 {
				p.WriteString(", ")
			}
			p.WriteByte('(')
			p.exprs(row)
			p.WriteByte(')')
		}
		return
	}
	p.WriteString("SELECT ")
	if c.Distinct {
		p.WriteString("DISTINCT ")
	}
	for i, rc := range c.Columns {
		if i > 0 {
			p.WriteString(", ")
		}
		switch {
		case rc.Star && rc.Table != "":
			p.ident(rc.Table)
			p.WriteString(".*")
		case rc.Star:
			p.WriteByte('*')
		default:
			p.expr(rc.Expr, precLowest)
			p.alias(rc.Alias)
		}
	}
	if c.From != nil {
		p.WriteString(" FROM ")
		p.table(c.From)
	}
	if c.Where != nil {
		p.WriteString(" WHERE ")
		p.expr(c.Where, precLowest)
	}
	if len(c.GroupBy) > 0 {
		p.WriteString(" GROUP BY ")
		p.exprs(c.GroupBy)
	}
	if c.Having != nil {
		p.WriteString(" HAVING ")
		p.expr(c.Having, precLowest)
	}
}

func (p *printer) alias(a string) {
	if a != "" {
		p.WriteString(" AS ")
		p.ident(a)
	}
}

func (p *printer) table(t TableExpr) {
	switch t := t.(type) {
	case *TableName:
		p.qualified(t.Schema, t.Name)
		if t.AsOf != nil {
			p.WriteString(" FOR SYSTEM_TIME AS OF OFFSET ")
			p.expr(t.AsOf.Offset, precLowest)
		}
		p.alias(t.Alias)
		if t.IndexedBy != "" {
			p.WriteString(" INDEXED BY ")
			p.ident(t.IndexedBy)
		} else if t.NotIndexed {
			p.WriteString(" NOT INDEXED")
		}
	case *DerivedTable:
		p.WriteByte('(')
		p.query(t.Select)
		p.WriteByte(')')
		p.alias(t.Alias)
	case *Join:
		p.table(t.Left)
		if t.Op == CommaJoin {
			p.WriteString(", ")
		} else {
			p.WriteByte(' ')
			if t.Natural {
				p.WriteString("NATURAL ")
			}
			switch t.Op {
			case LeftJoin:
				p.WriteString("LEFT ")
			case RightJoin:
				p.WriteString("RIGHT ")
			case FullJoin:
				p.WriteString("FULL ")
			case CrossJoin:
				p.WriteString("CROSS ")
			}
			p.WriteString("JOIN ")
		}
		if _, ok := t.Right.(*Join); ok {
			p.WriteByte('(')
			p.table(t.Right)
			p.WriteByte(')')
		} else {
			p.table(t.Right)
		}
		if t.On != nil {
			p.WriteString(" ON ")
			p.expr(t.On, precLowest)
		}
		if t.Using != nil {
			p.WriteString(" USING ")
			p.names(t.Using)
		}
	}
}

func (p *printer) stmt(s Stmt) {
	switch s := s.(type) {
	case *Select:
		p.query(s)
	case *Insert:
		p.with(s.With)
		if s.Replace {
			p.WriteString("REPLACE")
		} else {
			p.WriteString("INSERT")
			p.or(s.Or)
		}
		p.WriteString(" INTO ")
		p.qualified(s.Table.Schema, s.Table.Name)
		p.alias(s.Table.Alias)
		if s.Columns != nil {
			p.WriteByte(' ')
			p.names(s.Columns)
		}
		if s.DefaultValues {
			p.WriteString(" DEFAULT VALUES")
		} else {
			p.WriteByte(' ')
			p.query(s.Select)
		}
	case *Update:
		p.with(s.With)
		p.WriteString("UPDATE")
		p.or(s.Or)
		p.WriteByte(' ')
		p.table(s.Table)
		p.WriteString(" SET ")
		for i, a := range s.Set {
			if i > 0 {
				p.WriteString(", ")
			}
			if len(a.Columns) == 1 {
				p.ident(a.Columns[0])
			} else {
				p.names(a.Columns)
			}
			p.WriteString(" = ")
			p.expr(a.Value, precLowest)
		}
		if s.From != nil {
			p.WriteString(" FROM ")
			p.table(s.From)
		}
		if s.Where != nil {
			p.WriteString(" WHERE ")
			p.expr(s.Where, precLowest)
		}
	case *Delete:
		p.with(s.With)
		p.WriteString("DELETE FROM ")
		p.table(s.Table)
		if s.Where != nil {
			p.WriteString(" WHERE ")
			p.expr(s.Where, precLowest)
		}
	case *CreateTable:
		p.WriteString("CREATE ")
		p.temp(s.Temp)
		p.WriteString("TABLE ")
		p.ifNotExists(s.IfNotExists)
		p.qualified(s.Schema, s.Name)
		if s.As != nil {
			p.WriteString(" AS ")
			p.query(s.As)
			return
		}
		p.WriteString(" (")
		for i, c := range s.Columns {
			if i > 0 {
				p.WriteString(", ")
			}
			p.columnDef(c)
		}
		for i, c := range s.Constraints {
			if i > 0 || len(s.Columns) > 0 {
				p.WriteString(", ")
			}
			p.tableConstraint(c)
		}
		p.WriteByte(')')
		switch {
		case s.WithoutRowid && s.Strict:
			p.WriteString(" WITHOUT ROWID, STRICT")
		case s.WithoutRowid:
			p.WriteString(" WITHOUT ROWID")
		case s.Strict:
			p.WriteString(" STRICT")
		}
	case *CreateIndex:
		p.WriteString("CREATE ")
		if s.Unique {
			p.WriteString("UNIQUE ")
		}
		p.WriteString("INDEX ")
		p.ifNotExists(s.IfNotExists)
		p.qualified(s.Schema, s.Name)
		p.WriteString(" ON ")
		p.ident(s.Table)
		p.WriteString(" (")
		p.orderTerms(s.Columns)
		p.WriteByte(')')
		if s.Where != nil {
			p.WriteString(" WHERE ")
			p.expr(s.Where, precLowest)
		}
	case *CreateView:
		p.WriteString("CREATE ")
		p.temp(s.Temp)
		p.WriteString("VIEW ")
		p.ifNotExists(s.IfNotExists)
		p.qualified(s.Schema, s.Name)
		if s.Columns != nil {
			p.WriteByte(' ')
			p.names(s.Columns)
		}
		p.WriteString(" AS ")
		p.query(s.Select)
	case *CreateTrigger:
		p.trigger(s)
	case *Drop:
		p.WriteString("DROP ")
		switch s.Kind {
		case TableObject:
			p.WriteString("TABLE ")
		case IndexObject:
			p.WriteString("INDEX ")
		case ViewObject:
			p.WriteString("VIEW ")
		case TriggerObject:
			p.WriteString("TRIGGER ")
		}
		if s.IfExists {
			p.WriteString("IF EXISTS ")
		}
		p.qualified(s.Schema, s.Name)
	case *Reindex:
		p.WriteString("REINDEX")
		if s.Name != "" {
			p.WriteByte(' ')
			p.qualified(s.Schema, s.Name)
		}
	case *Analyze:
		p.WriteString("ANALYZE")
		if s.Name != "" {
			p.WriteByte(' ')
			p.qualified(s.Schema, s.Name)
		}
	case *Begin:
		p.WriteString("BEGIN")
		switch s.Mode {
		case TxDeferred:
			p.WriteString(" DEFERRED")
		case TxImmediate:
			p.WriteString(" IMMEDIATE")
		case TxExclusive:
			p.WriteString(" EXCLUSIVE")
		}
	case *Commit:
		p.WriteString("COMMIT")
	case *Rollback:
		p.WriteString("ROLLBACK")
	case *Explain:
		p.WriteString("EXPLAIN ")
		if s.QueryPlan {
			p.WriteString("QUERY PLAN ")
		}
		p.stmt(s.Stmt)
	}
}

func (p *printer) or(a ConflictAction) {
	if a != ConflictDefault {
		p.WriteString(" OR ")
		p.WriteString(a.String())
	}
}

func (p *printer) temp(t bool) {
	if t {
		p.WriteString("TEMP ")
	}
}

func (p *printer) ifNotExists(b bool) {
	if b {
		p.WriteString("IF NOT EXISTS ")
	}
}

func (p *printer) onConflict(a ConflictAction) {
	if a != ConflictDefault {
		p.WriteString(" ON CONFLICT ")
		p.WriteString(a.String())
	}
}

func (p *printer) constraintName(name string) {
	if name != "" {
		p.WriteString(" CONSTRAINT ")
		p.ident(name)
	}
}

func (p *printer) columnDef(c *ColumnDef) {
	p.ident(c.Name)
	if c.Type != nil {
		p.WriteByte(' ')
		p.typeName(c.Type)
	}
	for _, k := range c.Constraints {
		p.constraintName(k.Name)
		switch k.Kind {
		case PrimaryKeyConstraint:
			p.WriteString(" PRIMARY KEY")
			switch k.Order {
			case Asc:
				p.WriteString(" ASC")
			case Desc:
				p.WriteString(" DESC")
			}
			p.onConflict(k.OnConflict)
			if k.Autoincrement {
				p.WriteString(" AUTOINCREMENT")
			}
		case NotNullConstraint:
			p.WriteString(" NOT NULL")
			p.onConflict(k.OnConflict)
		case NullConstraint:
			p.WriteString(" NULL")
			p.onConflict(k.OnConflict)
		case UniqueConstraint:
			p.WriteString(" UNIQUE")
			p.onConflict(k.OnConflict)
		case CheckConstraint:
			p.WriteString(" CHECK (")
			p.expr(k.Expr, precLowest)
			p.WriteByte(')')
		case DefaultConstraint:
			p.WriteString(" DEFAULT ")
			p.defaultValue(k.Expr)
		case CollateConstraint:
			p.WriteString(" COLLATE ")
			p.ident(k.Collation)
		case ForeignKeyConstraint:
			p.WriteByte(' ')
			p.foreignKey(k.References)
		case GeneratedConstraint:
			p.WriteString(" AS (")
			p.expr(k.Expr, precLowest)
			p.WriteByte(')')
			if k.Stored {
				p.WriteString(" STORED")
			}
		}
	}
}

// defaultValue prints a DEFAULT value in the forms the parser takes back: a
// literal or signed number bare, anything else in parentheses.
func (p *printer) defaultValue(x Expr) {
	switch x := x.(type) {
	case *Literal:
		if x.Kind != TrueLit && x.Kind != FalseLit {
			p.literal(x)
			return
		}
	case *Unary:
		if l, ok := x.X.(*Literal); ok && (x.Op == OpNeg || x.Op == OpPlus) && l.Kind != TrueLit && l.Kind != FalseLit {
			p.WriteString(x.Op.String())
			p.literal(l)
			return
		}
	}
	p.WriteByte('(')
	p.expr(x, precLowest)
	p.WriteByte(')')
}

func (p *printer) tableConstraint(c *TableConstraint) {
	if c.Name != "" {
		p.WriteString("CONSTRAINT ")
		p.ident(c.Name)
		p.WriteByte(' ')
	}
	switch c.Kind {
	case PrimaryKeyConstraint, UniqueConstraint:
		if c.Kind == PrimaryKeyConstraint {
			p.WriteString("PRIMARY KEY (")
		} else {
			p.WriteString("UNIQUE (")
		}
		p.orderTerms(c.Columns)
		p.WriteByte(')')
		p.onConflict(c.OnConflict)
	case CheckConstraint:
		p.WriteString("CHECK (")
		p.expr(c.Check, precLowest)
		p.WriteByte(')')
		p.onConflict(c.OnConflict)
	case ForeignKeyConstraint:
		p.WriteString("FOREIGN KEY ")
		p.names(c.FKColumns)
		p.WriteByte(' ')
		p.foreignKey(c.References)
	}
}

func (p *printer) foreignKey(fk *ForeignKey) {
	if fk == nil {
		return
	}
	p.WriteString("REFERENCES ")
	p.ident(fk.Table)
	if fk.Columns != nil {
		p.WriteByte(' ')
		p.names(fk.Columns)
	}
	for _, a := range fk.Actions {
		p.WriteByte(' ')
		p.WriteString(a)
	}
}

func (p *printer) trigger(s *CreateTrigger) {
	p.WriteString("CREATE ")
	p.temp(s.Temp)
	p.WriteString("TRIGGER ")
	p.ifNotExists(s.IfNotExists)
	p.qualified(s.Schema, s.Name)
	switch s.Time {
	case Before:
		p.WriteString(" BEFORE")
	case After:
		p.WriteString(" AFTER")
	case InsteadOf:
		p.WriteString(" INSTEAD OF")
	}
	switch s.Event {
	case TriggerDelete:
		p.WriteString(" DELETE")
	case TriggerInsert:
		p.WriteString(" INSERT")
	case TriggerUpdate:
		p.WriteString(" UPDATE")
		for i, c := range s.Columns {
			if i == 0 {
				p.WriteString(" OF ")
			} else {
				p.WriteString(", ")
			}
			p.ident(c)
		}
	}
	p.WriteString(" ON ")
	p.ident(s.Table)
	if s.ForEachRow {
		p.WriteString(" FOR EACH ROW")
	}
	if s.When != nil {
		p.WriteString(" WHEN ")
		p.expr(s.When, precLowest)
	}
	p.WriteString(" BEGIN")
	for _, b := range s.Body {
		p.WriteByte(' ')
		p.stmt(b)
		p.WriteByte(';')
	}
	p.WriteString(" END")
}

// String methods: each renders the node alone.

func exprString(x Expr) string {
	var p printer
	p.expr(x, precLowest)
	return p.String()
}

func stmtString(s Stmt) string {
	var p printer
	p.stmt(s)
	return p.String()
}

func (x *Literal) String() string  { return exprString(x) }
func (x *Column) String() string   { return exprString(x) }
func (x *Param) String() string    { return exprString(x) }
func (x *Unary) String() string    { return exprString(x) }
func (x *Binary) String() string   { return exprString(x) }
func (x *IsNull) String() string   { return exprString(x) }
func (x *Collate) String() string  { return exprString(x) }
func (x *Like) String() string     { return exprString(x) }
func (x *Between) String() string  { return exprString(x) }
func (x *In) String() string       { return exprString(x) }
func (x *Exists) String() string   { return exprString(x) }
func (x *Subquery) String() string { return exprString(x) }
func (x *Row) String() string      { return exprString(x) }
func (x *Cast) String() string     { return exprString(x) }
func (x *Case) String() string     { return exprString(x) }
func (x *Call) String() string     { return exprString(x) }
func (x *Raise) String() string    { return exprString(x) }

func (s *Select) String() string        { return stmtString(s) }
func (s *Insert) String() string        { return stmtString(s) }
func (s *Update) String() string        { return stmtString(s) }
func (s *Delete) String() string        { return stmtString(s) }
func (s *CreateTable) String() string   { return stmtString(s) }
func (s *CreateIndex) String() string   { return stmtString(s) }
func (s *CreateView) String() string    { return stmtString(s) }
func (s *CreateTrigger) String() string { return stmtString(s) }
func (s *Drop) String() string          { return stmtString(s) }
func (s *Reindex) String() string       { return stmtString(s) }
func (s *Analyze) String() string       { return stmtString(s) }
func (s *Begin) String() string         { return stmtString(s) }
func (s *Commit) String() string        { return stmtString(s) }
func (s *Rollback) String() string      { return stmtString(s) }
func (s *Explain) String() string       { return stmtString(s) }

func (t *TableName) String() string {
	var p printer
	p.table(t)
	return p.String()
}

func (t *DerivedTable) String() string {
	var p printer
	p.table(t)
	return p.String()
}

func (t *Join) String() string {
	var p printer
	p.table(t)
	return p.String()
}

func (t *TypeName) String() string {
	var p printer
	p.typeName(t)
	return p.String()
}
