package cli

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// DefaultDemoPath is where demo puts its store without an argument.
const DefaultDemoPath = "projstore-demo.db"

var demoCmd = &command{
	name:    "demo",
	args:    "[DB]",
	summary: "build a demo store from a generated bank log and tour it",
	help: `Generate the event log of a small bank (accounts, transfers between them,
account openings and closures, a daily ledger with end-of-day statements,
old transfers archived), apply it to DB (default ` + DefaultDemoPath + ` in the
current directory), and show what the store answers: a balance now and as
of earlier positions, a range scan in the past, the applied digest, and the
store's shape.

The log is the same on every run, so running demo again is safe: the
batches already applied are replays, which change nothing.

Tables: 1 accounts (account -> balance), 2 transfers (tx-N -> "from -> to
amount date"), 3 ledger (day/DATE -> the day's running totals, close/DATE ->
end-of-day balances of every account).`,
	examples: []string{
		"projstore demo",
		"projstore demo /tmp/bank.db",
		"projstore history projstore-demo.db 1 acct-0007",
	},
	opens:         true,
	interruptible: true,
	setup: noFlags(func(e *env, args []string) error {
		if err := wantArgs(args, 0, 1); err != nil {
			return err
		}
		path := DefaultDemoPath
		if len(args) == 1 {
			path = args[0]
		}
		return demo(e, path, demoConfig)
	}),
}

// demo builds (or finds already built) the demo store at path and tours it.
func demo(e *env, path string, cfg bankConfig) (err error) {
	w := e.stdout
	s, err := e.open(path, nil)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	last := batch.Offset(cfg.batches)
	had := s.AppliedPosition()
	if had > last {
		return fmt.Errorf("%s is at position %d, past the demo log's %d positions: not a demo store", path, had, last)
	}
	fmt.Fprintf(w, "projstore demo: a small bank, kept as a projection of its event log\n\n")

	k := newBank(cfg)
	var digest uint64
	var prev [8]byte
	var enc []byte
	h := xxhash.New()
	start := time.Now()
	ops := 0
	for pos := batch.Offset(1); pos <= last; pos++ {
		b := k.next(pos)
		ops += len(b.Ops)
		if pos > had {
			if err := e.ctx.Err(); err != nil {
				return fmt.Errorf("interrupted at position %d: %w", pos, err)
			}
			if err := s.Apply(b); err != nil {
				return fmt.Errorf("position %d: %w", pos, err)
			}
			continue
		}
		// A replay: Apply would change nothing, so check instead that the
		// store holds this very log, by the digest chain AppliedDigest
		// documents.
		if enc, err = b.AppendBinary(enc[:0]); err != nil {
			return err
		}
		binary.LittleEndian.PutUint64(prev[:], digest)
		h.Reset()
		h.Write(prev[:])
		h.Write(enc)
		digest = h.Sum64()
		if pos == had && digest != s.AppliedDigest() {
			return fmt.Errorf("%s holds a different log: its digest at position %d is %#016x, the demo log's is %#016x", path, had, s.AppliedDigest(), digest)
		}
	}
	if err := s.Sync(); err != nil {
		return err
	}
	took := time.Since(start)

	fmt.Fprint(w, newGrid(nil).
		with("database", path).
		with("log", fmt.Sprintf("%s batches over %d days, %s ops: %d accounts opened, %d closed,", commas(uint64(last)), k.day(last)+1, commas(uint64(ops)), k.opened, len(k.closures))).
		with("", fmt.Sprintf("%s transfers (%s archived after %d days)", commas(uint64(k.transfers)), commas(uint64(k.archived)), cfg.keepDays)).
		with("tables", "1 accounts (account -> balance), 2 transfers (tx-N -> from, to, amount),").
		with("", "3 ledger (day/DATE -> the day's totals, close/DATE -> end-of-day balances)"))
	fmt.Fprintln(w)
	switch {
	case had == last:
		fmt.Fprintf(w, "positions 1..%d already applied: replaying them changed nothing (the digest matches the log)\n", last)
	case had > 0:
		fmt.Fprintf(w, "positions 1..%d already applied; applied %d..%d in %v, synced\n", had, had+1, last, took.Round(time.Millisecond))
	default:
		rate := float64(last) / took.Seconds()
		fmt.Fprintf(w, "applied positions 1..%d in %v (%s batches/s), synced\n", last, took.Round(time.Millisecond), commas(uint64(rate)))
	}
	return tour(e.ctx, w, s, k, path)
}

// with adds a labelled row and returns g, for building a grid in one go.
func (g *grid) with(cells ...string) *grid {
	g.add(cells...)
	return g
}

