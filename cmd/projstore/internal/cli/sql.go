package cli

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/sqlexec"
	"github.com/projstore/projstore/sqlexec/slt"
	"github.com/projstore/projstore/sqlexec/sqlparse"
	"github.com/projstore/projstore/store"
)

var sqlCmd = &command{
	name:    "sql",
	args:    "DB [STATEMENTS] [--at POS] [--format table|csv|json] | --slt FILE|DIR...",
	summary: "run SQL on a store: one statement, a script on stdin, or a REPL",
	help: `Run SQL (SQLite's dialect) on DB, which is created if missing.

With STATEMENTS, run them (one statement or a ';'-separated script) and
print the rows of each query. Without, read a script from stdin when stdin
is not a terminal, and start an interactive shell when it is: line editing,
history (~/.projstore_history), statements over several lines, and the
dot-commands .help, .tables, .schema [TABLE], .at [POS], .mode, .timer,
.exit (.help lists them). Ctrl-C cancels the line being typed or stops
the running statement (a second Ctrl-C while it is stopping ends
projstore); Ctrl-D exits.

Every write statement (or transaction, BEGIN to COMMIT) is one batch at
the next log position. A query reads the applied position, or a past one:
"FROM t FOR SYSTEM_TIME AS OF OFFSET 42", "SELECT ... AS OF OFFSET 42", or
--at POS for every query of the run: DB must exist, it is opened
read-only, and write statements are refused (.at alone in the shell then
reads the applied position, still read-only).

--format table aligns columns and shows NULL as NULL; csv writes a header
line and NULL as an empty field; json writes one object per row (JSON
Lines), blobs as "base64:" and standard base64.

A syntax error says where: "line L, column C: ...". The first error stops
a non-interactive run (exit status 1); the shell prints it and goes on.

--slt runs sqllogictest files (a directory: its *.test and *.slt files),
each on a fresh in-memory database, prints each file's counts, and ends
with "N passed, N failed, N skipped"; exit status 1 if any record failed.`,
	opens:         true,
	interruptible: true,
	examples: []string{
		`projstore sql app.db "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES (1, 'x')"`,
		`projstore sql app.db "SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 1"`,
		`projstore sql app.db --format json < queries.sql`,
		`projstore sql app.db`,
		`projstore sql --slt testdata/select1.test testdata/evidence`,
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var o sqlOptions
		atFlag(fs, &o.at)
		o.format = formatFlag(fs, formatTable, formatCSV, formatJSON)
		fs.BoolVar(&o.slt, "slt", false, "run the sqllogictest files or directories given as arguments")
		return func(e *env, args []string) error { return runSQL(e, args, o) }
	},
}

type sqlOptions struct {
	at     positionFlag
	format *formatValue
	slt    bool
}

func runSQL(e *env, args []string, o sqlOptions) (err error) {
	if o.slt {
		if len(args) == 0 {
			return usagef("--slt wants sqllogictest files or directories")
		}
		return runSLT(e, args)
	}
	if err := wantArgs(args, 1, 2); err != nil {
		return err
	}
	// --at reads a past position, which only an existing store has, and
	// refuses writes: the store is opened read-only, so that nothing (not
	// even the recovery a writable open may do) changes the file.
	open := func(path string) (*store.Store, error) { return e.open(path, nil) }
	if o.at.set {
		open = e.openRead
	}
	s, err := open(args[0])
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	ss := &sqlSession{
		ctx:      e.ctx,
		store:    s,
		db:       sqlexec.OpenStore(s, nil),
		readOnly: o.at.set,
		mode:     o.format.value,
		out:      e.stdout,
		errOut:   e.stderr,
	}
	if o.at.set {
		if err := ss.setAt(o.at.pos); err != nil {
			return err
		}
	}
	if len(args) == 2 {
		return ss.runScript(args[1])
	}
	if f, ok := e.stdin.(*os.File); ok && isTerminalFd(int(f.Fd())) {
		rl, err := newTerminalReader()
		if err != nil {
			return err
		}
		defer rl.Close()
		return ss.repl(rl)
	}
	src, err := io.ReadAll(e.stdin)
	if err != nil {
		return err
	}
	return ss.runScript(string(src))
}

