package column

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// badFixture: table "acct" (id INTEGER PRIMARY KEY, owner TEXT NOT NULL,
// email TEXT with a unique index, n INT) with two rows at position 1, and
// table "later" created at position 2.
func badFixture(t *testing.T) *store.Store {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	apply(t, s, func(tx *Tx) {
		ok[*Table](t)(tx.CreateTable(&Table{Name: "acct", Columns: []Column{
			{Name: "id", Type: Integer, DeclType: "INTEGER"},
			{Name: "owner", Type: Text, DeclType: "TEXT", NotNull: true},
			{Name: "email", Type: Text, DeclType: "TEXT"},
			{Name: "n", Type: Integer, DeclType: "INT"},
		}, PrimaryKey: []int{0}}))
		ok[*Index](t)(tx.CreateIndex(context.Background(), &Index{Name: "by_email", Table: "acct", Columns: []string{"email"}, Unique: true}))
		ok[[]Value](t)(tx.Insert("acct", nil, []Value{MakeInt(1), MakeText("ann"), MakeText("a@x"), MakeInt(5)}))
		ok[[]Value](t)(tx.Insert("acct", nil, []Value{MakeInt(2), MakeText("bob"), MakeText("b@x"), MakeInt(6)}))
		ok[*Table](t)(tx.CreateTable(&Table{Name: "kv", Columns: []Column{{Name: "k", Type: Text, DeclType: "TEXT"}, {Name: "v", Type: Any}}, PrimaryKey: []int{0}}))
	})
	apply(t, s, func(tx *Tx) {
		ok[*Table](t)(tx.CreateTable(&Table{Name: "later", Columns: []Column{{Name: "a", Type: Integer, DeclType: "INTEGER"}}}))
	})
	return s
}

