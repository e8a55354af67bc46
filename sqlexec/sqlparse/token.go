package sqlparse

// token is the kind of a lexical token. Keywords have their own kinds; a
// keyword that SQLite lets stand for an identifier is still lexed as the
// keyword, and the parser decides from context (see isID).
type token uint8

const (
	tokIllegal token = iota
	tokEOF
	tokIdent   // bare identifier
	tokQIdent  // "quoted", [bracketed] or `backticked` identifier
	tokString  // 'text'
	tokBlob    // X'hex'
	tokInteger // 42, 0x2A
	tokFloat   // 1.5, .5, 1., 1e10
	tokParam   // ?, ?3, :name, @name, $name

	// Operators and punctuation.
	tokLParen     // (
	tokRParen     // )
	tokComma      // ,
	tokSemi       // ;
	tokDot        // .
	tokPlus       // +
	tokMinus      // -
	tokStar       // *
	tokSlash      // /
	tokRem        // %
	tokConcat     // ||
	tokArrow      // ->
	tokArrow2     // ->>
	tokBitAnd     // &
	tokBitOr      // |
	tokBitNot     // ~
	tokShl        // <<
	tokShr        // >>
	tokEq         // = or ==
	tokNe         // != or <>
	tokLt         // <
	tokLe         // <=
	tokGt         // >
	tokGe         // >=
	operatorsEnd  // end of operators
	keywordsBegin // start of keywords
	// Keywords, in alphabetical order.
	kwAbort
	kwAction
	kwAdd
	kwAfter
	kwAll
	kwAlter
	kwAlways
	kwAnalyze
	kwAnd
	kwAs
	kwAsc
	kwAttach
	kwAutoincrement
	kwBefore
	kwBegin
	kwBetween
	kwBy
	kwCascade
	kwCase
	kwCast
	kwCheck
	kwCollate
	kwColumn
	kwCommit
	kwConflict
	kwConstraint
	kwCreate
	kwCross
	kwCurrent
	kwCurrentDate
	kwCurrentTime
	kwCurrentTimestamp
	kwDatabase
	kwDefault
	kwDeferrable
	kwDeferred
	kwDelete
	kwDesc
	kwDetach
	kwDistinct
	kwDo
	kwDrop
	kwEach
	kwElse
	kwEnd
	kwEscape
	kwExcept
	kwExclude
	kwExclusive
	kwExists
	kwExplain
	kwFail
	kwFirst
	kwFollowing
	kwFor
	kwForeign
	kwFrom
	kwFull
	kwGenerated
	kwGlob
	kwGroup
	kwGroups
	kwHaving
	kwIf
	kwIgnore
	kwImmediate
	kwIn
	kwIndex
	kwIndexed
	kwInitially
	kwInner
	kwInsert
	kwInstead
	kwIntersect
	kwInto
	kwIs
	kwIsnull
	kwJoin
	kwKey
	kwLast
	kwLeft
	kwLike
	kwLimit
	kwMatch
	kwMaterialized
	kwNatural
	kwNo
	kwNot
	kwNothing
	kwNotnull
	kwNull
	kwNulls
	kwOf
	kwOffset
	kwOn
	kwOr
	kwOrder
	kwOthers
	kwOuter
	kwPartition
	kwPlan
	kwPragma
	kwPreceding
	kwPrimary
	kwQuery
	kwRaise
	kwRange
	kwRecursive
	kwReferences
	kwRegexp
	kwReindex
	kwRelease
	kwRename
	kwReplace
	kwRestrict
	kwReturning
	kwRight
	kwRollback
	kwRow
	kwRows
	kwSavepoint
	kwSelect
	kwSet
	kwTable
	kwTemp // TEMP or TEMPORARY
	kwThen
	kwTies
	kwTo
	kwTransaction
	kwTrigger
	kwUnbounded
	kwUnion
	kwUnique
	kwUpdate
	kwUsing
	kwVacuum
	kwValues
	kwView
	kwVirtual
	kwWhen
	kwWhere
	kwWith
	kwWithout
	keywordsEnd
)

