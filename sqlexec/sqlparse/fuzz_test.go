package sqlparse

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse wants, for any input: no panic; an error only as an *Error
// whose position lies in the input and agrees with itself; and for input
// that parses, a printing that parses back to the same trees.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT a, b + 1 AS x, t.* FROM t1 AS t WHERE a > 1 AND NOT b IS NULL ORDER BY 1 DESC LIMIT 2, 3",
		"SELECT - - 5, -~x, 1 + NOT x = 2, x BETWEEN 1 AND 2 = 1, a NOT LIKE 'x%' ESCAPE '\\'",
		"CREATE TABLE t1(a INTEGER PRIMARY KEY, b VARCHAR(10) NOT NULL DEFAULT -1, c DECIMAL(10,2), UNIQUE(a,b))",
		"SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 5 AS x JOIN u y FOR SYSTEM_TIME AS OF OFFSET ? USING (id) AS OF OFFSET 3",
		"CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN SELECT 1; END; select 2",
		"SELECT 'a' IN t7, 1 IN (), (SELECT 1), EXISTS (SELECT 1), CASE WHEN 1 THEN 2 ELSE 3 END, CAST(1 AS INTEGER)",
		"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT * FROM c LEFT JOIN (a JOIN b) ON 1",
		"INSERT OR REPLACE INTO t(a) VALUES (X'00', ?1, :a, @b, $c); UPDATE t SET (a, b) = (1, 2); DELETE FROM t",
		"SELECT \"a\"\"b\", [c], `d`, 'e''f', 0x1F, 1e10, .5 -- comment\n/* block */",
		"SELECT a COLLATE nocase || b -> c ->> d FROM t GROUP BY 1 HAVING count(DISTINCT a) FILTER (WHERE a) > 1",
	} {
		f.Add(s)
	}
	if files, err := corpusGlob(); err == nil {
		for _, file := range files {
			for i, rec := range readSLT(f, file) {
				if i%97 == 0 {
					f.Add(rec.sql)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		stmts, err := Parse(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			if e.Offset < 0 || e.Offset > len(src) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("error position %+v outside the input", e)
			}
			line := 1 + strings.Count(src[:e.Offset], "\n")
			col := e.Offset - (strings.LastIndexByte(src[:e.Offset], '\n') + 1) + 1
			if e.Line != line || e.Col != col {
				t.Fatalf("error at %d:%d but offset %d is %d:%d", e.Line, e.Col, e.Offset, line, col)
			}
			if e.Msg == "" {
				t.Fatal("error without a message")
			}
		}
		for _, s := range stmts {
			printed := s.String()
			again, err := ParseOne(printed)
			if err != nil {
				t.Fatalf("printed %q does not parse: %v", printed, err)
			}
			if !equalTrees(s, again) {
				t.Fatalf("printing changes the tree:\nprinted %s\nreprint %s", printed, again)
			}
		}
	})
}
