package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/chzyer/readline"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/sqlexec/sqlparse"
)

// lineReader is what the shell reads lines from: a terminal with line
// editing (readline), or a script of lines in tests. Readline returns
// errInterrupt for Ctrl-C and io.EOF for Ctrl-D.
type lineReader interface {
	Readline() (string, error)
	SetPrompt(prompt string)
	Close() error
}

// historySaver is a lineReader that keeps a history: the shell saves
// each whole statement, not each line of it.
type historySaver interface {
	SaveHistory(line string) error
}

var errInterrupt = readline.ErrInterrupt

// newTerminalReader returns a readline instance on the terminal, with its
// history in ~/.projstore_history (none if there is no home directory).
func newTerminalReader() (*readline.Instance, error) {
	hist := ""
	if home, err := os.UserHomeDir(); err == nil {
		hist = filepath.Join(home, ".projstore_history")
	}
	return readline.NewEx(&readline.Config{
		Prompt:                 "projstore> ",
		HistoryFile:            hist,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		InterruptPrompt:        "^C",
		EOFPrompt:              "",
	})
}

const replHelp = `Statements end with ';' and may span lines. Dot-commands:
  .help                  this list
  .tables                the tables and views
  .schema [TABLE]        their CREATE statements
  .at [POS]              query as of log position POS; .at alone: now
  .mode table|csv|json   how rows print
  .timer on|off          print each statement's run time
  .exit, .quit           leave (or Ctrl-D)
A past position in a query: SELECT * FROM t FOR SYSTEM_TIME AS OF OFFSET 3;
Ctrl-C cancels the line being typed, or stops the running statement.
`

// prompt is the shell's prompt: the position it reads at when not now.
func (ss *sqlSession) prompt(cont bool) string {
	p := "projstore"
	if ss.at.set {
		p += "@" + strconv.FormatUint(uint64(ss.at.pos), 10)
	}
	if cont {
		return strings.Repeat(" ", len(p)-3) + "...> "
	}
	return p + "> "
}

// repl is the interactive shell: it reads statements (until Complete) and
// dot-commands from rl, prints results, and prints errors and goes on.
func (ss *sqlSession) repl(rl lineReader) error {
	ro := ""
	if ss.readOnly {
		ro = " (read-only)"
	}
	fmt.Fprintf(ss.out, "projstore sql: applied position %d%s. Enter .help for help.\n", ss.store.AppliedPosition(), ro)
	// An interrupt while a statement runs stops that statement, not the
	// shell: statements run with a context of their own, which Ctrl-C
	// (SIGINT, as the terminal is not in raw mode then) cancels.
	base := context.WithoutCancel(ss.ctx)
	var buf strings.Builder
	for {
		rl.SetPrompt(ss.prompt(buf.Len() > 0))
		line, err := rl.Readline()
		if errors.Is(err, errInterrupt) {
			buf.Reset()
			continue
		}
		if err == io.EOF {
			if buf.Len() > 0 {
				fmt.Fprintln(ss.errOut, "Error: incomplete statement discarded (it needs a ';')")
			}
			return nil
		}
		if err != nil {
			return err
		}
		if buf.Len() == 0 {
			trimmed := strings.TrimSpace(line)
			if blankSQL(trimmed) {
				// nothing to run: a continuation prompt would only
				// puzzle (SQLite's shell also skips such lines)
				continue
			}
			if strings.HasPrefix(trimmed, ".") {
				ss.saveHistory(rl, trimmed)
				err := ss.dot(trimmed)
				if err == errExit {
					return nil
				}
				if err != nil {
					fmt.Fprintf(ss.errOut, "Error: %s\n", message(err))
				}
				continue
			}
		}
		buf.WriteString(line)
		buf.WriteByte('\n')
		src := buf.String()
		if !sqlparse.Complete(src) {
			continue
		}
		buf.Reset()
		ss.saveHistory(rl, historyEntry(src))
		if err := ss.runInteractive(base, src); err != nil {
			fmt.Fprintf(ss.errOut, "Error: %s\n", message(err))
		}
	}
}