var tokenNames = [...]string{
	tokIllegal: "ILLEGAL", tokEOF: "EOF", tokIdent: "identifier", tokQIdent: "quoted identifier",
	tokString: "string", tokBlob: "blob", tokInteger: "integer", tokFloat: "real", tokParam: "parameter",
	tokLParen: "(", tokRParen: ")", tokComma: ",", tokSemi: ";", tokDot: ".", tokPlus: "+", tokMinus: "-",
	tokStar: "*", tokSlash: "/", tokRem: "%", tokConcat: "||", tokArrow: "->", tokArrow2: "->>",
	tokBitAnd: "&", tokBitOr: "|", tokBitNot: "~", tokShl: "<<", tokShr: ">>", tokEq: "=", tokNe: "!=",
	tokLt: "<", tokLe: "<=", tokGt: ">", tokGe: ">=",
	kwAbort: "ABORT", kwAction: "ACTION", kwAdd: "ADD", kwAfter: "AFTER", kwAll: "ALL", kwAlter: "ALTER",
	kwAlways: "ALWAYS", kwAnalyze: "ANALYZE", kwAnd: "AND", kwAs: "AS", kwAsc: "ASC", kwAttach: "ATTACH",
	kwAutoincrement: "AUTOINCREMENT", kwBefore: "BEFORE", kwBegin: "BEGIN", kwBetween: "BETWEEN", kwBy: "BY",
	kwCascade: "CASCADE", kwCase: "CASE", kwCast: "CAST", kwCheck: "CHECK", kwCollate: "COLLATE",
	kwColumn: "COLUMN", kwCommit: "COMMIT", kwConflict: "CONFLICT", kwConstraint: "CONSTRAINT",
	kwCreate: "CREATE", kwCross: "CROSS", kwCurrent: "CURRENT", kwCurrentDate: "CURRENT_DATE",
	kwCurrentTime: "CURRENT_TIME", kwCurrentTimestamp: "CURRENT_TIMESTAMP", kwDatabase: "DATABASE",
	kwDefault: "DEFAULT", kwDeferrable: "DEFERRABLE", kwDeferred: "DEFERRED", kwDelete: "DELETE",
	kwDesc: "DESC", kwDetach: "DETACH", kwDistinct: "DISTINCT", kwDo: "DO", kwDrop: "DROP", kwEach: "EACH",
	kwElse: "ELSE", kwEnd: "END", kwEscape: "ESCAPE", kwExcept: "EXCEPT", kwExclude: "EXCLUDE",
	kwExclusive: "EXCLUSIVE", kwExists: "EXISTS", kwExplain: "EXPLAIN", kwFail: "FAIL", kwFirst: "FIRST",
	kwFollowing: "FOLLOWING", kwFor: "FOR", kwForeign: "FOREIGN", kwFrom: "FROM", kwFull: "FULL",
	kwGenerated: "GENERATED", kwGlob: "GLOB", kwGroup: "GROUP", kwGroups: "GROUPS", kwHaving: "HAVING",
	kwIf: "IF", kwIgnore: "IGNORE", kwImmediate: "IMMEDIATE", kwIn: "IN", kwIndex: "INDEX",
	kwIndexed: "INDEXED", kwInitially: "INITIALLY", kwInner: "INNER", kwInsert: "INSERT",
	kwInstead: "INSTEAD", kwIntersect: "INTERSECT", kwInto: "INTO", kwIs: "IS", kwIsnull: "ISNULL",
	kwJoin: "JOIN", kwKey: "KEY", kwLast: "LAST", kwLeft: "LEFT", kwLike: "LIKE", kwLimit: "LIMIT",
	kwMatch: "MATCH", kwMaterialized: "MATERIALIZED", kwNatural: "NATURAL", kwNo: "NO", kwNot: "NOT",
	kwNothing: "NOTHING", kwNotnull: "NOTNULL", kwNull: "NULL", kwNulls: "NULLS", kwOf: "OF",
	kwOffset: "OFFSET", kwOn: "ON", kwOr: "OR", kwOrder: "ORDER", kwOthers: "OTHERS", kwOuter: "OUTER",
	kwPartition: "PARTITION", kwPlan: "PLAN", kwPragma: "PRAGMA", kwPreceding: "PRECEDING",
	kwPrimary: "PRIMARY", kwQuery: "QUERY", kwRaise: "RAISE", kwRange: "RANGE", kwRecursive: "RECURSIVE",
	kwReferences: "REFERENCES", kwRegexp: "REGEXP", kwReindex: "REINDEX", kwRelease: "RELEASE",
	kwRename: "RENAME", kwReplace: "REPLACE", kwRestrict: "RESTRICT", kwReturning: "RETURNING",
	kwRight: "RIGHT", kwRollback: "ROLLBACK", kwRow: "ROW", kwRows: "ROWS", kwSavepoint: "SAVEPOINT",
	kwSelect: "SELECT", kwSet: "SET", kwTable: "TABLE", kwTemp: "TEMP",
	kwThen: "THEN", kwTies: "TIES", kwTo: "TO", kwTransaction: "TRANSACTION", kwTrigger: "TRIGGER",
	kwUnbounded: "UNBOUNDED", kwUnion: "UNION", kwUnique: "UNIQUE", kwUpdate: "UPDATE", kwUsing: "USING",
	kwVacuum: "VACUUM", kwValues: "VALUES", kwView: "VIEW", kwVirtual: "VIRTUAL", kwWhen: "WHEN",
	kwWhere: "WHERE", kwWith: "WITH", kwWithout: "WITHOUT",
}

