package sqlparse

// Inspect walks a tree depth-first in source order, calling f for every
// expression, statement and table expression (the Expr, Stmt and TableExpr
// nodes) it reaches, with n first. If f returns false, Inspect skips that
// node's children. Helper structs without an interface of their own (When,
// CTE, OrderTerm, ColumnDef, ...) are not passed to f, but their children
// are visited. Subqueries are entered: f sees the *Select of a Subquery,
// Exists, In, DerivedTable or CTE.
func Inspect(n Node, f func(Node) bool) {
	var w walker
	w.f = f
	w.node(n)
}

type walker struct {
	f func(Node) bool
}

func (w *walker) expr(x Expr) {
	if x != nil {
		w.node(x)
	}
}

func (w *walker) exprs(list []Expr) {
	for _, x := range list {
		w.node(x)
	}
}

func (w *walker) table(t TableExpr) {
	if t != nil {
		w.node(t)
	}
}

func (w *walker) query(s *Select) {
	if s != nil {
		w.node(s)
	}
}

func (w *walker) orderTerms(terms []*OrderTerm) {
	for _, t := range terms {
		w.expr(t.Expr)
	}
}

func (w *walker) with(x *With) {
	if x == nil {
		return
	}
	for _, c := range x.CTEs {
		w.query(c.Select)
	}
}

func (w *walker) asOf(a *AsOf) {
	if a != nil {
		w.expr(a.Offset)
	}
}

func (w *walker) core(c *SelectCore) {
	for _, rc := range c.Columns {
		w.expr(rc.Expr)
	}
	w.table(c.From)
	w.expr(c.Where)
	w.exprs(c.GroupBy)
	w.expr(c.Having)
	for _, row := range c.Values {
		w.exprs(row)
	}
}

func (w *walker) node(n Node) {
	if !w.f(n) {
		return
	}
	switch n := n.(type) {
	case *Literal, *Column, *Param:
	case *Unary:
		w.expr(n.X)
	case *Binary:
		w.expr(n.X)
		w.expr(n.Y)
	case *IsNull:
		w.expr(n.X)
	case *Collate:
		w.expr(n.X)
	case *Like:
		w.expr(n.X)
		w.expr(n.Pattern)
		w.expr(n.Escape)
	case *Between:
		w.expr(n.X)
		w.expr(n.Lo)
		w.expr(n.Hi)
	case *In:
		w.expr(n.X)
		w.exprs(n.List)
		w.query(n.Select)
		if n.Table != nil {
			w.node(n.Table)
		}
	case *Exists:
		w.query(n.Select)
	case *Subquery:
		w.query(n.Select)
	case *Row:
		w.exprs(n.List)
	case *Cast:
		w.expr(n.X)
	case *Case:
		w.expr(n.Operand)
		for _, c := range n.Whens {
			w.expr(c.Cond)
			w.expr(c.Result)
		}
		w.expr(n.Else)
	case *Call:
		w.exprs(n.Args)
		w.orderTerms(n.OrderBy)
		w.expr(n.Filter)
	case *Raise:
		w.expr(n.Message)

	case *TableName:
		w.asOf(n.AsOf)
	case *DerivedTable:
		w.query(n.Select)
	case *Join:
		w.table(n.Left)
		w.table(n.Right)
		w.expr(n.On)

	case *Select:
		w.with(n.With)
		w.core(n.Core)
		for _, c := range n.Compound {
			w.core(c.Core)
		}
		w.orderTerms(n.OrderBy)
		w.expr(n.Limit)
		w.expr(n.Offset)
		w.asOf(n.AsOf)
	case *Insert:
		w.with(n.With)
		w.node(n.Table)
		w.query(n.Select)
	case *Update:
		w.with(n.With)
		w.node(n.Table)
		for _, a := range n.Set {
			w.expr(a.Value)
		}
		w.table(n.From)
		w.expr(n.Where)
	case *Delete:
		w.with(n.With)
		w.node(n.Table)
		w.expr(n.Where)
	case *CreateTable:
		for _, c := range n.Columns {
			for _, k := range c.Constraints {
				w.expr(k.Expr)
			}
		}
		for _, c := range n.Constraints {
			w.orderTerms(c.Columns)
			w.expr(c.Check)
		}
		w.query(n.As)
	case *CreateIndex:
		w.orderTerms(n.Columns)
		w.expr(n.Where)
	case *CreateView:
		w.query(n.Select)
	case *CreateTrigger:
		w.expr(n.When)
		for _, s := range n.Body {
			w.node(s)
		}
	case *Explain:
		w.node(n.Stmt)
	case *Drop, *Reindex, *Analyze, *Begin, *Commit, *Rollback, *TypeName:
	}
}
