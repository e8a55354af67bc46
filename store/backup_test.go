package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
	"github.com/projstore/projstore/vfs"
)

// churn applies n batches of puts, deletes, overwrites and a drop over three
// tables, with values large enough for overflow now and then.
func churn(t *testing.T, s *store.Store, n int, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	for range n {
		b := batch.New(s.AppliedPosition() + 1)
		for range 1 + r.IntN(20) {
			tid := batch.TableID(1 + r.IntN(3))
			key := []byte(fmt.Sprintf("k%04d", r.IntN(300)))
			switch x := r.IntN(100); {
			case x < 2:
				b.DropTable(tid)
			case x < 20:
				b.Delete(tid, key)
			case x < 23:
				b.Put(tid, key, pattern(5000+r.IntN(9000), r.Uint64()))
			default:
				b.Put(tid, key, pattern(r.IntN(120), r.Uint64()))
			}
		}
		must(t, s.Apply(b))
	}
}

// closeSome applies a batch that overwrites and deletes existing rows, so
// some versions close at the applied position itself.
func closeSome(t *testing.T, s *store.Store) {
	t.Helper()
	b := batch.New(s.AppliedPosition() + 1)
	for tid := batch.TableID(1); tid <= 3; tid++ {
		rows, err := s.Scan(tid, nil, nil, 0)
		must(t, err)
		for i, kv := range rows {
			if i%2 == 0 {
				b.Put(tid, kv.Key, []byte("last"))
			} else {
				b.Delete(tid, kv.Key)
			}
		}
	}
	must(t, s.Apply(b))
}

// sameAt compares every table of a and b at pos.
func sameAt(t *testing.T, a, b *store.Store, pos batch.Offset) {
	t.Helper()
	for tid := batch.TableID(1); tid <= 3; tid++ {
		x, err := a.ScanAt(tid, nil, nil, 0, pos)
		must(t, err)
		y, err := b.ScanAt(tid, nil, nil, 0, pos)
		must(t, err)
		if len(x) != len(y) {
			t.Fatalf("table %d at %d: %d rows, copy has %d", tid, pos, len(x), len(y))
		}
		for i := range x {
			if !bytes.Equal(x[i].Key, y[i].Key) || !bytes.Equal(x[i].Value, y[i].Value) {
				t.Fatalf("table %d at %d: row %d differs (%q vs %q)", tid, pos, i, x[i].Key, y[i].Key)
			}
		}
	}
}

func TestBackupCompactsAndKeepsHistory(t *testing.T) {
	fsys := vfs.NewMem()
	s := openMem(t, fsys, nil)
	defer s.Close()
	churn(t, s, 400, 7)
	must(t, s.Prune(100))
	closeSome(t, s)
	must(t, s.Sync())
	v, err := s.Snapshot(s.AppliedPosition())
	must(t, err)
	defer v.Close()
	must(t, v.Backup(context.Background(), "copy", &store.BackupOptions{FS: fsys}))
	c, err := store.Open("copy", &store.Options{FS: fsys})
	must(t, err)
	defer c.Close()
	must(t, c.Check())
	if c.AppliedPosition() != s.AppliedPosition() || c.AppliedDigest() != s.AppliedDigest() || c.Horizon() != s.Horizon() {
		t.Fatalf("copy at %d/%x/%d, source %d/%x/%d", c.AppliedPosition(), c.AppliedDigest(), c.Horizon(),
			s.AppliedPosition(), s.AppliedDigest(), s.Horizon())
	}
	for pos := s.Horizon(); pos <= s.AppliedPosition(); pos++ {
		sameAt(t, s, c, pos)
	}
	src, err := s.Stats()
	must(t, err)
	dst, err := c.Stats()
	must(t, err)
	if dst.FileBytes >= src.FileBytes || dst.Rows != src.Rows || dst.Versions != src.Versions {
		t.Fatalf("copy: %d bytes, %d rows, %d versions; source %d, %d, %d", dst.FileBytes, dst.Rows, dst.Versions, src.FileBytes, src.Rows, src.Versions)
	}
	t.Logf("source %d bytes, copy %d", src.FileBytes, dst.FileBytes)
	if err := v.Backup(context.Background(), "copy", &store.BackupOptions{FS: fsys}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("Backup over an existing file: %v", err)
	}
}

// A backup taken while a writer applies and prunes equals the source at the
// snapshot's position, at every position it keeps.
func TestBackupUnderWriter(t *testing.T) {
	fsys := vfs.NewMem()
	s := openMem(t, fsys, nil)
	defer s.Close()
	churn(t, s, 200, 3)
	v, err := s.Snapshot(s.AppliedPosition())
	must(t, err)
	horizon := s.Horizon()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			churn(t, s, 1, uint64(100+i))
			if i%10 == 0 {
				if err := s.Prune(s.AppliedPosition() - 5); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	err = v.Backup(context.Background(), "copy", &store.BackupOptions{FS: fsys})
	close(stop)
	wg.Wait()
	must(t, err)
	c, err := store.Open("copy", &store.Options{FS: fsys, ReadOnly: true})
	must(t, err)
	defer c.Close()
	must(t, c.Check())
	// The copy keeps what the source kept when Backup began: the writer
	// may have pruned between the snapshot and then.
	if c.AppliedPosition() != v.Position() || c.Horizon() < horizon || c.Horizon() > v.Position() {
		t.Fatalf("copy at %d (horizon %d), snapshot at %d (horizon %d then)", c.AppliedPosition(), c.Horizon(), v.Position(), horizon)
	}
	for pos := c.Horizon(); pos <= v.Position(); pos += 7 {
		sameAt(t, s, c, pos)
	}
	must(t, v.Close())
}

func TestBackupRefusesNonEmptyAndStops(t *testing.T) {
	fsys := vfs.NewMem()
	s := openMem(t, fsys, nil)
	defer s.Close()
	churn(t, s, 50, 9)
	v, err := s.Snapshot(s.AppliedPosition())
	must(t, err)
	defer v.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := v.Backup(ctx, "stopped", &store.BackupOptions{FS: fsys}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Backup: %v", err)
	}
	if err := v.Backup(context.Background(), "db", &store.BackupOptions{FS: fsys}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("Backup over the source store: %v", err)
	}
}