// sqlSession is a run of the sql command: a DB over the store, the
// position queries read at, and how results print.
type sqlSession struct {
	ctx   context.Context
	store *store.Store
	db    *sqlexec.DB
	at    positionFlag // queries read at this position when set
	asOf  *sqlparse.AsOf
	// readOnly: the store was opened read-only (--at); only queries run,
	// at any position, for the whole session
	readOnly bool
	mode     string // table, csv or json
	timer    bool
	out      io.Writer
	errOut   io.Writer
}

// setAt makes queries read at pos, which must be readable now.
func (ss *sqlSession) setAt(pos batch.Offset) error {
	snap, err := ss.store.Snapshot(pos)
	if err != nil {
		return fmt.Errorf("position %d: %w", pos, err)
	}
	snap.Close()
	x, err := sqlparse.ParseExpr(strconv.FormatUint(uint64(pos), 10))
	if err != nil {
		return err
	}
	ss.at = positionFlag{pos: pos, set: true}
	ss.asOf = &sqlparse.AsOf{Offset: x}
	return nil
}

// runScript runs the statements of src one by one, printing the rows of
// each query; it stops at the first error.
func (ss *sqlSession) runScript(src string) error {
	sc := sqlparse.NewScript(src)
	multiLine := strings.Contains(strings.TrimSpace(src), "\n")
	for sc.Next() {
		if err := ss.ctx.Err(); err != nil {
			return err
		}
		if err := ss.runStmt(sc.Stmt(), sc.Text()); err != nil {
			if multiLine && ss.ctx.Err() == nil {
				// which statement of the script failed
				return fmt.Errorf("line %d: %w", sc.Stmt().Position().Line, err)
			}
			return err
		}
	}
	return sc.Err()
}

// runStmt runs one parsed statement whose text is text.
func (ss *sqlSession) runStmt(st sqlparse.Stmt, text string) error {
	if ss.readOnly {
		switch st.(type) {
		case *sqlparse.Select, *sqlparse.Explain:
		default:
			// refused here, before the executor: views and TEMP tables
			// would otherwise be made in memory, and a store write would
			// fail only at commit with the store's bare ErrReadOnly
			what := "the store is open read-only"
			if ss.at.set {
				what = fmt.Sprintf("reading as of position %d: the store is open read-only", ss.at.pos)
			}
			return fmt.Errorf("%s (--at): only queries run (run projstore sql without --at to write)", what)
		}
	}
	if ss.at.set {
		// the position goes into the query, or the query EXPLAIN shows
		q := st
		if ex, ok := st.(*sqlparse.Explain); ok {
			q = ex.Stmt
		}
		sel, ok := q.(*sqlparse.Select)
		if !ok {
			if _, isExplain := st.(*sqlparse.Explain); isExplain {
				return fmt.Errorf("reading as of position %d: EXPLAIN of a statement that is not a query (.at alone to explain it)", ss.at.pos)
			}
			return fmt.Errorf("reading as of position %d: only queries run (.at alone to write)", ss.at.pos)
		}
		if sel.AsOf == nil {
			sel.AsOf = ss.asOf
			text = st.String()
		}
	}
	start := time.Now()
	res, err := ss.db.Query(ss.ctx, text)
	if err != nil {
		return err
	}
	if err := ss.ctx.Err(); err != nil {
		return err // interrupted: the rows are not wanted
	}
	if len(res.Columns) > 0 {
		if err := writeResult(ss.out, ss.mode, res); err != nil {
			return err
		}
	}
	if ss.timer {
		fmt.Fprintf(ss.out, "Run Time: %s\n", time.Since(start).Round(time.Microsecond))
	}
	return nil
}

