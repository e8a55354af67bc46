package cli

import (
	"bufio"
	"context"
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
	"github.com/projstore/projstore/crc"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/superblock"
)

var checkCmd = &command{
	name:    "check",
	args:    "DB [--format text|json]",
	summary: "verify every page and invariant of a store",
	help: `Verify the newest state of DB: the checksum and id of every reachable page,
the order and balance of every tree, overflow chains, MVCC stamps, table
counts, and that every page of the file is used exactly once. The store is
opened read-only.

Exit status 0 means the store is sound; 1 means it is not, with the problem on
standard error. When the newest state is damaged, check also says whether the
older state is sound, which 'projstore recover' can roll back to.

--format json prints one object: "ok", "path", "position", "pages", "slots"
(per superblock slot: "slot", "generation", "position", "newest", or
"error"), and when the newest state is damaged "error" and "older" ("ok",
"position", "error"). The exit status is the same as with text.`,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore check app.db",
		"projstore check app.db || projstore recover app.db",
		"projstore check app.db --format json | jq .ok",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		format := formatFlag(fs, formatText, formatJSON)
		return func(e *env, args []string) error { return runCheck(e, args, format.json()) }
	},
}

// checkReport is check's JSON output.
type checkReport struct {
	OK       bool        `json:"ok"`
	Path     string      `json:"path"`
	Position uint64      `json:"position"`
	Pages    uint64      `json:"pages"`
	Slots    []slotJSON  `json:"slots"`
	Error    string      `json:"error,omitempty"`
	Older    *olderState `json:"older,omitempty"`
}

type slotJSON struct {
	Slot       int     `json:"slot"`
	Generation *uint64 `json:"generation,omitempty"`
	Position   *uint64 `json:"position,omitempty"`
	Newest     bool    `json:"newest"`
	Error      string  `json:"error,omitempty"`
}

type olderState struct {
	OK       bool   `json:"ok"`
	Position uint64 `json:"position,omitempty"`
	Error    string `json:"error,omitempty"`
}

func runCheck(e *env, args []string, asJSON bool) error {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	path := args[0]
	f, err := e.openPages(path)
	if err != nil {
		return err
	}
	slots, newest := f.Slots, f.Newest()
	f.Close()
	out := e.stdout
	if asJSON {
		out = io.Discard
	}
	rep := checkReport{Path: path, Slots: slotReport(out, slots, newest)}
	s, err := e.openRead(path)
	if err != nil {
		return err
	}
	pos := s.AppliedPosition()
	rep.Position = uint64(pos)
	if newest != nil {
		rep.Pages = newest.PageCount
	}
	cerr := checkStore(e.ctx, s)
	if err := s.Close(); err != nil && cerr == nil {
		cerr = err
	}
	if errors.Is(cerr, context.Canceled) {
		return cerr
	}
	if cerr == nil {
		rep.OK = true
		if asJSON {
			return writeJSON(e.stdout, rep)
		}
		_, err := fmt.Fprintf(e.stdout, "ok: %s at position %d: %s pages, every page and invariant checks out\n", path, pos, commas(rep.Pages))
		return err
	}
	rep.Error = message(cerr)
	rep.Older = &olderState{}
	fmt.Fprintf(out, "the newest state (position %d) is damaged\n", pos)
	if o, err := store.Recover(path, &store.Options{ReadOnly: true, LockTimeout: e.timeout}); err == nil {
		rep.Older.OK, rep.Older.Position = true, uint64(o.AppliedPosition())
		fmt.Fprintf(out, "the older state (position %d) checks out: 'projstore recover %s' rolls back to it\n", o.AppliedPosition(), path)
		o.Close()
	} else {
		rep.Older.Error = message(err)
		fmt.Fprintf(out, "the older state cannot take over either: %s\n", message(err))
	}
	if asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: %w", path, cerr)
}

// checkStore runs the store's whole check, stopping when ctx is done.
func checkStore(ctx context.Context, s *store.Store) error { return s.CheckContext(ctx) }

