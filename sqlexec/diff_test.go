package sqlexec

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	_ "modernc.org/sqlite"

	"github.com/projstore/projstore/store"
)

// The differential tests run the same SQL on this engine and on SQLite
// (modernc.org/sqlite, a translation of SQLite's C source) and require the
// same values with the same storage classes, or an error from both.

const diffSchema = `
CREATE TABLE t(id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n NUMERIC, x);
INSERT INTO t VALUES(1, 1, 1.5, '1', x'31', 1, 1);
INSERT INTO t VALUES(2, -7, -0.25, 'abc', x'00ff', '12.0', 'abc');
INSERT INTO t VALUES(3, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO t VALUES(4, 9223372036854775807, 1e300, ' 12 ', x'', 'x', 2.5);
INSERT INTO t VALUES(5, 0, 0.0, '', 'blobtext', 3.0, '3');
INSERT INTO t VALUES(6, 12, 12.0, '12', x'3132', '  7  ', 12);
INSERT INTO t VALUES(7, -9223372036854775808, -1e-5, 'ABC', x'616263', 1e20, x'01');
CREATE TABLE u2(k TEXT, v NUMERIC, w REAL, z);
INSERT INTO u2 VALUES('1', '1', 1, '1'), ('12', 12, '12', 12.0), ('abc', 'abc', NULL, 'ABC'), (NULL, 2.5, 2.5, x'31'), ('1.5', '1.50', 1.5, '1.5');
CREATE TABLE nr(a, b TEXT);
INSERT INTO nr VALUES(1, 'one'), (2, 'two'), (3, 'three');
DELETE FROM nr WHERE a = 3;
INSERT INTO nr VALUES(4, 'four');
DELETE FROM nr WHERE a = 1;
INSERT INTO nr(b) VALUES('five');
UPDATE nr SET a = rowid * 10 WHERE rowid > 2;
`

func openSQLite(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func newDiff(t testing.TB) (*DB, *sql.DB) {
	return newDiffOn(t, NewMemory(nil))
}

// newStoreDiff is newDiff with the tables in a store, read through
// package column's scanner into memory the test checks for leaks.
func newStoreDiff(t testing.TB) (*DB, *sql.DB) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() {
		s.Close()
		mem.AssertSize(t, 0)
	})
	return newDiffOn(t, OpenStore(s, mem))
}

func newDiffOn(t testing.TB, ours *DB) (*DB, *sql.DB) {
	if _, err := ours.Exec(context.Background(), diffSchema); err != nil {
		t.Fatal(err)
	}
	ref := openSQLite(t)
	if _, err := ref.Exec(diffSchema); err != nil {
		t.Fatal(err)
	}
	return ours, ref
}

func refQuery(db *sql.DB, q string) ([][]any, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

func sameValue(a, b any) bool {
	switch a := a.(type) {
	case nil:
		// the driver returns a zero-length blob as nil
		y, ok := b.([]byte)
		return b == nil || ok && len(y) == 0
	case int64:
		y, ok := b.(int64)
		return ok && a == y
	case float64:
		y, ok := b.(float64)
		return ok && (a == y || math.IsNaN(a) && math.IsNaN(y))
	case string:
		y, ok := b.(string)
		return ok && a == y
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(a, y) || len(a) == 0 && b == nil
	}
	return false
}

func show(rows [][]any) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("[")
		for i, v := range r {
			if i > 0 {
				b.WriteString(" ")
			}
			switch v := v.(type) {
			case []byte:
				fmt.Fprintf(&b, "x'%x'", v)
			case string:
				fmt.Fprintf(&b, "%q", v)
			case float64:
				b.WriteString(strconv.FormatFloat(v, 'g', -1, 64) + "r")
			default:
				fmt.Fprint(&b, v)
			}
		}
		b.WriteString("]")
	}
	return b.String()
}

// compare runs q on both and reports a difference.
func compare(ours *DB, ref *sql.DB, q string) error {
	want, werr := refQuery(ref, q)
	res, gerr := ours.Query(context.Background(), q)
	if werr != nil || gerr != nil {
		if werr != nil && gerr != nil {
			return nil
		}
		return fmt.Errorf("%s\n  sqlite: %s err %v\n  ours:   %v", q, show(want), werr, gerrOrRows(res, gerr))
	}
	got := res.Rows
	if len(got) != len(want) {
		return fmt.Errorf("%s\n  sqlite: %s\n  ours:   %s", q, show(want), show(got))
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return fmt.Errorf("%s: column count %d, sqlite %d", q, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if !sameValue(got[i][j], want[i][j]) {
				return fmt.Errorf("%s\n  sqlite: %s\n  ours:   %s", q, show(want), show(got))
			}
		}
	}
	return nil
}

func gerrOrRows(res *Result, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	return show(res.Rows)
}

