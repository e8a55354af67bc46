package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/projstore/projstore/sqlexec"
)

func TestSQLOneStatement(t *testing.T) {
	db := filepath.Join(t.TempDir(), "app.db")
	r := run(t, "", "sql", db, "SELECT 1 AS one, 'x' AS s, NULL AS n, 2.5 AS f").ok(t)
	want := "one  s  n       f\n---  -  ----  ---\n  1  x  NULL  2.5\n"
	if r.stdout != want {
		t.Fatalf("stdout %q, want %q", r.stdout, want)
	}
}

func TestSQLScriptFromStdin(t *testing.T) {
	db := filepath.Join(t.TempDir(), "app.db")
	script := "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);\nINSERT INTO t VALUES (1, 'one'),\n  (2, NULL);\nSELECT b FROM t\n  ORDER BY a;\nSELECT count(*) AS n FROM t;\n"
	r := run(t, script, "sql", db).ok(t)
	want := "b\n----\none\nNULL\nn\n-\n2\n"
	if r.stdout != want {
		t.Fatalf("stdout %q, want %q", r.stdout, want)
	}
}

func TestSQLPersistsAndAt(t *testing.T) {
	db := filepath.Join(t.TempDir(), "app.db")
	run(t, "", "sql", db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)").ok(t) // position 1
	run(t, "", "sql", db, "INSERT INTO t VALUES (1, 'one')").ok(t)               // position 2
	run(t, "", "sql", db, "INSERT INTO t VALUES (2, 'two'), (3, 'three')").ok(t) // position 3
	r := run(t, "", "sql", db, "--format", "csv", "SELECT a, b FROM t ORDER BY a").ok(t)
	if r.stdout != "a,b\n1,one\n2,two\n3,three\n" {
		t.Fatalf("now: %q", r.stdout)
	}
	r = run(t, "", "sql", db, "--at", "2", "--format", "csv", "SELECT a, b FROM t ORDER BY a").ok(t)
	if r.stdout != "a,b\n1,one\n" {
		t.Fatalf("--at 2: %q", r.stdout)
	}
	r = run(t, "", "sql", db, "--format", "json", "SELECT count(*) AS n FROM t FOR SYSTEM_TIME AS OF OFFSET 2").ok(t)
	if r.stdout != "{\"n\":1}\n" {
		t.Fatalf("AS OF OFFSET 2: %q", r.stdout)
	}
	run(t, "", "sql", db, "--at", "2", "DELETE FROM t").fails(t, ExitFailure, "sql", "only queries")
	run(t, "", "sql", db, "--at", "9", "SELECT 1").fails(t, ExitFailure, "sql", "position 9")
	r = run(t, "", "sql", db, "--format", "csv", "SELECT count(*) FROM t").ok(t)
	if r.stdout != "count(*)\n3\n" {
		t.Fatalf("after refused DELETE: %q", r.stdout)
	}
}

func TestSQLBadSQL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "app.db")
	run(t, "", "sql", db, "SELECT * FRM t").fails(t, ExitFailure, "sql", "line 1, column 10: ")
	r := run(t, "SELECT 1;\n\nSELEC 2;\nSELECT 3;\n", "sql", db).fails(t, ExitFailure, "sql", "line 3, column 1: ")
	if r.stdout != "1\n-\n1\n" {
		t.Fatalf("statements before the error: %q", r.stdout)
	}
	run(t, "", "sql", db, "SELECT * FROM nosuch").fails(t, ExitFailure, "sql", "nosuch")
	r = run(t, "SELECT 1;\nSELECT 2;\n\n  SELECT * FROM nosuch;\n", "sql", db).fails(t, ExitFailure, "sql", "line 4: ")
	r.fails(t, ExitFailure, "sql", "nosuch")
	run(t, "", "sql", db, "x", "y").fails(t, ExitUsage, "sql", "too many arguments")
}

