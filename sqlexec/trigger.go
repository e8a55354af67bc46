package sqlexec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/projstore/projstore/column"
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
	if _, ok := db.triggers[key]; ok || db.storeTrigger(st.Name) != nil {
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
		if _, isView := db.views[strings.ToLower(st.Table)]; isView || db.storeView(st.Table) != nil {
			return fmt.Errorf("cannot create %s trigger on view: %s", map[sqlparse.TriggerTime]string{sqlparse.Before: "BEFORE", sqlparse.After: "AFTER", sqlparse.TriggerDefault: "BEFORE"}[st.Time], st.Table)
		}
		if !db.storeMode || !db.storeHas(st.Table) {
			if db.store != nil && db.storeHas(st.Table) {
				return fmt.Errorf("%s: %w", st.Table, ErrStoreReadOnly)
			}
			return fmt.Errorf("no such table: main.%s", st.Table)
		}
		return db.storeCreateTrigger(st)
	}
	if t.src != nil {
		return fmt.Errorf("%s: %w", st.Table, ErrStoreReadOnly)
	}
	if err := checkTrigger(st, t); err != nil {
		return err
	}
	db.triggers[key] = &triggerDef{name: st.Name, table: strings.ToLower(st.Table), st: st}
	return nil
}

// checkTrigger checks what CREATE TRIGGER can check before the trigger
// first fires: its UPDATE OF columns and the kinds of its statements.
func checkTrigger(st *sqlparse.CreateTrigger, t *memTable) error {
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
	return nil
}

// storeCreateTrigger keeps a trigger on a store table in the store's
// catalog, as the SQL of its CREATE TRIGGER, so that it fires for every
// DB over the store and survives reopening it. A TEMP trigger stays with
// this DB, as in SQLite.
func (db *DB) storeCreateTrigger(st *sqlparse.CreateTrigger) error {
	return db.storeStmt(func(tx *column.Tx) error {
		cat, err := tx.Catalog()
		if err != nil {
			return err
		}
		ct, err := cat.Table(st.Table)
		if err != nil {
			return fmt.Errorf("no such table: main.%s", st.Table)
		}
		t := storeTable(tx, ct)
		if err := checkTrigger(st, t); err != nil {
			return err
		}
		if st.Temp {
			db.triggers[strings.ToLower(st.Name)] = &triggerDef{name: st.Name, table: strings.ToLower(ct.Name), st: st}
			return nil
		}
		return tx.CreateTrigger(&column.Trigger{Name: st.Name, Table: ct.Name, SQL: st.String()})
	})
}

// storeCatalog returns the store's catalog as a statement of this DB
// sees it: in the open write transaction, or at the applied position.
func (db *DB) storeCatalog() (*column.Catalog, error) {
	if db.store == nil {
		return nil, errors.New("no store attached")
	}
	if db.wtx != nil {
		return db.wtx.tx.Catalog()
	}
	snap, err := db.store.Snapshot(db.store.AppliedPosition())
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	return column.NewTx(snap, nil).Catalog()
}

// storeTrigger returns the store trigger named name, or nil.
func (db *DB) storeTrigger(name string) *column.Trigger {
	if !db.storeMode {
		return nil
	}
	cat, err := db.storeCatalog()
	if err != nil {
		return nil
	}
	x, err := cat.Trigger(name)
	if err != nil {
		return nil
	}
	return x
}

// storeView returns the store view named name, or nil.
func (db *DB) storeView(name string) *column.View {
	if db.store == nil {
		return nil
	}
	cat, err := db.storeCatalog()
	if err != nil {
		return nil
	}
	v, err := cat.View(name)
	if err != nil {
		return nil
	}
	return v
}

// parsedTrigger returns the trigger a store catalog entry holds, parsed
// once per DB: the parse is cached by SQL text, which names the trigger,
// so the cached triggerDef's firing flag is this DB's for that trigger.
func (db *DB) parsedTrigger(x *column.Trigger) (*triggerDef, error) {
	if tr, ok := db.storeTrigs[x.SQL]; ok {
		return tr, nil
	}
	stmt, err := sqlparse.ParseOne(x.SQL)
	if err != nil {
		return nil, fmt.Errorf("trigger %s in the store: %w", x.Name, err)
	}
	st, ok := stmt.(*sqlparse.CreateTrigger)
	if !ok {
		return nil, fmt.Errorf("trigger %s in the store holds a %T, not CREATE TRIGGER", x.Name, stmt)
	}
	if db.storeTrigs == nil {
		db.storeTrigs = map[string]*triggerDef{}
	}
	tr := &triggerDef{name: x.Name, table: strings.ToLower(x.Table), st: st}
	db.storeTrigs[x.SQL] = tr
	return tr, nil
}

