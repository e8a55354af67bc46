package cli

import (
	"bufio"
	"flag"
	"fmt"
	"strconv"

	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/store"
)

// view is a store opened read-only with a snapshot at one position.
type view struct {
	s    *store.Store
	snap *store.Snapshot
}

// openView opens DB read-only and takes a snapshot at at, or at the applied
// position when at is not set.
func (e *env) openView(path string, at positionFlag) (*view, error) {
	s, err := e.openRead(path)
	if err != nil {
		return nil, err
	}
	pos := s.AppliedPosition()
	if at.set {
		pos = at.pos
	}
	snap, err := s.Snapshot(pos)
	if err != nil {
		s.Close()
		return nil, err
	}
	return &view{s: s, snap: snap}, nil
}

// close closes the snapshot and the store, keeping the first error.
func (v *view) close(err *error) {
	if cerr := v.snap.Close(); *err == nil && cerr != nil {
		*err = cerr
	}
	closeStore(v.s, err)
}

var tablesCmd = &command{
	name:    "tables",
	args:    "DB [--at POS] [--format table|json]",
	summary: "list the tables live at a position: ids, rows, bytes, creation",
	help: `List the tables of DB live at the applied position, or with --at as of log
position POS, by id: their live rows, the bytes of their live keys and
values, and the position that created them (a table dropped and written to
again is a new table, created by that write). The counts come from the
store's catalog, which records them with every batch: no rows are read.

--format json prints one object per table: {"position", "table", "rows",
"bytes", "created"}.`,
	opens: true,
	examples: []string{
		"projstore tables app.db",
		"projstore tables app.db --at 1500",
		"projstore tables app.db --format json | jq -s 'map(.rows) | add'",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var at positionFlag
		atFlag(fs, &at)
		format := formatFlag(fs, formatTable, formatJSON)
		return func(e *env, args []string) error { return runTables(e, args, at, format.json()) }
	},
}

// tableJSON is one line of tables' JSON output.
type tableJSON struct {
	Position uint64 `json:"position"`
	Table    uint64 `json:"table"`
	Rows     int64  `json:"rows"`
	Bytes    int64  `json:"bytes"`
	Created  uint64 `json:"created"`
}

func runTables(e *env, args []string, at positionFlag, asJSON bool) (err error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	v, err := e.openView(args[0], at)
	if err != nil {
		return err
	}
	defer v.close(&err)
	ts, err := v.snap.Tables()
	if err != nil {
		return err
	}
	pos := v.snap.Position()
	if asJSON {
		enc := newJSON(e.stdout)
		for _, t := range ts {
			if err := enc.Encode(tableJSON{uint64(pos), uint64(t.ID), t.Rows, t.Bytes, uint64(t.Created)}); err != nil {
				return err
			}
		}
		return nil
	}
	if len(ts) == 0 {
		_, err := fmt.Fprintf(e.stdout, "no tables at position %d\n", pos)
		return err
	}
	g := newGrid([]int{0, 1, 2, 3}, "TABLE", "ROWS", "BYTES", "CREATED")
	var rows int64
	for _, t := range ts {
		g.add(strconv.FormatUint(uint64(t.ID), 10), commas(uint64(t.Rows)), size(t.Bytes), strconv.FormatUint(uint64(t.Created), 10))
		rows += t.Rows
	}
	_, err = fmt.Fprintf(e.stdout, "%s%s, %s at position %d\n", g, plural(len(ts), "table"), plural(int(rows), "row"), pos)
	return err
}

var keysCmd = &command{
	name:    "keys",
	args:    "DB TABLE [--at POS] [--start K] [--end K] [--limit N] [--format text|json]",
	summary: "list a table's keys, now or as of an earlier position",
	help: `List the keys of TABLE with keys in [start, end), in key order, one per line,
as of the applied position or of log position POS; values are not read out.
A table that does not exist (or not yet, or no longer) has no keys.

--format json prints one object per key: {"position", "key"}, the key as
UTF-8 text or "base64:" and standard base64.

` + keyHelp,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore keys app.db 1",
		"projstore keys app.db 1 --start acct-0010 --end acct-0020 --at 1500",
		"projstore keys app.db 2 --limit 10 --format json",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var o keysOptions
		atFlag(fs, &o.at)
		o.rangeFlags.define(fs, "keys")
		o.format = formatFlag(fs, formatText, formatJSON)
		return func(e *env, args []string) error { return runKeys(e, args, o) }
	},
}

type keysOptions struct {
	rangeFlags
	at     positionFlag
	format *formatValue
}

func runKeys(e *env, args []string, o keysOptions) (err error) {
	t, start, end, err := o.tableArgs(args)
	if err != nil {
		return err
	}
	v, err := e.openView(args[0], o.at)
	if err != nil {
		return err
	}
	defer v.close(&err)
	w := bufio.NewWriter(e.stdout)
	enc := newJSON(w)
	pos := uint64(v.snap.Position())
	n := 0
	err = v.snap.Range(e.ctx, t, start, end, func(k, _ []byte) error {
		if o.limit > 0 && n == o.limit {
			return store.ErrStop
		}
		n++
		if o.format.json() {
			return enc.Encode(struct {
				Position uint64 `json:"position"`
				Key      string `json:"key"`
			}{pos, logfile.EncodeText(k)})
		}
		_, err := fmt.Fprintln(w, show(k, 0))
		return err
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}