func TestSQLSLT(t *testing.T) {
	r := run(t, "", "sql", "--slt", "../../../../testdata/select1.test").ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	last := lines[len(lines)-1]
	if !strings.HasSuffix(last, " passed, 0 failed, 0 skipped") || strings.HasPrefix(last, "0 ") {
		t.Fatalf("last line %q:\n%s", last, r.stdout)
	}
	bad := writeFile(t, "bad.test", []byte("statement ok\nCREATE TABLE t(a)\n\nquery I nosort\nSELECT 1\n----\n2\n\nquery I nosort\nSELECT 3\n----\n3\n"))
	r = run(t, "", "sql", "--slt", filepath.Dir(bad)).fails(t, ExitFailure, "sql", "1 record failed")
	r.says(t, "bad.test: 2 passed, 1 failed, 0 skipped", "\n2 passed, 1 failed, 0 skipped\n")
	run(t, "", "sql", "--slt").fails(t, ExitUsage, "sql", "--slt")
}

// scriptReader is a lineReader over lines, recording the prompts.
type scriptReader struct {
	lines   []string
	prompt  string
	prompts []string
	history []string
}

func (r *scriptReader) Readline() (string, error) {
	r.prompts = append(r.prompts, r.prompt)
	if len(r.lines) == 0 {
		return "", io.EOF
	}
	l := r.lines[0]
	r.lines = r.lines[1:]
	if l == "^C" {
		return "", errInterrupt
	}
	return l, nil
}
func (r *scriptReader) SetPrompt(p string) { r.prompt = p }
func (r *scriptReader) Close() error       { return nil }
func (r *scriptReader) SaveHistory(s string) error {
	r.history = append(r.history, s)
	return nil
}

func TestSQLREPL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "app.db")
	run(t, "", "sql", db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL)").ok(t)
	run(t, "", "sql", db, "INSERT INTO t VALUES (1, 'one')").ok(t)
	run(t, "", "sql", db, "CREATE INDEX tb ON t(b)").ok(t)
	run(t, "", "sql", db, "INSERT INTO t VALUES (2, 'two')").ok(t)

	e := &env{ctx: context.Background()}
	s, err := e.open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out, errb bytes.Buffer
	ss := &sqlSession{ctx: context.Background(), store: s, db: sqlexec.OpenStore(s, nil), mode: formatTable, out: &out, errOut: &errb}
	rl := &scriptReader{lines: []string{
		".tables",
		".schema t",
		"SELECT a,",
		"  b FROM t",
		"^C",
		"SELECT b",
		"  FROM t WHERE a = 2;",
		".at 2",
		"SELECT count(*) AS n FROM t;",
		"INSERT INTO t VALUES (9, 'nine');",
		".at",
		".mode json",
		"SELECT a, b FROM t ORDER BY a;",
		"SELECT * FRM t;",
		".frob",
		".at 99",
		".exit",
		"SELECT 'not reached';",
	}}
	if err := ss.repl(rl); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"applied position 4",
		"\nt\n",
		"CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL);\nCREATE INDEX tb ON t (b);\n",
		"b\n---\ntwo\n",
		"n\n-\n1\n",
		"{\"a\":1,\"b\":\"one\"}\n{\"a\":2,\"b\":\"two\"}\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("stdout does not hold %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "not reached") || strings.Contains(got, "nine") {
		t.Errorf("stdout:\n%s", got)
	}
	errs := errb.String()
	for _, want := range []string{"Error: reading as of position 2: only queries", "Error: line 1, column 10: ", "Error: unknown command .frob", "Error: position 99: "} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr does not hold %q:\n%s", want, errs)
		}
	}
	if strings.Count(errs, "\n") != 4 {
		t.Errorf("stderr, want 4 lines:\n%s", errs)
	}
	wantPrompts := []string{"projstore> ", "projstore> ", "projstore> ", "      ...> ", "      ...> ", "projstore> ", "      ...> ", "projstore> ", "projstore@2> ", "projstore@2> ", "projstore@2> ", "projstore> "}
	for i, p := range wantPrompts {
		if i >= len(rl.prompts) || rl.prompts[i] != p {
			t.Fatalf("prompts %q, want them to start %q", rl.prompts, wantPrompts)
		}
	}
	if len(rl.history) == 0 || rl.history[2] != "SELECT b FROM t WHERE a = 2;" {
		t.Fatalf("history %q: want the whole multi-line statement as one entry", rl.history)
	}
}

