package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/store"
)

var applyCmd = &command{
	name:    "apply",
	args:    "DB LOG [--sync-every N] [--format text|json]",
	summary: "apply a log of write batches (binary or JSON Lines) to a store",
	help: `Apply the batches of LOG (a file, or - for standard input) to the store DB,
creating DB if it does not exist. Batches at positions already applied are
skipped, so a log can be replayed from its start after a crash. The next batch
must be at the applied position + 1.

LOG is either JSON Lines, one batch per line (wrapped here):

  {"pos":1,"ops":[{"op":"put","table":1,"key":"k","value":"v"},
                  {"op":"delete","table":1,"key":"k"},{"op":"drop","table":2}]}

with keys and values as UTF-8 text or "base64:" and standard base64; or a
binary log: the header "PSLG" and a version byte 1, then for each batch a
uvarint length and the batch in projstore's wire format. The form is told
from the first bytes.

A bad record stops the run: the error names its line (JSON) or byte offset
(binary), every batch before it stays applied and is synced, and nothing
after it is applied. On a terminal, long runs show their progress on
standard error. An interrupt (Ctrl-C) stops the run between batches, syncs
what was applied, and exits with status 130.

--format json prints one object at the end: "applied" and "skipped" (each
{"first", "last", "batches"}, first and last being 0 when none), "ops",
"syncs", "position", "digest" (a string), "complete" (false when an error
stopped the run; the error still goes to standard error).`,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore apply app.db events.jsonl",
		"projstore apply app.db events.bin --sync-every 1000",
		"producer | projstore apply app.db -",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		syncEvery := fs.Int("sync-every", 0, "make the store durable after every `N` applied batches (0: only at the end)")
		format := formatFlag(fs, formatText, formatJSON)
		return func(e *env, args []string) error { return runApply(e, args, *syncEvery, format.json()) }
	},
}

func runApply(e *env, args []string, syncEvery int, asJSON bool) (err error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	if syncEvery < 0 {
		return usagef("--sync-every must not be negative")
	}
	dbPath, logPath := args[0], args[1]
	var in io.Reader = e.stdin
	var total int64
	if logPath != "-" {
		f, err := os.Open(logPath)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return fmt.Errorf("%s is a directory", logPath)
		}
		if fi.Mode().IsRegular() {
			total = fi.Size()
		}
		in = f
	} else {
		logPath = "stdin"
	}
	s, err := e.open(dbPath, nil)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)

	r := logfile.NewReader(in)
	var p *progress
	if isTerminal(e.stderr) {
		p = newProgress(e.stderr, total, time.Now)
	}
	// An interrupt stops the run between batches, so that what was applied
	// is synced and reported rather than lost.
	res, err := applyLog(e.ctx, s, r, syncEvery, func(res *applyResult) {
		if p != nil {
			p.update(r.Offset(), res.batches+res.skipped, res.last)
		}
	})
	if err == nil && e.ctx.Err() != nil {
		// Interrupted while the log was read to its end (an interrupt
		// stops the producer of a pipe too): still an interrupted run.
		err = fmt.Errorf("interrupted after %s: %w", r.Where(), e.ctx.Err())
	}
	if p != nil {
		p.done()
	}
	// Whatever was applied before an error is kept: make it durable.
	serr := s.Sync()
	if asJSON {
		if jerr := writeJSON(e.stdout, res.json(s, err == nil && serr == nil)); jerr != nil && err == nil {
			err = jerr
		}
	} else {
		res.report(e.stdout, logPath, err == nil && serr == nil)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", logPath, err)
	}
	if serr != nil || asJSON {
		return serr
	}
	_, err = fmt.Fprintf(e.stdout, "store at position %d, digest %#016x, synced\n", s.AppliedPosition(), s.AppliedDigest())
	return err
}

// applyResult counts what applyLog did.
type applyResult struct {
	first, last   batch.Offset // applied positions
	batches, ops  int
	skipFirst     batch.Offset // replayed positions, skipped
	skipLast      batch.Offset
	skipped       int
	syncs         int
	before, after batch.Offset // applied position at the start and the end
}

// applyLog applies every batch r yields, skipping those already applied,
// syncing every syncEvery applied batches (0: never; the caller syncs at
// the end). It stops at the first bad record or rejected batch, with an
// error naming the record's place, or when ctx is done; batches before
// that stay applied.
func applyLog(ctx context.Context, s *store.Store, r *logfile.Reader, syncEvery int, each func(*applyResult)) (applyResult, error) {
	res := applyResult{before: s.AppliedPosition()}
	since := 0
	for {
		if err := ctx.Err(); err != nil {
			res.after = s.AppliedPosition()
			return res, fmt.Errorf("interrupted after %s: %w", r.Where(), err)
		}
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			res.after = s.AppliedPosition()
			return res, nil
		}
		if err != nil {
			res.after = s.AppliedPosition()
			return res, err
		}
		if b.Position <= s.AppliedPosition() {
			if res.skipped == 0 {
				res.skipFirst = b.Position
			}
			res.skipLast = b.Position
			res.skipped++
		} else {
			if err := s.Apply(b); err != nil {
				res.after = s.AppliedPosition()
				return res, fmt.Errorf("%s (position %d): %w", r.Where(), b.Position, err)
			}
			if res.batches == 0 {
				res.first = b.Position
			}
			res.last = b.Position
			res.batches++
			res.ops += len(b.Ops)
			if since++; syncEvery > 0 && since >= syncEvery {
				if err := s.Sync(); err != nil {
					res.after = s.AppliedPosition()
					return res, err
				}
				since = 0
				res.syncs++
			}
		}
		if each != nil {
			each(&res)
		}
	}
}