// slotReport prints what each superblock slot holds to w, and returns the
// same for JSON. A damaged slot is not in itself a failure: a crash while
// writing one leaves it torn, the store then opens the other, and the next
// commit overwrites it.
func slotReport(w io.Writer, slots superblock.Slots, newest *superblock.Superblock) []slotJSON {
	var out []slotJSON
	for i, sb := range slots.SB {
		j := slotJSON{Slot: i}
		switch {
		case sb != nil:
			note := ""
			if sb == newest {
				note = " (newest)"
				j.Newest = true
			}
			gen, pos := sb.Generation, sb.Applied
			j.Generation, j.Position = &gen, &pos
			fmt.Fprintf(w, "superblock slot %d: generation %d, position %d%s\n", i, sb.Generation, sb.Applied, note)
		case errors.Is(slots.Err[i], superblock.ErrNotDatabase) && newest != nil && newest.Generation == 1:
			j.Error = "not written yet"
			fmt.Fprintf(w, "superblock slot %d: not written yet\n", i)
		default:
			j.Error = message(slots.Err[i])
			fmt.Fprintf(w, "superblock slot %d: unusable: %s\n", i, message(slots.Err[i]))
		}
		out = append(out, j)
	}
	return out
}

var statsCmd = &command{
	name:    "stats",
	args:    "DB [--format text|json]",
	summary: "show a store's size and shape: pages, heights, versions, space",
	help: `Show the shape of DB: its position and digest, tables, live rows and history
versions, pages by kind (free pages included), tree heights, file size and
space amplification (file bytes / bytes of live keys and values), and the
page cache and I/O figures of this process. It walks every tree; the cache
and I/O figures are read after the walk, so they count it.

--format json prints the figures as one object with lower-case snake_case
keys; the digest is a string ("0x" and 16 hex digits) so that no JSON
reader rounds it. --json is the same as --format json.`,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore stats app.db",
		"projstore stats app.db --format json | jq .pages",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		format := formatFlag(fs, formatText, formatJSON)
		fs.BoolFunc("json", "same as --format json", func(string) error { return format.Set(formatJSON) })
		return func(e *env, args []string) error { return runStats(e, args, format.json()) }
	},
}

// statsJSON is stats' JSON output: its keys are part of the command's
// interface, so they are spelled here rather than derived from store.Stats.
type statsJSON struct {
	Path               string        `json:"path"`
	FileBytes          int64         `json:"file_bytes"`
	Position           uint64        `json:"position"`
	Horizon            uint64        `json:"horizon"`
	Generation         uint64        `json:"generation"`
	Digest             string        `json:"digest"`
	Tables             int           `json:"tables"`
	DroppedTables      int           `json:"dropped_tables"`
	Rows               uint64        `json:"rows"`
	Versions           uint64        `json:"versions"`
	LogicalBytes       uint64        `json:"logical_bytes"`
	SpaceAmplification float64       `json:"space_amplification"`
	PageCount          uint64        `json:"page_count"`
	Pages              statsPages    `json:"pages"`
	CatalogHeight      int           `json:"catalog_height"`
	MaxHeight          int           `json:"max_height"`
	Cache              statsCache    `json:"cache"`
	IO                 statsIOCounts `json:"io"`
}

type statsPages struct {
	Superblock uint64 `json:"superblock"`
	Branch     uint64 `json:"branch"`
	Leaf       uint64 `json:"leaf"`
	Overflow   uint64 `json:"overflow"`
	FreeList   uint64 `json:"free_list"`
	Free       uint64 `json:"free"`
}

type statsCache struct {
	Bytes     int64  `json:"bytes"`
	MaxBytes  int64  `json:"max_bytes"`
	Hits      uint64 `json:"hits"`
	Misses    uint64 `json:"misses"`
	Evictions uint64 `json:"evictions"`
}

type statsIOCounts struct {
	PageReads  uint64 `json:"page_reads"`
	PageWrites uint64 `json:"page_writes"`
	Syncs      uint64 `json:"syncs"`
}

