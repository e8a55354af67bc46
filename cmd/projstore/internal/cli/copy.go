package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/store"
)

// Log formats dump writes: the two that apply reads.
const (
	formatJSONL  = "jsonl"
	formatBinary = "binary"
)

// Dump layout. A dump carries no history, so the source's positions mean
// nothing in it; apply into a fresh store needs the first batch at position
// 1 and no gaps. So a dump is batches at positions 1..k, each of at most
// --batch-ops puts (default dumpBatchOps) and about dumpBatchBytes of keys
// and values (a larger value goes alone): a batch is held whole in memory
// and applied atomically by apply, so bounding it bounds both.
const dumpBatchOps = 1000

// dumpBatchBytes is a variable so that tests can make it small.
var dumpBatchBytes = 4 << 20

var dumpCmd = &command{
	name:    "dump",
	args:    "DB [--at POS] [-o FILE] [--format jsonl|binary] [--batch-ops N]",
	summary: "write the state at a position as a log that apply reads back",
	help: `Write the rows of DB as of the applied position, or with --at as of log
position POS, as a log of put batches: JSON Lines (jsonl, the default) or a
binary log, the two forms 'projstore apply' reads. Applying the dump to a
fresh store gives a store with the same tables and rows at that position.

Layout: tables in id order, keys in key order, in batches at positions
1, 2, ..., k, each of at most --batch-ops puts and about 4 MiB of keys and
values (a larger value travels alone). A dump holds no history, so the
source's positions mean nothing in it, and a fresh store takes a log only
from position 1 without gaps; small batches keep apply's memory bounded.
The store applied from a dump is at position k, not POS, and its digest
differs: to keep positions, history and the digest, use 'projstore backup'.

Without -o (or with -o -) the log goes to standard output; a binary log is
not written to a terminal. With -o FILE it is written next to FILE and
renamed over it once complete, so an interrupted dump leaves no partial
file, and a summary is printed. On a terminal, long dumps show their
progress on standard error; an interrupt (Ctrl-C) stops the dump and exits
with status 130.`,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore dump app.db -o app.jsonl",
		"projstore dump app.db --at 1500 --format binary -o app-1500.log",
		"projstore dump app.db | projstore apply copy.db -",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var o dumpOptions
		atFlag(fs, &o.at)
		fs.StringVar(&o.out, "o", "-", "write the log to `FILE` (-: standard output)")
		o.format = formatFlag(fs, formatJSONL, formatBinary)
		fs.IntVar(&o.batchOps, "batch-ops", dumpBatchOps, "at most `N` puts per batch")
		return func(e *env, args []string) error { return runDump(e, args, o) }
	},
}

type dumpOptions struct {
	at       positionFlag
	out      string
	format   *formatValue
	batchOps int
}

func runDump(e *env, args []string, o dumpOptions) (err error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	if o.batchOps < 1 {
		return usagef("--batch-ops must be at least 1")
	}
	if o.out != "-" {
		if err := checkDest(o.out, "-o"); err != nil {
			return err
		}
	}
	binary := o.format.value == formatBinary
	if o.out == "-" && binary && isTerminal(e.stdout) {
		return usagef("a binary log is not written to a terminal: use -o FILE or a pipe")
	}
	v, err := e.openView(args[0], o.at)
	if err != nil {
		return err
	}
	defer v.close(&err)

	var w io.Writer = e.stdout
	var tmp *os.File
	if o.out != "-" {
		if tmp, err = os.CreateTemp(filepath.Dir(o.out), "."+filepath.Base(o.out)+".*.tmp"); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the temporary file's name means nothing to the user
			}
			return fmt.Errorf("cannot write %s: %w", o.out, err)
		}
		defer func() {
			if tmp != nil { // not renamed: an error or an interrupt
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		w = tmp
	}
	var res dumpResult
	err = e.withProgress("rows", func(progress func(done, total int64)) (err error) {
		res, err = dumpLog(e.ctx, v.snap, w, binary, o.batchOps, progress)
		return err
	})
	if err != nil {
		return err
	}
	if tmp == nil {
		return nil
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), o.out); err != nil {
		return err
	}
	tmp = nil
	where := "no batches"
	if res.batches > 0 {
		where = fmt.Sprintf("%s at positions %s", plural(res.batches, "batch"), span(1, batch.Offset(res.batches)))
	}
	_, err = fmt.Fprintf(e.stdout, "dumped %s of %s at position %d to %s: %s (%s log)\n",
		plural(int(res.rows), "row"), plural(res.tables, "table"), v.snap.Position(), o.out, where, o.format.value)
	return err
}

// dumpResult counts what dumpLog wrote.
type dumpResult struct {
	tables, batches int
	rows            int64
}