// applyJSON is apply's JSON output.
type applyJSON struct {
	Applied  spanJSON `json:"applied"`
	Skipped  spanJSON `json:"skipped"`
	Ops      int      `json:"ops"`
	Syncs    int      `json:"syncs"`
	Position uint64   `json:"position"`
	Digest   string   `json:"digest"`
	Complete bool     `json:"complete"`
}

type spanJSON struct {
	First   uint64 `json:"first"`
	Last    uint64 `json:"last"`
	Batches int    `json:"batches"`
}

func (res *applyResult) json(s *store.Store, complete bool) applyJSON {
	return applyJSON{
		Applied: spanJSON{uint64(res.first), uint64(res.last), res.batches},
		Skipped: spanJSON{uint64(res.skipFirst), uint64(res.skipLast), res.skipped},
		Ops:     res.ops, Syncs: res.syncs,
		Position: uint64(s.AppliedPosition()), Digest: digest(s.AppliedDigest()),
		Complete: complete,
	}
}

// report says what was applied and skipped; complete is false when the run
// stopped at an error.
func (res *applyResult) report(w io.Writer, from string, complete bool) {
	if res.skipped > 0 {
		fmt.Fprintf(w, "skipped positions %s (%s): already applied\n", span(res.skipFirst, res.skipLast), plural(res.skipped, "batch"))
	}
	switch {
	case res.batches > 0 && complete:
		fmt.Fprintf(w, "applied positions %s (%s, %s) from %s\n", span(res.first, res.last), plural(res.batches, "batch"), plural(res.ops, "op"), from)
	case res.batches > 0:
		fmt.Fprintf(w, "applied positions %s (%s, %s) from %s before the error; they are kept and synced\n", span(res.first, res.last), plural(res.batches, "batch"), plural(res.ops, "op"), from)
	case complete:
		fmt.Fprintf(w, "nothing new to apply from %s\n", from)
	default:
		fmt.Fprintf(w, "nothing applied from %s before the error; the store is still at position %d\n", from, res.after)
	}
}

func span(a, b batch.Offset) string {
	if a == b {
		return fmt.Sprint(a)
	}
	return fmt.Sprintf("%d..%d", a, b)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminalFd(int(f.Fd()))
}

// progress draws a one-line progress report, redrawn in place, for runs
// that last long enough to need one.
type progress struct {
	w     io.Writer
	total int64 // input bytes, 0 if unknown
	now   func() time.Time
	start time.Time
	last  time.Time // last redraw
	shown bool
}

const (
	progressDelay = time.Second            // quiet runs shorter than this
	progressEvery = 200 * time.Millisecond // redraw interval
	barWidth      = 24
)

func newProgress(w io.Writer, total int64, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, total: total, now: now, start: t, last: t}
}

func (p *progress) update(read int64, batches int, pos batch.Offset) {
	p.draw(read, p.total, func(line *strings.Builder, rate float64) {
		if p.total <= 0 {
			fmt.Fprintf(line, "%s read  ", size(read))
		}
		fmt.Fprintf(line, "%s batches  %s/s  position %d", commas(uint64(batches)), commas(uint64(rate*float64(batches))), pos)
	})
}

// count draws the progress of a run that counts what it does: done of
// total (0: unknown) things called what.
func (p *progress) count(done, total int64, what string) {
	p.draw(done, total, func(line *strings.Builder, rate float64) {
		fmt.Fprintf(line, "%s", commas(uint64(done)))
		if total > 0 {
			fmt.Fprintf(line, " of %s", commas(uint64(total)))
		}
		fmt.Fprintf(line, " %s  %s/s", what, commas(uint64(rate*float64(done))))
	})
}

// draw redraws the line, no more often than progressEvery and only once
// progressDelay has passed: a bar when done of total is known, then what
// rest writes, given 1 / the seconds since the start.
func (p *progress) draw(done, total int64, rest func(line *strings.Builder, perSecond float64)) {
	t := p.now()
	if t.Sub(p.start) < progressDelay || t.Sub(p.last) < progressEvery {
		return
	}
	p.last, p.shown = t, true
	var line strings.Builder
	if total > 0 {
		frac := min(float64(done)/float64(total), 1)
		fill := int(frac * barWidth)
		fmt.Fprintf(&line, "%3.0f%% [%s%s] ", frac*100, strings.Repeat("=", fill), strings.Repeat(" ", barWidth-fill))
	}
	rest(&line, 1/t.Sub(p.start).Seconds())
	fmt.Fprintf(p.w, "\r%s\x1b[K", line.String())
}

// done clears the progress line, if one was drawn.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
