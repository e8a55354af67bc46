package sqlparse

import (
	"errors"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"SELECT a, FROM t", `line 1, column 11: expected expression, found "FROM"`},
		{"SELECT a FROM t WHERE", `line 1, column 22: expected expression, found end of input`},
		{"SELECT * FROM t x y", `line 1, column 19: expected ";" or end of input, found "y"`},
		{"SELECT 1\nFROM t\nWHERE a = = 1", `line 3, column 11: expected expression, found "="`},
		{"SELEC 1", `line 1, column 1: expected statement, found "SELEC"`},
		{"", ""},
		{"SELECT 'abc", `line 1, column 8: unterminated string literal`},
		{"SELECT 12abc", `line 1, column 8: unrecognized token: "12abc"`},
		{"SELECT X'1'", `line 1, column 8: malformed blob literal: X'1'`},
		{"SELECT a ! b", `line 1, column 10: unrecognized token: "!"`},
		{"SELECT (1", `line 1, column 10: expected ")", found end of input`},
		{"SELECT f(DISTINCT *)", `line 1, column 19: DISTINCT or ALL cannot be used with *`},
		{"SELECT f(ALL *)", `line 1, column 14: DISTINCT or ALL cannot be used with *`},
		{"SELECT count(DISTINCT)", `line 1, column 22: expected expression, found ")"`},
		{"SELECT CASE 1 END", `line 1, column 15: expected WHEN, found "END"`},
		// END is a fallback keyword, so here it is a column named end.
		{"SELECT CASE END", `line 1, column 16: expected WHEN, found end of input`},
		{"SELECT CAST(a)", `line 1, column 14: expected "AS", found ")"`},
		{"SELECT cast FROM t", `line 1, column 13: expected "(", found "FROM"`},
		{"SELECT a FROM t WHERE a < raise", `line 1, column 32: expected "(", found end of input`},
		{"SELECT left(a) FROM t", `line 1, column 8: expected expression, found "left"`},
		{"DELETE FROM t x WHERE 1", `line 1, column 15: expected ";" or end of input, found "x"`},
		{"UPDATE t x SET a = 1", `line 1, column 10: expected "SET", found "x"`},
		{"VALUES (1), (2) ORDER BY 1", `line 1, column 17: ORDER cannot follow VALUES`},
		{"SELECT 1 UNION VALUES (2) LIMIT 1", `line 1, column 27: LIMIT cannot follow VALUES`},
		{"SELECT 1 FROM t WHERE a LIKE b ESCAPE c ESCAPE d", `line 1, column 41: expected ";" or end of input, found "ESCAPE"`},
		{"SELECT a BETWEEN 1 OR 2", `line 1, column 20: expected "AND", found "OR"`},
		{"SELECT ?0", `line 1, column 8: parameter number must be between ?1 and ?250000`},
		{"SELECT ?250001", `line 1, column 8: parameter number must be between ?1 and ?250000`},
		{"SELECT ?99999999999999999999", `line 1, column 8: parameter number must be between ?1 and ?250000`},
		{"SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2026-01-01'", `line 1, column 39: AS OF TIMESTAMP is not supported: use AS OF OFFSET <log position>`},
		{"SELECT * FROM t FOR SYSTEM_TIME AS OF 5", `line 1, column 39: expected "OFFSET", found "5"`},
		{"SELECT * FROM (SELECT 1 AS OF OFFSET 2)", `line 1, column 25: AS OF OFFSET can only end a top-level SELECT; elsewhere use FOR SYSTEM_TIME AS OF OFFSET on a table`},
		{"SELECT (SELECT 1 AS OF OFFSET 2)", `line 1, column 18: AS OF OFFSET can only end a top-level SELECT; elsewhere use FOR SYSTEM_TIME AS OF OFFSET on a table`},
		{"INSERT INTO t SELECT 1 AS OF OFFSET 2", `line 1, column 24: AS OF OFFSET can only end a top-level SELECT; elsewhere use FOR SYSTEM_TIME AS OF OFFSET on a table`},
		{"UPDATE t FOR SYSTEM_TIME AS OF OFFSET 1 SET a = 1", `line 1, column 10: FOR SYSTEM_TIME applies to reads only`},
		{"DELETE FROM t FOR SYSTEM_TIME AS OF OFFSET 1", `line 1, column 15: FOR SYSTEM_TIME applies to reads only`},
		{"SELECT * FROM (t1 JOIN t2) AS j", `line 1, column 28: an alias for a parenthesised join is not supported`},
		{"SELECT * FROM generate_series(1, 10)", `line 1, column 30: table-valued functions are not supported`},
		{"SELECT sum(a) OVER (PARTITION BY b) FROM t", `line 1, column 15: window functions are not supported`},
		{"SELECT a FROM t WINDOW w AS (ORDER BY a)", `line 1, column 17: window functions are not supported`},
		{"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", `line 1, column 26: upsert (ON CONFLICT) is not supported`},
		{"DELETE FROM t RETURNING *", `line 1, column 15: RETURNING is not supported`},
		{"UPDATE t SET a = 1 LIMIT 1", `line 1, column 20: ORDER BY and LIMIT on UPDATE are not supported`},
		{"SAVEPOINT x", `line 1, column 1: savepoints are not supported`},
		{"ROLLBACK TO x", `line 1, column 10: savepoints are not supported`},
		{"ALTER TABLE t ADD COLUMN c", `line 1, column 1: ALTER is not supported`},
		{"PRAGMA foreign_keys = 1", `line 1, column 1: PRAGMA is not supported`},
		{"CREATE VIRTUAL TABLE t USING fts5(a)", `line 1, column 8: virtual tables are not supported`},
		{"CREATE TABLE t (a, PRIMARY KEY (a AUTOINCREMENT))", `line 1, column 35: AUTOINCREMENT belongs on an INTEGER PRIMARY KEY column`},
		{"CREATE TABLE t (a) WITHOUT x", `line 1, column 28: expected ROWID, found "x"`},
		{"CREATE TRIGGER r UPDATE ON t BEGIN CREATE TABLE x(a); END", `line 1, column 36: expected SELECT, INSERT, UPDATE, DELETE or END, found "CREATE"`},
		{"CREATE TRIGGER r UPDATE ON t BEGIN SELECT 1 WHERE 1 END", `line 1, column 53: expected ";", found "END"`},
		{"DROP SCHEMA s", `line 1, column 6: expected TABLE, INDEX, VIEW or TRIGGER, found "SCHEMA"`},
		{"SELECT 1; SELECT", `line 1, column 17: expected expression, found end of input`},
		{"INSERT INTO t", `line 1, column 14: expected VALUES, SELECT or DEFAULT VALUES, found end of input`},
		{"SELECT a FROM t ORDER BY a NULLS", `line 1, column 33: expected FIRST or LAST, found end of input`},
		{"WITH recursive AS (SELECT 1) SELECT 1", `line 1, column 16: expected common table expression name, found "AS"`},
		{"CREATE TABLE u (a REFERENCES t (a) DEFERRABLE MATCH simple)", `line 1, column 47: expected ")", found "MATCH"`},
		{"EXPLAIN EXPLAIN SELECT 1", `line 1, column 9: expected statement, found "EXPLAIN"`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
		}
		if err == nil {
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error is a %T, want *Error", tt.src, err)
			continue
		}
		checkErrorPos(t, tt.src, e)
	}
}