// diffExprs are expressions checked against SQLite, one query each, over
// every row of t.
var diffExprs = []string{
	// arithmetic and overflow
	"1+1", "5/2", "-5/2", "5%-3", "-5%3", "5/0", "5%0", "5.0/0", "1/0.0",
	"9223372036854775807+1", "-9223372036854775808-1", "9223372036854775807*2",
	"-9223372036854775808/-1", "-9223372036854775808%-1", "-(-9223372036854775808)",
	"9223372036854775808", "-9223372036854775808", "0x7fffffffffffffff", "0xffffffffffffffff",
	"'3abc'+1", "'1e3'+0", "' 12 '+0", "'.5'+0", "'abc'*2", "x'31'+1", "'0x10'+0",
	"5.5%2", "-5.5%2.5", "2.0*3", "1e308*10", "7/2.0", "i+1", "i*2", "i-1", "r*2", "s+0", "n+0", "x+0", "b+0",
	"i/0", "i%3", "n/2", "x/2", "s/2", "~i", "i<<1", "i>>1", "1<<63", "1<<64", "-1>>70", "5&3", "5|3", "i&n",
	// comparisons and affinity
	"i=s", "i<s", "s=1", "s='1'", "n=s", "n='12.0'", "n=12", "x=1", "x='1'", "x=s", "r=s", "r='1.5'",
	"i>'abc'", "1<'1'", "'a'<x'61'", "NULL=NULL", "NULL IS NULL", "1 IS 1.0", "'1' IS 1", "i IS s", "i IS NOT NULL",
	"s COLLATE NOCASE = 'abc'", "s = 'ABC' COLLATE NOCASE", "'a ' = 'a' COLLATE RTRIM",
	"i BETWEEN 0 AND 10", "s BETWEEN '1' AND '2'", "i NOT BETWEEN NULL AND 5", "n BETWEEN 1 AND 13",
	"i IN (1, 12, NULL)", "i NOT IN (1, 12, NULL)", "i IN ()", "i NOT IN ()", "NULL IN ()", "s IN (1, 12)", "n IN ('12', 3)",
	"x IN (1, 'abc')", "i IN (SELECT i FROM t WHERE id<3)", "s IN (SELECT i FROM t)", "i NOT IN (SELECT i FROM t WHERE id>5)",
	"i IN (SELECT n FROM t)", "1 IN (SELECT s FROM t)",
	// logic
	"NULL AND 0", "NULL OR 1", "NOT NULL", "NOT 'abc'", "NOT '1x'", "i AND s", "i OR NULL", "NOT i",
	"CASE i WHEN 1 THEN 'one' WHEN 12 THEN 'twelve' ELSE 'other' END", "CASE WHEN i>0 THEN i END",
	"CASE s WHEN 1 THEN 'num' ELSE 'no' END", "CASE n WHEN '12' THEN 'x' END", "CASE NULL WHEN NULL THEN 1 ELSE 2 END",
	// casts
	"CAST(s AS INTEGER)", "CAST(s AS REAL)", "CAST(s AS NUMERIC)", "CAST(r AS INTEGER)", "CAST(r AS TEXT)",
	"CAST(i AS TEXT)", "CAST(b AS TEXT)", "CAST(s AS BLOB)", "CAST(n AS TEXT)", "CAST('1e3' AS INTEGER)",
	"CAST('1e3' AS NUMERIC)", "CAST('12.0' AS NUMERIC)", "CAST(' -5x' AS INTEGER)", "CAST(1e20 AS INTEGER)",
	"CAST(-1e20 AS INTEGER)", "CAST('9223372036854775808' AS INTEGER)", "CAST('9223372036854775808' AS NUMERIC)",
	"CAST(x AS REAL)", "CAST(NULL AS TEXT)", "CAST(3.0 AS NUMERIC)", "CAST('0x10' AS INTEGER)", "CAST(x'3132' AS INTEGER)",
	// LIKE and GLOB
	"s LIKE 'a%'", "s LIKE 'A_C'", "s NOT LIKE '%b%'", "'a%c' LIKE 'a\\%c' ESCAPE '\\'", "'abc' LIKE 'a\\%c' ESCAPE '\\'",
	"s GLOB 'a*'", "s GLOB '[a-c]*'", "s GLOB '[^a]*'", "'a' GLOB '[]a]'", "i LIKE 1", "NULL LIKE 'a'", "'' LIKE '%'",
	// functions
	"abs(i)", "abs(r)", "abs(s)", "abs(-9223372036854775808)", "coalesce(i, s, 'z')", "ifnull(i, 0)", "nullif(i, 1)",
	"length(s)", "length(b)", "length(i)", "length(r)", "length('héllo')", "lower(s)", "upper(s)", "upper('héllo')",
	"substr(s, 2)", "substr(s, 0)", "substr(s, -1)", "substr(s, 0, 2)", "substr(s, -2, 1)", "substr(s, 2, -1)",
	"substr('hello', -10, 3)", "substr('hello', 3, -5)", "substr(b, 1, 1)", "substr('héllo', 2, 2)", "substr(i, 2)",
	"trim(s)", "ltrim(s)", "rtrim(s)", "trim('xxaxx', 'x')", "replace(s, 'b', 'BB')", "replace('aaa', 'a', '')", "replace(i, 1, 2)",
	"instr(s, 'b')", "instr('héllo', 'l')", "instr(b, x'ff')", "round(r)", "round(r, 1)", "round(2.5)", "round(-2.5)",
	"round(1.005, 2)", "round(i)", "round(s, 2)", "round(1e300, 2)", "typeof(i)", "typeof(r)", "typeof(s)", "typeof(b)",
	"typeof(n)", "typeof(x)", "hex(s)", "hex(i)", "hex(r)", "hex(b)", "quote(s)", "quote(i)", "quote(r)", "quote(b)", "quote(x)",
	"min(i, 5)", "max(i, s)", "min(s, 1, NULL)", "max('a', 1, x'00')", "iif(i, 'y', 'n')", "char(72, 105)", "unicode(s)",
	"zeroblob(3)", "likely(i)", "unlikely(s)", "likelihood(i, 0.5)", "sign(i)", "sign(r)", "sign(s)", "sign(b)",
	"printf('%d', i)", "printf('%5d|%-5d|%05d', i, i, i)", "printf('%s', s)", "printf('%.2f', r)", "printf('%10.3f', r)",
	"printf('%g', r)", "printf('%e', r)", "printf('%q', s)", "printf('%Q', s)", "printf('%x', i)", "printf('%X', 255)",
	"printf('%c', s)", "printf('%%')", "printf('%5s|%-5s|', s, s)", "printf('%.1s', s)", "printf('%d', r)", "printf('%d', s)",
	"printf('%.3f', 2.0005)", "printf('%.0f', 0.5)", "printf('%.0f', 1.5)", "printf('%g', 100000.0)", "printf('%g', 1000000.0)",
	"printf('%g', 0.0001)", "printf('%g', 0.00001)", "printf('%.3g', 3.14159)", "printf('%+d', 5)", "printf('% d', 5)",
	"printf('%o', 8)", "printf('%#x', 255)", "printf('%,d', 1234567)", "printf('%.20f', 0.1)", "printf('%f', 1e20)",
	"format('%d-%s', 1, 'a')", "printf('%s')", "printf(NULL)", "printf('%5.2s|', 'abc')",
	"1 || 2", "s || NULL", "r || ''", "i || s", "b || 'x'",
	"-s", "-b", "+s", "-NULL", "- '12'", "-(1.0)",
	"(SELECT max(i) FROM t)", "(SELECT s FROM t WHERE id=2)", "EXISTS (SELECT 1 FROM t WHERE i>100)",
	"(SELECT count(*) FROM t AS u WHERE u.i < t.i)",
	// reals as text and quote
	"quote(0.1)", "quote(1.0/3)", "quote(1e100)", "quote(123456789.123456789)", "quote(-0.0)", "CAST(1.0/3 AS TEXT)",
	"CAST(1e15 AS TEXT)", "CAST(1e16 AS TEXT)", "CAST(1e17 AS TEXT)", "CAST(123456789012345678.0 AS TEXT)", "CAST(0.000001 AS TEXT)",
	"CAST(0.0001 AS TEXT)", "r || ''", "1e300 * 1e10", "-1e300 * 1e10", "typeof(1e300 * 1e10)", "(1e300 * 1e10) - (1e300 * 1e10)",
	// more printf
	"printf('%-10.3e|', r)", "printf('%+.2e', 12345.678)", "printf('%G', 0.000001234)", "printf('%#g', 1.0)", "printf('%#.3g', 1.0)",
	"printf('%08.2f', -3.14159)", "printf('% 8d', 42)", "printf('%-8d|', -42)", "printf('%.3d', 7)", "printf('%5.1f%%', 99.95)",
	"printf('%s and %s', 'a')", "printf('%d %d', 1)", "printf('%10s', 'héllo')", "printf('%.2s', 'héllo')",
	"printf('%x', -1)", "printf('%o', -1)", "printf('%c%c', 'abc', 'xyz')", "printf('%lld', 5)", "printf('%5%')",
	"printf('%.15g', 0.1)", "printf('%.17g', 0.1)", "printf('%.20f', 1.0/3)", "printf('%e', 0)", "printf('%g', 0)",
	"printf('%.10f', 1e-10)", "printf('%f', -0.0000001)", "printf('%g', 1e-300)", "printf('%g', 123456789)", "printf('%.3g', 1e21)",
	// more string functions
	"substr('abcdef', 2, 0)", "substr('abcdef', 7)", "substr('abcdef', -7, 3)", "substr('abcdef', 3, -2)", "substr(x'010203', -1)",
	"instr('abc', '')", "instr('', 'a')", "instr(NULL, 'a')", "replace('abc', '', 'x')", "replace('abcabc', 'bc', 'X')",
	"trim('  x  ')", "ltrim('xxyxx', 'x')", "rtrim('xxyxx', 'xy')", "trim(12.50, '0')", "length(x'00')", "length('a' || x'00' || 'b')",
	"upper(x'61')", "lower(NULL)", "hex(NULL)", "hex(1e10)", "hex(-1)", "quote(x'')", "char()", "char(0x1F600)", "unicode('')",
	"round(-1.5)", "round(0.5)", "round(2.675, 2)", "round(-2.675, 2)", "round(1.23456789, 20)", "round(12345.6789, -2)",
	"round(9007199254740993)", "round(4503599627370497.5)", "abs(-0.0)", "abs('-3abc')", "abs(x'2d33')", "sign(-0.0)", "sign('x')",
	"coalesce(NULL, NULL)", "nullif(1, 1.0)", "nullif('a', 'A')", "iif(NULL, 1, 2)", "max(1, '1')", "min(x'00', 'z')",
	"zeroblob(-1)", "typeof(zeroblob(2))", "likelihood(1, 2)", "1 = 1.0", "'1' = 1", "x'01' = x'01'", "'abc' < 'abd'", "NULL IS NOT 1",
}

