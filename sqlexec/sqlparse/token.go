package sqlparse

// Token is the kind of a lexical token. Keywords have their own kinds; a
// keyword that SQLite lets stand for an identifier is still lexed as the
// keyword, and the parser decides from context (see isID).
type Token uint8

const (
	ILLEGAL Token = iota
	EOF
	IDENT   // bare identifier
	QIDENT  // "quoted", [bracketed] or `backticked` identifier
	STRING  // 'text'
	BLOB    // X'hex'
	INTEGER // 42, 0x2A
	FLOAT   // 1.5, .5, 1., 1e10
	PARAM   // ?, ?3, :name, @name, $name

	// Operators and punctuation.
	LPAREN   // (
	RPAREN   // )
	COMMA    // ,
	SEMI     // ;
	DOT      // .
	PLUS     // +
	MINUS    // -
	STAR     // *
	SLASH    // /
	REM      // %
	CONCAT   // ||
	ARROW    // ->
	ARROW2   // ->>
	BITAND   // &
	BITOR    // |
	BITNOT   // ~
	SHL      // <<
	SHR      // >>
	EQ       // = or ==
	NE       // != or <>
	LT       // <
	LE       // <=
	GT       // >
	GE       // >=
	operEnd  // end of operators
	kwBegin  // start of keywords
	ABORT    // keywords, in alphabetical order
	ACTION   //
	ADD      //
	AFTER    //
	ALL      //
	ALTER    //
	ALWAYS   //
	ANALYZE  //
	AND      //
	AS       //
	ASC      //
	ATTACH   //
	AUTOINCR // AUTOINCREMENT
	BEFORE
	BEGIN
	BETWEEN
	BY
	CASCADE
	CASE
	CAST
	CHECK
	COLLATE
	COLUMN
	COMMIT
	CONFLICT
	CONSTRAINT
	CREATE
	CROSS
	CURRENT
	CURRENT_DATE
	CURRENT_TIME
	CURRENT_TIMESTAMP
	DATABASE
	DEFAULT
	DEFERRABLE
	DEFERRED
	DELETE
	DESC
	DETACH
	DISTINCT
	DO
	DROP
	EACH
	ELSE
	END
	ESCAPE
	EXCEPT
	EXCLUDE
	EXCLUSIVE
	EXISTS
	EXPLAIN
	FAIL
	FIRST
	FOLLOWING
	FOR
	FOREIGN
	FROM
	FULL
	GENERATED
	GLOB
	GROUP
	GROUPS
	HAVING
	IF
	IGNORE
	IMMEDIATE
	IN
	INDEX
	INDEXED
	INITIALLY
	INNER
	INSERT
	INSTEAD
	INTERSECT
	INTO
	IS
	ISNULL
	JOIN
	KEY
	LAST
	LEFT
	LIKE
	LIMIT
	MATCH
	MATERIALIZED
	NATURAL
	NO
	NOT
	NOTHING
	NOTNULL
	NULL
	NULLS
	OF
	OFFSET
	ON
	OR
	ORDER
	OTHERS
	OUTER
	PARTITION
	PLAN
	PRAGMA
	PRECEDING
	PRIMARY
	QUERY
	RAISE
	RANGE
	RECURSIVE
	REFERENCES
	REGEXP
	REINDEX
	RELEASE
	RENAME
	REPLACE
	RESTRICT
	RETURNING
	RIGHT
	ROLLBACK
	ROW
	ROWS
	SAVEPOINT
	SELECT
	SET
	TABLE
	TEMP // TEMP or TEMPORARY
	THEN
	TIES
	TO
	TRANSACTION
	TRIGGER
	UNBOUNDED
	UNION
	UNIQUE
	UPDATE
	USING
	VACUUM
	VALUES
	VIEW
	VIRTUAL
	WHEN
	WHERE
	WITH
	WITHOUT
	kwEnd
)