func runStats(e *env, args []string, asJSON bool) (err error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	s, err := e.openRead(args[0])
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	st, err := s.StatsContext(e.ctx)
	if err != nil {
		return err
	}
	fileBytes := st.FileBytes
	if fi, err := os.Stat(args[0]); err == nil {
		fileBytes = fi.Size()
	}
	if asJSON {
		p, c := st.Pages, st.Cache
		return writeJSON(e.stdout, statsJSON{
			Path: args[0], FileBytes: fileBytes,
			Position: uint64(st.Applied), Horizon: uint64(st.Horizon), Generation: st.Generation,
			Digest: digest(st.Digest), Tables: st.Tables, DroppedTables: st.DroppedTables,
			Rows: st.Rows, Versions: st.Versions, LogicalBytes: st.LogicalBytes,
			SpaceAmplification: amplification(fileBytes, st.LogicalBytes),
			PageCount:          st.PageCount,
			Pages:              statsPages{p.Superblock, p.Branch, p.Leaf, p.Overflow, p.FreeList, p.Free},
			CatalogHeight:      st.CatalogHeight, MaxHeight: st.MaxHeight,
			Cache: statsCache{c.Bytes, c.MaxBytes, c.Hits, c.Misses, c.Evictions},
			IO:    statsIOCounts{st.Reads, st.Writes, st.Syncs},
		})
	}
	_, err = io.WriteString(e.stdout, statsText(args[0], st, fileBytes))
	return err
}

// amplification is file bytes over live key and value bytes (0: no rows).
func amplification(fileBytes int64, logical uint64) float64 {
	if logical == 0 {
		return 0
	}
	return float64(fileBytes) / float64(logical)
}

// statsText lays out st for a person.
func statsText(path string, st store.Stats, fileBytes int64) string {
	g := newGrid(nil)
	g.add("file", fmt.Sprintf("%s, %s (%s bytes, %s pages)", path, size(fileBytes), commas(uint64(fileBytes)), commas(st.PageCount)))
	g.add("position", fmt.Sprintf("%s applied, horizon %d, generation %d", commas(uint64(st.Applied)), st.Horizon, st.Generation))
	g.add("digest", digest(st.Digest))
	g.add("tables", fmt.Sprintf("%d live, %d dropped and not yet pruned", st.Tables, st.DroppedTables))
	g.add("rows", fmt.Sprintf("%s live, %s of keys and values", commas(st.Rows), size(int64(st.LogicalBytes))))
	g.add("versions", fmt.Sprintf("%s closed versions in history", commas(st.Versions)))
	p := st.Pages
	g.add("pages", fmt.Sprintf("%s branch, %s leaf, %s overflow, %s free-list, %s free, %d superblock",
		commas(p.Branch), commas(p.Leaf), commas(p.Overflow), commas(p.FreeList), commas(p.Free), p.Superblock))
	g.add("heights", fmt.Sprintf("catalog %d, tallest table tree %d", st.CatalogHeight, st.MaxHeight))
	if st.LogicalBytes > 0 {
		g.add("space", fmt.Sprintf("%.2fx amplification (file bytes / live key and value bytes)", amplification(fileBytes, st.LogicalBytes)))
	} else {
		g.add("space", "no live rows")
	}
	c := st.Cache
	// Stats reads the cache and I/O figures after it walks the trees: they
	// cover this process's work, the walk included.
	g.add("cache", fmt.Sprintf("%s of %s held, %s hits, %s misses, %s evictions (this process)",
		size(c.Bytes), size(c.MaxBytes), commas(c.Hits), commas(c.Misses), commas(c.Evictions)))
	g.add("file I/O", fmt.Sprintf("%s page reads, %s page writes, %s syncs (this process)", commas(st.Reads), commas(st.Writes), commas(st.Syncs)))
	g.add("cpu", hotPath())
	return g.String()
}

var pruneCmd = &command{
	name:    "prune",
	args:    "DB HORIZON [--format text|json]",
	summary: "drop history older than a position and free its pages",
	help: `Raise the retention horizon of DB to HORIZON: history versions deleted at or
before it, and tables dropped at or before it, are dropped and their pages
freed for reuse by later batches (the file keeps its size: 'projstore
compact' writes a smaller copy). Reads below HORIZON then fail with "below
the retention horizon". A HORIZON at or below the current one changes
nothing; one above the applied position is an error.

--format json prints {"horizon_before", "horizon_after", "versions_before",
"versions_after", "tree_pages_before", "tree_pages_after",
"free_pages_before", "free_pages_after"}.`,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore prune app.db 1500",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		format := formatFlag(fs, formatText, formatJSON)
		return func(e *env, args []string) error { return runPrune(e, args, format.json()) }
	},
}

