package sqlexec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/projstore/projstore/sqlexec/sqlparse"
)

// triggerDef is a CREATE TRIGGER: FOR EACH ROW, BEFORE or AFTER an
// INSERT, UPDATE [OF columns] or DELETE on a table.
type triggerDef struct {
	name   string
	table  string // lower case
	st     *sqlparse.CreateTrigger
	firing bool // a trigger does not fire itself (recursive_triggers off)
}

func (db *DB) createTrigger(st *sqlparse.CreateTrigger) error {
	key := strings.ToLower(st.Name)
	if _, ok := db.triggers[key]; ok {
		if st.IfNotExists {
			return nil
		}
		return fmt.Errorf("trigger %s already exists", st.Name)
	}
	if st.Time == sqlparse.InsteadOf {
		return errors.New("INSTEAD OF triggers are not supported")
	}
	t, ok := db.tables[strings.ToLower(st.Table)]
	if !ok {
		if _, isView := db.views[strings.ToLower(st.Table)]; isView {
			return fmt.Errorf("cannot create %s trigger on view: %s", map[sqlparse.TriggerTime]string{sqlparse.Before: "BEFORE", sqlparse.After: "AFTER", sqlparse.TriggerDefault: "BEFORE"}[st.Time], st.Table)
		}
		if db.storeHas(st.Table) {
			return fmt.Errorf("%s: triggers on store tables are not supported", st.Table)
		}
		return fmt.Errorf("no such table: main.%s", st.Table)
	}
	if t.src != nil {
		return fmt.Errorf("%s: %w", st.Table, ErrStoreReadOnly)
	}
	for _, c := range st.Columns {
		if t.def.ColumnIndex(c) < 0 {
			return fmt.Errorf("no such column: %s", c)
		}
	}
	for _, b := range st.Body {
		switch b.(type) {
		case *sqlparse.Select, *sqlparse.Insert, *sqlparse.Update, *sqlparse.Delete:
		default:
			return fmt.Errorf("a trigger body holds only SELECT, INSERT, UPDATE and DELETE")
		}
	}
	db.triggers[key] = &triggerDef{name: st.Name, table: strings.ToLower(st.Table), st: st}
	return nil
}

// rowTriggers returns the triggers of table t for event at time, for an
// UPDATE of the columns set (nil for other events).
func (db *DB) rowTriggers(t *memTable, event sqlparse.TriggerEvent, after bool, set map[int]bool) []*triggerDef {
	var out []*triggerDef
	for _, tr := range db.triggers {
		if tr.table != strings.ToLower(t.def.Name) || tr.st.Event != event || tr.firing {
			continue
		}
		if (tr.st.Time == sqlparse.After) != after {
			continue
		}
		if event == sqlparse.TriggerUpdate && len(tr.st.Columns) > 0 {
			hit := false
			for _, c := range tr.st.Columns {
				hit = hit || set[t.def.ColumnIndex(c)]
			}
			if !hit {
				continue
			}
		}
		out = append(out, tr)
	}
	// a stable order: by name
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].name < out[j-1].name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// fire runs the triggers for one row; newRow or oldRow is nil when the
// event has none (NEW.x and OLD.x then read NULL).
func (db *DB) fire(x *execCtx, t *memTable, trs []*triggerDef, newRow, oldRow []Value) error {
	if len(trs) == 0 {
		return nil
	}
	n := len(t.def.Columns)
	ts := &scope{}
	for _, pfx := range []string{"new", "old"} {
		for i, cd := range t.def.Columns {
			ts.cols = append(ts.cols, scopeCol{table: pfx, name: cd.Name, aff: t.affs[i], coll: t.colls[i]})
		}
	}
	row := make([]Value, 2*n)
	copy(row, newRow)
	copy(row[n:], oldRow)
	te := &env{row: row}
	for _, tr := range trs {
		tr.firing = true
		err := func() error {
			defer func() { tr.firing = false }()
			bx := &execCtx{db: db, args: x.args, now: x.now, goctx: x.goctx, trigScope: ts, trigEnv: te}
			defer bx.release()
			te.x = bx
			c := &compiler{db: db}
			defer c.closeSnaps()
			if tr.st.When != nil {
				w, err := c.compile(tr.st.When, &scope{parent: ts})
				if err != nil {
					return err
				}
				if ok, err := w.holds(&env{outer: te, x: bx}); err != nil || !ok {
					return err
				}
			}
			for _, st := range tr.st.Body {
				var err error
				switch st := st.(type) {
				case *sqlparse.Select:
					var p *selectPlan
					if p, err = c.selectPlan(st, ts); err == nil {
						_, err = p.execCtx(te, bx)
					}
				case *sqlparse.Insert:
					_, err = db.insert(c, bx, st)
				case *sqlparse.Update:
					_, err = db.update(c, bx, st)
				case *sqlparse.Delete:
					_, err = db.delete(c, bx, st)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}