var tokenNames = [...]string{
	ILLEGAL: "ILLEGAL", EOF: "EOF", IDENT: "identifier", QIDENT: "quoted identifier",
	STRING: "string", BLOB: "blob", INTEGER: "integer", FLOAT: "real", PARAM: "parameter",
	LPAREN: "(", RPAREN: ")", COMMA: ",", SEMI: ";", DOT: ".", PLUS: "+", MINUS: "-",
	STAR: "*", SLASH: "/", REM: "%", CONCAT: "||", ARROW: "->", ARROW2: "->>",
	BITAND: "&", BITOR: "|", BITNOT: "~", SHL: "<<", SHR: ">>", EQ: "=", NE: "!=",
	LT: "<", LE: "<=", GT: ">", GE: ">=",
	ABORT: "ABORT", ACTION: "ACTION", ADD: "ADD", AFTER: "AFTER", ALL: "ALL", ALTER: "ALTER",
	ALWAYS: "ALWAYS", ANALYZE: "ANALYZE", AND: "AND", AS: "AS", ASC: "ASC", ATTACH: "ATTACH",
	AUTOINCR: "AUTOINCREMENT", BEFORE: "BEFORE", BEGIN: "BEGIN", BETWEEN: "BETWEEN", BY: "BY",
	CASCADE: "CASCADE", CASE: "CASE", CAST: "CAST", CHECK: "CHECK", COLLATE: "COLLATE",
	COLUMN: "COLUMN", COMMIT: "COMMIT", CONFLICT: "CONFLICT", CONSTRAINT: "CONSTRAINT",
	CREATE: "CREATE", CROSS: "CROSS", CURRENT: "CURRENT", CURRENT_DATE: "CURRENT_DATE",
	CURRENT_TIME: "CURRENT_TIME", CURRENT_TIMESTAMP: "CURRENT_TIMESTAMP", DATABASE: "DATABASE",
	DEFAULT: "DEFAULT", DEFERRABLE: "DEFERRABLE", DEFERRED: "DEFERRED", DELETE: "DELETE",
	DESC: "DESC", DETACH: "DETACH", DISTINCT: "DISTINCT", DO: "DO", DROP: "DROP", EACH: "EACH",
	ELSE: "ELSE", END: "END", ESCAPE: "ESCAPE", EXCEPT: "EXCEPT", EXCLUDE: "EXCLUDE",
	EXCLUSIVE: "EXCLUSIVE", EXISTS: "EXISTS", EXPLAIN: "EXPLAIN", FAIL: "FAIL", FIRST: "FIRST",
	FOLLOWING: "FOLLOWING", FOR: "FOR", FOREIGN: "FOREIGN", FROM: "FROM", FULL: "FULL",
	GENERATED: "GENERATED", GLOB: "GLOB", GROUP: "GROUP", GROUPS: "GROUPS", HAVING: "HAVING",
	IF: "IF", IGNORE: "IGNORE", IMMEDIATE: "IMMEDIATE", IN: "IN", INDEX: "INDEX",
	INDEXED: "INDEXED", INITIALLY: "INITIALLY", INNER: "INNER", INSERT: "INSERT",
	INSTEAD: "INSTEAD", INTERSECT: "INTERSECT", INTO: "INTO", IS: "IS", ISNULL: "ISNULL",
	JOIN: "JOIN", KEY: "KEY", LAST: "LAST", LEFT: "LEFT", LIKE: "LIKE", LIMIT: "LIMIT",
	MATCH: "MATCH", MATERIALIZED: "MATERIALIZED", NATURAL: "NATURAL", NO: "NO", NOT: "NOT",
	NOTHING: "NOTHING", NOTNULL: "NOTNULL", NULL: "NULL", NULLS: "NULLS", OF: "OF",
	OFFSET: "OFFSET", ON: "ON", OR: "OR", ORDER: "ORDER", OTHERS: "OTHERS", OUTER: "OUTER",
	PARTITION: "PARTITION", PLAN: "PLAN", PRAGMA: "PRAGMA", PRECEDING: "PRECEDING",
	PRIMARY: "PRIMARY", QUERY: "QUERY", RAISE: "RAISE", RANGE: "RANGE", RECURSIVE: "RECURSIVE",
	REFERENCES: "REFERENCES", REGEXP: "REGEXP", REINDEX: "REINDEX", RELEASE: "RELEASE",
	RENAME: "RENAME", REPLACE: "REPLACE", RESTRICT: "RESTRICT", RETURNING: "RETURNING",
	RIGHT: "RIGHT", ROLLBACK: "ROLLBACK", ROW: "ROW", ROWS: "ROWS", SAVEPOINT: "SAVEPOINT",
	SELECT: "SELECT", SET: "SET", TABLE: "TABLE", TEMP: "TEMP",
	THEN: "THEN", TIES: "TIES", TO: "TO", TRANSACTION: "TRANSACTION", TRIGGER: "TRIGGER",
	UNBOUNDED: "UNBOUNDED", UNION: "UNION", UNIQUE: "UNIQUE", UPDATE: "UPDATE", USING: "USING",
	VACUUM: "VACUUM", VALUES: "VALUES", VIEW: "VIEW", VIRTUAL: "VIRTUAL", WHEN: "WHEN",
	WHERE: "WHERE", WITH: "WITH", WITHOUT: "WITHOUT",
}