// checkErrorPos checks that an error's offset, line and column agree with
// each other and with the source.
func checkErrorPos(t *testing.T, src string, e *Error) {
	t.Helper()
	if e.Offset < 0 || e.Offset > len(src) {
		t.Errorf("%q: error offset %d outside the source", src, e.Offset)
		return
	}
	line := 1 + strings.Count(src[:e.Offset], "\n")
	col := e.Offset - (strings.LastIndexByte(src[:e.Offset], '\n') + 1) + 1
	if e.Line != line || e.Col != col {
		t.Errorf("%q: error at line %d column %d, but offset %d is line %d column %d", src, e.Line, e.Col, e.Offset, line, col)
	}
}

func TestParseOne(t *testing.T) {
	if s, err := ParseOne("SELECT 1;;"); err != nil || s.String() != "SELECT 1" {
		t.Errorf("ParseOne with trailing semicolons: %v, %v", s, err)
	}
	for src, want := range map[string]string{
		"":                    "line 1, column 1: expected statement, found end of input",
		" ; ":                 "line 1, column 4: expected statement, found end of input",
		"SELECT 1; SELECT 2":  `line 1, column 11: expected one statement, found another: "SELECT"`,
		"SELECT 1 2":          `line 1, column 10: expected ";" or end of input, found "2"`,
		"SELECT 1;\n\nfoo":    `line 3, column 1: expected one statement, found another: "foo"`,
		"/* c */ -- x\n ;  ;": "line 2, column 6: expected statement, found end of input",
	} {
		_, err := ParseOne(src)
		if err == nil || err.Error() != want {
			t.Errorf("ParseOne(%q) = %v, want %s", src, err, want)
		}
	}
}

