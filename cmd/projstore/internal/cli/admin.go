package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/btree"
	"github.com/projstore/projstore/cmd/projstore/internal/inspect"
	"github.com/projstore/projstore/crc"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
)

var checkCmd = &command{
	name:    "check",
	args:    "DB",
	summary: "verify every page and invariant of a store",
	help: `Verify the newest state of DB: the checksum and id of every reachable page,
the order and balance of every tree, overflow chains, MVCC stamps, table
counts, and that every page of the file is used exactly once. The store is
opened read-only.

Exit status 0 means the store is sound; 1 means it is not, with the problem on
standard error. When the newest state is damaged, check also says whether the
older state is sound, which 'projstore recover' can roll back to.`,
	examples: []string{
		"projstore check app.db",
		"projstore check app.db || projstore recover app.db",
	},
	setup: noFlags(runCheck),
}

func runCheck(e *env, args []string) error {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	path := args[0]
	if err := mustExist(path); err != nil {
		return err
	}
	newest, err := reportSlots(e.stdout, path)
	if err != nil {
		return err
	}
	s, err := store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	pos := s.AppliedPosition()
	cerr := s.Check()
	if err := s.Close(); err != nil && cerr == nil {
		cerr = err
	}
	if cerr == nil {
		_, err := fmt.Fprintf(e.stdout, "ok: %s at position %d: %s pages, every page and invariant checks out\n", path, pos, commas(newest.PageCount))
		return err
	}
	fmt.Fprintf(e.stdout, "the newest state (position %d) is damaged\n", pos)
	if o, err := store.Recover(path, &store.Options{ReadOnly: true}); err == nil {
		fmt.Fprintf(e.stdout, "the older state (position %d) checks out: 'projstore recover %s' rolls back to it\n", o.AppliedPosition(), path)
		o.Close()
	} else {
		fmt.Fprintf(e.stdout, "the older state cannot take over either: %s\n", message(err))
	}
	return fmt.Errorf("%s: %w", path, cerr)
}

// reportSlots prints what each superblock slot holds. A damaged slot is
// not in itself a failure: a crash while writing one leaves it torn, the
// store then opens the other, and the next commit overwrites it.
// It returns the slot the store opens, or nil.
func reportSlots(w io.Writer, path string) (*superblock.Superblock, error) {
	f, err := inspect.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	newest := f.Newest()
	for i, sb := range f.Slots.SB {
		switch {
		case sb != nil:
			note := ""
			if sb == newest {
				note = " (newest)"
			}
			fmt.Fprintf(w, "superblock slot %d: generation %d, position %d%s\n", i, sb.Generation, sb.Applied, note)
		case errors.Is(f.Slots.Err[i], superblock.ErrNotDatabase) && newest != nil && newest.Generation == 1:
			fmt.Fprintf(w, "superblock slot %d: not written yet\n", i)
		default:
			fmt.Fprintf(w, "superblock slot %d: unusable: %s\n", i, message(f.Slots.Err[i]))
		}
	}
	return newest, nil
}

var statsCmd = &command{
	name:    "stats",
	args:    "DB [--json]",
	summary: "show a store's size and shape: pages, heights, versions, space",
	help: `Show the shape of DB: its position and digest, tables, live rows and history
versions, pages by kind (free pages included), tree heights, file size and
space amplification (file bytes / bytes of live keys and values), and the
page cache and I/O figures of this process. It walks every tree.`,
	examples: []string{
		"projstore stats app.db",
		"projstore stats app.db --json | jq .Pages",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		asJSON := fs.Bool("json", false, "print the figures as one JSON object")
		return func(e *env, args []string) error { return runStats(e, args, *asJSON) }
	},
}