// String returns the operator's spelling, the keyword in upper case, or a
// description of the token class.
func (t Token) String() string {
	if int(t) < len(tokenNames) && tokenNames[t] != "" {
		return tokenNames[t]
	}
	return "token(" + itoa(int(t)) + ")"
}

// IsKeyword reports whether t is a keyword.
func (t Token) IsKeyword() bool { return t > kwBegin && t < kwEnd }

// keywords maps an upper-case word to its keyword token.
var keywords = func() map[string]Token {
	m := make(map[string]Token, int(kwEnd-kwBegin))
	for t := kwBegin + 1; t < kwEnd; t++ {
		m[tokenNames[t]] = t
	}
	m["TEMPORARY"] = TEMP
	return m
}()

// fallback marks the keywords SQLite's grammar lets stand for an identifier
// (%fallback ID in parse.y): a table may be named "key" or "replace", and
// the corpus relies on it.
var fallback = func() (f [kwEnd]bool) {
	for _, t := range []Token{
		ABORT, ACTION, AFTER, ALWAYS, ANALYZE, ASC, ATTACH, BEFORE, BEGIN, BY, CASCADE, CAST,
		COLUMN, CONFLICT, CURRENT, CURRENT_DATE, CURRENT_TIME, CURRENT_TIMESTAMP, DATABASE,
		DEFERRED, DESC, DETACH, DO, EACH, END, EXCLUDE, EXCLUSIVE, EXPLAIN, FAIL, FIRST,
		FOLLOWING, FOR, GENERATED, GLOB, GROUPS, IF, IGNORE, IMMEDIATE, INITIALLY, INSTEAD,
		KEY, LAST, LIKE, MATCH, MATERIALIZED, NO, NULLS, OF, OFFSET, OTHERS, PARTITION, PLAN,
		PRAGMA, PRECEDING, QUERY, RAISE, RANGE, RECURSIVE, REGEXP, REINDEX, RELEASE, RENAME,
		REPLACE, RESTRICT, ROLLBACK, ROW, ROWS, SAVEPOINT, TEMP, TIES, TRIGGER,
		UNBOUNDED, VACUUM, VIEW, VIRTUAL, WITH, WITHOUT,
	} {
		f[t] = true
	}
	return f
}()

// isJoinKeyword reports the words of SQLite's JOIN_KW class, which may name a
// table or column (nm) but not be an implicit alias.
func isJoinKeyword(t Token) bool {
	switch t {
	case CROSS, FULL, INNER, LEFT, NATURAL, OUTER, RIGHT:
		return true
	}
	return false
}

// lookup returns the keyword token for word, or IDENT. It folds ASCII case
// into a stack buffer so that looking up a word does not allocate.
func lookup(word string) Token {
	const longest = len("CURRENT_TIMESTAMP")
	if len(word) < 2 || len(word) > longest {
		return IDENT
	}
	var buf [longest]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	if t, ok := keywords[string(buf[:len(word)])]; ok {
		return t
	}
	return IDENT
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