type pruneJSON struct {
	HorizonBefore   uint64 `json:"horizon_before"`
	HorizonAfter    uint64 `json:"horizon_after"`
	VersionsBefore  uint64 `json:"versions_before"`
	VersionsAfter   uint64 `json:"versions_after"`
	TreePagesBefore uint64 `json:"tree_pages_before"`
	TreePagesAfter  uint64 `json:"tree_pages_after"`
	FreePagesBefore uint64 `json:"free_pages_before"`
	FreePagesAfter  uint64 `json:"free_pages_after"`
}

func runPrune(e *env, args []string, asJSON bool) (err error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	h, err := parsePosition("HORIZON", args[1])
	if err != nil {
		return err
	}
	s, err := e.openWrite(args[0])
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	before, err := s.StatsContext(e.ctx)
	if err != nil {
		return err
	}
	after := before
	if h > before.Horizon {
		if err := pruneStore(e.ctx, s, h); err != nil {
			return err
		}
		if err := s.Sync(); err != nil {
			return err
		}
		if after, err = s.StatsContext(e.ctx); err != nil {
			return err
		}
	}
	used := func(st store.Stats) uint64 { return st.Pages.Branch + st.Pages.Leaf + st.Pages.Overflow }
	if asJSON {
		return writeJSON(e.stdout, pruneJSON{
			uint64(before.Horizon), uint64(after.Horizon), before.Versions, after.Versions,
			used(before), used(after), before.Pages.Free, after.Pages.Free})
	}
	if h <= before.Horizon {
		_, err := fmt.Fprintf(e.stdout, "the horizon is already %d: nothing to prune\n", before.Horizon)
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "horizon %d -> %d: history versions %s -> %s, tree pages %s -> %s, free pages %s -> %s\n",
		before.Horizon, after.Horizon, commas(before.Versions), commas(after.Versions),
		commas(used(before)), commas(used(after)), commas(before.Pages.Free), commas(after.Pages.Free))
	return err
}

// pruneStore prunes s to h, stopping when ctx is done.
func pruneStore(ctx context.Context, s *store.Store, h batch.Offset) error {
	return s.PruneContext(ctx, h)
}

var recoverCmd = &command{
	name:    "recover",
	args:    "DB [--yes] [--format text|json]",
	summary: "roll a damaged store back to its older, sound state",
	help: `Check the newest state of DB. If it is sound, say so and change nothing. If it
is damaged, explain, check the older state (the store keeps the one before
the last commit intact), say what rolling back to it undoes (the positions
lost, a prune undone), ask for confirmation on standard input, and make the
older state the newest. The batches after its position must then be applied
again from the log; 'projstore apply' skips the ones already there.

The newest state was durable (a commit writes its superblock only after its
pages are synced), so its positions had been acknowledged to whoever synced
them. When rolling back loses such positions, recover exits with status 1
after it is done, so that scripts notice; the store is then sound and at the
older position.

--format json prints one object at the end (the question, without --yes, goes
to standard error): "path", "damaged", "error", "newest_position",
"older_position", "positions_lost" ({"first", "last", "batches"} or null),
"prune_undone" ({"from", "to"} horizons, or null), "recovered", "position".`,
	opens:         true,
	interruptible: true,
	examples: []string{
		"projstore recover app.db",
		"projstore recover app.db --yes; projstore apply app.db events.jsonl",
	},
	setup: func(fs *flag.FlagSet) runFunc {
		yes := fs.Bool("yes", false, "do not ask for confirmation")
		format := formatFlag(fs, formatText, formatJSON)
		return func(e *env, args []string) error { return runRecover(e, args, *yes, format.json()) }
	},
}