func runStats(e *env, args []string, asJSON bool) (err error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	s, err := openRead(args[0])
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	st, err := s.Stats()
	if err != nil {
		return err
	}
	fileBytes := st.FileBytes
	if fi, err := os.Stat(args[0]); err == nil {
		fileBytes = fi.Size()
	}
	amp := 0.0
	if st.LogicalBytes > 0 {
		amp = float64(fileBytes) / float64(st.LogicalBytes)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			store.Stats
			Path               string
			FileSize           int64
			SpaceAmplification float64
		}{st, args[0], fileBytes, amp})
	}
	_, err = io.WriteString(e.stdout, statsText(args[0], st, fileBytes))
	return err
}

// statsText lays out st for a person.
func statsText(path string, st store.Stats, fileBytes int64) string {
	g := newGrid(nil)
	g.add("file", fmt.Sprintf("%s, %s (%s bytes, %s pages)", path, size(fileBytes), commas(uint64(fileBytes)), commas(st.PageCount)))
	g.add("position", fmt.Sprintf("%s applied, horizon %d, generation %d", commas(uint64(st.Applied)), st.Horizon, st.Generation))
	g.add("digest", fmt.Sprintf("%#016x", st.Digest))
	g.add("tables", fmt.Sprintf("%d live, %d dropped and not yet pruned", st.Tables, st.DroppedTables))
	g.add("rows", fmt.Sprintf("%s live, %s of keys and values", commas(st.Rows), size(int64(st.LogicalBytes))))
	g.add("versions", fmt.Sprintf("%s closed versions in history", commas(st.Versions)))
	p := st.Pages
	g.add("pages", fmt.Sprintf("%s branch, %s leaf, %s overflow, %s free-list, %s free, %d superblock",
		commas(p.Branch), commas(p.Leaf), commas(p.Overflow), commas(p.FreeList), commas(p.Free), p.Superblock))
	g.add("heights", fmt.Sprintf("catalog %d, tallest table tree %d", st.CatalogHeight, st.MaxHeight))
	if st.LogicalBytes > 0 {
		g.add("space", fmt.Sprintf("%.2fx amplification (file bytes / live key and value bytes)", float64(fileBytes)/float64(st.LogicalBytes)))
	} else {
		g.add("space", "no live rows")
	}
	c := st.Cache
	// Stats takes the cache figures before it walks the trees: they cover
	// this process's work up to the call.
	g.add("cache", fmt.Sprintf("%s of %s held, %s hits, %s misses, %s evictions (this process)",
		size(c.Bytes), size(c.MaxBytes), commas(c.Hits), commas(c.Misses), commas(c.Evictions)))
	g.add("file I/O", fmt.Sprintf("%s page reads, %s page writes, %s syncs (this process)", commas(st.Reads), commas(st.Writes), commas(st.Syncs)))
	g.add("cpu", hotPath())
	return g.String()
}

var pruneCmd = &command{
	name:    "prune",
	args:    "DB HORIZON",
	summary: "drop history older than a position and free its pages",
	help: `Raise the retention horizon of DB to HORIZON: history versions deleted at or
before it, and tables dropped at or before it, are dropped and their pages
freed for reuse by later batches (the file keeps its size). Reads below
HORIZON then fail with "below the retention horizon". A HORIZON at or below
the current one changes nothing; one above the applied position is an error.`,
	examples: []string{
		"projstore prune app.db 1500",
	},
	setup: noFlags(runPrune),
}

func runPrune(e *env, args []string) (err error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	h, err := parsePosition("HORIZON", args[1])
	if err != nil {
		return err
	}
	if err := mustExist(args[0]); err != nil {
		return err
	}
	s, err := store.Open(args[0], nil)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	if old := s.Horizon(); h <= old {
		_, err := fmt.Fprintf(e.stdout, "the horizon is already %d: nothing to prune\n", old)
		return err
	}
	before, err := s.Stats()
	if err != nil {
		return err
	}
	if err := s.Prune(h); err != nil {
		return err
	}
	if err := s.Sync(); err != nil {
		return err
	}
	after, err := s.Stats()
	if err != nil {
		return err
	}
	used := func(st store.Stats) uint64 { return st.Pages.Branch + st.Pages.Leaf + st.Pages.Overflow }
	_, err = fmt.Fprintf(e.stdout, "horizon %d -> %d: history versions %s -> %s, tree pages %s -> %s, free pages %s -> %s\n",
		before.Horizon, after.Horizon, commas(before.Versions), commas(after.Versions),
		commas(used(before)), commas(used(after)), commas(before.Pages.Free), commas(after.Pages.Free))
	return err
}

