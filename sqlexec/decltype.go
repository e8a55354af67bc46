package sqlexec

import (
	"strconv"
	"strings"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
)

// The declared types of a query's result columns, for the driver's
// ColumnTypeDatabaseTypeName. They are worked out from the statement's
// syntax and the catalog, after the query ran, rather than carried through
// the planner: only the driver wants them, and SQLite's rule is syntactic
// (a result column that is a column reference, or a scalar subquery whose
// first column is one, has that column's declared type; a compound takes
// its leftmost SELECT's).

// declCol is a column a FROM clause makes visible.
type declCol struct {
	table  string // alias or table name, as queries qualify it
	name   string
	decl   string
	hidden bool // right-hand column of USING or NATURAL: not in *
}

// maxDeclDepth bounds the nesting of views, CTEs and subqueries followed,
// so that a view defined in terms of itself ends.
const maxDeclDepth = 32

// declResolver resolves table names for declTypes.
type declResolver struct {
	c    *Conn
	cats map[batch.Offset]*column.Catalog // store catalogs read, by position
	// failed: a name or a star could not be resolved, so the columns
	// computed may not line up with the result's
	failed bool
}

// declTypes returns the declared type of each of the n result columns of
// sel, upper-cased; all "" if the columns cannot be traced.
func (c *Conn) declTypes(sel *sqlparse.Select, n int) []string {
	c.db.mu.Lock()
	defer c.db.mu.Unlock()
	r := &declResolver{c: c}
	cols := r.selectCols(sel, nil, sel.AsOf, 0)
	out := make([]string, n)
	if r.failed || len(cols) != n {
		return out
	}
	for i, col := range cols {
		out[i] = strings.ToUpper(col.decl)
	}
	return out
}

// cteScope is the CTEs visible at a point of a query, innermost first.
type cteScope struct {
	ctes   map[string]*sqlparse.CTE
	parent *cteScope
}

func (s *cteScope) lookup(name string) *sqlparse.CTE {
	for ; s != nil; s = s.parent {
		if c, ok := s.ctes[strings.ToLower(name)]; ok {
			return c
		}
	}
	return nil
}

// selectCols returns the result columns of sel: their names and declared
// types. asOf is the statement's position, for tables without their own.
func (r *declResolver) selectCols(sel *sqlparse.Select, scope *cteScope, asOf *sqlparse.AsOf, depth int) []declCol {
	if depth > maxDeclDepth || sel == nil || sel.Core == nil {
		r.failed = true
		return nil
	}
	if sel.With != nil {
		s := &cteScope{ctes: map[string]*sqlparse.CTE{}, parent: scope}
		for _, c := range sel.With.CTEs {
			s.ctes[strings.ToLower(c.Name)] = c
		}
		scope = s
	}
	core := sel.Core
	if core.Values != nil {
		if len(core.Values) == 0 {
			r.failed = true
			return nil
		}
		out := make([]declCol, len(core.Values[0]))
		for i := range out {
			out[i].name = "column" + strconv.Itoa(i+1)
		}
		return out
	}
	var from []declCol
	if core.From != nil {
		from = r.fromCols(core.From, scope, asOf, depth)
	}
	var out []declCol
	for _, rc := range core.Columns {
		if rc.Star {
			found := false
			for _, c := range from {
				if c.hidden || rc.Table != "" && !strings.EqualFold(c.table, rc.Table) {
					continue
				}
				found = true
				out = append(out, declCol{name: c.name, decl: c.decl})
			}
			if !found {
				r.failed = true
			}
			continue
		}
		name := rc.Alias
		if name == "" {
			name = rc.Text
			if col, ok := rc.Expr.(*sqlparse.Column); ok {
				name = col.Name
			}
		}
		out = append(out, declCol{name: name, decl: r.exprDecl(rc.Expr, from, scope, asOf, depth)})
	}
	return out
}

// exprDecl is the declared type of a result column's expression.
func (r *declResolver) exprDecl(x sqlparse.Expr, from []declCol, scope *cteScope, asOf *sqlparse.AsOf, depth int) string {
	switch x := x.(type) {
	case *sqlparse.Column:
		if x.Schema != "" && !strings.EqualFold(x.Schema, "main") {
			return ""
		}
		for _, c := range from {
			if strings.EqualFold(c.name, x.Name) && (x.Table == "" || strings.EqualFold(c.table, x.Table)) {
				return c.decl
			}
		}
		if isRowidName(x.Name) && len(from) > 0 {
			return "INTEGER" // the rowid pseudo-column, as SQLite declares it
		}
		// a column of an enclosing query: SQLite would trace it, but
		// this resolver sees only the query's own FROM
		return ""
	case *sqlparse.Subquery:
		cols := r.selectCols(x.Select, scope, asOf, depth+1)
		if len(cols) == 0 {
			return ""
		}
		return cols[0].decl
	}
	return ""
}