// TestBadInput: every bad write is a clear, typed error naming the table
// (and column or index), and leaves the batch exactly as it was; bad
// reads are clear errors too.
func TestBadInput(t *testing.T) {
	s := badFixture(t)
	snap, _ := s.Snapshot(2)
	defer snap.Close()
	b := batch.New(3)
	tx := NewTx(snap, b)
	// An earlier good write in the same batch, which a failing one must keep.
	ok[[]Value](t)(tx.Insert("acct", []string{"owner", "email"}, []Value{MakeText("cy"), MakeText("c@x")}))
	long := MakeText(strings.Repeat("k", 2000))
	cases := []struct {
		name   string
		write  func() error
		want   error
		table  string
		column string
		says   string
	}{
		{"unknown table", func() error { _, err := tx.Insert("nope", nil, []Value{MakeInt(1)}); return err }, ErrNoTable, "nope", "", `table "nope": no such table at position 2`},
		{"unknown column", func() error {
			_, err := tx.Insert("acct", []string{"owner", "colour"}, []Value{MakeText("x"), MakeInt(1)})
			return err
		}, ErrUnknownColumn, "acct", "colour", `column "colour": unknown column`},
		{"duplicate key", func() error {
			_, err := tx.Insert("acct", nil, []Value{MakeInt(2), MakeText("x"), Value{}, Value{}})
			return err
		}, ErrDuplicateKey, "acct", "id", "duplicate primary key: key (2) exists"},
		{"duplicate key from the batch", func() error {
			_, err := tx.Insert("acct", []string{"id", "owner"}, []Value{MakeInt(3), MakeText("x")})
			return err
		}, ErrDuplicateKey, "acct", "id", "(3) exists"},
		{"not null", func() error { _, err := tx.Insert("acct", []string{"email"}, []Value{MakeText("z@x")}); return err }, ErrNotNull, "acct", "owner", "NOT NULL constraint failed"},
		{"not null by update", func() error { return tx.Update("acct", []Value{MakeInt(1)}, []string{"owner"}, []Value{{}}) }, ErrNotNull, "acct", "owner", ""},
		{"unique", func() error {
			_, err := tx.Insert("acct", []string{"owner", "email"}, []Value{MakeText("x"), MakeText("b@x")})
			return err
		}, ErrUnique, "acct", "email", `index "by_email", column "email": UNIQUE constraint failed: ('b@x') exists`},
		{"unique against the batch", func() error {
			return tx.Update("acct", []Value{MakeInt(1)}, []string{"email"}, []Value{MakeText("c@x")})
		}, ErrUnique, "acct", "email", ""},
		{"rowid not an integer", func() error {
			_, err := tx.Insert("acct", []string{"id", "owner"}, []Value{MakeText("abc"), MakeText("x")})
			return err
		}, ErrType, "acct", "id", "datatype mismatch"},
		{"key too large", func() error { _, err := tx.Insert("kv", nil, []Value{long, MakeInt(1)}); return err }, ErrTooLarge, "kv", "", "primary key of"},
		{"value count", func() error { _, err := tx.Insert("acct", nil, []Value{MakeInt(9)}); return err }, ErrBadArgument, "acct", "", "1 values for 4 columns"},
		{"column twice", func() error {
			_, err := tx.Insert("acct", []string{"owner", "OWNER"}, []Value{MakeText("x"), MakeText("y")})
			return err
		}, ErrBadArgument, "acct", "owner", "column given twice"},
		{"update missing row", func() error { return tx.Update("acct", []Value{MakeInt(99)}, []string{"n"}, []Value{MakeInt(1)}) }, ErrNotFound, "acct", "", "no row with this primary key: key (99)"},
		{"update onto another key", func() error { return tx.Update("acct", []Value{MakeInt(1)}, []string{"id"}, []Value{MakeInt(2)}) }, ErrDuplicateKey, "acct", "id", ""},
		{"key arity", func() error { _, err := tx.Delete("acct", []Value{MakeInt(1), MakeInt(2)}); return err }, ErrBadArgument, "acct", "", "key of 2 values"},
		{"create existing table", func() error {
			_, err := tx.CreateTable(&Table{Name: "ACCT", Columns: []Column{{Name: "a", Type: Integer}}})
			return err
		}, ErrExists, "ACCT", "", "a table has this name"},
		{"add NOT NULL column without default", func() error { return tx.AddColumn("acct", Column{Name: "z", Type: Integer, NotNull: true}) }, ErrNotNull, "acct", "z", "needs a non-NULL default"},
		{"unique index over repeated values", func() error {
			_, err := tx.CreateIndex(context.Background(), &Index{Name: "by_n", Table: "acct", Columns: []string{"owner", "n"}, Unique: true})
			if err != nil {
				return err
			}
			_, err = tx.CreateIndex(context.Background(), &Index{Name: "by_n2", Table: "kv", Columns: []string{"k", "nope"}})
			return err
		}, ErrUnknownColumn, "", "nope", ""},
		{"drop missing table", func() error { return tx.DropTable("nope") }, ErrNoTable, "nope", "", ""},
	}
	for _, c := range cases {
		before := cloneBatch(b)
		err := c.write()
		if c.name == "unique index over repeated values" {
			// The first index succeeded (no repeats): only the second failed.
			before = cloneBatch(b)
			_, err = tx.CreateIndex(context.Background(), &Index{Name: "by_n2", Table: "kv", Columns: []string{"k", "nope"}})
			var se *SchemaError
			if !errors.As(err, &se) || !errors.Is(err, ErrUnknownColumn) || se.Column != "nope" {
				t.Fatalf("%s: %v", c.name, err)
			}
		} else {
			if !errors.Is(err, c.want) {
				t.Fatalf("%s: error %v, want %v", c.name, err, c.want)
			}
			var te *TableError
			if !errors.As(err, &te) || te.Table != c.table || te.Column != c.column {
				t.Fatalf("%s: %#v, want table %q column %q", c.name, err, c.table, c.column)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Fatalf("%s: %q does not say %q", c.name, err, c.says)
			}
		}
		if !reflect.DeepEqual(before, cloneBatch(b)) {
			t.Fatalf("%s changed the batch", c.name)
		}
	}
	// A unique index over values that repeat fails and leaves the batch.
	before := cloneBatch(b)
	ok[[]Value](t)(tx.Insert("acct", []string{"owner", "n"}, []Value{MakeText("ann"), MakeInt(7)}))
	mid := cloneBatch(b)
	_, err := tx.CreateIndex(context.Background(), &Index{Name: "dup", Table: "acct", Columns: []string{"owner"}, Unique: true})
	if !errors.Is(err, ErrUnique) || !reflect.DeepEqual(mid, cloneBatch(b)) {
		t.Fatalf("unique index over repeats: %v", err)
	}
	_ = before

	// A read-only Tx refuses writes.
	ro := NewTx(snap, nil)
	if _, err := ro.Insert("acct", nil, nil); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write through a read-only Tx: %v", err)
	}
	// Reads: a table that does not exist yet at the position, unknown
	// columns and indexes, bad bounds and operators.
	old, _ := s.Snapshot(1)
	defer old.Close()
	otx := NewTx(old, nil)
	if _, err := otx.Scan(context.Background(), "later", nil); !errors.Is(err, ErrNoTable) || !strings.Contains(err.Error(), `table "later": no such table at position 1`) {
		t.Fatalf("scan before the table exists: %v", err)
	}
	if _, err := otx.Get("later", []Value{MakeInt(1)}, nil); !errors.Is(err, ErrNoTable) {
		t.Fatalf("get before the table exists: %v", err)
	}
	for _, o := range []*ScanOptions{
		{Columns: []string{"id", "nope"}},
		{Filters: []Filter{{Column: "nope", Op: Eq, Value: MakeInt(1)}}},
		{Index: "nope"},
		{Index: "by_n"}, // on another table... created in the batch, on acct: fine below
		{Lower: &Bound{Values: []Value{MakeInt(1), MakeInt(2)}}},
		{Filters: []Filter{{Column: "n", Op: Op(42), Value: MakeInt(1)}}},
	} {
		sc, err := tx.Scan(context.Background(), "kv", o)
		if err == nil {
			sc.Release()
			t.Fatalf("scan %+v: no error", o)
		}
		var te *TableError
		if !errors.As(err, &te) {
			t.Fatalf("scan %+v: %v is not a *TableError", o, err)
		}
	}
	if _, err := tx.Get("acct", []Value{MakeInt(77)}, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get of a missing row: %v", err)
	}
	// Nothing panics on an empty key or a zero Value.
	if _, err := tx.Get("acct", nil, nil); !errors.Is(err, ErrBadArgument) {
		t.Fatalf("get without a key: %v", err)
	}
	if _, err := tx.Insert("acct", []string{"owner"}, []Value{{typ: Any}}); !errors.Is(err, ErrType) {
		t.Fatalf("insert of an ANY value: %v", err)
	}
}