var recoverCmd = &command{
	name:    "recover",
	args:    "DB [--yes]",
	summary: "roll a damaged store back to its older, sound state",
	help: `Check the newest state of DB. If it is sound, say so and change nothing. If it
is damaged, explain, check the older state (the store keeps the one before
the last commit intact), ask for confirmation on standard input, and make the
older state the newest. The batches after its position must then be applied
again from the log; 'projstore apply' skips the ones already there.`,
	examples: []string{
		"projstore recover app.db",
		"projstore recover app.db --yes && projstore apply app.db events.jsonl",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		yes := fs.Bool("yes", false, "do not ask for confirmation")
		return func(e *env, args []string) error { return runRecover(e, args, *yes) }
	},
}

func runRecover(e *env, args []string, yes bool) error {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	path := args[0]
	if err := mustExist(path); err != nil {
		return err
	}
	s, err := store.Open(path, &store.Options{ReadOnly: true})
	var pos batch.Offset
	if err == nil {
		pos = s.AppliedPosition()
		err = s.Check()
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			_, err := fmt.Fprintf(e.stdout, "the newest state of %s (position %d) checks out: nothing to recover\n", path, pos)
			return err
		}
		fmt.Fprintf(e.stdout, "the newest state of %s (position %d) is damaged: %s\n", path, pos, message(err))
	} else if errors.Is(err, store.ErrCorrupt) {
		fmt.Fprintf(e.stdout, "%s does not open: %s\n", path, message(err))
	} else {
		return err // not a damaged store: missing, locked, not a projstore file
	}
	o, err := store.Recover(path, &store.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("cannot recover %s: %w", path, err)
	}
	older := o.AppliedPosition()
	o.Close()
	fmt.Fprintf(e.stdout, "the older state (position %d) checks out\n", older)
	if !yes {
		fmt.Fprintf(e.stdout, "roll %s back to position %d? The batches after it must be applied again. [y/N] ", path, older)
		answer, _ := bufio.NewReader(e.stdin).ReadString('\n')
		fmt.Fprintln(e.stdout)
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return errors.New("not confirmed: nothing changed (--yes skips the question)")
		}
	}
	r, err := store.Recover(path, nil)
	if err != nil {
		return fmt.Errorf("cannot recover %s: %w", path, err)
	}
	got := r.AppliedPosition()
	if err := r.Close(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "recovered %s to position %d: apply the log from position %d on\n", path, got, got+1)
	return err
}

// Release is the release this binary was built as; the build may set it:
//
//	go build -ldflags "-X github.com/projstore/projstore/cmd/projstore/internal/cli.Release=v1.0.0"
//
// Otherwise the version comes from the build information.
var Release = ""

var versionCmd = &command{
	name:     "version",
	summary:  "print the version of projstore and the formats it reads",
	help:     "Print the version of this build, the file and log format versions it reads and writes, and the Go release that built it.",
	examples: []string{"projstore version"},
	setup: noFlags(func(e *env, args []string) error {
		if err := wantArgs(args, 0, 0); err != nil {
			return err
		}
		_, err := fmt.Fprintf(e.stdout, "projstore %s (file format %d, binary log format %d, %s %s/%s)\n%s\n",
			buildVersion(), superblock.Version, logfile.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, hotPath())
		return err
	}),
}

// hotPath says which CPU paths this build uses on this machine.
func hotPath() string {
	how := "in software"
	if crc.Hardware() {
		how = "with the CPU's CRC instructions"
	}
	return fmt.Sprintf("CRC32C %s; key search kernel %s", how, btree.SearchKernel())
}

func buildVersion() string {
	if Release != "" {
		return Release
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
