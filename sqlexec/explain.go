package sqlexec

import (
	"fmt"
	"strings"

	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
)

// explain plans st and describes the plan, one line a row, indented by
// nesting: the operators the executor will run.
func (db *DB) explain(c *compiler, st sqlparse.Stmt) (*resultSet, error) {
	var lines []string
	add := func(depth int, format string, args ...any) {
		lines = append(lines, strings.Repeat("  ", depth)+fmt.Sprintf(format, args...))
	}
	var selectLines func(p *selectPlan, depth int)
	selectLines = func(p *selectPlan, depth int) {
		if p.rec != nil {
			add(depth, "RECURSIVE CTE %s (UNION%s)", p.rec.d.name, map[bool]string{true: " ALL", false: ""}[p.rec.unionAll])
			selectLines(p.rec.anchor, depth+1)
			selectLines(p.rec.step, depth+1)
			return
		}
		if p.limit != nil {
			add(depth, "LIMIT/OFFSET")
			depth++
		}
		if len(p.order) > 0 {
			add(depth, "SORT %d key(s)", len(p.order))
			depth++
		}
		for i, core := range p.cores {
			if i > 0 {
				add(depth, "%s", compoundName(p.ops[i-1]))
			}
			coreLines(core, depth, selectLines, add)
		}
	}
	switch st := st.(type) {
	case *sqlparse.Select:
		p, err := c.selectPlan(st, nil)
		if err != nil {
			return nil, err
		}
		selectLines(p, 0)
	case *sqlparse.Insert:
		add(0, "INSERT INTO %s", st.Table.Name)
		if st.Select != nil {
			p, err := c.selectPlan(st.Select, nil)
			if err != nil {
				return nil, err
			}
			selectLines(p, 1)
		}
	case *sqlparse.Update:
		add(0, "UPDATE %s: SCAN, FILTER, WRITE", st.Table.Name)
	case *sqlparse.Delete:
		add(0, "DELETE FROM %s: SCAN, FILTER, WRITE", st.Table.Name)
	default:
		add(0, "%s", strings.SplitN(st.String(), " ", 3)[0])
	}
	rs := &resultSet{cols: []outCol{{name: "plan"}}}
	for _, l := range lines {
		rs.rows = append(rs.rows, []Value{column.MakeText(l)})
	}
	return rs, nil
}

func coreLines(cp *corePlan, depth int, sel func(*selectPlan, int), add func(int, string, ...any)) {
	if cp.values != nil {
		add(depth, "VALUES %d row(s)", len(cp.values))
		return
	}
	if cp.distinct {
		add(depth, "DISTINCT (hash)")
		depth++
	}
	// the operators of a core over one table run on batches (vcore.go)
	vec := ""
	if cp.from != nil && cp.from.vectorised() {
		vec = " (vectorised)"
	}
	if cp.isAgg {
		if len(cp.groupBy) > 0 {
			add(depth, "HASH AGGREGATE GROUP BY %d key(s), %d aggregate(s)%s", len(cp.groupBy), len(cp.aggs), vec)
		} else {
			add(depth, "AGGREGATE %d aggregate(s)%s", len(cp.aggs), vec)
		}
		depth++
	}
	add(depth, "PROJECT %d column(s)%s", len(cp.cols), vec)
	depth++
	if cp.from == nil {
		add(depth, "ONE ROW")
		return
	}
	fp := cp.from
	if len(fp.where) > 0 {
		if vec != "" {
			add(depth, "FILTER %d term(s) (vectorised, selection vectors)", len(fp.where))
		} else {
			add(depth, "FILTER %d term(s), pushed to their tables (vectorised); equalities drive hash joins", len(fp.where))
		}
	}
	for i, it := range fp.items {
		how := "SCAN"
		if i > 0 {
			how = map[sqlparse.JoinOp]string{sqlparse.LeftJoin: "LEFT HASH JOIN", sqlparse.CrossJoin: "CROSS JOIN"}[it.op]
			if how == "" {
				how = "HASH JOIN"
			}
		}
		switch {
		case it.table != nil && it.table.src != nil:
			cols := "every column"
			if need := fp.need(it); need != nil {
				cols = fmt.Sprintf("%d of %d columns", len(need), len(it.cols))
			}
			add(depth, "%s %s (store scanner, %s)", how, it.alias, cols)
		case it.table != nil:
			add(depth, "%s %s", how, it.alias)
		case it.cte != nil:
			add(depth, "%s %s (recursive CTE rows)", how, it.alias)
		default:
			add(depth, "%s %s (subquery)", how, it.alias)
			sel(it.sub, depth+1)
		}
	}
}
