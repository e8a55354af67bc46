package sqlparse

import (
	"strings"
	"testing"
)

// TestStatements parses each statement, prints it, and compares with the
// canonical form (want; empty means the source is already canonical). The
// round trip must then give the same tree.
func TestStatements(t *testing.T) {
	tests := []struct{ src, want string }{
		// SELECT basics.
		{"SELECT 1", ""},
		{"select a, b from t1", "SELECT a, b FROM t1"},
		{"SELECT ALL a FROM t", "SELECT a FROM t"},
		{"SELECT DISTINCT a, b FROM t", ""},
		{"SELECT *, t.*, a AS x, b y, c 'z', d AS \"w w\" FROM t", `SELECT *, t.*, a AS x, b AS y, c AS z, d AS "w w" FROM t`},
		{"SELECT a FROM t WHERE a > 1 GROUP BY a, b HAVING count(*) > 1", ""},
		{"SELECT a FROM t ORDER BY 1, a DESC, b ASC NULLS FIRST, c COLLATE nocase DESC NULLS LAST", ""},
		{"SELECT a FROM t LIMIT 10", ""},
		{"SELECT a FROM t LIMIT 10 OFFSET 5", ""},
		{"SELECT a FROM t LIMIT 5, 10", "SELECT a FROM t LIMIT 10 OFFSET 5"},
		{"SELECT a FROM t LIMIT ? OFFSET ?", ""},
		// Compounds.
		{"SELECT 1 UNION SELECT 2 UNION ALL SELECT 3 INTERSECT SELECT 4 EXCEPT SELECT 5 ORDER BY 1 LIMIT 2", ""},
		{"SELECT 1 UNION VALUES (2), (3)", ""},
		{"VALUES (1, 'a'), (2, 'b')", ""},
		// WITH.
		{"WITH c AS (SELECT 1) SELECT * FROM c", ""},
		{"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 10) SELECT n FROM c", ""},
		{"WITH a AS MATERIALIZED (SELECT 1), b AS NOT MATERIALIZED (SELECT 2) SELECT * FROM a, b", ""},
		{"WITH RECURSIVE recursive AS (SELECT 1) SELECT * FROM recursive", `WITH RECURSIVE "recursive" AS (SELECT 1) SELECT * FROM "recursive"`},
		// FROM.
		{"SELECT * FROM main.t1 AS a, t2 b", "SELECT * FROM main.t1 AS a, t2 AS b"},
		{"SELECT * FROM t1 JOIN t2 ON t1.a = t2.a INNER JOIN t3 USING (a, b)", "SELECT * FROM t1 JOIN t2 ON t1.a = t2.a JOIN t3 USING (a, b)"},
		{"SELECT * FROM t1 LEFT OUTER JOIN t2 ON 1 LEFT JOIN t3 CROSS JOIN t4 NATURAL JOIN t5 NATURAL LEFT JOIN t6",
			"SELECT * FROM t1 LEFT JOIN t2 ON 1 LEFT JOIN t3 CROSS JOIN t4 NATURAL JOIN t5 NATURAL LEFT JOIN t6"},
		{"SELECT * FROM t1 RIGHT JOIN t2 FULL OUTER JOIN t3", "SELECT * FROM t1 RIGHT JOIN t2 FULL JOIN t3"},
		{"SELECT * FROM t1 JOIN (t2 JOIN t3 ON x) ON y", ""},
		{"SELECT * FROM (t1, t2), t3", "SELECT * FROM t1, t2, t3"},
		{"SELECT * FROM (t1) AS x", "SELECT * FROM t1 AS x"},
		{"SELECT * FROM (SELECT a FROM t) AS d, (VALUES (1)) e", "SELECT * FROM (SELECT a FROM t) AS d, (VALUES (1)) AS e"},
		{"SELECT * FROM t1 NOT INDEXED, t2 AS x INDEXED BY i2", ""},
		{"SELECT * FROM t1, t2 ON t1.a = t2.a", ""},
		// Temporal clauses.
		{"SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 5", ""},
		{"SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 5 AS x", ""},
		{"SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 5 x", "SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 5 AS x"},
		{"SELECT * FROM t AS x FOR SYSTEM_TIME AS OF OFFSET 5", "SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 5 AS x"},
		{"SELECT * FROM t x for system_time as of offset ? + 1 WHERE x.a = 1", "SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET ? + 1 AS x WHERE x.a = 1"},
		{"SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 1 a JOIN t FOR SYSTEM_TIME AS OF OFFSET 2 b USING (id)",
			"SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 1 AS a JOIN t FOR SYSTEM_TIME AS OF OFFSET 2 AS b USING (id)"},
		{"SELECT * FROM t AS for", `SELECT * FROM t AS "for"`},
		{"SELECT * FROM t for WHERE for.a", `SELECT * FROM t AS "for" WHERE "for".a`},
		{"SELECT a FROM t AS OF OFFSET 7", ""},
		{"SELECT a FROM t x WHERE a > 1 ORDER BY a LIMIT 3 AS OF OFFSET ?", "SELECT a FROM t AS x WHERE a > 1 ORDER BY a LIMIT 3 AS OF OFFSET ?"},
		{"SELECT 1 AS OF OFFSET 1", ""},
		{"SELECT a AS of FROM t", `SELECT a AS "of" FROM t`},
		{"SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 5 AS OF OFFSET 6", ""},
		{"EXPLAIN SELECT * FROM t AS OF OFFSET 3", ""},
		// Keywords as names.
		{"SELECT key, replace, offset, left.x FROM key AS left", "SELECT `key`, `replace`, `offset`, \"left\".x FROM \"key\" AS \"left\""},
		{"CREATE TABLE 'str'(\"a b\" INT, [c] TEXT, `d` BLOB)", `CREATE TABLE str ("a b" INT, c TEXT, d BLOB)`},
		// INSERT.
		{"INSERT INTO t VALUES (1, 2), (3, 4)", ""},
		{"INSERT INTO t(e,c,b) VALUES(1,2,3)", "INSERT INTO t (e, c, b) VALUES (1, 2, 3)"},
		{"INSERT INTO main.t SELECT * FROM u", ""},
		{"INSERT INTO t DEFAULT VALUES", ""},
		{"INSERT OR REPLACE INTO t VALUES (1)", ""},
		{"INSERT OR IGNORE INTO t VALUES (1)", ""},
		{"INSERT OR ROLLBACK INTO t VALUES (1)", ""},
		{"INSERT OR ABORT INTO t VALUES (1)", ""},
		{"INSERT OR FAIL INTO t VALUES (1)", ""},
		{"REPLACE INTO t VALUES (1)", ""},
		{"INSERT INTO t AS x VALUES (1)", ""},
		{"WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c", ""},
		// UPDATE and DELETE.
		{"UPDATE t SET a = 1", ""},
		{"UPDATE OR IGNORE t AS x SET a = a + 1, (b, c) = (1, 2) FROM u WHERE x.id = u.id", ""},
		{"UPDATE t NOT INDEXED SET a = 1 WHERE b", ""},
		{"DELETE FROM t", ""},
		{"DELETE FROM main.t INDEXED BY i WHERE a IN (1, 2)", ""},
		{"WITH c AS (SELECT 1) DELETE FROM t WHERE a IN c", ""},
		// CREATE TABLE.
		{"CREATE TABLE t1(a INTEGER, b VARCHAR(10), c DECIMAL(10,2), d UNSIGNED BIG INT, e DOUBLE PRECISION, f)",
			"CREATE TABLE t1 (a INTEGER, b VARCHAR(10), c DECIMAL(10, 2), d UNSIGNED BIG INT, e DOUBLE PRECISION, f)"},
		{"CREATE TABLE IF NOT EXISTS t (a INTEGER PRIMARY KEY DESC AUTOINCREMENT, b TEXT NOT NULL ON CONFLICT IGNORE UNIQUE COLLATE nocase)", ""},
		{"CREATE TABLE t (a NUMERIC(+5, -3) NULL DEFAULT -1, b DEFAULT 'x', c DEFAULT (1 + 2), d DEFAULT CURRENT_TIMESTAMP, e DEFAULT abc, f DEFAULT true, g DEFAULT X'00')",
			"CREATE TABLE t (a NUMERIC(+5, -3) NULL DEFAULT -1, b DEFAULT 'x', c DEFAULT (1 + 2), d DEFAULT CURRENT_TIMESTAMP, e DEFAULT 'abc', f DEFAULT (TRUE), g DEFAULT X'00')"},
		{"CREATE TABLE t (a INTEGER CONSTRAINT pk PRIMARY KEY, b CHECK (b > 0), c REFERENCES u (id) ON DELETE CASCADE ON UPDATE SET NULL, d AS (a + 1) STORED, e GENERATED ALWAYS AS (a * 2))",
			"CREATE TABLE t (a INTEGER CONSTRAINT pk PRIMARY KEY, b CHECK (b > 0), c REFERENCES u (id) ON DELETE CASCADE ON UPDATE SET NULL, d AS (a + 1) STORED, e AS (a * 2))"},
		{"CREATE TABLE t (a, b, c, PRIMARY KEY (a, b DESC), UNIQUE (c) ON CONFLICT REPLACE, CONSTRAINT ck CHECK (a < b), FOREIGN KEY (c) REFERENCES u (x) MATCH simple NOT DEFERRABLE INITIALLY DEFERRED)",
			"CREATE TABLE t (a, b, c, PRIMARY KEY (a, b DESC), UNIQUE (c) ON CONFLICT REPLACE, CONSTRAINT ck CHECK (a < b), FOREIGN KEY (c) REFERENCES u (x) MATCH SIMPLE NOT DEFERRABLE INITIALLY DEFERRED)"},
		{"CREATE TABLE t (a, UNIQUE (a) CHECK (a))", "CREATE TABLE t (a, UNIQUE (a), CHECK (a))"},
		{"CREATE TEMP TABLE t (a) WITHOUT ROWID, STRICT", ""},
		{"CREATE TEMPORARY TABLE t (a) STRICT", "CREATE TEMP TABLE t (a) STRICT"},
		{"CREATE TABLE t AS SELECT * FROM u", ""},
		{"CREATE TABLE u (a INT GENERATED, b DEFAULT +'x', c DEFAULT - 1, d DEFAULT -NULL)", "CREATE TABLE u (a INT GENERATED, b DEFAULT +'x', c DEFAULT -1, d DEFAULT -NULL)"},
		{"SELECT CAST(a AS) FROM t", "SELECT CAST(a AS ) FROM t"},
		{`CREATE TABLE u (a "GENERATED" ALWAYS)`, ""},
		{"CREATE TABLE t7(a TEXT, UNIQUE (a(1)))", "CREATE TABLE t7 (a TEXT, UNIQUE (a(1)))"},
		// Indexes, views, triggers, drops.
		{"CREATE INDEX i ON t (a)", ""},
		{"CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t (a DESC, b COLLATE nocase ASC, lower(c)) WHERE a > 0", ""},
		{"CREATE VIEW v AS SELECT 1", ""},
		{"CREATE TEMP VIEW IF NOT EXISTS v (a, b) AS SELECT 1, 2", ""},
		{"CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN SELECT 1; END", ""},
		{"CREATE TEMP TRIGGER IF NOT EXISTS r BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > 0 BEGIN INSERT INTO log VALUES (old.a); DELETE FROM u; SELECT RAISE(ABORT, 'no'); SELECT RAISE(IGNORE); END", ""},
		{"CREATE TRIGGER r INSTEAD OF DELETE ON v BEGIN UPDATE t SET a = 1; END", ""},
		{"CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; END", ""},
		{"DROP TABLE t", ""},
		{"DROP TABLE IF EXISTS main.t", ""},
		{"DROP INDEX i", ""},
		{"DROP VIEW IF EXISTS v", ""},
		{"DROP TRIGGER r", ""},
		// Transactions and the rest.
		{"BEGIN", ""},
		{"BEGIN TRANSACTION", "BEGIN"},
		{"BEGIN DEFERRED TRANSACTION", "BEGIN DEFERRED"},
		{"BEGIN IMMEDIATE", ""},
		{"BEGIN EXCLUSIVE", ""},
		{"COMMIT", ""},
		{"COMMIT TRANSACTION", "COMMIT"},
		{"END TRANSACTION", "COMMIT"},
		{"END", "COMMIT"},
		{"ROLLBACK", ""},
		{"ROLLBACK TRANSACTION", "ROLLBACK"},
		{"EXPLAIN SELECT 1", ""},
		{"EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1", ""},
		{"EXPLAIN INSERT INTO t VALUES (1)", ""},
		{"ANALYZE", ""},
		{"ANALYZE main.t", ""},
		{"REINDEX", ""},
		{"REINDEX t1i1", ""},
		// Subqueries everywhere.
		{"SELECT (SELECT max(a) FROM t2 WHERE t2.b = t1.b), EXISTS (SELECT 1 FROM t3) FROM t1 WHERE a IN (SELECT a FROM t4) AND NOT EXISTS (SELECT 1)", ""},
		{"SELECT group_concat(a, ',' ORDER BY b DESC), count(DISTINCT a) FILTER (WHERE a > 0) FROM t", ""},
	}
	for _, tt := range tests {
		s, err := ParseOne(tt.src)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		want := tt.want
		if want == "" {
			want = tt.src
		}
		if got := s.String(); got != want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, want)
		}
		roundTrip(t, tt.src, s)
	}
}

