package column

import (
	"context"
	"errors"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// ddlLog is a short log of DDL and rows: table t (position 1), an index
// and a view (2), t dropped and made again under the same name (3).
func ddlLog(t *testing.T, s *store.Store) {
	t.Helper()
	def := &Table{Name: "t", Columns: []Column{{Name: "k", Type: Text, DeclType: "TEXT"}, {Name: "v", Type: Integer, DeclType: "INT"}}, PrimaryKey: []int{0}}
	apply(t, s, func(tx *Tx) {
		ok[*Table](t)(tx.CreateTable(def))
		ok[[]Value](t)(tx.Insert("t", nil, []Value{MakeText("a"), MakeInt(1)}))
	})
	apply(t, s, func(tx *Tx) {
		ok[*Index](t)(tx.CreateIndex(context.Background(), &Index{Name: "t_v", Table: "T", Columns: []string{"v"}}))
		if err := tx.CreateView(&View{Name: "big", SQL: "SELECT k FROM t WHERE v > 0"}); err != nil {
			t.Fatal(err)
		}
		if err := tx.CreateView(&View{Name: "T_V", SQL: "SELECT 1"}); !errors.Is(err, ErrExists) {
			t.Fatalf("a view named like an index: %v", err)
		}
	})
	apply(t, s, func(tx *Tx) {
		if err := tx.DropTable("t"); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Get("t", []Value{MakeText("a")}, nil); !errors.Is(err, ErrNoTable) {
			t.Fatalf("get after a drop in the batch: %v", err)
		}
		ok[*Table](t)(tx.CreateTable(def))
		ok[[]Value](t)(tx.Insert("t", nil, []Value{MakeText("b"), MakeInt(2)}))
		if err := tx.DropView("big"); err != nil {
			t.Fatal(err)
		}
		if err := tx.DropIndex("t_v"); !errors.Is(err, ErrNoIndex) {
			t.Fatalf("drop of an index dropped with its table: %v", err)
		}
	})
}

// TestDDL: the catalog at each position is the one reads at that position
// use; a dropped table stays readable before its drop; a table made again
// under the same name gets a new id; ids come from the catalog, so two
// stores applying the same log agree to the digest.
func TestDDL(t *testing.T) {
	s1, _ := store.OpenMemory(nil)
	defer s1.Close()
	ddlLog(t, s1)
	at := func(p batch.Offset) *Tx {
		snap, err := s1.Snapshot(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { snap.Close() })
		return NewTx(snap, nil)
	}
	rows := func(tx *Tx, opts *ScanOptions) string {
		sc, err := tx.Scan(context.Background(), "t", opts)
		if err != nil {
			t.Fatal(err)
		}
		return tupleRows(t, sc)
	}
	if got := rows(at(1), nil); got != "('a', 1)" {
		t.Fatalf("t at 1: %s", got)
	}
	if got := rows(at(2), &ScanOptions{Index: "t_v", Columns: []string{"v", "k"}}); got != "(1, 'a')" {
		t.Fatalf("index scan at 2: %s", got)
	}
	if _, err := at(1).Scan(context.Background(), "t", &ScanOptions{Index: "t_v"}); !errors.Is(err, ErrNoIndex) {
		t.Fatalf("index scan before the index: %v", err)
	}
	if got := rows(at(3), nil); got != "('b', 2)" {
		t.Fatalf("t at 3: %s", got)
	}
	c1, _ := at(1).Catalog()
	c3, _ := at(3).Catalog()
	t1, _ := c1.Table("t")
	t3, _ := c3.Table("T")
	if t1.ID == t3.ID || t1.ID < FirstUserID || t3.ID < FirstUserID {
		t.Fatalf("ids %d and %d", t1.ID, t3.ID)
	}
	c2, _ := at(2).Catalog()
	if v, err := c2.View("BIG"); err != nil || v.SQL != "SELECT k FROM t WHERE v > 0" || len(c2.Views()) != 1 {
		t.Fatalf("view at 2: %v %v", v, err)
	}
	if _, err := c3.View("big"); !errors.Is(err, ErrNoView) || len(c3.Views()) != 0 {
		t.Fatalf("view at 3: %v", err)
	}
	if xs, _ := c2.Indexes("t"); len(xs) != 1 || xs[0].Name != "t_v" {
		t.Fatalf("indexes at 2: %v", xs)
	}
	if ts := c3.Tables(); len(ts) != 1 || ts[0].Name != "t" {
		t.Fatalf("tables at 3: %v", ts)
	}
	if _, err := at(0).Catalog(); err != nil {
		t.Fatalf("empty catalog: %v", err)
	}
	// A replica applying the same log agrees.
	s2, _ := store.OpenMemory(nil)
	defer s2.Close()
	ddlLog(t, s2)
	if s1.AppliedDigest() != s2.AppliedDigest() {
		t.Fatal("two stores applying the same DDL disagree")
	}
}

// TestScanContext: a scan stops with the context's error.
func TestScanContext(t *testing.T) {
	s, _ := store.OpenMemory(nil)
	defer s.Close()
	apply(t, s, func(tx *Tx) {
		ok[*Table](t)(tx.CreateTable(&Table{Name: "t", Columns: []Column{{Name: "a", Type: Integer, DeclType: "INT"}}}))
		for i := 0; i < 100; i++ {
			ok[[]Value](t)(tx.Insert("t", nil, []Value{MakeInt(int64(i))}))
		}
	})
	snap, _ := s.Snapshot(1)
	defer snap.Close()
	ctx, cancel := context.WithCancel(context.Background())
	sc, err := NewTx(snap, nil).Scan(ctx, "t", &ScanOptions{BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Release()
	if !sc.Next() {
		t.Fatal(sc.Err())
	}
	cancel()
	for sc.Next() {
	}
	if !errors.Is(sc.Err(), context.Canceled) {
		t.Fatalf("scan after cancel: %v", sc.Err())
	}
}

// TestTriggerCatalog: triggers are stored by name in a namespace of their
// own, read back at each position, and dropped with their table.
func TestTriggerCatalog(t *testing.T) {
	s, _ := store.OpenMemory(nil)
	defer s.Close()
	def := &Table{Name: "t", Columns: []Column{{Name: "k", Type: Integer, DeclType: "INTEGER"}}, PrimaryKey: []int{0}}
	sql := "CREATE TRIGGER t AFTER INSERT ON t BEGIN SELECT 1; END"
	apply(t, s, func(tx *Tx) {
		ok[*Table](t)(tx.CreateTable(def))
		if err := tx.CreateTrigger(&Trigger{Name: "t", Table: "T", SQL: sql}); err != nil {
			t.Fatalf("a trigger named like its table: %v", err)
		}
		if err := tx.CreateTrigger(&Trigger{Name: "T", Table: "t", SQL: sql}); !errors.Is(err, ErrExists) {
			t.Fatalf("a second trigger of the same name: %v", err)
		}
		if err := tx.CreateTrigger(&Trigger{Name: "u", Table: "nope", SQL: sql}); !errors.Is(err, ErrNoTable) {
			t.Fatalf("a trigger on a missing table: %v", err)
		}
		if err := tx.CreateTrigger(&Trigger{Name: "u", Table: "t"}); !errors.Is(err, ErrEmptyName) {
			t.Fatalf("a trigger without SQL: %v", err)
		}
		if err := tx.CreateTrigger(nil); !errors.Is(err, ErrBadArgument) {
			t.Fatalf("a nil trigger: %v", err)
		}
	})
	apply(t, s, func(tx *Tx) {
		if err := tx.DropTable("t"); err != nil {
			t.Fatal(err)
		}
		if err := tx.DropTrigger("t"); !errors.Is(err, ErrNoTrigger) {
			t.Fatalf("drop of a trigger dropped with its table: %v", err)
		}
	})
	for pos, want := range map[batch.Offset]int{1: 1, 2: 0} {
		snap, err := s.Snapshot(pos)
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewTx(snap, nil).Catalog()
		snap.Close()
		if err != nil {
			t.Fatal(err)
		}
		trs := c.Triggers("T")
		if len(trs) != want {
			t.Fatalf("at %d: %d triggers, want %d", pos, len(trs), want)
		}
		if want == 1 {
			if x, err := c.Trigger("T"); err != nil || x.SQL != sql || x.Table != "t" {
				t.Fatalf("at %d: trigger %+v, %v", pos, x, err)
			}
		}
	}
	var x Trigger
	for _, b := range [][]byte{nil, {'R'}, {'R', 1, 1, 'a'}, {'R', 2, 1, 'a', 1, 't', 1, 's'}, {'R', 1, 1, 'a', 1, 't', 1, 's', 0}} {
		if err := x.UnmarshalBinary(b); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("UnmarshalBinary(%q): %v", b, err)
		}
	}
}
