package sqlparse_test

import (
	"fmt"

	"github.com/projstore/projstore/sqlexec/sqlparse"
)

func ExampleParse() {
	stmts, err := sqlparse.Parse(`
		CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER);
		SELECT owner, balance FROM accounts FOR SYSTEM_TIME AS OF OFFSET 42 a WHERE balance>100`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range stmts {
		fmt.Println(s)
	}
	sel := stmts[1].(*sqlparse.Select)
	fmt.Println(sel.Core.From.(*sqlparse.TableName).AsOf.Offset)
	// Output:
	// CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER)
	// SELECT owner, balance FROM accounts FOR SYSTEM_TIME AS OF OFFSET 42 AS a WHERE balance > 100
	// 42
}

func ExampleParse_error() {
	_, err := sqlparse.Parse("SELECT a,\n  b FROM t WHERE")
	fmt.Println(err)
	if e, ok := err.(*sqlparse.Error); ok {
		fmt.Println(e.Line, e.Col, e.Offset)
	}
	// Output:
	// line 2, column 17: expected expression, found end of input
	// 2 17 26
}

func ExampleScript() {
	s := sqlparse.NewScript("BEGIN; INSERT INTO t VALUES (1, 'a;b'); COMMIT")
	for s.Next() {
		fmt.Printf("%T\t%s\n", s.Stmt(), s.Text())
	}
	if err := s.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// *sqlparse.Begin	BEGIN
	// *sqlparse.Insert	INSERT INTO t VALUES (1, 'a;b')
	// *sqlparse.Commit	COMMIT
}

func ExampleComplete() {
	fmt.Println(sqlparse.Complete("SELECT 1"))
	fmt.Println(sqlparse.Complete("SELECT 1;"))
	fmt.Println(sqlparse.Complete("CREATE TRIGGER r UPDATE ON t BEGIN SELECT 1;"))
	// Output:
	// false
	// true
	// false
}

func ExampleInspect() {
	stmt, _ := sqlparse.ParseOne("SELECT count(*), max(a) + 1 FROM t WHERE b IN (SELECT sum(c) FROM u)")
	sqlparse.Inspect(stmt, func(n sqlparse.Node) bool {
		if _, ok := n.(*sqlparse.Subquery); ok {
			return false
		}
		if s, ok := n.(*sqlparse.In); ok && s.Select != nil {
			fmt.Println("subquery:", s.Select)
		}
		if c, ok := n.(*sqlparse.Call); ok {
			fmt.Println("call:", c)
		}
		return true
	})
	// Output:
	// call: count(*)
	// call: max(a)
	// subquery: SELECT sum(c) FROM u
	// call: sum(c)
}
