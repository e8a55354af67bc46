package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/projstore/projstore/column"
)

var exportCmd = &command{
	name:    "export",
	args:    "DB TABLE [--at POS] [--format arrow|arrows|csv|json] [-o FILE]",
	summary: "write a typed table as of a position as Arrow IPC, CSV or JSON Lines",
	help: `Write the rows of TABLE, a table of the column catalog, as of the applied
position or with --at as of log position POS, in its schema at that position.

Formats: arrow is an Arrow IPC file, arrows an Arrow IPC stream, both
readable by any Arrow implementation, with the schema metadata
projstore.table, projstore.position and projstore.version; csv has a header
line, NULL as an empty field and blobs as "base64:..."; json is JSON Lines,
one object per row.

Without -o the export goes to standard output. On a terminal, long exports
show their progress on standard error. A failed export removes its file.`,
	examples: []string{
		"projstore export app.db accounts -o accounts.arrow",
		"projstore export app.db accounts --at 1500 --format csv -o accounts.csv",
		"projstore export app.db accounts --format arrows | python3 -c 'import pyarrow as pa, sys; print(pa.ipc.open_stream(sys.stdin.buffer).read_all())'",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var o exportOpts
		fs.Var(&o.at, "at", "export as of log `POS` (default: the applied position)")
		fs.StringVar(&o.format, "format", column.FormatArrow, "output `format`: arrow, arrows, csv or json")
		fs.StringVar(&o.out, "o", "", "write to `FILE` instead of standard output")
		return func(e *env, args []string) error { return runExport(e, args, &o) }
	},
}

type exportOpts struct {
	at     positionFlag
	format string
	out    string
}

func runExport(e *env, args []string, o *exportOpts) (err error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	switch o.format {
	case column.FormatArrow, column.FormatArrowStream, column.FormatCSV, column.FormatJSON:
	default:
		return usagef("--format must be arrow, arrows, csv or json, not %q", o.format)
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
	snap, err := s.Snapshot(pos)
	if err != nil {
		return fmt.Errorf("position %d: %w", pos, err)
	}
	defer snap.Close()
	tx := column.NewTx(snap, nil)
	c, err := tx.Catalog()
	if err != nil {
		return err
	}
	t, err := c.Table(args[1])
	if err != nil {
		return fmt.Errorf("%w at position %d", err, pos)
	}
	var total int64
	if infos, err := snap.Tables(); err == nil {
		for _, info := range infos {
			if info.ID == t.ID {
				total = info.Rows
			}
		}
	}

	var w io.Writer = e.stdout
	var f *os.File
	if o.out != "" && o.out != "-" {
		if f, err = os.Create(o.out); err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(o.out)
			}
		}()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var p *exportProgress
	if isTerminal(e.stderr) {
		p = &exportProgress{w: e.stderr, total: total, now: time.Now, start: time.Now()}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rows, err := column.Export(ctx, bw, tx, t.Name, &column.ExportOptions{
		Format:  o.format,
		Version: buildVersion(),
		Progress: func(n int64) {
			if p != nil {
				p.update(n)
			}
		},
	})
	if p != nil {
		p.done()
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	report := e.stdout
	where := o.out
	if f == nil {
		report, where = e.stderr, "standard output"
	}
	_, err = fmt.Fprintf(report, "exported %s of table %s at position %d as %s to %s\n", plural(int(rows), "row"), t.Name, pos, o.format, where)
	return err
}

// exportProgress draws a one-line progress report of an export.
type exportProgress struct {
	w           io.Writer
	total       int64 // rows in the table, 0 if unknown
	now         func() time.Time
	start, last time.Time
	shown       bool
}

func (p *exportProgress) update(rows int64) {
	t := p.now()
	if t.Sub(p.start) < progressDelay || t.Sub(p.last) < progressEvery {
		return
	}
	p.last, p.shown = t, true
	rate := float64(rows) / t.Sub(p.start).Seconds()
	var line strings.Builder
	if p.total > 0 {
		frac := min(float64(rows)/float64(p.total), 1)
		fill := int(frac * barWidth)
		fmt.Fprintf(&line, "%3.0f%% [%s%s] %s of %s rows", frac*100, strings.Repeat("=", fill), strings.Repeat(" ", barWidth-fill), commas(uint64(rows)), commas(uint64(p.total)))
	} else {
		fmt.Fprintf(&line, "%s rows", commas(uint64(rows)))
	}
	fmt.Fprintf(&line, "  %s rows/s", commas(uint64(rate)))
	fmt.Fprintf(p.w, "\r%s\x1b[K", line.String())
}

func (p *exportProgress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