// writeResult prints res in mode.
func writeResult(w io.Writer, mode string, res *sqlexec.Result) error {
	switch mode {
	case formatCSV:
		cw := csv.NewWriter(w)
		cw.Write(res.Columns)
		for _, r := range res.Rows {
			rec := make([]string, len(r))
			for i, v := range r {
				if v != nil {
					rec[i] = sqlText(v)
				}
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case formatJSON:
		var b strings.Builder
		for _, r := range res.Rows {
			b.Reset()
			b.WriteByte('{')
			for i, v := range r {
				if i > 0 {
					b.WriteByte(',')
				}
				name, _ := json.Marshal(res.Columns[i])
				b.Write(name)
				b.WriteByte(':')
				b.WriteString(sqlJSON(v))
			}
			b.WriteString("}\n")
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
		}
		return nil
	}
	// table: columns aligned, numbers to the right
	cells := make([][]string, len(res.Rows))
	width := make([]int, len(res.Columns))
	right := make([]bool, len(res.Columns))
	for i, c := range res.Columns {
		width[i] = displayWidth(c)
	}
	numeric := make([]bool, len(res.Columns)) // a non-NULL number seen
	text := make([]bool, len(res.Columns))    // a non-NULL non-number seen
	for j, r := range res.Rows {
		cells[j] = make([]string, len(r))
		for i, v := range r {
			s := "NULL"
			if v != nil {
				s = sqlText(v)
			}
			switch v.(type) {
			case nil:
			case int64, float64:
				numeric[i] = true
			default:
				text[i] = true
			}
			cells[j][i] = s
			width[i] = max(width[i], displayWidth(s))
		}
	}
	for i := range right {
		right[i] = numeric[i] && !text[i]
	}
	var b strings.Builder
	line := func(row []string) {
		for i, s := range row {
			pad := strings.Repeat(" ", width[i]-displayWidth(s))
			if i > 0 {
				b.WriteString("  ")
			}
			if right[i] {
				b.WriteString(pad + s)
			} else if i < len(row)-1 {
				b.WriteString(s + pad)
			} else {
				b.WriteString(s)
			}
		}
		b.WriteByte('\n')
	}
	line(res.Columns)
	dashes := make([]string, len(width))
	for i, n := range width {
		dashes[i] = strings.Repeat("-", n)
	}
	line(dashes)
	for _, r := range cells {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth is how many terminal columns s takes, for aligning table
// output: CJK characters take two, combining marks and format characters
// none (as the terminal and readline count them), the others one.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		case unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana),
			0xFF01 <= r && r <= 0xFF60, 0xFFE0 <= r && r <= 0xFFE6: // fullwidth forms
			n += 2
		default:
			n++
		}
	}
	return n
}

// sqlText renders a non-NULL value as SQLite's shell does; a blob that
// is not UTF-8 is shown as X'hex'.
func sqlText(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return formatReal(v)
	case string:
		return v
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return "X'" + strings.ToUpper(hex.EncodeToString(v)) + "'"
	}
	return fmt.Sprint(v)
}

// formatReal renders a REAL as SQLite's shell does (%!.15g): always with
// a decimal point or an exponent.
func formatReal(f float64) string {
	if math.IsInf(f, 0) {
		if f > 0 {
			return "Inf"
		}
		return "-Inf"
	}
	s := strconv.FormatFloat(f, 'g', 15, 64)
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		// 1e+20 as 1.0e+20, as SQLite does
		if !strings.Contains(s[:i], ".") {
			s = s[:i] + ".0" + s[i:]
		}
		return s
	}
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// sqlJSON renders a value as JSON.
func sqlJSON(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "null"
		}
		b, _ := json.Marshal(v)
		return string(b)
	case []byte:
		b, _ := json.Marshal(logfile.EncodeText(v))
		return string(b)
	}
	var b strings.Builder
	enc := newJSON(&b)
	enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// catalog returns the store's catalog at the session's position.
func (ss *sqlSession) catalog() (*column.Catalog, error) {
	pos := ss.store.AppliedPosition()
	if ss.at.set {
		pos = ss.at.pos
	}
	snap, err := ss.store.Snapshot(pos)
	if err != nil {
		return nil, fmt.Errorf("position %d: %w", pos, err)
	}
	defer snap.Close()
	return column.NewTx(snap, nil).Catalog()
}

// untypedTables counts the store tables at the session's position that
// are not package column's (catalog, tables, indexes): key-value tables
// written by apply, which SQL does not see.
func (ss *sqlSession) untypedTables() (int, error) {
	pos := ss.store.AppliedPosition()
	if ss.at.set {
		pos = ss.at.pos
	}
	snap, err := ss.store.Snapshot(pos)
	if err != nil {
		return 0, err
	}
	defer snap.Close()
	ts, err := snap.Tables()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range ts {
		if t.ID < column.CatalogID {
			n++
		}
	}
	return n, nil
}

// tableNames lists the tables and views, sorted.
func (ss *sqlSession) tableNames() ([]string, error) {
	cat, err := ss.catalog()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range cat.Tables() {
		names = append(names, t.Name)
	}
	for _, v := range cat.Views() {
		names = append(names, v.Name)
	}
	sort.Strings(names)
	return names, nil
}