// tour shows what the store answers about the bank.
func tour(ctx context.Context, w io.Writer, s *store.Store, k *bank, path string) error {
	last := s.AppliedPosition()
	acct := k.cfg.featured

	// A balance through time: GetAt.
	fmt.Fprintf(w, "\nBalance of %s over time (GetAt reads any earlier position)\n", acct)
	g := newGrid([]int{0, 2}, "POSITION", "DATE", "BALANCE", "")
	steps := 6
	for i := 0; i <= steps; i++ {
		pos := max(1, last*batch.Offset(i)/batch.Offset(steps))
		v, err := s.GetAt(accountsTable, []byte(acct), pos)
		if err != nil {
			return fmt.Errorf("%s at position %d: %w", acct, pos, err)
		}
		note := ""
		if pos == last {
			note = "now"
		}
		g.add(strconv.FormatUint(uint64(pos), 10), k.date(pos), balance(v), note)
	}
	fmt.Fprint(w, g)
	if vs, err := versionsOf(s, accountsTable, []byte(acct)); err == nil {
		fmt.Fprintf(w, "  %s has had %s versions: 'projstore history %s 1 %s' lists them\n", acct, commas(uint64(len(vs))), path, acct)
	}

	// A closure: the row is gone now, and still there in the past.
	if len(k.closures) > 0 {
		// The closure nearest the middle of the log.
		c := k.closures[0]
		for _, o := range k.closures {
			if dist(o.pos, last/2) < dist(c.pos, last/2) {
				c = o
			}
		}
		before, err := s.GetAt(accountsTable, []byte(c.account), c.pos-1)
		if err != nil {
			return err
		}
		_, after := s.GetAt(accountsTable, []byte(c.account), c.pos)
		fmt.Fprintf(w, "\nAn account closed along the way\n")
		fmt.Fprintf(w, "  %s closed at position %d (%s): balance %s at position %d; at %d: %s\n",
			c.account, c.pos, k.date(c.pos), balance(before), c.pos-1, c.pos, errText(after))
	}

	// A range in the past next to the same range now: ScanAt and Scan.
	mid := last / 2
	lo, hi := []byte("acct-0010"), []byte("acct-0020")
	then, err := s.ScanAt(accountsTable, lo, hi, 0, mid)
	if err != nil {
		return err
	}
	now, err := s.Scan(accountsTable, lo, hi, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nAccounts %s..%s at position %d (%s) and now (ScanAt, Scan)\n", lo, "acct-0019", mid, k.date(mid))
	g = newGrid([]int{1, 2}, "ACCOUNT", fmt.Sprintf("AT %d", mid), "NOW")
	rows := map[string][2]string{}
	var keys []string
	for i, set := range [][]store.KV{then, now} {
		for _, kv := range set {
			r, ok := rows[string(kv.Key)]
			if !ok {
				keys = append(keys, string(kv.Key))
				r = [2]string{"-", "closed"}
			}
			r[i] = balance(kv.Value)
			rows[string(kv.Key)] = r
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		g.add(key, rows[key][0], rows[key][1])
	}
	fmt.Fprint(w, g)

	// The latest days of the ledger: a reverse range scan.
	fmt.Fprintf(w, "\nLedger, the last 5 days (a reverse range scan)\n")
	g = newGrid(nil, "DAY", "TOTALS")
	_, err = scan(ctx, s, ledgerTable, []byte("day/"), []byte("day0"), last, 5, true, func(key, v []byte) error {
		g.add(strings.TrimPrefix(string(key), "day/"), string(v))
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprint(w, g)

	fmt.Fprintf(w, "\nApplied digest\n  %#016x: an xxhash64 chain over every applied batch; a replica that\n  applied the same log has the same digest\n", s.AppliedDigest())

	st, err := s.StatsContext(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nThe store (Stats)\n%s", statsText(path, st, st.FileBytes))

	fmt.Fprintf(w, "\nTry next\n")
	for _, c := range []string{
		"get %[1]s 1 %[2]s --at %[3]d",
		"history %[1]s 1 %[2]s",
		"scan %[1]s 2 --reverse --limit 5",
		"scan %[1]s 1 --start acct-0010 --end acct-0020 --at %[3]d",
		"get %[1]s 3 close/2025-01-02",
		"check %[1]s",
		"pages %[1]s | head",
	} {
		fmt.Fprintf(w, "  projstore "+c+"\n", path, acct, mid)
	}
	return nil
}

// balance renders a stored balance ("1234.56") with thousands separators.
func balance(v []byte) string {
	whole, frac, ok := strings.Cut(string(v), ".")
	n, err := strconv.ParseUint(whole, 10, 64)
	if !ok || err != nil {
		return show(v, 32)
	}
	return commas(n) + "." + frac
}

func errText(err error) string {
	switch {
	case err == nil:
		return "still there"
	case errors.Is(err, store.ErrNotFound):
		return "not found"
	}
	return message(err)
}

func dist(a, b batch.Offset) batch.Offset {
	if a > b {
		return a - b
	}
	return b - a
}