// dumpLog writes the rows snap sees as a log of put batches at positions
// 1..k, each of at most maxOps puts and about dumpBatchBytes of keys and
// values, tables in id order and keys in key order; binary picks the
// binary form, else JSON Lines. progress, if set, is called after each
// batch with the rows written and the rows to write.
func dumpLog(ctx context.Context, snap *store.Snapshot, w io.Writer, binary bool, maxOps int, progress func(done, total int64)) (dumpResult, error) {
	var res dumpResult
	tables, err := snap.Tables()
	if err != nil {
		return res, err
	}
	var total int64
	for _, t := range tables {
		total += t.Rows
	}
	bw := logfile.NewWriter(w)
	if binary {
		if err := bw.Header(); err != nil {
			return res, err
		}
	}
	b := batch.New(1)
	var arena, line []byte
	flush := func() error {
		if len(b.Ops) == 0 {
			return nil
		}
		var err error
		if binary {
			err = bw.Write(b)
		} else if line, err = logfile.AppendJSON(line[:0], b); err == nil {
			_, err = w.Write(line)
		}
		if err != nil {
			return err
		}
		res.batches++
		res.rows += int64(len(b.Ops))
		if progress != nil {
			progress(res.rows, total)
		}
		b.Position++
		b.Ops, arena = b.Ops[:0], arena[:0]
		return nil
	}
	for _, t := range tables {
		res.tables++
		err := snap.Range(ctx, t.ID, nil, nil, func(k, v []byte) error {
			if len(b.Ops) > 0 && len(arena)+len(k)+len(v) > dumpBatchBytes {
				if err := flush(); err != nil {
					return err
				}
			}
			// Range lends k and v until fn returns: the batch keeps copies.
			at := len(arena)
			arena = append(append(arena, k...), v...)
			b.Put(t.ID, arena[at:at+len(k):at+len(k)], arena[at+len(k):])
			if len(b.Ops) >= maxOps {
				return flush()
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	return res, flush()
}

// withProgress runs fn with a progress callback that draws done of total
// things called what on standard error, if it is a terminal, and clears
// the line once fn returns.
func (e *env) withProgress(what string, fn func(progress func(done, total int64)) error) error {
	if !isTerminal(e.stderr) {
		return fn(nil)
	}
	p := newProgress(e.stderr, 0, time.Now)
	err := fn(func(done, total int64) { p.count(done, total, what) })
	p.done()
	return err
}

var backupCmd = &command{
	name:    "backup",
	args:    "DB DEST [--at POS]",
	summary: "copy a store, consistent at one position, into a new file",
	help: `Write a new store DEST with DB's contents as of the applied position (or with
--at, of log position POS) and all the history DB keeps at or below it:
reads at every position from DB's horizon to that position answer the same
on DEST, DEST's position is that position, and its digest is DB's when the
copy is at the applied position. DEST is densely packed; it must not exist
(or be empty). 'projstore check DEST' passes on it.

The copy is taken from a snapshot, so a writer in the same process may keep
applying while it runs. A store file is locked by the process that writes
it, so this command can copy DB only while no other process writes it
(--timeout waits for one to let go). To back up a store while its writer
process keeps running, that process calls the library's Snapshot.Backup:

  snap, _ := s.Snapshot(s.AppliedPosition())
  defer snap.Close()
  err := snap.Backup(ctx, "backup.db", nil)

On a terminal, long copies show their progress on standard error; an
interrupt (Ctrl-C) stops the copy, removes DEST and exits with status 130.`,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore backup app.db app-backup.db",
		"projstore backup app.db app-1500.db --at 1500",
		"projstore backup app.db /backups/app.db --timeout 30s",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		var at positionFlag
		atFlag(fs, &at)
		return func(e *env, args []string) error { return runCopy(e, args, at, false) }
	},
}

var compactCmd = &command{
	name:    "compact",
	args:    "DB DEST",
	summary: "write a densely packed copy of a store, history and all",
	help: `Write a new store DEST with the same contents and history as DB at its
applied position, densely packed: every tree is written afresh in key order,
so the free pages and half-empty pages that updates, deletes and prunes
leave behind are gone. A store file never shrinks by itself; compact after a
large prune to win the space back, then move DEST over DB while no process
has DB open. DEST must not exist (or be empty); DB is only read.

It is 'projstore backup' at the applied position, and says how much smaller
the copy is. An interrupt (Ctrl-C) removes DEST and exits with status 130.`,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore prune app.db 1500 && projstore compact app.db app-compact.db && mv app-compact.db app.db",
	},
	setup: noFlags(func(e *env, args []string) error { return runCopy(e, args, positionFlag{}, true) }),
}

// runCopy runs backup (compact false) and compact.
func runCopy(e *env, args []string, at positionFlag, compact bool) (err error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	src, dest := args[0], args[1]
	if err := checkDest(dest, "DEST"); err != nil {
		return err
	}
	v, err := e.openView(src, at)
	if err != nil {
		return err
	}
	defer v.close(&err)
	err = e.withProgress("rows and versions", func(progress func(done, total int64)) error {
		return backup(e.ctx, v.snap, dest, progress)
	})
	if err != nil {
		return err
	}
	before, after := fileSize(src), fileSize(dest)
	pos := v.snap.Position()
	if !compact {
		d := "digest unknown below the applied position"
		if dg, ok := v.snap.Digest(); ok {
			d = "digest " + digest(dg)
		}
		_, err = fmt.Fprintf(e.stdout, "backed up %s at position %d to %s (%s, %s), history from position %d kept\n",
			src, pos, dest, size(after), d, v.s.Horizon())
		return err
	}
	pct := 100.0
	if before > 0 {
		pct = 100 * float64(after) / float64(before)
	}
	_, err = fmt.Fprintf(e.stdout, "compacted %s (%s) into %s (%s, %.0f%% of the size) at position %d, history from position %d kept\n",
		src, size(before), dest, size(after), pct, pos, v.s.Horizon())
	return err
}

// backup writes snap's copy to dest with Snapshot.Backup, and removes dest
// again if the copy fails (and dest was not there before).
func backup(ctx context.Context, snap *store.Snapshot, dest string, progress func(done, total int64)) error {
	_, statErr := os.Stat(dest)
	created := errors.Is(statErr, fs.ErrNotExist)
	err := snap.Backup(ctx, dest, &store.BackupOptions{Progress: progress})
	if err != nil && created {
		os.Remove(dest)
	}
	return err
}

// checkDest checks that path, named what on the command line, can be a new
// file: not empty, not a directory, in a directory that exists.
func checkDest(path, what string) error {
	if path == "" {
		return usagef("%s must not be empty", what)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: no such directory", dir)
	}
	return nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
