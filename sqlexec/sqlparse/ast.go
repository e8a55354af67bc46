package sqlparse

// Node is any syntax tree node. String renders it as SQL that parses back
// to an equal tree.
//
// Position is where the node starts, except for infix and postfix nodes
// (Binary, IsNull, Collate, Like, Between, In, Join, CompoundTerm), where it
// is the operator's position: an error about a + b points at the +.
type Node interface {
	Position() Pos
	String() string
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement node.
type Stmt interface {
	Node
	stmtNode()
}

// TableExpr is an item of a FROM clause: a table, a derived table or a join.
type TableExpr interface {
	Node
	tableNode()
}

// ---------------------------------------------------------------------------
// Expressions

// LitKind is the kind of a Literal.
type LitKind uint8

const (
	IntLit              LitKind = iota // Value is the source text: 42, 0x2A
	FloatLit                           // Value is the source text: 1.5, 1e3
	StringLit                          // Value is the decoded text
	BlobLit                            // Value is the decoded bytes
	NullLit                            // NULL
	TrueLit                            // TRUE
	FalseLit                           // FALSE
	CurrentTimeLit                     // CURRENT_TIME
	CurrentDateLit                     // CURRENT_DATE
	CurrentTimestampLit                // CURRENT_TIMESTAMP
)

// Literal is a constant. Numbers keep their source text: whether
// 9223372036854775808 is an integer or a real depends on a unary minus in
// front of it, which is the executor's business.
type Literal struct {
	Pos
	Kind  LitKind
	Value string
}

// Column is a column reference: name, table.name or schema.table.name. Quoted
// records that the name was written in double quotes, which SQLite reads as a
// string literal when no column has that name.
type Column struct {
	Pos
	Schema, Table, Name string
	Quoted              bool
}

// Param is a bound parameter. Name is its spelling (?, ?3, :x, @x, $x);
// Index is its 1-based number in the statement, assigned as SQLite does:
// ?NNN is NNN, a bare ? is one more than the largest so far, and a named
// parameter gets a number on first use and keeps it.
type Param struct {
	Pos
	Name  string
	Index int
}

// Unary is a prefix operator: NEG (-), PLUS (+), BITNOT (~) or NOT.
type Unary struct {
	Pos
	Op Op
	X  Expr
}

// Op is a unary or binary operator.
type Op uint8

const (
	OpNeg         Op = iota + 1 // -x
	OpPlus                      // +x
	OpBitNot                    // ~x
	OpNot                       // NOT x
	OpConcat                    // ||
	OpExtract                   // ->
	OpExtractText               // ->>
	OpMul                       // *
	OpDiv                       // /
	OpRem                       // %
	OpAdd                       // +
	OpSub                       // -
	OpBitAnd                    // &
	OpBitOr                     // |
	OpShl                       // <<
	OpShr                       // >>
	OpLt                        // <
	OpLe                        // <=
	OpGt                        // >
	OpGe                        // >=
	OpEq                        // = or ==
	OpNe                        // != or <>
	OpIs                        // IS, IS NOT DISTINCT FROM
	OpIsNot                     // IS NOT, IS DISTINCT FROM
	OpAnd                       // AND
	OpOr                        // OR
)

// Binary is an infix operator. x IS NULL is a Binary with OpIs and a NULL
// Literal; the postfix forms ISNULL, NOTNULL and NOT NULL are IsNull.
type Binary struct {
	Pos
	Op   Op
	X, Y Expr
}

// IsNull is x ISNULL (Not false) or x NOTNULL / x NOT NULL (Not true).
type IsNull struct {
	Pos
	Not bool
	X   Expr
}

// Collate is x COLLATE name.
type Collate struct {
	Pos
	X         Expr
	Collation string
}

// LikeOp is the operator of a Like node.
type LikeOp uint8

const (
	OpLike LikeOp = iota
	OpGlob
	OpMatch
	OpRegexp
)

// Like is x [NOT] LIKE|GLOB|MATCH|REGEXP pattern [ESCAPE escape].
type Like struct {
	Pos
	Op         LikeOp
	Not        bool
	X, Pattern Expr
	Escape     Expr // nil if none
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	Pos
	Not       bool
	X, Lo, Hi Expr
}

// In is x [NOT] IN (list), x [NOT] IN (select) or x [NOT] IN table. Exactly
// one of Select and Table is set, or neither, in which case List holds the
// values (and may be empty: x IN () is legal and false).
type In struct {
	Pos
	Not    bool
	X      Expr
	List   []Expr
	Select *Select
	Table  *TableName
}

// Exists is EXISTS (select); NOT EXISTS is a Unary NOT around it.
type Exists struct {
	Pos
	Select *Select
}

// Subquery is a scalar subquery: (select).
type Subquery struct {
	Pos
	Select *Select
}

// Row is a row value: (a, b, ...) with at least two elements.
type Row struct {
	Pos
	List []Expr
}

// Cast is CAST(x AS type). Type is nil for CAST(x AS), which SQLite
// accepts (an empty type name has BLOB affinity).
type Cast struct {
	Pos
	X    Expr
	Type *TypeName
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	Pos
	Operand Expr // nil for the searched form
	Whens   []*When
	Else    Expr // nil if none
}

// When is one WHEN cond THEN result arm of a Case.
type When struct {
	Pos
	Cond, Result Expr
}

// Call is a function call: name(args), name(DISTINCT x), count(*), with an
// optional ORDER BY inside the parentheses (aggregates) and FILTER clause.
type Call struct {
	Pos
	Name     string
	Distinct bool
	Star     bool // name(*)
	Args     []Expr
	OrderBy  []*OrderTerm
	Filter   Expr // FILTER (WHERE expr); nil if none
}

// Raise is RAISE(IGNORE) or RAISE(ROLLBACK|ABORT|FAIL, message), legal only
// in a trigger body.
type Raise struct {
	Pos
	Action  ConflictAction // ConflictIgnore, ConflictRollback, ConflictAbort, ConflictFail
	Message Expr           // nil for IGNORE
}

// TypeName is a column type or CAST target: one or more words and up to
// two signed numbers, VARCHAR(10), DECIMAL(10,2), UNSIGNED BIG INT. Args
// keep the numbers' source text, sign included.
type TypeName struct {
	Pos
	Name string
	Args []string
}

func (*Literal) exprNode()  {}
func (*Column) exprNode()   {}
func (*Param) exprNode()    {}
func (*Unary) exprNode()    {}
func (*Binary) exprNode()   {}
func (*IsNull) exprNode()   {}
func (*Collate) exprNode()  {}
func (*Like) exprNode()     {}
func (*Between) exprNode()  {}
func (*In) exprNode()       {}
func (*Exists) exprNode()   {}
func (*Subquery) exprNode() {}
func (*Row) exprNode()      {}
func (*Cast) exprNode()     {}
func (*Case) exprNode()     {}
func (*Call) exprNode()     {}
func (*Raise) exprNode()    {}

// ---------------------------------------------------------------------------
// SELECT

// Select is a complete query: WITH, one or more cores joined by compound
// operators (left-associative, equal precedence, as in SQLite), ORDER BY and
// LIMIT. It is both a statement and the operand of subqueries.
type Select struct {
	Pos
	With     *With
	Core     *SelectCore
	Compound []*CompoundTerm
	OrderBy  []*OrderTerm
	Limit    Expr
	Offset   Expr
	// AsOf is the statement-level position (SELECT ... AS OF OFFSET n). Only a
	// top-level statement has one.
	AsOf *AsOf
}

// With is WITH [RECURSIVE] cte, ....
type With struct {
	Pos
	Recursive bool
	CTEs      []*CTE
}

// CTE is name [(columns)] AS [[NOT] MATERIALIZED] (select).
type CTE struct {
	Pos
	Name         string
	Columns      []string
	Materialized *bool // nil unless MATERIALIZED or NOT MATERIALIZED was written
	Select       *Select
}

// CompoundOp joins two select cores.
type CompoundOp uint8

const (
	Union CompoundOp = iota
	UnionAll
	Intersect
	Except
)

// CompoundTerm is one "op core" step of a compound select.
type CompoundTerm struct {
	Pos
	Op   CompoundOp
	Core *SelectCore
}

// SelectCore is one SELECT ... [FROM] [WHERE] [GROUP BY] [HAVING], or a
// VALUES list (Values non-nil, every other field empty).
type SelectCore struct {
	Pos
	Distinct bool
	Columns  []*ResultColumn
	From     TableExpr // nil if none
	Where    Expr
	GroupBy  []Expr
	Having   Expr
	Values   [][]Expr
}

// ResultColumn is *, table.* or expr [[AS] alias]. Text is the source text of
// Expr, which SQLite uses as the column name when there is no alias.
type ResultColumn struct {
	Pos
	Star  bool   // * or table.*
	Table string // table of table.*
	Expr  Expr
	Alias string
	Text  string
}

// Order is an explicit sort direction.
type Order uint8

const (
	OrderDefault Order = iota
	Asc
	Desc
)

// NullsOrder is an explicit NULLS FIRST or NULLS LAST.
type NullsOrder uint8

const (
	NullsDefault NullsOrder = iota
	NullsFirst
	NullsLast
)

// OrderTerm is one ORDER BY term, or one column of an index or key; a
// COLLATE clause is a Collate node in Expr. An integer literal in ORDER BY
// is an ordinal: the executor decides.
type OrderTerm struct {
	Pos
	Expr  Expr
	Order Order
	Nulls NullsOrder
}

// AsOf is FOR SYSTEM_TIME AS OF OFFSET x on a table, or AS OF OFFSET x at
// the end of a statement: the log position to read at.
type AsOf struct {
	Pos
	Offset Expr
}

// TableName is a table reference: [schema.]name, with an optional position,
// alias and index hint. It also names the table of INSERT, UPDATE and
// DELETE, and of x IN table.
type TableName struct {
	Pos
	Schema     string
	Name       string
	AsOf       *AsOf
	Alias      string
	IndexedBy  string
	NotIndexed bool
}

// DerivedTable is (select) [AS alias] in FROM.
type DerivedTable struct {
	Pos
	Select *Select
	Alias  string
}

// JoinOp is the operator of a Join.
type JoinOp uint8

const (
	CommaJoin JoinOp = iota // a, b
	InnerJoin               // a JOIN b, a INNER JOIN b
	CrossJoin               // a CROSS JOIN b
	LeftJoin                // a LEFT [OUTER] JOIN b
	RightJoin               // a RIGHT [OUTER] JOIN b
	FullJoin                // a FULL [OUTER] JOIN b
)

// Join is left op right [ON cond | USING (columns)]. A FROM list is a
// left-deep tree of Joins; a parenthesised join on the right appears as a
// Join in Right.
type Join struct {
	Pos
	Op      JoinOp
	Natural bool
	Left    TableExpr
	Right   TableExpr
	On      Expr
	Using   []string
}

func (*TableName) tableNode()    {}
func (*DerivedTable) tableNode() {}
func (*Join) tableNode()         {}

// ---------------------------------------------------------------------------
// Data changes

// ConflictAction is the OR clause of INSERT and UPDATE, and the ON CONFLICT
// clause of a constraint.
type ConflictAction uint8

const (
	ConflictDefault ConflictAction = iota
	ConflictRollback
	ConflictAbort
	ConflictReplace
	ConflictFail
	ConflictIgnore
)

// Insert is INSERT [OR action] INTO t [(columns)] VALUES ... | select |
// DEFAULT VALUES, and REPLACE INTO (Or is ConflictReplace, Replace is set).
type Insert struct {
	Pos
	With          *With
	Or            ConflictAction
	Replace       bool // spelled REPLACE INTO
	Table         *TableName
	Columns       []string
	Select        *Select // VALUES lists are a Select whose core has Values
	DefaultValues bool
}

// Update is UPDATE [OR action] t SET ... [FROM ...] [WHERE ...].
type Update struct {
	Pos
	With  *With
	Or    ConflictAction
	Table *TableName
	Set   []*Assignment
	From  TableExpr
	Where Expr
}

// Assignment is column = value, or (a, b) = row value.
type Assignment struct {
	Pos
	Columns []string
	Value   Expr
}

// Delete is DELETE FROM t [WHERE ...].
type Delete struct {
	Pos
	With  *With
	Table *TableName
	Where Expr
}

// ---------------------------------------------------------------------------
// Schema

// CreateTable is CREATE [TEMP] TABLE [IF NOT EXISTS] name (columns,
// constraints) [options], or CREATE TABLE name AS select.
type CreateTable struct {
	Pos
	Temp         bool
	IfNotExists  bool
	Schema, Name string
	Columns      []*ColumnDef
	Constraints  []*TableConstraint
	As           *Select
	WithoutRowid bool
	Strict       bool
}

// ColumnDef is a column definition. Type is nil when none was written.
type ColumnDef struct {
	Pos
	Name        string
	Type        *TypeName
	Constraints []*ColumnConstraint
}

// ConstraintKind says which kind of column or table constraint it is.
type ConstraintKind uint8

const (
	PrimaryKeyConstraint ConstraintKind = iota
	NotNullConstraint
	NullConstraint // a bare NULL, which SQLite accepts and ignores
	UniqueConstraint
	CheckConstraint
	DefaultConstraint
	CollateConstraint
	ForeignKeyConstraint // REFERENCES on a column, FOREIGN KEY on a table
	GeneratedConstraint
)

// ColumnConstraint is one constraint of a column definition. The fields
// used depend on Kind.
type ColumnConstraint struct {
	Pos
	Name          string // CONSTRAINT name; empty if none
	Kind          ConstraintKind
	Order         Order // PRIMARY KEY ASC|DESC
	Autoincrement bool
	OnConflict    ConflictAction
	Expr          Expr   // CHECK, DEFAULT, GENERATED
	Stored        bool   // GENERATED ... STORED (else VIRTUAL)
	Collation     string // COLLATE
	References    *ForeignKey
}

// TableConstraint is a PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY clause of
// CREATE TABLE.
type TableConstraint struct {
	Pos
	Name       string
	Kind       ConstraintKind
	Columns    []*OrderTerm // PRIMARY KEY, UNIQUE
	OnConflict ConflictAction
	Check      Expr
	FKColumns  []string // FOREIGN KEY (columns)
	References *ForeignKey
}

// ForeignKey is REFERENCES table [(columns)] [actions]. Actions keeps the
// ON DELETE/ON UPDATE/MATCH/DEFERRABLE clauses in source order as upper-case
// text, since the executor only needs to know they are there.
type ForeignKey struct {
	Pos
	Table   string
	Columns []string
	Actions []string
}

// CreateIndex is CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table
// (columns) [WHERE cond].
type CreateIndex struct {
	Pos
	Unique       bool
	IfNotExists  bool
	Schema, Name string
	Table        string
	Columns      []*OrderTerm
	Where        Expr
}

// CreateView is CREATE [TEMP] VIEW [IF NOT EXISTS] name [(columns)] AS
// select.
type CreateView struct {
	Pos
	Temp         bool
	IfNotExists  bool
	Schema, Name string
	Columns      []string
	Select       *Select
}

// TriggerTime is BEFORE, AFTER or INSTEAD OF.
type TriggerTime uint8

const (
	TriggerDefault TriggerTime = iota
	Before
	After
	InsteadOf
)

// TriggerEvent is the statement kind that fires a trigger.
type TriggerEvent uint8

const (
	TriggerDelete TriggerEvent = iota
	TriggerInsert
	TriggerUpdate
)

// CreateTrigger is SQLite's CREATE TRIGGER. It is parsed in full so that
// scripts holding one split correctly; the executor refuses it.
type CreateTrigger struct {
	Pos
	Temp         bool
	IfNotExists  bool
	Schema, Name string
	Time         TriggerTime
	Event        TriggerEvent
	Columns      []string // UPDATE OF columns
	Table        string
	ForEachRow   bool
	When         Expr
	Body         []Stmt
}

// ObjectKind names what a DROP statement drops.
type ObjectKind uint8

const (
	TableObject ObjectKind = iota
	IndexObject
	ViewObject
	TriggerObject
)

// Drop is DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] [schema.]name.
type Drop struct {
	Pos
	Kind         ObjectKind
	IfExists     bool
	Schema, Name string
}

// Reindex is REINDEX [[schema.]name].
type Reindex struct {
	Pos
	Schema, Name string
}

// Analyze is ANALYZE [[schema.]name].
type Analyze struct {
	Pos
	Schema, Name string
}

// ---------------------------------------------------------------------------
// Transactions and EXPLAIN

// TxMode is the locking mode of BEGIN.
type TxMode uint8

const (
	TxDefault TxMode = iota
	TxDeferred
	TxImmediate
	TxExclusive
)

// Begin is BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION].
type Begin struct {
	Pos
	Mode TxMode
}

// Commit is COMMIT or END [TRANSACTION].
type Commit struct {
	Pos
}

// Rollback is ROLLBACK [TRANSACTION].
type Rollback struct {
	Pos
}

// Explain is EXPLAIN [QUERY PLAN] stmt.
type Explain struct {
	Pos
	QueryPlan bool
	Stmt      Stmt
}

func (*Select) stmtNode()        {}
func (*Insert) stmtNode()        {}
func (*Update) stmtNode()        {}
func (*Delete) stmtNode()        {}
func (*CreateTable) stmtNode()   {}
func (*CreateIndex) stmtNode()   {}
func (*CreateView) stmtNode()    {}
func (*CreateTrigger) stmtNode() {}
func (*Drop) stmtNode()          {}
func (*Reindex) stmtNode()       {}
func (*Analyze) stmtNode()       {}
func (*Begin) stmtNode()         {}
func (*Commit) stmtNode()        {}
func (*Rollback) stmtNode()      {}
func (*Explain) stmtNode()       {}