// TestSQLTextPrimaryKey: a table keyed by a PRIMARY KEY that is not an
// INTEGER one has no rowid in the store; queries, UPDATE and DELETE work.
func TestSQLTextPrimaryKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "app.db")
	run(t, "", "sql", db, "CREATE TABLE s(item TEXT PRIMARY KEY, qty INTEGER); INSERT INTO s VALUES ('apple', 10), ('pear', 4)").ok(t)
	run(t, "", "sql", db, "UPDATE s SET qty = qty - 3 WHERE item = 'apple'; DELETE FROM s WHERE item = 'pear'").ok(t)
	r := run(t, "", "sql", db, "--format", "csv", "SELECT * FROM s; SELECT * FROM s FOR SYSTEM_TIME AS OF OFFSET 2").ok(t)
	if r.stdout != "item,qty\napple,7\nitem,qty\napple,10\npear,4\n" {
		t.Fatalf("stdout %q", r.stdout)
	}
}

// TestSQLAtReadOnly: with --at the store is opened read-only; every write
// statement is refused with a clear error, nothing reaches the file, and a
// missing store is not created.
func TestSQLAtReadOnly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "app.db")
	run(t, "", "sql", db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES (1, 'one')").ok(t)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO t VALUES (2, 'two')",
		"CREATE TABLE u(x)",
		"CREATE VIEW v AS SELECT a FROM t",
		"SELECT 1; DELETE FROM t",
		"BEGIN",
	} {
		run(t, "", "sql", db, "--at", "1", q).fails(t, ExitFailure, "sql", "read-only (--at): only queries run")
	}
	run(t, "SELECT count(*) FROM t;\nINSERT INTO t VALUES (3, 'three');\n", "sql", db, "--at", "1").fails(t, ExitFailure, "sql", "read-only")
	r := run(t, "", "sql", db, "--at", "1", "--format", "csv", "SELECT count(*) AS n FROM t").ok(t)
	if r.stdout != "n\n0\n" {
		t.Fatalf("--at 1: %q", r.stdout)
	}
	run(t, "", "sql", db, "--at", "1", "EXPLAIN SELECT * FROM t").ok(t).says(t, "SCAN t")
	run(t, "", "sql", db, "--at", "1", "EXPLAIN DELETE FROM t").fails(t, ExitFailure, "sql", "EXPLAIN of a statement that is not a query")
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("the store file changed during --at runs")
	}

	// the shell: .at alone reads now, still read-only
	e := &env{ctx: context.Background()}
	s, err := e.openRead(db)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	ss := &sqlSession{ctx: context.Background(), store: s, db: sqlexec.OpenStore(s, nil), readOnly: true, mode: formatCSV, out: &out, errOut: &errb}
	if err := ss.setAt(1); err != nil {
		t.Fatal(err)
	}
	rl := &scriptReader{lines: []string{
		"INSERT INTO t VALUES (4, 'four');",
		".at",
		"SELECT count(*) AS n FROM t;",
		"INSERT INTO t VALUES (5, 'five');",
		"EXPLAIN SELECT * FROM t;",
	}}
	if err := ss.repl(rl); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "(read-only)") || !strings.Contains(out.String(), "n\n1\n") {
		t.Errorf("stdout:\n%s", out.String())
	}
	errs := errb.String()
	if !strings.Contains(errs, "Error: reading as of position 1: the store is open read-only (--at): only queries run") ||
		!strings.Contains(errs, "Error: the store is open read-only (--at): only queries run") || strings.Count(errs, "\n") != 2 {
		t.Errorf("stderr:\n%s", errs)
	}
	r = run(t, "", "sql", db, "--format", "csv", "SELECT count(*) AS n FROM t").ok(t)
	if r.stdout != "n\n1\n" {
		t.Fatalf("after the read-only runs: %q", r.stdout)
	}

	missing := filepath.Join(t.TempDir(), "none.db")
	run(t, "", "sql", missing, "--at", "0", "SELECT 1").fails(t, ExitFailure, "sql", "no such file")
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("--at on a missing store created it: %v", err)
	}
}