func TestDiffExpressions(t *testing.T) {
	ours, ref := newDiff(t)
	fails := 0
	for _, e := range diffExprs {
		q := "SELECT " + e + " FROM t ORDER BY id"
		if err := compare(ours, ref, q); err != nil {
			t.Error(err)
			fails++
		}
	}
	t.Logf("%d expressions, %d differ", len(diffExprs), fails)
}

var diffQueries = []string{
	// Inf - Inf is NaN, which SQLite makes NULL before anything compares it
	"SELECT id FROM t WHERE (r * 1e308 - r * 1e308) <> 0.0 ORDER BY id", "SELECT id, (r * 1e308) - (r * 1e308) <> 0.5 FROM t",
	"SELECT id FROM t WHERE (r * 1e308 - r * 1e308) IS NULL ORDER BY id",
	// a term on one table is evaluated only on the rows the join reaches
	"SELECT a.id, b.id FROM t a LEFT JOIN t b ON a.r = b.id AND abs(b.i) > 0 WHERE a.id = 5",
	"SELECT a.id, b.id FROM t a JOIN t b ON a.r = b.id WHERE abs(b.i) > 0 AND a.id = 5",
	// a nonzero integer literal makes OR true before the other side runs
	"SELECT (2 OR abs(i)) FROM t ORDER BY id", "SELECT (abs(i) OR -3) FROM t ORDER BY id",
	"SELECT (i OR abs(i)) FROM t ORDER BY id", "SELECT (0.5 OR abs(i)) FROM t ORDER BY id",
	"SELECT (abs(i) OR TRUE), (0x10 OR abs(i)) FROM t ORDER BY id", "SELECT count(*) FROM t WHERE abs(i) OR 2",
	"SELECT * FROM (SELECT (-0) AS a, s AS b FROM t) WHERE (r OR -1)", "SELECT * FROM (SELECT s AS b FROM t) WHERE (r OR 1)",
	// aggregates
	"SELECT count(*), count(i), count(s), sum(i), total(i), avg(i), min(i), max(i) FROM t",
	"SELECT sum(r), total(r), avg(r), min(r), max(r), min(s), max(s), min(b), max(b), min(x), max(x) FROM t",
	"SELECT group_concat(s), group_concat(s, '-'), group_concat(DISTINCT x), count(DISTINCT s) FROM t",
	"SELECT sum(s), sum(n), sum(x), avg(s), total(s), sum(b) FROM t",
	"SELECT sum(i) FROM t WHERE id IN (4, 6)", "SELECT total(i) FROM t WHERE id IN (4, 6)", "SELECT avg(i) FROM t WHERE id IN (4, 6)",
	"SELECT sum(i), count(*), avg(i), min(i), group_concat(i) FROM t WHERE 0",
	"SELECT x, count(*) FROM t GROUP BY x ORDER BY 1", "SELECT typeof(n), count(*), sum(i) FROM t GROUP BY typeof(n) ORDER BY 1",
	"SELECT id, max(i) FROM t", "SELECT s, min(r) FROM t", "SELECT i % 2 AS k, count(*) FROM t GROUP BY k HAVING count(*) > 1 ORDER BY k",
	"SELECT count(*) FROM t HAVING count(*) > 100",
	"SELECT s FROM t GROUP BY s COLLATE NOCASE ORDER BY 1",
	"SELECT DISTINCT x FROM t ORDER BY x", "SELECT DISTINCT s COLLATE NOCASE FROM t ORDER BY 1",
	// ordering
	"SELECT x FROM t ORDER BY x DESC", "SELECT s FROM t ORDER BY s COLLATE NOCASE, id", "SELECT i FROM t ORDER BY i NULLS LAST",
	"SELECT id, r FROM t ORDER BY r DESC, id", "SELECT id AS k FROM t ORDER BY -k LIMIT 3 OFFSET 2",
	"SELECT id FROM t ORDER BY id LIMIT -1 OFFSET 5", "SELECT id FROM t LIMIT '2'", "SELECT id FROM t LIMIT 2.5",
	// compound
	"SELECT i FROM t UNION SELECT s FROM t", "SELECT x FROM t UNION ALL SELECT 1 ORDER BY 1",
	"SELECT i FROM t INTERSECT SELECT n FROM t", "SELECT s FROM t EXCEPT SELECT x FROM t",
	"SELECT 1 AS a UNION SELECT 2 ORDER BY a DESC", "SELECT id, s FROM t UNION SELECT id, x FROM t ORDER BY 2, 1",
	"VALUES (1, 'a'), (2, NULL)", "SELECT * FROM (VALUES (1), (2)) AS v",
	// joins
	"SELECT a.id, b.id FROM t a, t b WHERE a.i = b.s ORDER BY 1, 2",
	"SELECT a.id, b.id FROM t a JOIN t b ON a.n = b.x ORDER BY 1, 2",
	"SELECT a.id, b.id FROM t a LEFT JOIN t b ON a.i = b.i AND b.id > 2 ORDER BY 1, 2",
	"SELECT a.id, b.id FROM t a LEFT JOIN t b ON a.id = b.id + 1 WHERE b.id IS NULL ORDER BY 1",
	"SELECT a.id, b.id, c.id FROM t a, t b, t c WHERE a.id = b.id + 1 AND b.id = c.id + 1 ORDER BY 1",
	"SELECT * FROM t a JOIN t b USING (id) ORDER BY 1", "SELECT count(*) FROM t a CROSS JOIN t b",
	"SELECT a.id FROM t a NATURAL JOIN t b ORDER BY 1",
	// subqueries and CTEs
	"SELECT id, (SELECT count(*) FROM t u WHERE u.id < t.id) FROM t ORDER BY id",
	"SELECT id FROM t WHERE EXISTS (SELECT 1 FROM t u WHERE u.i = t.i AND u.id <> t.id) ORDER BY id",
	"WITH c(a) AS (SELECT id FROM t WHERE id < 3) SELECT * FROM c ORDER BY a",
	"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 10) SELECT sum(n) FROM c",
	"WITH RECURSIVE c(n) AS (SELECT 1 UNION SELECT n % 3 + 1 FROM c) SELECT n FROM c ORDER BY n",
	"SELECT * FROM (SELECT id, i FROM t WHERE i > 0) AS d ORDER BY 1",
	"SELECT d.k FROM (SELECT id AS k FROM t) d WHERE d.k > 5 ORDER BY 1",
	// errors
	"SELECT nosuch FROM t", "SELECT * FROM nosuch", "SELECT a.id FROM t a, t b WHERE id = 1", "SELECT sum(sum(i)) FROM t",
	"SELECT i FROM t ORDER BY 9", "SELECT 1 UNION SELECT 1, 2", "SELECT abs(1, 2)", "SELECT nosuchfn(1)",
	"SELECT sum(i) FROM t", "SELECT count(DISTINCT *) FROM t",
	// rowid
	"SELECT rowid, oid, _rowid_, * FROM nr ORDER BY rowid", "SELECT rowid, id FROM t WHERE rowid > 5 ORDER BY 1",
	"SELECT a.rowid, b.rowid FROM nr a JOIN nr b ON a.rowid = b.rowid + 1", "SELECT rowid FROM nr a, t b WHERE b.id = 1",
	"SELECT count(*) FROM nr NATURAL JOIN nr",
	// the corpus's random tier style
	"SELECT ALL - - 52 * + COUNT( * ) FROM t",
	"SELECT CAST( NULL AS SIGNED ), CAST(i AS SIGNED) FROM t ORDER BY id",
	"SELECT count(ALL i), sum(ALL DISTINCT i) FROM t",
	"SELECT DISTINCT - i / + 3 AS col1 FROM t WHERE NOT ( NOT i IS NULL ) ORDER BY 1",
	"SELECT + + 74 * - CASE - 12 WHEN 13 THEN NULL ELSE 6 END AS col0",
	"SELECT - 12 / - COALESCE ( + 20, - 91 ) col2",
	"SELECT - ( - MAX ( 60 ) ) / + - 27 AS col2",
	"SELECT 9 * - + 92 * + COUNT( DISTINCT + 74 ) * - 57 AS col1",
	"SELECT - 23 + - - NULLIF ( 84, - 88 * - 5 ) / 99 AS col2",
	"SELECT ( + CAST( + 22 AS SIGNED ) ) * - 1",
	"SELECT * FROM t AS cor0 WHERE NOT i + - i NOT IN ( + i, i )",
	"SELECT id FROM t WHERE NOT ( - i ) BETWEEN NULL AND - 2 ORDER BY 1",
	"SELECT DISTINCT 10 FROM t AS cor0 CROSS JOIN t AS cor1",
	"SELECT - cor0.i FROM t cor0 WHERE NULL IS NULL ORDER BY 1",
	"SELECT ALL + 98 + + - 35 * COUNT( * ) FROM t AS cor0 WHERE NOT NULL >= NULL",
	"SELECT col FROM (SELECT 1 AS col) WHERE col IN (SELECT 1)",
	"SELECT MIN( DISTINCT i ) FROM t",
	"SELECT 83 / 0, 83 % 0.5, -83 % 7, 83.5 % -7",
	"SELECT i, i / 2 * 2, i % 2 FROM t ORDER BY id",
	"SELECT CAST(-1.5 AS INTEGER), CAST('  12  ' AS INTEGER), CAST('-' AS INTEGER), CAST('1e2' AS REAL)",
	"SELECT 5 IN (5), 5 IN (NULL), NULL IN (SELECT 1 WHERE 0), 1 NOT IN (SELECT NULL)",
	"SELECT (SELECT 1 UNION SELECT 2 ORDER BY 1 DESC)",
	"SELECT count(*) FROM t WHERE id IN (SELECT id FROM t ORDER BY id LIMIT 2)",
	"SELECT id FROM t ORDER BY CASE WHEN id % 2 THEN id ELSE -id END",
	"SELECT id FROM t t1 WHERE i > (SELECT avg(i) FROM t t2 WHERE t2.id <> t1.id) ORDER BY 1",
	// more shapes
	"SELECT i % 2, group_concat(id) FROM t GROUP BY i % 2",
	"SELECT typeof(x), group_concat(s, '|') FROM t GROUP BY 1",
	"SELECT group_concat(id) FROM t",
	"SELECT group_concat(DISTINCT x) FROM t",
	"SELECT s, count(*) FROM t GROUP BY s COLLATE NOCASE",
	"SELECT id FROM t WHERE s IN (SELECT s FROM t WHERE id > 3) ORDER BY 1",
	"SELECT id FROM t WHERE i NOT IN (SELECT i FROM t WHERE id > 5) ORDER BY 1",
	"SELECT id, (SELECT s FROM t u WHERE u.id = t.id + 1) FROM t ORDER BY 1",
	"SELECT * FROM (SELECT i, count(*) AS c FROM t GROUP BY i) WHERE c > 0 ORDER BY 1",
	"WITH x AS (SELECT id, s FROM t) SELECT a.id, b.s FROM x a JOIN x b ON a.id = b.id + 1 ORDER BY 1",
	"SELECT id FROM t ORDER BY s COLLATE NOCASE DESC, id",
	"SELECT id, s FROM t WHERE s GLOB '*b*' OR s LIKE '1%' ORDER BY id",
	"SELECT CASE WHEN i > 0 THEN 'pos' WHEN i < 0 THEN 'neg' END AS k, count(*) FROM t GROUP BY k ORDER BY k",
	"SELECT max(s), min(s) FROM t WHERE s <> ''",
	"SELECT id FROM t WHERE i BETWEEN -10 AND 12 ORDER BY id DESC LIMIT 2 OFFSET 1",
	"SELECT count(*) FROM t a LEFT JOIN t b ON a.id = b.i",
	"SELECT a.id, count(b.id) FROM t a LEFT JOIN t b ON b.id < a.id GROUP BY a.id ORDER BY 1",
	"SELECT id, x FROM t WHERE x IS NOT NULL AND x NOT IN (1, 'abc') ORDER BY 1",
	"SELECT total(r), sum(r), avg(r) FROM t WHERE r > -1 AND r < 1e10",
	"SELECT DISTINCT i % 3 FROM t ORDER BY 1",
	"SELECT s || '-' || id FROM t ORDER BY 1",
	"SELECT abs(i) FROM t WHERE id <> 7 ORDER BY 1",
	"SELECT id FROM t WHERE EXISTS (SELECT 1) AND NOT EXISTS (SELECT 1 FROM t WHERE 0) ORDER BY 1",
	"SELECT (SELECT count(*) FROM t) + id FROM t ORDER BY 1",
	"SELECT id, i FROM t ORDER BY i DESC NULLS FIRST, id",
	"SELECT coalesce(s, 'none'), nullif(i, 1) FROM t ORDER BY id",
	"SELECT 1 FROM t HAVING count(*) > 3",
	"SELECT i FROM t GROUP BY i HAVING i > 0 ORDER BY 1",
	"SELECT count(*) AS c FROM t GROUP BY x ORDER BY c DESC, 1",
	// an aggregate's result has no affinity, min and max included
	"SELECT max(s) = 12, min(i) = '1', max(n) = '12.0' FROM t",
	"SELECT (SELECT max(i) FROM t WHERE id = 6) = '12', (SELECT min(s) FROM t WHERE id = 6) = 12",
	"SELECT s, max(s) AS m FROM t GROUP BY s HAVING m = 12",
	"SELECT * FROM (SELECT max(i) AS m FROM t WHERE id = 6) WHERE m = '12'",
	"SELECT id FROM t WHERE NULLIF(CAST(0 AS TEXT), i) BETWEEN 0 AND (SELECT min(i) FROM t WHERE i > 0) ORDER BY 1",
}

