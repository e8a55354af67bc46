// Package sqlparse parses the SQLite dialect of SQL into a syntax tree for
// package sqlexec. It owns the lexer, the AST, the recursive-descent parser
// and the printer that renders an AST back to SQL; it does not resolve names,
// check types or run anything: that is the executor's job.
//
// # Entry points
//
// Parse reads a script of ';'-separated statements, ParseOne exactly one
// statement, ParseExpr one expression. Script walks a script one statement
// at a time with each statement's source text: the REPL and the
// sqllogictest runner run a statement before parsing the next, and show its
// text. Complete is SQLite's sqlite3_complete, which tells a shell whether to
// read another line. Inspect walks a tree.
//
// Every node embeds a Pos (byte offset, line, column). Every syntax error is
// an *Error with the same coordinates, and its message names what was
// expected and what was found:
//
//	line 1, column 15: expected expression, found "FROM"
//
// Printing a tree (its String method) gives SQL that parses back to the same
// tree, positions aside. The printer keeps no parentheses from the source;
// it writes those the tree's shape needs.
//
// # Dialect
//
// The grammar follows SQLite's parse.y, including its operator precedence
// (https://www.sqlite.org/lang_expr.html) and the way its yacc grammar
// resolves prefix operators in operand position (1 + NOT x = 2) and closed
// postfix forms followed by tighter operators (x ISNULL * 2). Most keywords
// may be used as names where they are not meaningful, as in SQLite (a table
// may be called key or replace). Unquoted TRUE and FALSE are read as
// boolean literals, as SQLite does when no column has that name.
// Parameters are numbered as SQLite numbers them (Param.Index).
//
// CREATE TRIGGER, REINDEX and ANALYZE are parsed so that scripts holding
// them split correctly and the executor can refuse them by name. These are
// refused here, each with its own message: window functions, table-valued
// functions, upsert, RETURNING, ORDER BY and LIMIT on UPDATE and DELETE,
// savepoints, ALTER, ATTACH, DETACH, PRAGMA, VACUUM and virtual tables.
//
// # Point in time
//
// Two extensions read the store at a past log position:
//
//	SELECT ... FROM t FOR SYSTEM_TIME AS OF OFFSET 42 AS x ...
//	SELECT ... FROM t AS x FOR SYSTEM_TIME AS OF OFFSET 42 ...
//	SELECT ... AS OF OFFSET 42
//
// The first two attach a position to one table reference (TableName.AsOf),
// so that each table of a statement may be read at its own position.
// SQL:2011 puts the period clause between the table name and the alias, and
// the printer writes it there, but the parser also accepts it after the
// alias, which is unambiguous because FOR SYSTEM_TIME can never start an
// alias. The operand is any expression, typically an integer or a parameter.
// UPDATE and DELETE refuse the clause: writes go to the next position.
//
// The third, at the very end of a top-level SELECT (after LIMIT), sets the
// position for every table reference of the statement that has none of its
// own (Select.AsOf). It is refused inside subqueries, views and INSERT ...
// SELECT, where it would be unclear which tables it covers. The words AS OF
// OFFSET are never read as an alias named "of", since OFFSET cannot follow
// an alias.
//
// # Limits
//
// Long lists and left-associative chains (a+b+c..., thousands of UNION
// terms, IN lists, 64-way joins) are parsed iteratively. Nesting
// (parentheses, prefix operators, subqueries, CASE, function arguments) is
// limited to MaxDepth levels, so that absurd input gives an error instead of
// exhausting the stack.
package sqlparse