// fromCols returns the columns a FROM clause makes visible, in the order
// * lists them.
func (r *declResolver) fromCols(te sqlparse.TableExpr, scope *cteScope, asOf *sqlparse.AsOf, depth int) []declCol {
	switch te := te.(type) {
	case *sqlparse.TableName:
		alias := te.Alias
		if alias == "" {
			alias = te.Name
		}
		cols := r.tableCols(te, scope, asOf, depth)
		for i := range cols {
			cols[i].table = alias
			cols[i].hidden = false
		}
		return cols
	case *sqlparse.DerivedTable:
		cols := r.selectCols(te.Select, scope, asOf, depth+1)
		for i := range cols {
			cols[i].table = te.Alias
		}
		return cols
	case *sqlparse.Join:
		left := r.fromCols(te.Left, scope, asOf, depth)
		right := r.fromCols(te.Right, scope, asOf, depth)
		using := map[string]bool{}
		for _, u := range te.Using {
			using[strings.ToLower(u)] = true
		}
		if te.Natural {
			for _, lc := range left {
				for _, rc := range right {
					if !lc.hidden && strings.EqualFold(lc.name, rc.name) {
						using[strings.ToLower(rc.name)] = true
					}
				}
			}
		}
		for i := range right {
			if using[strings.ToLower(right[i].name)] {
				right[i].hidden = true
			}
		}
		return append(left, right...)
	}
	r.failed = true
	return nil
}

// tableCols returns the columns of a table, view or CTE named in FROM.
func (r *declResolver) tableCols(tn *sqlparse.TableName, scope *cteScope, asOf *sqlparse.AsOf, depth int) []declCol {
	if tn.Schema == "" {
		if cte := scope.lookup(tn.Name); cte != nil {
			cols := r.selectCols(cte.Select, scope, asOf, depth+1)
			if len(cte.Columns) > 0 {
				if len(cte.Columns) != len(cols) {
					r.failed = true
					return nil
				}
				for i := range cols {
					cols[i].name = cte.Columns[i]
				}
			}
			return cols
		}
	}
	key := strings.ToLower(tn.Name)
	if t, ok := r.c.db.tables[key]; ok {
		return tableDeclCols(&t.def)
	}
	if v, ok := r.c.db.views[key]; ok {
		return r.viewCols(v, asOf, depth)
	}
	if tn.AsOf != nil {
		asOf = tn.AsOf
	}
	cat := r.storeCatalog(asOf)
	if cat == nil {
		r.failed = true
		return nil
	}
	t, err := cat.Table(tn.Name)
	if err == nil {
		return tableDeclCols(t)
	}
	cv, err := cat.View(tn.Name)
	if err != nil {
		r.failed = true
		return nil
	}
	v, err := r.c.db.parsedView(cv)
	if err != nil {
		r.failed = true
		return nil
	}
	return r.viewCols(v, asOf, depth)
}

// viewCols returns the columns of a view, named by its column list when
// it has one.
func (r *declResolver) viewCols(v *viewDef, asOf *sqlparse.AsOf, depth int) []declCol {
	cols := r.selectCols(v.sel, nil, asOf, depth+1)
	if len(v.columns) > 0 {
		if len(v.columns) != len(cols) {
			r.failed = true
			return nil
		}
		for i := range cols {
			cols[i].name = v.columns[i]
		}
	}
	return cols
}

func tableDeclCols(t *column.Table) []declCol {
	cols := make([]declCol, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = declCol{name: c.Name, decl: c.DeclType}
	}
	return cols
}

// storeCatalog returns the catalog a store table is read through: the
// open write transaction's, the applied position's, or the position of a
// literal AS OF OFFSET; nil if there is none or it cannot be read.
func (r *declResolver) storeCatalog(asOf *sqlparse.AsOf) *column.Catalog {
	db := r.c.db
	if db.store == nil {
		return nil
	}
	pos := db.store.AppliedPosition()
	if asOf != nil {
		lit, ok := asOf.Offset.(*sqlparse.Literal)
		if !ok {
			return nil // a parameter or an expression: not worth evaluating here
		}
		n, err := strconv.ParseUint(lit.Value, 10, 64)
		if err != nil {
			return nil
		}
		pos = batch.Offset(n)
	} else if db.wtx != nil {
		cat, err := db.wtx.tx.Catalog()
		if err != nil {
			return nil
		}
		return cat
	}
	if cat, ok := r.cats[pos]; ok {
		return cat
	}
	snap, err := db.store.Snapshot(pos)
	if err != nil {
		return nil
	}
	defer snap.Close()
	cat, err := column.NewTx(snap, nil).Catalog()
	if err != nil {
		return nil
	}
	if r.cats == nil {
		r.cats = map[batch.Offset]*column.Catalog{}
	}
	r.cats[pos] = cat
	return cat
}
