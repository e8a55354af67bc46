package sqlparse

import (
	"reflect"
	"testing"
)

// TestInspectReachesEveryNode compares, for every statement of the corpus
// and of the statement tests, the nodes Inspect visits with the Expr, Stmt
// and TableExpr values found by walking the tree with reflection.
func TestInspectReachesEveryNode(t *testing.T) {
	extra := []string{
		"WITH c(n) AS (SELECT 1) SELECT a COLLATE x, -b, c ISNULL, d LIKE e ESCAPE f, g BETWEEN h AND i, j IN k, l IN (m), " +
			"n IN (SELECT o), EXISTS (SELECT p), (SELECT q), (r, s), CAST(t AS INT), CASE u WHEN v THEN w ELSE x END, " +
			"y(z ORDER BY aa) FILTER (WHERE bb), ? FROM cc FOR SYSTEM_TIME AS OF OFFSET dd JOIN (SELECT ee) ON ff " +
			"WHERE gg GROUP BY hh HAVING ii UNION SELECT jj ORDER BY kk LIMIT ll OFFSET mm AS OF OFFSET nn",
		"SELECT 1 UNION VALUES (a), (b)",
		"INSERT INTO t SELECT 1; UPDATE t SET a = b FROM u WHERE c; DELETE FROM t WHERE d",
		"CREATE TABLE t (a DEFAULT (1 + 2) CHECK (a > 0), b AS (c), CHECK (d), PRIMARY KEY (e COLLATE f)); CREATE TABLE u AS SELECT g",
		"CREATE INDEX i ON t (a + 1) WHERE b; CREATE VIEW v AS SELECT c; EXPLAIN SELECT d",
		"CREATE TRIGGER r UPDATE ON t WHEN a BEGIN SELECT RAISE(ABORT, b); END",
	}
	for _, src := range extra {
		if _, err := Parse(src); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
	}
	srcs := extra
	for _, file := range corpusFiles(t) {
		for _, rec := range readSLT(t, file) {
			srcs = append(srcs, rec.sql)
		}
	}
	iface := []reflect.Type{
		reflect.TypeOf((*Expr)(nil)).Elem(),
		reflect.TypeOf((*Stmt)(nil)).Elem(),
		reflect.TypeOf((*TableExpr)(nil)).Elem(),
	}
	isNode := func(v reflect.Value) bool {
		for _, t := range iface {
			if v.Type().Implements(t) {
				return true
			}
		}
		return false
	}
	for _, src := range srcs {
		stmts, err := Parse(src)
		if err != nil {
			continue // statement error records
		}
		for _, s := range stmts {
			want := map[Node]bool{}
			var walk func(reflect.Value)
			walk = func(v reflect.Value) {
				switch v.Kind() {
				case reflect.Pointer:
					if v.IsNil() {
						return
					}
					if isNode(v) {
						want[v.Interface().(Node)] = true
					}
					walk(v.Elem())
				case reflect.Interface:
					if !v.IsNil() {
						walk(v.Elem())
					}
				case reflect.Slice:
					for i := 0; i < v.Len(); i++ {
						walk(v.Index(i))
					}
				case reflect.Struct:
					for i := 0; i < v.NumField(); i++ {
						walk(v.Field(i))
					}
				}
			}
			walk(reflect.ValueOf(s))
			got := map[Node]bool{}
			Inspect(s, func(n Node) bool {
				if got[n] {
					t.Errorf("%.60s: Inspect visits %T %s twice", src, n, n)
				}
				got[n] = true
				return true
			})
			for n := range want {
				if !got[n] {
					t.Errorf("%.60s: Inspect misses %T %s", src, n, n)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%.60s: Inspect visits %d nodes, the tree has %d", src, len(got), len(want))
			}
		}
	}
}

func TestInspectSkipsChildren(t *testing.T) {
	s, err := ParseOne("SELECT a + (SELECT b), c FROM t WHERE d")
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	Inspect(s, func(n Node) bool {
		if c, ok := n.(*Column); ok {
			cols = append(cols, c.Name)
		}
		_, sub := n.(*Subquery)
		return !sub
	})
	if got := len(cols); got != 3 || cols[0] != "a" || cols[1] != "c" || cols[2] != "d" {
		t.Errorf("columns outside subqueries: %v, want [a c d]", cols)
	}
}