// storeRowTriggers is rowTriggers for a store table read through the
// open write transaction: this DB's TEMP triggers on it and the store's.
func (db *DB) storeRowTriggers(tx *column.Tx, t *memTable, event sqlparse.TriggerEvent, after bool, set map[int]bool) ([]*triggerDef, error) {
	out := db.rowTriggers(t, event, after, set)
	cat, err := tx.Catalog()
	if err != nil {
		return nil, err
	}
	for _, x := range cat.Triggers(t.def.Name) {
		tr, err := db.parsedTrigger(x)
		if err != nil {
			return nil, err
		}
		if triggerMatches(tr, t, event, after, set) {
			out = append(out, tr)
		}
	}
	sortTriggers(out)
	return out, nil
}

// rowTriggers returns the triggers of table t for event at time, for an
// UPDATE of the columns set (nil for other events).
func (db *DB) rowTriggers(t *memTable, event sqlparse.TriggerEvent, after bool, set map[int]bool) []*triggerDef {
	var out []*triggerDef
	for _, tr := range db.triggers {
		if triggerMatches(tr, t, event, after, set) {
			out = append(out, tr)
		}
	}
	sortTriggers(out)
	return out
}

func triggerMatches(tr *triggerDef, t *memTable, event sqlparse.TriggerEvent, after bool, set map[int]bool) bool {
	if tr.table != strings.ToLower(t.def.Name) || tr.st.Event != event || tr.firing {
		return false
	}
	if (tr.st.Time == sqlparse.After) != after {
		return false
	}
	if event == sqlparse.TriggerUpdate && len(tr.st.Columns) > 0 {
		for _, c := range tr.st.Columns {
			if set[t.def.ColumnIndex(c)] {
				return true
			}
		}
		return false
	}
	return true
}

// sortTriggers puts triggers in a stable order: by name.
func sortTriggers(out []*triggerDef) {
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].name < out[j-1].name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
}

// fire runs the triggers for one row; newRow or oldRow is nil when the
// event has none (NEW.x and OLD.x then read NULL).
func (db *DB) fire(x *execCtx, t *memTable, trs []*triggerDef, newRow, oldRow []Value) error {
	if len(trs) == 0 {
		return nil
	}
	n := len(t.def.Columns)
	ts := &scope{ctes: map[string]*cteDef{trigScopeMark: nil}}
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
				case *sqlparse.Insert, *sqlparse.Update, *sqlparse.Delete:
					_, err = db.writeStmt(c, bx, st)
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

// trigScopeMark marks the scope of NEW and OLD (the root of every scope
// a trigger's program compiles in) among the CTE names, where no SQL name
// can match it (CTE lookups use lowered identifiers, never NUL).
const trigScopeMark = "\x00trigger"

// raiseError is RAISE(ROLLBACK|ABORT|FAIL, message) or RAISE(IGNORE)
// run by a trigger program.
type raiseError struct {
	action sqlparse.ConflictAction
	msg    string
}

func (e *raiseError) Error() string {
	if e.action == sqlparse.ConflictIgnore {
		return "RAISE(IGNORE) outside a row operation"
	}
	return e.msg
}

// raisedIgnore reports whether err is RAISE(IGNORE): the row operation
// that fired the trigger is skipped, and the statement goes on with its
// next row, with nothing undone (as SQLite's VDBE jumps to the next row).
func raisedIgnore(err error) bool {
	var re *raiseError
	return errors.As(err, &re) && re.action == sqlparse.ConflictIgnore
}

// raise compiles RAISE(), which only a trigger program may hold.
func (c *compiler) raise(x *sqlparse.Raise, s *scope) (cexpr, error) {
	in := false
	for sc := s; sc != nil && !in; sc = sc.parent {
		_, in = sc.ctes[trigScopeMark]
	}
	if !in {
		return cexpr{}, errors.New("RAISE() may only be used within a trigger-program")
	}
	var msg cexpr
	if x.Message != nil {
		m, err := c.compile(x.Message, s)
		if err != nil {
			return cexpr{}, err
		}
		msg = m
	}
	return cexpr{fn: func(e *env) (Value, error) {
		re := &raiseError{action: x.Action}
		if msg.fn != nil {
			v, err := msg.fn(e)
			if err != nil {
				return null, err
			}
			re.msg = textOf(v)
		}
		return null, re
	}}, nil
}
