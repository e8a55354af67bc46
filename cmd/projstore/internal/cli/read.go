package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/cmd/projstore/internal/inspect"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/store"
)

const keyHelp = `Keys are UTF-8, or hex:... or base64:... for any bytes. Non-printable
bytes in the output are escaped (\xNN).`

var getCmd = &command{
	name:    "get",
	args:    "DB TABLE KEY [--at POS] [--raw] [--format text|json]",
	summary: "print a key's value, now or as of an earlier position",
	help: `Print the value of KEY in TABLE: as of the applied position, or with --at as
of log position POS. A key that is not there (at that position) is an error
with exit status 1.

--format json prints {"table":..., "key":..., "position":..., "value":...},
with the key and value as UTF-8 text or "base64:" and standard base64.

` + keyHelp,
	opens: true,
	examples: []string{
		"projstore get app.db 1 acct-0007",
		"projstore get app.db 1 acct-0007 --format json | jq -r .value",
		"projstore get app.db 1 acct-0007 --at 1500",
		"projstore get app.db 2 hex:00ff10 --raw > value.bin",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var o getOptions
		atFlag(fs, &o.at)
		fs.BoolVar(&o.raw, "raw", false, "write the value's bytes as they are, with no escaping and no newline")
		o.format = formatFlag(fs, formatText, formatJSON)
		return func(e *env, args []string) error { return runGet(e, args, o) }
	},
}

// tableKeyArgs checks the arguments DB TABLE KEY and parses the last two.
func tableKeyArgs(args []string) (batch.TableID, []byte, error) {
	if err := wantArgs(args, 3, 3); err != nil {
		return 0, nil, err
	}
	t, err := parseTable(args[1])
	if err != nil {
		return 0, nil, err
	}
	key, err := parseKeyArg("KEY", args[2])
	return t, key, err
}

type getOptions struct {
	at     positionFlag
	raw    bool
	format *formatValue
}

func runGet(e *env, args []string, o getOptions) (err error) {
	t, key, err := tableKeyArgs(args)
	if err != nil {
		return err
	}
	if o.raw && o.format.json() {
		return usagef("--raw and --format json exclude each other")
	}
	s, err := e.openRead(args[0])
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	pos := s.AppliedPosition()
	var v []byte
	if o.at.set {
		pos = o.at.pos
		v, err = s.GetAt(t, key, pos)
	} else {
		v, err = s.Get(t, key)
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("key %s not found in table %d at position %d", showKey(key), t, pos)
	}
	if err != nil {
		return err
	}
	if o.raw {
		_, err = e.stdout.Write(v)
		return err
	}
	if o.format.json() {
		return newJSON(e.stdout).Encode(jsonGet{Table: uint64(t), Key: logfile.EncodeText(key), Position: uint64(pos), Value: logfile.EncodeText(v)})
	}
	_, err = fmt.Fprintln(e.stdout, show(v, 0))
	return err
}

// jsonGet is get's JSON output.
type jsonGet struct {
	Table    uint64 `json:"table"`
	Key      string `json:"key"`
	Position uint64 `json:"position"`
	Value    string `json:"value"`
}

func showKey(k []byte) string { return inspect.Quote(k) }

var scanCmd = &command{
	name:    "scan",
	args:    "DB TABLE [--start K] [--end K] [--limit N] [--at POS] [--reverse] [--format table|json|csv]",
	summary: "list a table's rows in key order, now or as of an earlier position",
	help: `List the rows of TABLE with keys in [start, end), in key order (--reverse:
descending), as of the applied position or of log position POS. A table that
does not exist (or not yet, or no longer) is empty.

Formats: table (aligned columns for people; long values are cut), json (one
JSON object {"position":..., "key":..., "value":...} per row, position being
the one the scan read at), csv (a position,key,value header, then one row
per line). json and csv write keys and values as UTF-8 text, or "base64:"
and standard base64 for bytes that are not UTF-8.

` + keyHelp,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore scan app.db 1",
		"projstore scan app.db 1 --start acct-0010 --end acct-0020 --at 1500",
		"projstore scan app.db 2 --reverse --limit 10",
		"projstore scan app.db 1 --format json | jq .value",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var o scanOptions
		o.rangeFlags.define(fs, "rows")
		atFlag(fs, &o.at)
		fs.BoolVar(&o.reverse, "reverse", false, "descending key order")
		o.format = formatFlag(fs, formatTable, formatJSON, formatCSV)
		return func(e *env, args []string) error { return runScan(e, args, o) }
	},
}

type scanOptions struct {
	rangeFlags
	at      positionFlag
	reverse bool
	format  *formatValue
}

// tableValueWidth is where the table format cuts long values.
const tableValueWidth = 96

func runScan(e *env, args []string, o scanOptions) (err error) {
	t, start, end, err := o.tableArgs(args)
	if err != nil {
		return err
	}
	s, err := e.openRead(args[0])
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	pos := s.AppliedPosition()
	if o.at.set {
		pos = o.at.pos
	}
	var out rowWriter
	switch o.format.value {
	case formatTable:
		out = &tableRows{w: e.stdout, g: newGrid(nil, "KEY", "VALUE")}
	case formatJSON:
		out = &jsonRows{enc: newJSON(e.stdout), pos: uint64(pos)}
	case formatCSV:
		out = &csvRows{w: csv.NewWriter(e.stdout), pos: strconv.FormatUint(uint64(pos), 10)}
	}
	n, err := scan(e.ctx, s, t, start, end, pos, o.limit, o.reverse, out.row)
	if err != nil {
		return err
	}
	return out.done(n, pos, o.limit > 0 && n == o.limit)
}

