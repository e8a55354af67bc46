package sqlexec_test

import (
	"context"
	"errors"
	"testing"

	"github.com/projstore/projstore/sqlexec"
	"github.com/projstore/projstore/store"
)

// Two handles over one store that both build a transaction for the same
// position: the second COMMIT fails instead of passing as a replay whose
// rows vanish.
func TestRacingCommitsFailRatherThanVanish(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	a, b := sqlexec.Open(s), sqlexec.Open(s)
	if _, err := a.Exec(ctx, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	for _, db := range []*sqlexec.DB{a, b} {
		if _, err := db.Exec(ctx, "BEGIN"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Exec(ctx, "INSERT INTO t VALUES(1, 'a')"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(ctx, "INSERT INTO t VALUES(2, 'b')"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	_, err = b.Exec(ctx, "COMMIT")
	if !errors.Is(err, store.ErrNonSequentialBatch) {
		t.Fatalf("second COMMIT for the same position: %v (want an error matching ErrNonSequentialBatch)", err)
	}
	res, err := a.Query(ctx, "SELECT count(*) FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Rows[0][0]; got != int64(1) {
		t.Fatalf("rows after the refused commit: %v, want 1", got)
	}
	if s.AppliedPosition() != 2 {
		t.Fatalf("applied position %d, want 2", s.AppliedPosition())
	}
}