// TestStatementFields checks fields the printer does not show directly.
func TestStatementFields(t *testing.T) {
	s, err := ParseOne("SELECT a  +  1, b AS y FROM t AS x FOR SYSTEM_TIME AS OF OFFSET 5 AS OF OFFSET 9")
	if err != nil {
		t.Fatal(err)
	}
	sel := s.(*Select)
	if got := sel.Core.Columns[0].Text; got != "a  +  1" {
		t.Errorf("result column text %q, want %q", got, "a  +  1")
	}
	tn := sel.Core.From.(*TableName)
	if tn.Name != "t" || tn.Alias != "x" || tn.AsOf == nil || tn.AsOf.Offset.String() != "5" {
		t.Errorf("table reference %+v", tn)
	}
	if sel.AsOf == nil || sel.AsOf.Offset.String() != "9" {
		t.Errorf("statement AS OF %+v", sel.AsOf)
	}

	s, _ = ParseOne("REPLACE INTO t VALUES (1)")
	if ins := s.(*Insert); ins.Or != ConflictReplace || !ins.Replace {
		t.Errorf("REPLACE INTO gives Or=%v Replace=%v", ins.Or, ins.Replace)
	}
	s, _ = ParseOne("INSERT OR REPLACE INTO t VALUES (1)")
	if ins := s.(*Insert); ins.Or != ConflictReplace || ins.Replace {
		t.Errorf("INSERT OR REPLACE gives Or=%v Replace=%v", ins.Or, ins.Replace)
	}

	s, _ = ParseOne(`SELECT "a", [b], c FROM t`)
	cols := s.(*Select).Core.Columns
	if !cols[0].Expr.(*Column).Quoted || cols[1].Expr.(*Column).Quoted || cols[2].Expr.(*Column).Quoted {
		t.Error(`only "a" should be marked Quoted`)
	}

	s, _ = ParseOne("CREATE TABLE t (a VARCHAR(10), b)")
	ct := s.(*CreateTable)
	if ct.Columns[0].Type.Name != "VARCHAR" || len(ct.Columns[0].Type.Args) != 1 || ct.Columns[0].Type.Args[0] != "10" || ct.Columns[1].Type != nil {
		t.Errorf("column types %+v %+v", ct.Columns[0].Type, ct.Columns[1].Type)
	}
}