// scan calls fn for up to limit rows of t in [start, end) at pos, in key
// order or reversed, and returns how many it called fn for.
// It stops with ctx's error once ctx is done.
func scan(ctx context.Context, s *store.Store, t batch.TableID, start, end []byte, pos batch.Offset, limit int, reverse bool, fn func(k, v []byte) error) (int, error) {
	if end != nil && bytes.Compare(start, end) >= 0 {
		_, err := s.ScanAt(t, start, end, 1, pos) // checks pos all the same
		return 0, err
	}
	it, err := s.NewIterator(t, start, end, pos)
	if err != nil {
		return 0, err
	}
	n := 0
	ok := it.First()
	if reverse {
		ok = it.Last()
	}
	for ; ok && (limit <= 0 || n < limit); n++ {
		err := ctx.Err()
		if err == nil {
			err = fn(it.Key(), it.Value())
		}
		if err != nil {
			it.Close()
			return n, err
		}
		if reverse {
			ok = it.Prev()
		} else {
			ok = it.Next()
		}
	}
	return n, it.Close()
}

type rowWriter interface {
	row(k, v []byte) error
	done(n int, pos batch.Offset, limited bool) error
}

type tableRows struct {
	w io.Writer
	g *grid
}

func (t *tableRows) row(k, v []byte) error {
	t.g.add(show(k, 0), show(v, tableValueWidth))
	return nil
}

func (t *tableRows) done(n int, pos batch.Offset, limited bool) error {
	note := ""
	if limited {
		note = " (limit reached)"
	}
	if n == 0 {
		_, err := fmt.Fprintf(t.w, "no rows at position %d\n", pos)
		return err
	}
	_, err := fmt.Fprintf(t.w, "%s%s at position %d%s\n", t.g, plural(n, "row"), pos, note)
	return err
}

type jsonRows struct {
	enc *json.Encoder
	pos uint64
}

func (j *jsonRows) row(k, v []byte) error {
	return j.enc.Encode(struct {
		Position uint64 `json:"position"`
		Key      string `json:"key"`
		Value    string `json:"value"`
	}{j.pos, logfile.EncodeText(k), logfile.EncodeText(v)})
}

func (j *jsonRows) done(int, batch.Offset, bool) error { return nil }

type csvRows struct {
	w      *csv.Writer
	pos    string
	header bool
}

var csvHeader = []string{"position", "key", "value"}

func (c *csvRows) row(k, v []byte) error {
	if !c.header {
		c.header = true
		c.w.Write(csvHeader)
	}
	return c.w.Write([]string{c.pos, logfile.EncodeText(k), logfile.EncodeText(v)})
}

func (c *csvRows) done(int, batch.Offset, bool) error {
	if !c.header {
		c.w.Write(csvHeader)
	}
	c.w.Flush()
	return c.w.Error()
}

// plural counts what: "1 batch", "2 batches", "1,000 rows".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "ch") || strings.HasSuffix(what, "s") {
		return commas(uint64(n)) + " " + what + "es"
	}
	return commas(uint64(n)) + " " + what + "s"
}

// Version is one version of a key: its value was visible at every position
// in [Created, Deleted); Deleted is batch.MaxOffset while it is live.
type Version = store.Version

// versionsOf lists the versions of key in table t still kept (not pruned),
// oldest first. It is a variable so tests can substitute it.
var versionsOf = func(s *store.Store, t batch.TableID, key []byte) ([]Version, error) {
	vs, err := s.History(t, key)
	slices.Reverse(vs)
	return vs, err
}

var historyCmd = &command{
	name:    "history",
	args:    "DB TABLE KEY [--format table|json]",
	opens:   true,
	summary: "list every version of a key with the positions it lived at",
	help: `List every version of KEY in TABLE still readable (history below the prune
horizon is gone), oldest first: the position that created it, the position
that replaced or deleted it ("-" while it is live), and its value.

--format json prints one object per version, {"created":..., "deleted":...,
"value":...}, with "deleted" null while the version is live.

` + keyHelp,
	examples: []string{
		"projstore history app.db 1 acct-0007",
		"projstore history app.db 1 acct-0007 --format json",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		format := formatFlag(fs, formatTable, formatJSON)
		return func(e *env, args []string) error { return runHistory(e, args, format.json()) }
	},
}

func runHistory(e *env, args []string, asJSON bool) (err error) {
	t, key, err := tableKeyArgs(args)
	if err != nil {
		return err
	}
	s, err := e.openRead(args[0])
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	vs, err := versionsOf(s, t, key)
	if err != nil {
		return err
	}
	if asJSON {
		enc := newJSON(e.stdout)
		for _, v := range vs {
			err := enc.Encode(struct {
				Created uint64  `json:"created"`
				Deleted *uint64 `json:"deleted"`
				Value   string  `json:"value"`
			}{uint64(v.Created), deletedAt(v.Deleted), logfile.EncodeText(v.Value)})
			if err != nil {
				return err
			}
		}
		return nil
	}
	if len(vs) == 0 {
		_, err = fmt.Fprintf(e.stdout, "no versions of %s in table %d at positions %d..%d\n", showKey(key), t, max(s.Horizon(), 1), s.AppliedPosition())
		return err
	}
	g := newGrid([]int{0, 1}, "CREATED", "DELETED", "VALUE")
	for _, v := range vs {
		deleted := "-"
		if v.Deleted != batch.MaxOffset {
			deleted = strconv.FormatUint(uint64(v.Deleted), 10)
		}
		g.add(strconv.FormatUint(uint64(v.Created), 10), deleted, show(v.Value, tableValueWidth))
	}
	_, err = fmt.Fprintf(e.stdout, "%s%s of %s in table %d\n", g, plural(len(vs), "version"), showKey(key), t)
	return err
}