// recoverJSON is recover's JSON output.
type recoverJSON struct {
	Path string `json:"path"`
	// Damaged says the newest state failed its check (Error says how).
	Damaged bool   `json:"damaged"`
	Error   string `json:"error,omitempty"`
	// NewestPosition is the newest superblock's position; null when it
	// cannot be read.
	NewestPosition *uint64 `json:"newest_position"`
	OlderPosition  *uint64 `json:"older_position"`
	// PositionsLost are the positions rolling back loses; null if none.
	PositionsLost *spanJSON `json:"positions_lost"`
	// PruneUndone is the horizon rolling back returns to; null if none.
	PruneUndone *struct {
		From uint64 `json:"from"`
		To   uint64 `json:"to"`
	} `json:"prune_undone"`
	Recovered bool   `json:"recovered"`
	Position  uint64 `json:"position"` // the store's position when recover is done
}

func runRecover(e *env, args []string, yes, asJSON bool) error {
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	out, prompt := e.stdout, e.stdout
	if asJSON {
		out, prompt = io.Discard, e.stderr
	}
	rep, err := recoverStore(e, args[0], yes, out, prompt)
	if asJSON && rep != nil {
		if jerr := writeJSON(e.stdout, rep); err == nil {
			err = jerr
		}
	}
	return err
}

// recoverStore runs recover on path, narrating to out and asking on
// prompt; the report is nil when path is no damaged store at all.
func recoverStore(e *env, path string, yes bool, out, prompt io.Writer) (*recoverJSON, error) {
	f, err := e.openPages(path)
	if err != nil {
		return nil, err
	}
	slots := f.Slots
	f.Close()
	rep := &recoverJSON{Path: path}
	s, err := e.openRead(path)
	if err == nil {
		pos := s.AppliedPosition()
		err = checkStore(e.ctx, s)
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		if err == nil {
			rep.Position = uint64(pos)
			p := uint64(pos)
			rep.NewestPosition = &p
			_, err := fmt.Fprintf(out, "the newest state of %s (position %d) checks out: nothing to recover\n", path, pos)
			return rep, err
		}
		fmt.Fprintf(out, "the newest state of %s (position %d) is damaged: %s\n", path, pos, message(err))
	} else if errors.Is(err, store.ErrCorrupt) {
		fmt.Fprintf(out, "%s does not open: %s\n", path, message(err))
	} else {
		return nil, err // not a damaged store: missing, locked, not a projstore file
	}
	rep.Damaged, rep.Error = true, message(err)
	ro := &store.Options{ReadOnly: true, LockTimeout: e.timeout}
	o, err := store.Recover(path, ro)
	if err != nil {
		return rep, fmt.Errorf("cannot recover %s: %w", path, err)
	}
	older, olderHorizon := o.AppliedPosition(), o.Horizon()
	o.Close()
	fmt.Fprintf(out, "the older state (position %d) checks out\n", older)
	loss := rollback(slots, older, olderHorizon)
	loss.report(rep)
	for _, l := range loss.lines() {
		fmt.Fprintln(out, l)
	}
	if !yes {
		fmt.Fprintf(prompt, "roll %s back to position %d? The batches after it must be applied again. [y/N] ", path, older)
		answer, _ := bufio.NewReader(e.stdin).ReadString('\n')
		fmt.Fprintln(prompt)
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return rep, errors.New("not confirmed: nothing changed (--yes skips the question)")
		}
	}
	r, err := store.Recover(path, &store.Options{LockTimeout: e.timeout})
	if err != nil {
		return rep, fmt.Errorf("cannot recover %s: %w", path, err)
	}
	got := r.AppliedPosition()
	if err := r.Close(); err != nil {
		return rep, err
	}
	rep.Recovered, rep.Position = true, uint64(got)
	if _, err := fmt.Fprintf(out, "recovered %s to position %d: apply the log from position %d on\n", path, got, got+1); err != nil {
		return rep, err
	}
	if loss.lost() {
		return rep, fmt.Errorf("recovered to position %d, losing durable positions %s: apply them again from the log", got, span(got+1, loss.newer))
	}
	return rep, nil
}