// blankSQL reports whether line holds no statement at all: only spaces
// and closed comments. An unclosed comment or string is not blank: what
// follows on the next lines continues it.
func blankSQL(line string) bool {
	s := sqlparse.NewScript(line)
	if s.Next() || s.Err() != nil {
		return false
	}
	// the parser ends an unclosed /* comment at the end of its input, as
	// SQLite does; a ';' on the next line tells whether one is open
	return sqlparse.Complete(line + "\n;")
}

// historyEntry is a statement typed over several lines as one line, so
// that arrow-up brings it back whole (the history file has one entry a
// line): each line trimmed, joined with spaces.
func historyEntry(src string) string {
	lines := strings.Split(strings.TrimSpace(src), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, " ")
}

// runInteractive runs src with a context that an interrupt cancels.
func (ss *sqlSession) runInteractive(base context.Context, src string) error {
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt)
	ctx, cancel := context.WithCancel(base)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigc:
			// A statement that does not check its context would go on:
			// the next interrupt ends the process, as by default.
			signal.Stop(sigc)
			cancel()
			fmt.Fprintln(ss.errOut, "\nstopping the statement (Ctrl-C again ends projstore)")
		case <-done:
		}
	}()
	defer func() {
		close(done)
		signal.Stop(sigc)
		cancel()
	}()
	ss.ctx = ctx
	err := ss.runScript(src)
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	return err
}

func (ss *sqlSession) saveHistory(rl lineReader, s string) {
	if h, ok := rl.(historySaver); ok {
		h.SaveHistory(s) // history is a convenience: its errors are ignored
	}
}

// dot runs a dot-command; errExit ends the shell.
func (ss *sqlSession) dot(line string) error {
	f := strings.Fields(line)
	cmd, args := f[0], f[1:]
	want := func(n ...int) error {
		for _, m := range n {
			if len(args) == m {
				return nil
			}
		}
		return fmt.Errorf("usage: %s", dotUsage[cmd])
	}
	switch cmd {
	case ".exit", ".quit":
		return errExit
	case ".help":
		_, err := io.WriteString(ss.out, replHelp)
		return err
	case ".tables":
		if err := want(0); err != nil {
			return err
		}
		names, err := ss.tableNames()
		if err != nil {
			return err
		}
		if len(names) == 0 {
			// A store written by apply (the demo's, say) has tables that
			// SQL cannot see, having no schema: an empty list alone would
			// suggest an empty store.
			if n, err := ss.untypedTables(); err == nil && n > 0 {
				fmt.Fprintf(ss.errOut, "no SQL tables; the store has %s without a schema (read them with projstore tables, scan or get)\n", plural(n, "key-value table"))
			}
			return nil
		}
		_, err = fmt.Fprintln(ss.out, strings.Join(names, "  "))
		return err
	case ".schema":
		if err := want(0, 1); err != nil {
			return err
		}
		table := ""
		if len(args) == 1 {
			table = args[0]
		}
		stmts, err := ss.schema(table)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			fmt.Fprintln(ss.out, s)
		}
		return nil
	case ".at":
		if err := want(0, 1); err != nil {
			return err
		}
		if len(args) == 0 {
			ss.at, ss.asOf = positionFlag{}, nil
			return nil
		}
		n, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a log position", args[0])
		}
		return ss.setAt(batch.Offset(n))
	case ".mode":
		if err := want(0, 1); err != nil {
			return err
		}
		if len(args) == 0 {
			_, err := fmt.Fprintf(ss.out, "current output mode: %s\n", ss.mode)
			return err
		}
		switch args[0] {
		case formatTable, formatCSV, formatJSON:
			ss.mode = args[0]
			return nil
		}
		return fmt.Errorf("unknown mode %q (want table, csv or json)", args[0])
	case ".timer":
		if err := want(1); err != nil {
			return err
		}
		switch args[0] {
		case "on":
			ss.timer = true
		case "off":
			ss.timer = false
		default:
			return fmt.Errorf("usage: %s", dotUsage[cmd])
		}
		return nil
	}
	return fmt.Errorf("unknown command %s (.help lists them)", cmd)
}

var dotUsage = map[string]string{
	".tables": ".tables",
	".schema": ".schema [TABLE]",
	".at":     ".at [POS]",
	".mode":   ".mode table|csv|json",
	".timer":  ".timer on|off",
}
