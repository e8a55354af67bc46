package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
	// ExitInterrupted is the status of a command stopped by an interrupt
	// (SIGINT, Ctrl-C): 128 + the signal's number, as shells report it.
	ExitInterrupted = 130
)

// UsageError reports a command line that does not parse: Run exits with
// ExitUsage for it, and ExitFailure for any other error.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// env is what a command runs with.
type env struct {
	cmd    *command
	ctx    context.Context // cancelled by an interrupt
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// timeout is how long opening a store waits for another process to
	// let go of it (--timeout, on commands that open a store).
	timeout time.Duration
}

// command is one subcommand.
type command struct {
	name     string
	args     string // the synopsis after the name, flags last
	summary  string // one line for the command list
	help     string // paragraphs after the synopsis
	examples []string
	// opens says the command opens a store: it gets --timeout.
	opens bool
	// interruptible says the command checks its context between steps of
	// its long work, stopping cleanly when an interrupt cancels it.
	interruptible bool
	// setup defines the command's flags on fs and returns the function
	// that runs it with the positional arguments, once fs is parsed.
	setup func(fs *flag.FlagSet) runFunc
}

type runFunc func(e *env, args []string) error

// noFlags is the setup of a command without flags.
func noFlags(run runFunc) func(*flag.FlagSet) runFunc {
	return func(*flag.FlagSet) runFunc { return run }
}

var commands []*command

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// Run runs the command line args (without the program name) and returns
// the exit status. For a command that stops cleanly (its interruptible
// field), an interrupt (SIGINT) or SIGTERM cancels the command's context:
// it stops at its next step, says so, and Run returns ExitInterrupted.
// Any other command keeps the signals' default: the process ends at once,
// which is as safe (the store is crash-safe) and more prompt.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || lookup(args[0]) == nil || !lookup(args[0]).interruptible {
		return RunContext(context.Background(), args, stdin, stdout, stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first interrupt, the next one stops the process at
		// once: a command blocked reading a terminal would not notice.
		<-ctx.Done()
		stop()
	}()
	return RunContext(ctx, args, stdin, stdout, stderr)
}

// RunContext is Run with the context that stops the command: once ctx is
// done, the command stops at its next step and RunContext returns
// ExitInterrupted.
func RunContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeOverview(stderr)
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		writeOverview(stdout)
		return ExitOK
	case "-version", "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "projstore: unknown command %q (run 'projstore help' for the list)\n", name)
		return ExitUsage
	}
	e := &env{cmd: c, ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	run := c.define(fs, e)
	pos, err := parseFlags(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		writeUsage(stdout, c, fs)
		return ExitOK
	}
	if err == nil {
		err = run(e, pos)
	}
	if err == nil {
		return ExitOK
	}
	var ue *UsageError
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		msg := message(err)
		if !strings.Contains(msg, "interrupted") {
			msg = "interrupted: " + msg
		}
		fmt.Fprintf(stderr, "projstore: %s: %s\n", c.name, msg)
		return ExitInterrupted
	}
	if errors.As(err, &ue) || isFlagError(err) {
		fmt.Fprintf(stderr, "projstore: %s: %s (see 'projstore %s -h')\n", c.name, message(err), c.name)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "projstore: %s: %s\n", c.name, message(err))
	return ExitFailure
}

// flagError marks the errors of package flag, which are usage errors.
type flagError struct{ err error }

func (e *flagError) Error() string {
	msg := e.err.Error()
	if strings.HasPrefix(msg, "flag provided but not defined: -") {
		msg += " (an argument that starts with '-' goes after '--')"
	}
	return msg
}
func (e *flagError) Unwrap() error { return e.err }

func isFlagError(err error) bool {
	var fe *flagError
	return errors.As(err, &fe)
}

// define defines c's flags on fs, --timeout included when c opens a
// store, and returns the function that runs c.
func (c *command) define(fs *flag.FlagSet, e *env) runFunc {
	if c.opens {
		fs.DurationVar(&e.timeout, "timeout", 0, "wait up to `DURATION` (e.g. 5s) while another process holds the store (default 0: fail at once)")
	}
	return c.setup(fs)
}

// message is err on one line, without the "projstore: " prefixes the
// store's errors carry: the line already starts with it.
func message(err error) string {
	s := strings.ReplaceAll(err.Error(), "projstore: ", "")
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// parseFlags parses flags wherever they appear among the positional
// arguments, which package flag alone stops at. "--" ends the flags.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &flagError{err}
		}
		rest := fs.Args()
		used := len(args) - len(rest)
		if used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// wantArgs checks the number of positional arguments.
func wantArgs(args []string, min, max int) error {
	switch {
	case len(args) < min:
		return usagef("missing arguments: want %d, got %d", min, len(args))
	case max >= 0 && len(args) > max:
		return usagef("too many arguments: %q", strings.Join(args[max:], " "))
	}
	return nil
}

func writeOverview(w io.Writer) {
	fmt.Fprint(w, `projstore is an embedded projection store with MVCC: apply a log of write
batches in order, then read the state now or as of any earlier position.

Usage:
  projstore <command> [arguments] [flags]

Commands:
`)
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
Run 'projstore <command> -h' for a command's flags and examples.
Start with 'projstore demo'.
`)
}

func writeUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: projstore %s", c.name)
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprintf(w, "\n\n%s\n", strings.TrimSpace(c.help))
	if takesArgs(c) {
		fmt.Fprintf(w, "\n%s\n", dashNote)
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(w, "\nFlags:\n")
		tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
		fs.VisitAll(func(f *flag.Flag) {
			name, usage := flag.UnquoteUsage(f)
			arg := "--" + f.Name
			if len(f.Name) == 1 {
				arg = "-" + f.Name
			}
			if name != "" {
				arg += " " + name
			}
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(tw, "  %s\t%s\n", arg, usage)
		})
		tw.Flush()
	}
	if len(c.examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for _, ex := range c.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
}

// takesArgs reports whether c takes positional arguments (its synopsis
// does not start with a flag).
func takesArgs(c *command) bool { return c.args != "" && !strings.HasPrefix(c.args, "[--") }

// dashNote is the help's note on arguments that look like flags.
const dashNote = `Flags may come before, between or after the arguments. An argument that
starts with '-' (a key such as -1, or a file named -x) goes after '--',
which ends the flags: projstore get app.db 1 -- -1`

// helpCmd is defined here, with the list it prints; the list is built in
// init because help's own run refers to it.
var helpCmd = &command{
	name:    "help",
	args:    "[COMMAND]",
	summary: "show the list of commands, or one command's usage",
	help:    "Without an argument, list the commands; with one, show its usage, flags and examples.",
	examples: []string{
		"projstore help",
		"projstore help scan",
	},
	setup: noFlags(func(e *env, args []string) error {
		if err := wantArgs(args, 0, 1); err != nil {
			return err
		}
		if len(args) == 0 {
			writeOverview(e.stdout)
			return nil
		}
		c := lookup(args[0])
		if c == nil {
			return usagef("unknown command %q", args[0])
		}
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.define(fs, &env{})
		writeUsage(e.stdout, c, fs)
		return nil
	}),
}

func init() {
	commands = []*command{
		demoCmd, applyCmd, getCmd, scanCmd, keysCmd, historyCmd, tablesCmd,
		dumpCmd, backupCmd, compactCmd,
		checkCmd, statsCmd, pagesCmd, pageCmd, pruneCmd, recoverCmd,
		versionCmd, helpCmd, exportCmd, sqlCmd,
	}
}