// report fills rep's fields on what rolling back loses.
func (l rollbackLoss) report(rep *recoverJSON) {
	older := uint64(l.older)
	rep.OlderPosition = &older
	if !l.known {
		return
	}
	newer := uint64(l.newer)
	rep.NewestPosition = &newer
	if l.lost() {
		rep.PositionsLost = &spanJSON{First: older + 1, Last: newer, Batches: int(newer - older)}
	}
	if l.newerHorizon > l.olderHorizon {
		rep.PruneUndone = &struct {
			From uint64 `json:"from"`
			To   uint64 `json:"to"`
		}{uint64(l.newerHorizon), uint64(l.olderHorizon)}
	}
}

// rollbackLoss is what rolling back to the older state undoes, from the
// newest superblock's figures (the newest state's trees may not even
// open).
type rollbackLoss struct {
	newer, older               batch.Offset // applied positions
	newerHorizon, olderHorizon batch.Offset
	known                      bool // the newest superblock was readable
}

func rollback(slots superblock.Slots, older, olderHorizon batch.Offset) rollbackLoss {
	l := rollbackLoss{older: older, olderHorizon: olderHorizon}
	if sb, err := slots.Newest(); err == nil {
		l.newer, l.newerHorizon, l.known = batch.Offset(sb.Applied), batch.Offset(sb.Horizon), true
	}
	return l
}

// lost reports whether rolling back loses positions the newest state held.
func (l rollbackLoss) lost() bool { return l.known && l.newer > l.older }

func (l rollbackLoss) lines() []string {
	if !l.known {
		return []string{"the newest superblock cannot be read: what rolling back loses is unknown"}
	}
	var out []string
	switch {
	case l.newer > l.older:
		out = append(out, fmt.Sprintf("rolling back loses positions %s (applied and durable in the newest state, position %d; the older state is at %d)", span(l.older+1, l.newer), l.newer, l.older))
	case l.newer == l.older:
		out = append(out, fmt.Sprintf("rolling back loses no position: both states are at position %d", l.older))
	default:
		out = append(out, fmt.Sprintf("the older state is ahead (position %d, the newest %d): rolling back loses no position", l.older, l.newer))
	}
	if l.newerHorizon > l.olderHorizon {
		out = append(out, fmt.Sprintf("it undoes the prune from horizon %d to %d: history at positions %d..%d becomes readable again", l.olderHorizon, l.newerHorizon, l.olderHorizon, l.newerHorizon-1))
	} else if l.newerHorizon < l.olderHorizon {
		out = append(out, fmt.Sprintf("the older state has the higher horizon (%d, the newest %d)", l.olderHorizon, l.newerHorizon))
	}
	return out
}

// Release is the release this binary was built as; the build may set it:
//
//	go build -ldflags "-X github.com/projstore/projstore/cmd/projstore/internal/cli.Release=v1.0.0"
//
// Otherwise the version comes from the build information.
var Release = ""

var versionCmd = &command{
	name:    "version",
	args:    "[--format text|json]",
	summary: "print the version of projstore and the formats it reads",
	help: `Print the version of this build, the file and log format versions it reads
and writes, and the Go release that built it.

--format json prints {"version", "file_format", "log_format", "go", "os",
"arch", "crc32c_hardware", "search_kernel"}.`,
	examples: []string{"projstore version", "projstore version --format json"},
	setup: func(fs *flag.FlagSet) runFunc {
		format := formatFlag(fs, formatText, formatJSON)
		return func(e *env, args []string) error { return runVersion(e, args, format.json()) }
	},
}

func runVersion(e *env, args []string, asJSON bool) error {
	if err := wantArgs(args, 0, 0); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, struct {
			Version        string `json:"version"`
			FileFormat     int    `json:"file_format"`
			LogFormat      int    `json:"log_format"`
			Go             string `json:"go"`
			OS             string `json:"os"`
			Arch           string `json:"arch"`
			CRC32CHardware bool   `json:"crc32c_hardware"`
			SearchKernel   string `json:"search_kernel"`
		}{buildVersion(), superblock.Version, logfile.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, crc.Hardware(), btree.SearchKernel()})
	}
	_, err := fmt.Fprintf(e.stdout, "projstore %s (file format %d, binary log format %d, %s %s/%s)\n%s\n",
		buildVersion(), superblock.Version, logfile.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, hotPath())
	return err
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
