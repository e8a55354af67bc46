package cli

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/cmd/projstore/internal/inspect"
	"github.com/projstore/projstore/store"
)

// ParseKey decodes a key or value given on the command line: "hex:" and
// "base64:" prefixes give any bytes, anything else is taken as UTF-8.
func ParseKey(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, "hex:"); ok {
		b, err := hex.DecodeString(rest)
		if err != nil {
			return nil, fmt.Errorf("bad hex in %q: %w", s, err)
		}
		return b, nil
	}
	if rest, ok := strings.CutPrefix(s, "base64:"); ok {
		enc := base64.StdEncoding
		if len(rest)%4 != 0 {
			enc = base64.RawStdEncoding
		}
		b, err := enc.DecodeString(rest)
		if err != nil {
			return nil, fmt.Errorf("bad base64 in %q: %w", s, err)
		}
		return b, nil
	}
	return []byte(s), nil
}

func parseKeyArg(what, s string) ([]byte, error) {
	b, err := ParseKey(s)
	if err != nil {
		return nil, usagef("%s: %v", what, err)
	}
	return b, nil
}

func parseTable(s string) (batch.TableID, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, usagef("TABLE must be a table number, not %q", s)
	}
	return batch.TableID(n), nil
}

func parsePosition(what, s string) (batch.Offset, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, usagef("%s must be a log position (a number), not %q", what, s)
	}
	return batch.Offset(n), nil
}

// positionFlag is a log position flag that knows whether it was set.
type positionFlag struct {
	pos batch.Offset
	set bool
}

func (p *positionFlag) String() string {
	if !p.set {
		return ""
	}
	return strconv.FormatUint(uint64(p.pos), 10)
}

func (p *positionFlag) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return errors.New("not a log position")
	}
	p.pos, p.set = batch.Offset(n), true
	return nil
}

// atFlag defines --at on fs, a log position to read as of.
func atFlag(fs *flag.FlagSet, at *positionFlag) {
	fs.Var(at, "at", "as of log `POS` (default: the applied position)")
}

// rangeFlags are --start, --end and --limit, a key range of a table.
type rangeFlags struct {
	start, end string
	limit      int
}

// define defines the flags on fs; what names what --limit counts.
func (r *rangeFlags) define(fs *flag.FlagSet, what string) {
	fs.StringVar(&r.start, "start", "", "first `KEY` (inclusive; default: the first key)")
	fs.StringVar(&r.end, "end", "", "`KEY` to stop before (exclusive; default: no bound)")
	fs.IntVar(&r.limit, "limit", 0, "at most `N` "+what+" (0: no limit)")
}

// parse returns the range's bounds, nil for one not given.
func (r *rangeFlags) parse() (start, end []byte, err error) {
	if r.start != "" {
		if start, err = parseKeyArg("--start", r.start); err != nil {
			return nil, nil, err
		}
	}
	if r.end != "" {
		if end, err = parseKeyArg("--end", r.end); err != nil {
			return nil, nil, err
		}
	}
	if r.limit < 0 {
		return nil, nil, usagef("--limit must not be negative")
	}
	return start, end, nil
}

// tableArgs checks the arguments DB TABLE, and parses TABLE and the range.
func (r *rangeFlags) tableArgs(args []string) (t batch.TableID, start, end []byte, err error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return 0, nil, nil, err
	}
	if t, err = parseTable(args[1]); err != nil {
		return 0, nil, nil, err
	}
	start, end, err = r.parse()
	return t, start, end, err
}

// openRead opens an existing store read-only.
func (e *env) openRead(path string) (*store.Store, error) {
	if err := mustExist(path); err != nil {
		return nil, err
	}
	return e.open(path, &store.Options{ReadOnly: true})
}

// openWrite opens an existing store for writing. It opens it read-only
// first: a writable open takes a file of zeros no longer than two pages for
// a store whose creation was interrupted, and creates it again, which only
// the commands that create stores (apply, demo) may do.
func (e *env) openWrite(path string) (*store.Store, error) {
	s, err := e.openRead(path)
	if err != nil {
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	return e.open(path, nil)
}

// open opens the store at path, creating it if it is missing and opts
// allows, waiting up to --timeout for another process to let go of it.
func (e *env) open(path string, opts *store.Options) (s *store.Store, err error) {
	o := store.Options{}
	if opts != nil {
		o = *opts
	}
	err = e.waitLock(path, func() (err error) {
		s, err = store.Open(path, &o)
		return err
	})
	return s, err
}

// openFile opens the file at path for the page commands, which read it
// without the store, waiting up to --timeout as open does.
func (e *env) openFile(path string) (f *inspect.File, err error) {
	if err := mustExist(path); err != nil {
		return nil, err
	}
	err = e.waitLock(path, func() (err error) {
		f, err = inspect.Open(path)
		return err
	})
	return f, err
}

// waitLock calls open until it does not fail with ErrLocked, for up to
// --timeout, or until an interrupt (rather than store.Options.LockTimeout,
// which no interrupt stops), and makes its errors say what the user can
// do.
func (e *env) waitLock(path string, open func() error) error {
	deadline := time.Now().Add(e.timeout)
	for {
		err := open()
		switch {
		case err == nil:
			return nil
		case errors.Is(err, store.ErrNotDatabase) && !strings.Contains(err.Error(), path):
			return fmt.Errorf("%s: %w", path, err)
		case !errors.Is(err, store.ErrLocked):
			return err
		case !time.Now().Before(deadline):
			locked := &store.LockedError{Path: path, Waited: e.timeout, Err: store.ErrLocked}
			if e.timeout == 0 {
				return fmt.Errorf("%w (--timeout waits for it)", locked)
			}
			return locked
		}
		select {
		case <-e.ctx.Done():
			return fmt.Errorf("interrupted while waiting for another process to let go of %s: %w", path, e.ctx.Err())
		case <-time.After(min(lockPoll, time.Until(deadline))):
		}
	}
}

// lockPoll is how often waitLock tries a file another process holds.
const lockPoll = 20 * time.Millisecond

// mustExist fails for a missing path, which store.Open would create.
func mustExist(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no such file", path)
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	return nil
}

// closeStore closes s, keeping the first error.
func closeStore(s *store.Store, err *error) {
	if cerr := s.Close(); *err == nil && cerr != nil {
		*err = cerr
	}
}

// show renders bytes for a column: escaped, and cut at max display
// characters (max <= 0: never cut) with the full length noted.
func show(b []byte, max int) string {
	s := inspect.Escape(b)
	if max <= 0 || len([]rune(s)) <= max {
		return s
	}
	return string([]rune(s)[:max]) + fmt.Sprintf("… (%d bytes)", len(b))
}

// commas formats n with thousands separators.
func commas(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// size formats a byte count with a binary unit.
func size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), -1
	for f >= unit && i < 3 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGT"[i])
}

// grid prints aligned columns: the first row is the header; columns whose
// index is in right are right-aligned (numbers).
type grid struct {
	rows  [][]string
	right map[int]bool
}

func newGrid(right []int, header ...string) *grid {
	g := &grid{right: map[int]bool{}}
	for _, i := range right {
		g.right[i] = true
	}
	if header != nil {
		g.rows = append(g.rows, header)
	}
	return g
}

func (g *grid) add(cells ...string) { g.rows = append(g.rows, cells) }

func (g *grid) String() string {
	var widths []int
	for _, r := range g.rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range g.rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i > 0 {
				line.WriteString("  ")
			}
			if g.right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString("  " + strings.TrimRight(line.String(), " ") + "\n")
	}
	return b.String()
}