func TestDiffQueries(t *testing.T) {
	ours, ref := newDiff(t)
	for _, q := range diffQueries {
		if err := compare(ours, ref, q); err != nil {
			t.Error(err)
		}
	}
}

// TestDiffRandom compares random expressions over t; DIFF_N sets how many.
func TestDiffRandom(t *testing.T) {
	t.Run("memory", func(t *testing.T) { diffRandom(t, newDiff) })
	t.Run("store", func(t *testing.T) { diffRandom(t, newStoreDiff) })
}

// diffParams is how many random queries a differential test runs (n, or
// short with -short, or DIFF_N) and from which seed (1, or DIFF_SEED).
// A malformed variable fails the test rather than running nothing.
func diffParams(t testing.TB, n, short int) (int, int64) {
	t.Helper()
	if testing.Short() {
		n = short
	}
	if s := os.Getenv("DIFF_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			t.Fatalf("DIFF_N=%q: want a positive count", s)
		}
		n = v
	}
	seed := int64(1)
	if s := os.Getenv("DIFF_SEED"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("DIFF_SEED=%q: want an integer", s)
		}
		seed = v
	}
	return n, seed
}

func diffRandom(t *testing.T, open func(testing.TB) (*DB, *sql.DB)) {
	ours, ref := open(t)
	n, seed := diffParams(t, 2000, 300)
	r := rand.New(rand.NewSource(seed))
	fails := 0
	for k := 0; k < n && fails < 20; k++ {
		e := randExpr(r, 3)
		q := "SELECT " + e + " FROM t ORDER BY id"
		if err := compare(ours, ref, q); err != nil {
			t.Errorf("seed %d, query %d: %v", seed, k, err)
			fails++
		}
	}
}