// schema returns the CREATE statements of table (every table when it is
// ""), each ending with ";".
func (ss *sqlSession) schema(table string) ([]string, error) {
	cat, err := ss.catalog()
	if err != nil {
		return nil, err
	}
	var out []string
	tables := cat.Tables()
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	for _, t := range tables {
		if table != "" && !strings.EqualFold(t.Name, table) {
			continue
		}
		out = append(out, createTableSQL(t))
		idx, err := cat.Indexes(t.Name)
		if err != nil {
			return nil, err
		}
		for _, ix := range idx {
			unique := ""
			if ix.Unique {
				unique = "UNIQUE "
			}
			cols := make([]string, len(ix.Columns))
			for i, c := range ix.Columns {
				cols[i] = quoteIdent(c)
			}
			out = append(out, fmt.Sprintf("CREATE %sINDEX %s ON %s (%s);", unique, quoteIdent(ix.Name), quoteIdent(t.Name), strings.Join(cols, ", ")))
		}
	}
	for _, v := range cat.Views() {
		if table != "" && !strings.EqualFold(v.Name, table) {
			continue
		}
		cols := ""
		if len(v.Columns) > 0 {
			q := make([]string, len(v.Columns))
			for i, c := range v.Columns {
				q[i] = quoteIdent(c)
			}
			cols = "(" + strings.Join(q, ", ") + ")"
		}
		out = append(out, fmt.Sprintf("CREATE VIEW %s%s AS %s;", quoteIdent(v.Name), cols, v.SQL))
	}
	if table != "" && len(out) == 0 {
		return nil, fmt.Errorf("no table %s", table)
	}
	return out, nil
}

func createTableSQL(t *column.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", quoteIdent(t.Name))
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c.Name))
		if c.DeclType != "" {
			b.WriteString(" " + c.DeclType)
		}
		if len(t.PrimaryKey) == 1 && t.PrimaryKey[0] == i {
			b.WriteString(" PRIMARY KEY")
		}
		if c.NotNull {
			b.WriteString(" NOT NULL")
		}
		if c.DefaultExpr != "" {
			b.WriteString(" DEFAULT " + c.DefaultExpr)
		} else if !c.Default.IsNull() {
			b.WriteString(" DEFAULT " + c.Default.String())
		}
	}
	if len(t.PrimaryKey) > 1 {
		cols := make([]string, len(t.PrimaryKey))
		for i, k := range t.PrimaryKey {
			cols[i] = quoteIdent(t.Columns[k].Name)
		}
		fmt.Fprintf(&b, ", PRIMARY KEY (%s)", strings.Join(cols, ", "))
	}
	b.WriteString(");")
	return b.String()
}

// quoteIdent quotes a name unless it is a plain identifier.
func quoteIdent(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			plain = false
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// sltEngine runs a sqllogictest file on an in-memory database.
type sltEngine struct {
	ctx context.Context
	db  *sqlexec.DB
}

func (e sltEngine) Exec(sql string) error {
	_, err := e.db.Exec(e.ctx, sql)
	return err
}

func (e sltEngine) Query(sql string) ([][]any, error) {
	res, err := e.db.Query(e.ctx, sql)
	if err != nil {
		return nil, err
	}
	return res.Rows, nil
}

// runSLT runs the sqllogictest files and directories in args.
func runSLT(e *env, args []string) error {
	var files []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			files = append(files, a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".test") || strings.HasSuffix(p, ".slt")) {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return fmt.Errorf("%s: no .test or .slt files", a)
		}
		slices.Sort(found)
		files = append(files, found...)
	}
	var total slt.Stats
	for _, f := range files {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		st, err := slt.RunFile(f, sltEngine{e.ctx, sqlexec.NewMemory(nil)})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", f, st)
		for i, msg := range st.Failures {
			if i == 10 {
				fmt.Fprintf(e.stdout, "  ... and %d more\n", len(st.Failures)-10)
				break
			}
			fmt.Fprintf(e.stdout, "  %s\n", oneLineMsg(msg))
		}
		total.Add(st)
	}
	fmt.Fprintln(e.stdout, total)
	if total.Failed > 0 {
		return fmt.Errorf("%s failed", plural(total.Failed, "record"))
	}
	return nil
}

func oneLineMsg(s string) string { return strings.Join(strings.Fields(s), " ") }

var errExit = errors.New("exit")