func cloneBatch(b *batch.WriteBatch) *batch.WriteBatch {
	c := &batch.WriteBatch{Position: b.Position}
	for _, op := range b.Ops {
		c.Ops = append(c.Ops, batch.WriteOp{Kind: op.Kind, Table: op.Table, Key: append([]byte(nil), op.Key...), Value: append([]byte(nil), op.Value...)})
	}
	return c
}

// TestReadYourWrites: inside one batch, reads see earlier ops (a table
// created, rows inserted, updated, deleted, an index built), and the
// applied batch reads the same.
func TestReadYourWrites(t *testing.T) {
	s, _ := store.OpenMemory(nil)
	defer s.Close()
	snap, _ := s.Snapshot(0)
	b := batch.New(1)
	tx := NewTx(snap, b)
	ok[*Table](t)(tx.CreateTable(&Table{Name: "t", Columns: []Column{{Name: "a", Type: Text, DeclType: "TEXT"}, {Name: "b", Type: Integer, DeclType: "INTEGER"}}}))
	for i, name := range []string{"x", "y", "z", "w"} {
		k := ok2(t)(tx.Insert("t", nil, []Value{MakeText(name), MakeInt(int64(i))}))
		if k[0].Int() != int64(i+1) {
			t.Fatalf("rowid %v, want %d", k, i+1)
		}
	}
	if err := tx.Update("t", []Value{MakeInt(2)}, []string{"b"}, []Value{MakeText("40")}); err != nil {
		t.Fatal(err)
	}
	if found, err := tx.Delete("t", []Value{MakeInt(4)}); !found || err != nil {
		t.Fatal(found, err)
	}
	// The deleted max rowid is reused, as SQLite does.
	if k := ok2(t)(tx.Insert("t", []string{"a"}, []Value{MakeText("v")})); k[0].Int() != 4 {
		t.Fatalf("rowid after deleting the max: %v", k)
	}
	ok[*Index](t)(tx.CreateIndex(context.Background(), &Index{Name: "ix", Table: "t", Columns: []string{"b"}}))
	check := func(tx *Tx) {
		sc, err := tx.Scan(context.Background(), "t", &ScanOptions{Columns: []string{"rowid", "a", "b"}})
		if err != nil {
			t.Fatal(err)
		}
		got := tupleRows(t, sc)
		if got != "(1, 'x', 0) (2, 'y', 40) (3, 'z', 2) (4, 'v', NULL)" {
			t.Fatalf("scan: %s", got)
		}
		sc, err = tx.Scan(context.Background(), "t", &ScanOptions{Index: "ix", Columns: []string{"a"}, Lower: &Bound{Values: []Value{MakeInt(1)}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := tupleRows(t, sc); got != "('z') ('y')" {
			t.Fatalf("index scan: %s", got)
		}
		v, err := tx.Get("t", []Value{MakeText("2")}, []string{"b", "a"})
		if err != nil || tupleString(v) != "(40, 'y')" {
			t.Fatalf("get: %v %v", v, err)
		}
	}
	check(tx)
	snap.Close()
	if err := s.Apply(b); err != nil {
		t.Fatal(err)
	}
	snap, _ = s.Snapshot(1)
	defer snap.Close()
	check(NewTx(snap, nil))
}

func ok2(t testing.TB) func([]Value, error) []Value {
	return func(v []Value, err error) []Value {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func tupleRows(t *testing.T, sc *Scanner) string {
	defer sc.Release()
	var out []string
	for _, r := range scanRows(t, sc) {
		out = append(out, tupleString(r))
	}
	return strings.Join(out, " ")
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// TestScanNoColumns: a scan of no columns (count(*)) still delivers
// batches with their row counts, and a released scanner ends.
func TestScanNoColumns(t *testing.T) {
	s := badFixture(t)
	snap, _ := s.Snapshot(2)
	defer snap.Close()
	sc, err := NewTx(snap, nil).Scan(context.Background(), "acct", &ScanOptions{Columns: []string{}, BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for sc.Next() {
		if rec := sc.RecordBatch(); rec.NumCols() != 0 || rec.NumRows() != 1 {
			t.Fatalf("batch of %d columns, %d rows", rec.NumCols(), rec.NumRows())
		}
		rows++
	}
	if rows != 2 || sc.Err() != nil {
		t.Fatalf("%d rows, %v", rows, sc.Err())
	}
	sc.Release()
	if sc.Next() {
		t.Fatal("Next after Release")
	}
}

// TestNilArguments: nil definitions, a nil context and a Tx without a
// snapshot are errors, not panics.
func TestNilArguments(t *testing.T) {
	s := badFixture(t)
	snap, _ := s.Snapshot(2)
	defer snap.Close()
	tx := NewTx(snap, batch.New(3))
	if _, err := tx.CreateTable(nil); !errors.Is(err, ErrBadArgument) {
		t.Fatal(err)
	}
	//lint:ignore SA1012 a nil context on purpose
	if _, err := tx.CreateIndex(nil, nil); !errors.Is(err, ErrBadArgument) {
		t.Fatal(err)
	}
	if err := tx.CreateView(nil); !errors.Is(err, ErrBadArgument) {
		t.Fatal(err)
	}
	//lint:ignore SA1012 a nil context on purpose
	sc, err := tx.Scan(nil, "acct", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(scanRows(t, sc)); n != 2 {
		t.Fatalf("%d rows", n)
	}
	sc.Release()
	var zero Tx
	if _, err := zero.Scan(context.Background(), "acct", nil); !errors.Is(err, ErrBadArgument) {
		t.Fatal(err)
	}
	if _, err := NewTx(nil, batch.New(1)).Insert("acct", nil, nil); !errors.Is(err, ErrBadArgument) {
		t.Fatal(err)
	}
	if _, err := zero.Get("acct", nil, nil); !errors.Is(err, ErrBadArgument) {
		t.Fatal(err)
	}
}

// TestRollbackTo: a statement rolled back to its savepoint leaves the
// batch and every read as before it, even if its ops are replaced by as
// many others.
func TestRollbackTo(t *testing.T) {
	s := badFixture(t)
	snap, _ := s.Snapshot(2)
	defer snap.Close()
	b := batch.New(3)
	tx := NewTx(snap, b)
	ok[[]Value](t)(tx.Insert("acct", []string{"owner"}, []Value{MakeText("cy")}))
	before := cloneBatch(b)
	sp := tx.Savepoint()
	ok[[]Value](t)(tx.Insert("acct", []string{"id", "owner"}, []Value{MakeInt(10), MakeText("dee")}))
	if _, err := tx.Delete("acct", []Value{MakeInt(1)}); err != nil {
		t.Fatal(err)
	}
	if err := tx.RollbackTo(sp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, cloneBatch(b)) {
		t.Fatal("RollbackTo left ops")
	}
	sc, err := tx.Scan(context.Background(), "acct", &ScanOptions{Columns: []string{"id", "owner"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tupleRows(t, sc); got != "(1, 'ann') (2, 'bob') (3, 'cy')" {
		t.Fatalf("after rollback: %s", got)
	}
	if k := ok2(t)(tx.Insert("acct", []string{"owner"}, []Value{MakeText("eve")})); k[0].Int() != 4 {
		t.Fatalf("rowid after rollback: %v", k)
	}
	if err := tx.RollbackTo(99); !errors.Is(err, ErrBadArgument) {
		t.Fatal(err)
	}
}