var randLeaves = []string{
	"i", "r", "s", "b", "n", "x", "id", "NULL", "0", "1", "-1", "2", "7", "'1'", "'abc'", "' 3 '", "'2.5'", "1.5", "-0.5",
	"x'31'", "9223372036854775807", "''", "'A'", "3.0", "1e18",
}

func randExpr(r *rand.Rand, depth int) string {
	if depth == 0 || r.Intn(4) == 0 {
		return randLeaves[r.Intn(len(randLeaves))]
	}
	a := func() string { return randExpr(r, depth-1) }
	switch r.Intn(14) {
	case 0, 1:
		ops := []string{"+", "-", "*", "/", "%", "||", "&", "|"}
		return "(" + a() + " " + ops[r.Intn(len(ops))] + " " + a() + ")"
	case 2, 3:
		ops := []string{"=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT"}
		return "(" + a() + " " + ops[r.Intn(len(ops))] + " " + a() + ")"
	case 4:
		ops := []string{"AND", "OR"}
		return "(" + a() + " " + ops[r.Intn(2)] + " " + a() + ")"
	case 5:
		return "(NOT " + a() + ")"
	case 6:
		return "(-" + a() + ")"
	case 7:
		types := []string{"INTEGER", "REAL", "TEXT", "NUMERIC", "BLOB"}
		return "CAST(" + a() + " AS " + types[r.Intn(len(types))] + ")"
	case 8:
		return "(" + a() + " BETWEEN " + a() + " AND " + a() + ")"
	case 9:
		return "(" + a() + " IN (" + a() + ", " + a() + "))"
	case 10:
		return "CASE " + a() + " WHEN " + a() + " THEN " + a() + " ELSE " + a() + " END"
	case 11:
		fns := []string{"abs", "length", "typeof", "lower", "quote", "hex", "round", "sign", "trim"}
		return fns[r.Intn(len(fns))] + "(" + a() + ")"
	case 12:
		fns := []string{"coalesce", "ifnull", "nullif", "min", "max", "instr", "substr", "round"}
		return fns[r.Intn(len(fns))] + "(" + a() + ", " + a() + ")"
	}
	return "(" + a() + " LIKE " + a() + ")"
}

