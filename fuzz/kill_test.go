package fuzz

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// The child writer is this test binary run with these variables set.
const (
	killPathEnv  = "PROJSTORE_KILL_PATH"  // the store file
	killSeedEnv  = "PROJSTORE_KILL_SEED"  // the workload
	killLimitEnv = "PROJSTORE_KILL_LIMIT" // batches to apply before exiting
	killKeys     = 400
)

// killWriter applies batches start+1, start+2, ... of the seed's workload
// with SyncEveryBatch, writing "ack p" to out once Apply(p) has returned,
// and stops after limit batches.
func killWriter(path string, seed uint64, limit int, out io.Writer) error {
	s, err := store.Open(path, &store.Options{SyncEveryBatch: true, CacheBytes: 64 * 4096})
	if err != nil {
		return err
	}
	start := s.AppliedPosition()
	fmt.Fprintf(out, "start %d\n", start)
	for p := start + 1; p <= start+batch.Offset(limit); p++ {
		if err := s.Apply(genBatch(seed, p, killKeys)); err != nil {
			s.Close()
			return fmt.Errorf("Apply(%d): %w", p, err)
		}
		fmt.Fprintf(out, "ack %d\n", p)
	}
	return s.Close()
}

// TestKillChild is the child writer of TestKill when PROJSTORE_KILL_PATH
// is set. Run directly, it runs the writer in-process for a few dozen
// batches and checks the store against the model: the control for the
// kill test, where nothing is killed and so nothing may be missing.
func TestKillChild(t *testing.T) {
	if path := os.Getenv(killPathEnv); path != "" {
		sd, err := strconv.ParseUint(os.Getenv(killSeedEnv), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", killSeedEnv, err)
		}
		limit, err := strconv.Atoi(os.Getenv(killLimitEnv))
		if err != nil {
			t.Fatalf("%s: %v", killLimitEnv, err)
		}
		if err := killWriter(path, sd, limit, os.Stdout); err != nil {
			t.Fatal(err)
		}
		return
	}
	sd := seed(t)
	path := filepath.Join(t.TempDir(), "db")
	var out bytes.Buffer
	if err := killWriter(path, sd, 30, &out); err != nil {
		t.Fatal(err)
	}
	if err := killWriter(path, sd, 10, &out); err != nil {
		t.Fatal(err)
	}
	acks, err := parseAcks(&out)
	if err != nil {
		t.Fatal(err)
	}
	if len(acks) != 40 || acks[len(acks)-1] != 40 {
		t.Fatalf("acknowledged %v, want 1..40", acks)
	}
	checkKilled(t, path, sd, NewModel(), 40)
}

// parseAcks returns the acknowledged positions in r, in order.
func parseAcks(r io.Reader) ([]batch.Offset, error) {
	var acks []batch.Offset
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			p, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return acks, fmt.Errorf("bad line %q", sc.Text())
			}
			acks = append(acks, batch.Offset(p))
		}
	}
	return acks, sc.Err()
}

// checkKilled reopens the store at path after the writer stopped with
// lastAck acknowledged: it must hold every acknowledged batch (and at most
// the one after, which may have been durable before its ack was printed),
// pass Check, and match the model. m is brought up to the recovered
// position and returned.
func checkKilled(t *testing.T, path string, sd uint64, m *Model, lastAck batch.Offset) *Model {
	t.Helper()
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatalf("seed %d: reopen after the writer was killed: %v", sd, err)
	}
	defer closeAfter(t, s)
	p := s.AppliedPosition()
	if p < lastAck || p > lastAck+1 {
		t.Fatalf("seed %d: reopened at position %d, last acknowledged %d (rerun with PROJSTORE_SEED=%d)", sd, p, lastAck, sd)
	}
	for m.Applied < p {
		if err := m.Apply(genBatch(sd, m.Applied+1, killKeys)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Check(); err != nil {
		t.Fatalf("seed %d: Check at %d: %v", sd, p, err)
	}
	if err := verifyCurrent(s, m); err != nil {
		t.Fatalf("seed %d: %v", sd, err)
	}
	q := batch.Offset(rand.Uint64N(uint64(p) + 1))
	if err := verifyScans(s, m, q); err != nil {
		t.Fatalf("seed %d: %v", sd, err)
	}
	return m
}

// TestKill runs the writer in a child process and kills it with SIGKILL at
// random moments, several rounds on the same file; after each, the
// reopened store must hold every batch the child acknowledged.
func TestKill(t *testing.T) {
	sd := seed(t)
	rounds := 4
	if long() {
		rounds = 25
	}
	path := filepath.Join(t.TempDir(), "db")
	r := rand.New(rand.NewPCG(sd, 1))
	m := NewModel()
	for round := range rounds {
		lastAck, killed := killRound(t, path, sd, r)
		m = checkKilled(t, path, sd, m, lastAck)
		t.Logf("round %d: last acknowledged %d, reopened at %d (killed mid-run: %v)", round, lastAck, m.Applied, killed)
	}
}

// killRound starts the child, lets it acknowledge a random number of
// batches, waits a random moment more, kills it, and returns the last
// position it acknowledged.
func killRound(t *testing.T, path string, sd uint64, r *rand.Rand) (lastAck batch.Offset, killed bool) {
	t.Helper()
	const limit = 100000 // a child whose parent vanished stops eventually
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killPathEnv+"="+path,
		killSeedEnv+"="+strconv.FormatUint(sd, 10), killLimitEnv+"="+strconv.Itoa(limit))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	wantAcks := r.IntN(200)
	started, acks := false, 0
	note := func(line string) {
		if v, ok := strings.CutPrefix(line, "ack "); ok {
			p, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				t.Fatalf("child printed %q", line)
			}
			lastAck = batch.Offset(p)
			acks++
		}
		if strings.HasPrefix(line, "start ") {
			started = true
			if _, err := fmt.Sscanf(line, "start %d", &lastAck); err != nil {
				t.Fatalf("child printed %q", line)
			}
		}
	}
	for line := range lines {
		note(line)
		if started && acks >= wantAcks {
			break
		}
	}
	// A random moment more: mid-Apply, mid-fdatasync, or between batches.
	time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
	killErr := cmd.Process.Signal(syscall.SIGKILL)
	for line := range lines { // acks printed before the kill still count
		note(line)
	}
	err = cmd.Wait()
	if !started {
		t.Fatalf("child never opened the store: %v\n%s", err, stderr.String())
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	killed = killErr == nil && ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
	if !killed && err != nil {
		t.Fatalf("child failed: %v\n%s", err, stderr.String())
	}
	return lastAck, killed
}
