package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/projstore/projstore/store"
)

func TestRun(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, nil, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "projstore ") {
		t.Fatalf("version: exit %d, %q, %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(nil, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "Commands:") {
		t.Fatalf("no arguments: exit %d, stderr %q", code, errb.String())
	}
}

// goTool finds the go command that runs the tests.
func goTool(t *testing.T) string {
	t.Helper()
	// go test puts $GOROOT/bin first on the tests' PATH.
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to build with: %v", err)
	}
	return p
}

// TestBinary builds the command and runs it as a user would: demo twice in
// a fresh directory (its default file lands there), then a read and a
// failure, checking output and exit statuses.
func TestBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "projstore")
	build := exec.Command(goTool(t), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	cmd := func(args ...string) (string, string, int) {
		t.Helper()
		c := exec.Command(bin, args...)
		c.Dir = work
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			return out.String(), errb.String(), exit.ExitCode()
		case err != nil:
			t.Fatal(err)
		}
		return out.String(), errb.String(), 0
	}

	out, errs, code := cmd("demo")
	if code != 0 || errs != "" || !strings.Contains(out, "applied positions 1..3000 in ") {
		t.Fatalf("first demo: exit %d, stderr %q\n%s", code, errs, out)
	}
	if _, err := os.Stat(filepath.Join(work, "projstore-demo.db")); err != nil {
		t.Fatalf("demo without an argument did not create projstore-demo.db: %v", err)
	}
	again, errs, code := cmd("demo")
	if code != 0 || errs != "" || !strings.Contains(again, "positions 1..3000 already applied: replaying them changed nothing") {
		t.Fatalf("second demo: exit %d, stderr %q\n%s", code, errs, again)
	}

	// The balance the tour shows at position 1 is what get reads there.
	var shown string
	for _, l := range strings.Split(again, "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "1" && f[1] == "2025-01-01" {
			shown = strings.ReplaceAll(f[2], ",", "")
		}
	}
	out, errs, code = cmd("get", "projstore-demo.db", "1", "acct-0007", "--at", "1")
	if code != 0 || errs != "" || shown == "" || out != shown+"\n" {
		t.Fatalf("get --at 1: exit %d, stderr %q, %q; the tour showed %q", code, errs, out, shown)
	}
	_, errs, code = cmd("get", "projstore-demo.db", "1", "acct-9999")
	if code != 1 || errs != "projstore: get: key \"acct-9999\" not found in table 1 at position 3000\n" {
		t.Fatalf("get of a missing key: exit %d, stderr %q", code, errs)
	}
	_, errs, code = cmd("scan", "projstore-demo.db", "1", "--bogus")
	if code != 2 || !strings.HasPrefix(errs, "projstore: scan: flag provided but not defined: -bogus") {
		t.Fatalf("bad flag: exit %d, stderr %q", code, errs)
	}

	// Another process (this one) holds the store: the command waits
	// --timeout, then says so.
	db := filepath.Join(work, "projstore-demo.db")
	holder, err := store.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, errs, code = cmd("get", "projstore-demo.db", "1", "acct-0007", "--timeout", "200ms")
	if code != 1 || errs != "projstore: get: open projstore-demo.db: another process holds the file (waited 200ms)\n" || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("get of a held store: exit %d after %v, stderr %q", code, time.Since(start), errs)
	}
	holder.Close()

	// An interrupt stops apply, which syncs what it applied and exits 130.
	c := exec.Command(bin, "apply", "sig.db", "-")
	c.Dir = work
	var errb bytes.Buffer
	c.Stderr = &errb
	in, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(in, `{"pos":1,"ops":[{"op":"put","table":1,"key":"k","value":"v"}]}`+"\n")
	// The command catches interrupts before it opens (creates) the store.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(work, "sig.db")); err == nil {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	c.Process.Signal(os.Interrupt)
	time.Sleep(300 * time.Millisecond)
	in.Close()
	err = c.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 || !strings.Contains(errb.String(), "projstore: apply: stdin: interrupted after line 1") {
		t.Fatalf("interrupted apply: %v, stderr %q", err, errb.String())
	}
	s, err := store.Open(filepath.Join(work, "sig.db"), &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.AppliedPosition() != 1 {
		t.Fatalf("interrupted apply kept position %d, want 1", s.AppliedPosition())
	}
}
