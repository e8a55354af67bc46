// Package sqlparse parses the SQLite dialect of SQL into a syntax tree for
// package sqlexec. It owns the lexer, the AST, the recursive-descent parser
// and the printer that renders an AST back to SQL; it does not resolve names,
// check types or run anything: that is the executor's job.
//
// # Entry points
//
// Parse reads a script of ';'-separated statements, ParseOne exactly one
// statement, and Script walks a script one statement at a time, giving each
// statement's source text (the REPL and the sqllogictest runner need the
// text, and must be able to act on one statement before parsing the next).
// Every node embeds a Pos (byte offset, line, column); every syntax error is
// an *Error with the same three coordinates.
//
// # Dialect
//
// The grammar follows SQLite's parse.y, including its operator precedence
// (https://www.sqlite.org/lang_expr.html) and its rule that most keywords may
// be used as identifiers where they are not meaningful ("fallback"
// keywords). TRUE and FALSE are read as boolean literals, as SQLite does when
// no column has that name. Window functions, upsert, RETURNING, savepoints,
// ALTER, ATTACH, PRAGMA and VACUUM are refused with a clear error. CREATE
// TRIGGER and REINDEX are parsed so that the executor can refuse them by
// name.
//
// # Point in time
//
// Two extensions read the store at a past log position:
//
//	SELECT ... FROM t FOR SYSTEM_TIME AS OF OFFSET 42 AS x ...
//	SELECT ... FROM t AS x FOR SYSTEM_TIME AS OF OFFSET 42 ...
//	SELECT ... AS OF OFFSET 42
//
// The first two attach a position to one table reference (TableName.AsOf);
// SQL:2011 puts the period clause between the table name and the alias, and
// the printer writes it there, but the parser also accepts it after the
// alias because FOR SYSTEM_TIME can never start an alias. The third, at the
// very end of a top-level SELECT, sets the position for every table reference
// of the statement that has none of its own (Select.AsOf); it is refused in
// subqueries, where it would be ambiguous which tables it covers. The words
// AS OF OFFSET are never read as an alias named "of", since OFFSET cannot
// follow an alias.
//
// # Limits
//
// Long lists and left-associative chains (a+b+c..., thousands of UNION
// terms, IN lists) are parsed iteratively. Nesting (parentheses, prefix
// operators, subqueries) is limited to MaxDepth levels so that absurd input
// gives an error instead of exhausting the stack.
package sqlparse