func TestParseExpr(t *testing.T) {
	if _, err := ParseExpr("a + 1 b"); err == nil || err.Error() != `line 1, column 7: expected end of expression, found "b"` {
		t.Errorf("ParseExpr with trailing token: %v", err)
	}
}

// TestDepth wants absurd nesting refused with an error at the point where
// the limit is crossed, and nesting within the limit accepted.
func TestDepth(t *testing.T) {
	nest := func(open, mid, close string, n int) string {
		return strings.Repeat(open, n) + mid + strings.Repeat(close, n)
	}
	deep := []string{
		"SELECT " + nest("(", "1", ")", 100000),
		"SELECT " + strings.Repeat("- ", 100000) + "1",
		"SELECT " + strings.Repeat("NOT ", 100000) + "1",
		"SELECT " + strings.Repeat("~ NOT ", 100000) + "1",
		"SELECT " + nest("(SELECT ", "1", ")", 100000),
		"SELECT * FROM " + nest("(", "t", ")", 100000),
		"SELECT " + nest("CASE WHEN ", "1", " THEN 1 END", 100000),
		"SELECT " + nest("f(", "1", ")", 100000),
		"SELECT 1 " + strings.Repeat("BETWEEN 1 ", 100000) + strings.Repeat("AND 1 ", 100000),
		"SELECT " + nest("EXISTS (SELECT ", "1", ")", 100000),
		"SELECT 1 IN " + nest("(", "1", ")", 100000),
	}
	for _, src := range deep {
		_, err := Parse(src)
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Msg, "nested too deeply") {
			t.Errorf("%.40s...: got %v, want a nesting error", src, err)
			continue
		}
		checkErrorPos(t, src, e)
	}
	ok := []string{
		"SELECT " + nest("(", "1", ")", 300),
		"SELECT " + strings.Repeat("- ", 900) + "1",
		"SELECT " + nest("(SELECT ", "1", ")", 300),
	}
	for _, src := range ok {
		if _, err := Parse(src); err != nil {
			t.Errorf("%.40s...: %v", src, err)
		}
	}
}

// TestLongChains wants flat lists and left-associative chains far longer
// than MaxDepth to parse: the corpus has statements with thousands of terms.
func TestLongChains(t *testing.T) {
	const n = 20000
	terms := make([]string, n)
	for i := range terms {
		terms[i] = "a" + itoa(i)
	}
	for _, src := range []string{
		"SELECT " + strings.Join(terms, " + "),
		"SELECT " + strings.Join(terms, ", "),
		"SELECT 1 WHERE " + strings.Join(terms, " AND "),
		"SELECT 1 WHERE x IN (" + strings.Join(terms, ", ") + ")",
		"SELECT * FROM " + strings.Join(terms, ", "),
		"SELECT * FROM " + strings.Join(terms, " JOIN "),
		strings.Repeat("SELECT 1 UNION ALL ", n) + "SELECT 2",
		"SELECT " + strings.Join(terms, " || "),
	} {
		s, err := ParseOne(src)
		if err != nil {
			t.Errorf("%.40s...: %v", src, err)
			continue
		}
		// The printer walks the left-deep tree recursively; it must cope.
		if printed := s.String(); len(printed) < n {
			t.Errorf("%.40s...: printed only %d bytes", src, len(printed))
		}
	}
}