// TestSQLREPLCommentLines: a line of comments alone, at the start of a
// statement, is skipped (no continuation prompt); an unclosed comment
// continues on the next line.
func TestSQLREPLCommentLines(t *testing.T) {
	for line, want := range map[string]bool{
		"": true, "  ": true, "-- c": true, "/* c */": true, "/* a */ -- b": true, ";": true,
		"/* open": false, "SELECT 1": false, "SELECT 1;": false, "'open": false, ".tables": false,
	} {
		if got := blankSQL(line); got != want {
			t.Errorf("blankSQL(%q) = %v, want %v", line, got, want)
		}
	}
	db := filepath.Join(t.TempDir(), "app.db")
	e := &env{ctx: context.Background()}
	s, err := e.open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out, errb bytes.Buffer
	ss := &sqlSession{ctx: context.Background(), store: s, db: sqlexec.OpenStore(s, nil), mode: formatCSV, out: &out, errOut: &errb}
	rl := &scriptReader{lines: []string{"-- a comment", "SELECT 1 AS a;", "/* open", "*/ SELECT 2 AS b;"}}
	if err := ss.repl(rl); err != nil {
		t.Fatal(err)
	}
	wantPrompts := []string{"projstore> ", "projstore> ", "projstore> ", "      ...> ", "projstore> "}
	if strings.Join(rl.prompts, "|") != strings.Join(wantPrompts, "|") {
		t.Errorf("prompts %q, want %q", rl.prompts, wantPrompts)
	}
	if !strings.HasSuffix(out.String(), "a\n1\nb\n2\n") || errb.Len() != 0 {
		t.Errorf("stdout %q, stderr %q", out.String(), errb.String())
	}
}

// TestSQLTableWideCharacters: table output aligns by terminal columns, in
// which a CJK character takes two and a combining accent none.
func TestSQLTableWideCharacters(t *testing.T) {
	var b bytes.Buffer
	res := &sqlexec.Result{Columns: []string{"s", "n"}, Rows: [][]any{{"日本語", int64(1)}, {"e\u0301t\u00e9", int64(22)}}}
	if err := writeResult(&b, formatTable, res); err != nil {
		t.Fatal(err)
	}
	want := "s        n\n------  --\n日本語   1\ne\u0301t\u00e9     22\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestSQLREPLTablesOfApply: .tables on a store of key-value tables written
// by apply says why SQL sees none.
func TestSQLREPLTablesOfApply(t *testing.T) {
	db := filepath.Join(t.TempDir(), "app.db")
	bs, _ := bankLog(smallBank, 20)
	run(t, "", "apply", db, jsonLog(t, bs)).ok(t)
	e := &env{ctx: context.Background()}
	s, err := e.open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out, errb bytes.Buffer
	ss := &sqlSession{ctx: context.Background(), store: s, db: sqlexec.OpenStore(s, nil), mode: formatTable, out: &out, errOut: &errb}
	if err := ss.repl(&scriptReader{lines: []string{".tables"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "no SQL tables; the store has ") || !strings.Contains(errb.String(), "key-value table") {
		t.Fatalf("stderr %q", errb.String())
	}
	// a store with SQL tables lists them and says nothing more
	errb.Reset()
	if _, err := ss.db.Exec(context.Background(), "CREATE TABLE t(a)"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := ss.repl(&scriptReader{lines: []string{".tables"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "\nt\n") || errb.Len() != 0 {
		t.Fatalf("stdout %q, stderr %q", out.String(), errb.String())
	}
}
