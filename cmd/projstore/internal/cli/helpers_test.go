package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/logfile"
	"github.com/projstore/projstore/store"
)

// result is what one in-process run of the command printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the command line in-process with stdin as its input.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, strings.NewReader(stdin), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// ok fails the test unless the run succeeded.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != ExitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}
	return r
}

// fails fails the test unless the run exited with code and printed one
// error line to stderr, prefixed by the command, containing want.
func (r result) fails(t *testing.T, code int, cmd, want string) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d; stderr %q; stdout:\n%s", r.code, code, r.stderr, r.stdout)
	}
	prefix := "projstore: " + cmd + ": "
	if cmd == "" {
		prefix = "projstore: "
	}
	if !strings.HasPrefix(r.stderr, prefix) || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Fatalf("stderr is not one line starting %q: %q", prefix, r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Fatalf("stderr %q does not say %q", r.stderr, want)
	}
	return r
}

// says fails the test unless stdout holds every one of wants.
func (r result) says(t *testing.T, wants ...string) result {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.stdout, w) {
			t.Fatalf("stdout does not say %q:\n%s", w, r.stdout)
		}
	}
	return r
}

// smallBank is a quick version of the demo's log.
var smallBank = bankConfig{batches: 300, perDay: 30, accounts: 40, keepDays: 3, featured: "acct-0007", seed: 7}

// bankLog returns the first n batches of cfg's log and the bank after them.
func bankLog(cfg bankConfig, n int) ([]*batch.WriteBatch, *bank) {
	k := newBank(cfg)
	var out []*batch.WriteBatch
	for pos := 1; pos <= n; pos++ {
		out = append(out, k.next(batch.Offset(pos)))
	}
	return out, k
}

// jsonLog writes bs as a JSON Lines file and returns its path.
func jsonLog(t *testing.T, bs []*batch.WriteBatch) string {
	t.Helper()
	var buf []byte
	for _, b := range bs {
		var err error
		if buf, err = logfile.AppendJSON(buf, b); err != nil {
			t.Fatal(err)
		}
	}
	return writeFile(t, "log.jsonl", buf)
}

// binaryLog returns bs as a binary log.
func binaryLog(t *testing.T, bs []*batch.WriteBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := logfile.NewWriter(&buf)
	for _, b := range bs {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func dbPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "test.db")
}

// open opens the store at path read-only for a test to look at; it is
// closed when the test ends, or earlier by the caller.
func open(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkBank fails the test unless the store at path holds the accounts and
// transfers of k.
func checkBank(t *testing.T, path string, k *bank) {
	t.Helper()
	s, err := store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.Scan(accountsTable, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(k.balances) {
		t.Fatalf("store holds %d accounts, the bank %d", len(rows), len(k.balances))
	}
	for _, kv := range rows {
		c, ok := k.balances[string(kv.Key)]
		if !ok || string(kv.Value) != cents(c) {
			t.Fatalf("account %s: store %q, bank %q (open %v)", kv.Key, kv.Value, cents(c), ok)
		}
	}
	txs, err := s.Scan(transfersTable, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != k.transfers-k.archived {
		t.Fatalf("store holds %d transfers, the bank kept %d", len(txs), k.transfers-k.archived)
	}
}

// lines splits output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