// String returns the operator's spelling, the keyword in upper case, or a
// description of the token class.
func (t token) String() string {
	if int(t) < len(tokenNames) && tokenNames[t] != "" {
		return tokenNames[t]
	}
	return "token(" + itoa(int(t)) + ")"
}

// isKeyword reports whether t is a keyword.
func (t token) isKeyword() bool { return t > keywordsBegin && t < keywordsEnd }

// keywords maps an upper-case word to its keyword token.
var keywords = func() map[string]token {
	m := make(map[string]token, int(keywordsEnd-keywordsBegin))
	for t := keywordsBegin + 1; t < keywordsEnd; t++ {
		m[tokenNames[t]] = t
	}
	m["TEMPORARY"] = kwTemp
	return m
}()

// fallback marks the keywords SQLite's grammar lets stand for an identifier
// (%fallback ID in parse.y): a table may be named "key" and a function
// "replace", and existing SQLite schemas rely on it.
var fallback = func() (f [keywordsEnd]bool) {
	for _, t := range []token{
		kwAbort, kwAction, kwAfter, kwAlways, kwAnalyze, kwAsc, kwAttach, kwBefore, kwBegin, kwBy, kwCascade, kwCast,
		kwColumn, kwConflict, kwCurrent, kwCurrentDate, kwCurrentTime, kwCurrentTimestamp, kwDatabase,
		kwDeferred, kwDesc, kwDetach, kwDo, kwEach, kwEnd, kwExclude, kwExclusive, kwExplain, kwFail, kwFirst,
		kwFollowing, kwFor, kwGenerated, kwGlob, kwGroups, kwIf, kwIgnore, kwImmediate, kwInitially, kwInstead,
		kwKey, kwLast, kwLike, kwMatch, kwMaterialized, kwNo, kwNulls, kwOf, kwOffset, kwOthers, kwPartition, kwPlan,
		kwPragma, kwPreceding, kwQuery, kwRaise, kwRange, kwRecursive, kwRegexp, kwReindex, kwRelease, kwRename,
		kwReplace, kwRestrict, kwRollback, kwRow, kwRows, kwSavepoint, kwTemp, kwTies, kwTrigger,
		kwUnbounded, kwVacuum, kwView, kwVirtual, kwWith, kwWithout,
	} {
		f[t] = true
	}
	return f
}()

// isJoinKeyword reports the words of SQLite's JOIN_KW class, which may name a
// table or column (nm) but not be an implicit alias.
func isJoinKeyword(t token) bool {
	switch t {
	case kwCross, kwFull, kwInner, kwLeft, kwNatural, kwOuter, kwRight:
		return true
	}
	return false
}

// lookup returns the keyword token for word, or tokIdent. It folds ASCII case
// into a stack buffer so that looking up a word does not allocate.
func lookup(word string) token {
	const longest = len("CURRENT_TIMESTAMP")
	if len(word) < 2 || len(word) > longest {
		return tokIdent
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
	return tokIdent
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