func randExprQ(r *rand.Rand, depth int, alias string) string {
	e := randExpr(r, depth)
	if alias == "" {
		return e
	}
	// qualify the column leaves
	for _, c := range []string{"id", "i", "r", "s", "b", "n", "x"} {
		e = replaceWord(e, c, alias+"."+c)
	}
	return e
}

// replaceWord replaces whole-word occurrences of w outside quotes.
func replaceWord(e, w, repl string) string {
	var out strings.Builder
	inQuote := false
	isWord := func(c byte) bool {
		return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(e); {
		if e[i] == '\'' {
			inQuote = !inQuote
			out.WriteByte(e[i])
			i++
			continue
		}
		if !inQuote && strings.HasPrefix(e[i:], w) && (i == 0 || !isWord(e[i-1])) && (i+len(w) == len(e) || !isWord(e[i+len(w)])) && !(i > 0 && e[i-1] == 'x' && w == "x") {
			out.WriteString(repl)
			i += len(w)
			continue
		}
		out.WriteByte(e[i])
		i++
	}
	return out.String()
}

func randQuery(r *rand.Rand) string {
	cols := []string{"id", "i", "r", "s", "b", "n", "x"}
	col := func() string { return cols[r.Intn(len(cols))] }
	switch r.Intn(14) {
	case 9:
		return fmt.Sprintf("SELECT id FROM t WHERE %s NOT IN (SELECT %s FROM t u WHERE %s)", randExpr(r, 1), col(), randExprQ(r, 1, "u"))
	case 10:
		return fmt.Sprintf("SELECT %s, (SELECT %s FROM t u WHERE u.id = t.id %% 3 + 1) FROM t", randExpr(r, 2), randExprQ(r, 1, "u"))
	case 11:
		return fmt.Sprintf("WITH c AS (SELECT id, %s AS v FROM t WHERE %s) SELECT c.v, t.%s FROM c JOIN t ON t.id = c.id", randExpr(r, 2), randExpr(r, 2), col())
	case 12:
		return fmt.Sprintf("SELECT %s AS k, count(*), group_concat(id) FROM t WHERE %s GROUP BY k", randExpr(r, 1), randExpr(r, 2))
	case 13:
		return fmt.Sprintf("SELECT * FROM (SELECT %s AS a, %s AS b FROM t) WHERE %s", randExpr(r, 2), col(), replaceWord(replaceWord(randExpr(r, 1), "id", "a"), "i", "b"))
	case 0:
		if r.Intn(2) == 0 {
			ucols := []string{"k", "v", "w", "z"}
			uc := func() string { return ucols[r.Intn(len(ucols))] }
			join := []string{"JOIN", "LEFT JOIN", ","}[r.Intn(3)]
			on := fmt.Sprintf("ON t.%s = u2.%s", col(), uc())
			if join == "," {
				return fmt.Sprintf("SELECT t.id, u2.k FROM t, u2 WHERE t.%s = u2.%s", col(), uc())
			}
			return fmt.Sprintf("SELECT t.id, u2.k, u2.%s FROM t %s u2 %s", uc(), join, on)
		}
		return fmt.Sprintf("SELECT %s, %s FROM t WHERE %s", randExpr(r, 2), col(), randExpr(r, 3))
	case 1:
		return fmt.Sprintf("SELECT a.id, b.id, %s FROM t a JOIN t b ON a.%s = b.%s WHERE %s", randExprQ(r, 2, "a"), col(), col(), randExprQ(r, 2, "b"))
	case 2:
		return fmt.Sprintf("SELECT a.id, b.id, b.%s FROM t a LEFT JOIN t b ON a.%s = b.%s AND %s WHERE %s", col(), col(), col(), randExprQ(r, 2, "b"), randExprQ(r, 1, "a"))
	case 3:
		g := randExpr(r, 1)
		e := randExpr(r, 2)
		return fmt.Sprintf("SELECT %s, count(*), count(%s), sum(%s), min(%s), max(%s), avg(%s), total(%s) FROM t GROUP BY 1 HAVING %s", g, e, e, e, e, e, e, randExpr(r, 1))
	case 4:
		return fmt.Sprintf("SELECT id FROM t WHERE %s IN (SELECT %s FROM t u WHERE %s)", randExpr(r, 2), col(), randExprQ(r, 2, "u"))
	case 5:
		c := col()
		return fmt.Sprintf("SELECT id, (SELECT count(*) FROM t u WHERE u.%s < t.%s), EXISTS (SELECT 1 FROM t u WHERE u.%s = t.%s AND u.id <> t.id) FROM t", c, c, col(), col())
	case 6:
		ops := []string{"UNION", "UNION ALL", "INTERSECT", "EXCEPT"}
		return fmt.Sprintf("SELECT %s FROM t %s SELECT %s FROM t WHERE %s", randExpr(r, 2), ops[r.Intn(4)], randExpr(r, 2), randExpr(r, 2))
	case 7:
		return fmt.Sprintf("SELECT DISTINCT %s, %s FROM t", randExpr(r, 2), randExpr(r, 1))
	}
	e := randExpr(r, 2)
	return fmt.Sprintf("SELECT count(DISTINCT %s), sum(DISTINCT %s), min(%s) FROM t a, t b WHERE a.id < b.id AND %s", replaceWord(e, "id", "a.id"), replaceWord(e, "id", "b.id"), replaceWord(e, "id", "a.id"), randExprQ(r, 1, "a"))
}

// compareUnordered compares results as multisets of rows.
func compareUnordered(ours *DB, ref *sql.DB, q string) error {
	want, werr := refQuery(ref, q)
	res, gerr := ours.Query(context.Background(), q)
	if werr != nil || gerr != nil {
		if werr != nil && gerr != nil {
			return nil
		}
		return fmt.Errorf("%s\n  sqlite: %s err %v\n  ours:   %v", q, show(want), werr, gerrOrRows(res, gerr))
	}
	norm := func(rows [][]any) []string {
		var out []string
		for _, r := range rows {
			for i, v := range r {
				if b, ok := v.([]byte); ok && len(b) == 0 {
					r[i] = nil
				}
			}
			out = append(out, show([][]any{r}))
		}
		sortStrings(out)
		return out
	}
	g, w := norm(res.Rows), norm(want)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		return fmt.Errorf("%s\n  sqlite: %v\n  ours:   %v", q, w, g)
	}
	return nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestDiffRandomQueries compares random queries (joins, aggregates,
// subqueries, compounds) as multisets of rows; DIFF_N and DIFF_SEED
// apply.
func TestDiffRandomQueries(t *testing.T) {
	t.Run("memory", func(t *testing.T) { diffRandomQueries(t, newDiff) })
	t.Run("store", func(t *testing.T) { diffRandomQueries(t, newStoreDiff) })
}

func diffRandomQueries(t *testing.T, open func(testing.TB) (*DB, *sql.DB)) {
	ours, ref := open(t)
	n, seed := diffParams(t, 1500, 200)
	r := rand.New(rand.NewSource(seed))
	fails := 0
	for k := 0; k < n && fails < 15; k++ {
		q := randQuery(r)
		if err := compareUnordered(ours, ref, q); err != nil {
			t.Errorf("seed %d, query %d: %v", seed, k, err)
			fails++
		}
	}
}

// TestDiffWrites runs a script of writes on both engines: each statement
// must fail on both or succeed on both, leaving the same rows.
func TestDiffWrites(t *testing.T) {
	ours := NewMemory(nil)
	ref := openSQLite(t)
	steps := []string{
		"CREATE TABLE w(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c REAL NOT NULL DEFAULT 1.5, d)",
		"INSERT INTO w(b, d) VALUES('x', 1), ('y', '2'), ('z', x'33')",
		"INSERT INTO w VALUES(10, 'x', 2, 3)",
		"INSERT OR IGNORE INTO w VALUES(10, 'x', 2, 3)",
		"INSERT OR REPLACE INTO w VALUES(11, 'x', 2, 3)",
		"REPLACE INTO w VALUES(2, 'q', 7, NULL)",
		"CREATE TABLE ck(a INTEGER CHECK (a > 0), b TEXT, CONSTRAINT short CHECK (length(b) < 5))",
		"INSERT INTO ck VALUES (1, 'ab')", "INSERT INTO ck VALUES (0, 'ab')", "INSERT INTO ck VALUES (NULL, 'abcdef')",
		"INSERT OR IGNORE INTO ck VALUES (-1, 'x'), (2, 'y')", "INSERT INTO ck VALUES (NULL, NULL)",
		"UPDATE ck SET a = -5 WHERE a = 2", "UPDATE ck SET b = b || b || b", "UPDATE ck SET a = a + 10",
		"CREATE TABLE ck2(a CHECK (a IN (SELECT 1)))",
		"CREATE TABLE rd(a, b DEFAULT (random()))", "INSERT INTO rd(a) VALUES (1), (2), (3)",
		"WITH c(v) AS (SELECT 5 UNION ALL SELECT 6) INSERT INTO w(b, d) SELECT 'w' || v, v FROM c",
		"WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM c WHERE v < 3) UPDATE w SET d = (SELECT sum(v) FROM c) WHERE b = 'w5'",
		"WITH c(v) AS (VALUES ('y'), ('w6')) DELETE FROM w WHERE b IN (SELECT v FROM c)",
		"INSERT INTO w(b, c) VALUES('n', NULL)",
		"INSERT INTO w(a, b) VALUES('12', 'm')",
		"INSERT INTO w(a, b) VALUES('abc', 'k')",
		"INSERT INTO w(a, b) VALUES(13.0, 'j')",
		"UPDATE w SET c = c * 2 WHERE a > 2",
		"UPDATE w SET b = 'y' WHERE a = 11",
		"UPDATE w SET b = NULL WHERE a > 10",
		"UPDATE w SET d = a || b",
		"DELETE FROM w WHERE b IS NULL AND a > 12",
		"INSERT INTO w(b) SELECT b || '2' FROM w WHERE b IS NOT NULL",
		"CREATE UNIQUE INDEX wd ON w(d)",
		"CREATE INDEX wc ON w(c)",
		"INSERT INTO w(b, d) VALUES('dup', (SELECT d FROM w ORDER BY a LIMIT 1))",
		"DROP INDEX wd",
		"INSERT INTO w(b, d) VALUES('dup', (SELECT d FROM w ORDER BY a LIMIT 1))",
		"CREATE VIEW wv AS SELECT a, b FROM w WHERE c > 2",
		"INSERT INTO wv VALUES(1, 'v')",
		"CREATE TABLE w2 AS SELECT a, b AS bb, c * 2 AS cc FROM w",
		"INSERT INTO w2 VALUES(1, 2, 3, 4)",
		"INSERT INTO w2(nosuch) VALUES(1)",
		"CREATE TABLE uq(a INTEGER UNIQUE, b)", "INSERT INTO uq VALUES(1, 'a'), (2, 'b'), (3, 'c'), (5, 'e')",
		"UPDATE uq SET a = a + 1", "UPDATE OR IGNORE uq SET a = a + 1", "UPDATE OR REPLACE uq SET a = a + 1 WHERE a < 4",
		"UPDATE uq SET a = 10 WHERE a = 5", "UPDATE OR REPLACE uq SET a = 10",
		// OR REPLACE stores a NOT NULL column's default (with the column's
		// affinity) in place of a NULL; without a default it still fails
		"CREATE TABLE nn(k INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT 'dflt', w INTEGER NOT NULL DEFAULT '7', z NOT NULL)",
		"INSERT OR REPLACE INTO nn VALUES(1, NULL, NULL, 1)", "INSERT INTO nn VALUES(2, NULL, 3, 2)", "INSERT INTO nn VALUES(2, 'a', 3, 2)",
		"UPDATE OR REPLACE nn SET v = NULL, w = NULL WHERE k = 2", "UPDATE nn SET v = NULL", "INSERT OR REPLACE INTO nn VALUES(3, 'a', 1, NULL)",
		"BEGIN", "DELETE FROM w", "ROLLBACK",
		"BEGIN", "DELETE FROM w WHERE a = 1", "COMMIT",
		"DROP TABLE w2", "DROP TABLE w2", "DROP TABLE IF EXISTS w2", "DROP VIEW wv",
	}
	ctx := context.Background()
	for _, st := range steps {
		gn, gerr := ours.Exec(ctx, st)
		wr, werr := ref.Exec(st)
		if (gerr == nil) != (werr == nil) {
			t.Errorf("%s: ours %v, sqlite %v", st, gerr, werr)
			continue
		}
		if werr == nil && (strings.HasPrefix(st, "INSERT") || strings.HasPrefix(st, "UPDATE") || strings.HasPrefix(st, "DELETE") || strings.HasPrefix(st, "REPLACE") || strings.HasPrefix(st, "WITH")) {
			// the rows a write changed (ignored rows are not counted)
			if wn, err := wr.RowsAffected(); err == nil && wn != gn {
				t.Errorf("%s: ours changed %d rows, sqlite %d", st, gn, wn)
			}
		}
		for _, q := range []string{"SELECT a, b, c, d, typeof(a), typeof(c), typeof(d) FROM w ORDER BY a", "SELECT * FROM w2 ORDER BY 1", "SELECT rowid, * FROM uq ORDER BY rowid", "SELECT rowid, * FROM ck ORDER BY rowid", "SELECT count(DISTINCT b), count(*) FROM rd", "SELECT k, v, w, typeof(w), z FROM nn ORDER BY k"} {
			if err := compare(ours, ref, q); err != nil {
				t.Errorf("after %s: %v", st, err)
			}
		}
	}
}

// TestNoInternalErrors runs mutated random queries: each either runs or
// fails with an error that is not a recovered panic.
func TestNoInternalErrors(t *testing.T) {
	ours, _ := newDiff(t)
	r := rand.New(rand.NewSource(3))
	n := 3000
	if testing.Short() {
		n = 500
	}
	for k := 0; k < n; k++ {
		q := randQuery(r)
		words := strings.Fields(q)
		switch r.Intn(3) {
		case 0:
			i := r.Intn(len(words))
			words = append(words[:i], words[i+1:]...)
		case 1:
			i, j := r.Intn(len(words)), r.Intn(len(words))
			words[i], words[j] = words[j], words[i]
		}
		q = strings.Join(words, " ")
		if _, err := ours.Query(context.Background(), q); err != nil && strings.Contains(err.Error(), "internal error") {
			t.Errorf("%s: %v", q, err)
		}
	}
}