// TestParams checks SQLite's numbering of parameters, per statement.
func TestParams(t *testing.T) {
	stmts, err := Parse("SELECT ?, :a, ?, ?7, ?, :a, @b; SELECT ?, ?2, ?")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range stmts {
		var idx []string
		for _, rc := range s.(*Select).Core.Columns {
			p := rc.Expr.(*Param)
			idx = append(idx, p.Name+"="+itoa(p.Index))
		}
		got = append(got, strings.Join(idx, " "))
	}
	want := []string{"?=1 :a=2 ?=3 ?7=7 ?=8 :a=2 @b=9", "?=1 ?2=2 ?=3"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d: %s, want %s", i, got[i], want[i])
		}
	}
}

func TestPositions(t *testing.T) {
	s, err := ParseOne("SELECT a,\n  b + c\nFROM t")
	if err != nil {
		t.Fatal(err)
	}
	sel := s.(*Select)
	bin := sel.Core.Columns[1].Expr.(*Binary)
	checks := []struct {
		name string
		got  Pos
		want Pos
	}{
		{"select", sel.Position(), Pos{0, 1, 1}},
		{"column a", sel.Core.Columns[0].Expr.Position(), Pos{7, 1, 8}},
		{"operator +", bin.Position(), Pos{14, 2, 5}},
		{"operand b", bin.X.Position(), Pos{12, 2, 3}},
		{"operand c", bin.Y.Position(), Pos{16, 2, 7}},
		{"table t", sel.Core.From.Position(), Pos{23, 3, 6}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s at %+v, want %+v", c.name, c.got, c.want)
		}
	}
}
