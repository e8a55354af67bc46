package column

import (
	"errors"
	"reflect"
	"testing"

	"github.com/projstore/projstore/batch"
	"pgregory.net/rapid"
)

func testTable() *Table {
	return &Table{
		Name: "orders",
		ID:   7,
		Columns: []Column{
			{Name: "id", Type: Integer, DeclType: "INTEGER"},
			{Name: "customer", Type: Text, DeclType: "VARCHAR(40)", NotNull: true},
			{Name: "total", Type: Real, DeclType: "REAL", Default: MakeReal(0)},
			{Name: "paid", Type: Boolean, DeclType: "BOOLEAN", Default: MakeBool(false)},
			{Name: "at", Type: Timestamp, DeclType: "TIMESTAMP", DefaultExpr: "CURRENT_TIMESTAMP"},
			{Name: "note", Type: Any, Mixed: true},
		},
		PrimaryKey:  []int{0},
		Version:     3,
		BaseVersion: 2,
	}
}

func TestTableValidate(t *testing.T) {
	if err := testTable().Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*Table)
		want   error
		column string
	}{
		{"no name", func(t *Table) { t.Name = "" }, ErrEmptyName, ""},
		{"no columns", func(t *Table) { t.Columns = nil; t.PrimaryKey = nil }, ErrNoColumns, ""},
		{"empty column name", func(t *Table) { t.Columns[2].Name = "" }, ErrEmptyName, ""},
		{"duplicate column", func(t *Table) { t.Columns[2].Name = "CUSTOMER" }, ErrDuplicateColumn, "CUSTOMER"},
		{"null type", func(t *Table) { t.Columns[1].Type = Null }, ErrInvalidType, "customer"},
		{"bad type", func(t *Table) { t.Columns[1].Type = 99 }, ErrInvalidType, "customer"},
		{"unknown pk column", func(t *Table) { t.PrimaryKey = []int{0, 9} }, ErrUnknownColumn, "#9"},
		{"negative pk column", func(t *Table) { t.PrimaryKey = []int{-1} }, ErrUnknownColumn, "#-1"},
		{"pk column twice", func(t *Table) { t.PrimaryKey = []int{1, 1} }, ErrPrimaryKey, "customer"},
		{"rowid not integer", func(t *Table) { t.Columns[0].Type = Text }, ErrPrimaryKey, "id"},
		{"base above version", func(t *Table) { t.BaseVersion = 4 }, ErrInvalidVersion, ""},
	}
	for _, tt := range tests {
		tab := testTable()
		tt.change(tab)
		err := tab.Validate()
		var se *SchemaError
		if !errors.Is(err, tt.want) || !errors.As(err, &se) || se.Column != tt.column || se.Kind != "table" {
			t.Errorf("%s: Validate() = %v, want %v on column %q", tt.name, err, tt.want, tt.column)
		}
		if _, err := tab.MarshalBinary(); !errors.Is(err, tt.want) {
			t.Errorf("%s: MarshalBinary() = %v, want %v", tt.name, err, tt.want)
		}
	}
	// ASCII only folds: "É" and "é" are different names, as in SQLite.
	tab := testTable()
	tab.Columns[1].Name, tab.Columns[2].Name = "É", "é"
	if err := tab.Validate(); err != nil {
		t.Errorf("non-ASCII names folded: %v", err)
	}
	if tab.ColumnIndex("TOTAL") >= 0 || tab.ColumnIndex("PAID") != 3 || tab.ColumnIndex("nope") != -1 {
		t.Error("ColumnIndex does not fold ASCII only")
	}
}

func TestRowid(t *testing.T) {
	tests := []struct {
		decl []string
		pk   []int
		col  int
		ok   bool
	}{
		{[]string{"INTEGER", "TEXT"}, nil, -1, true},
		{[]string{"INTEGER", "TEXT"}, []int{0}, 0, true},
		{[]string{"TEXT", "integer"}, []int{1}, 1, true},
		{[]string{"INT", "TEXT"}, []int{0}, -1, false},
		{[]string{"BIGINT", "TEXT"}, []int{0}, -1, false},
		{[]string{"INTEGER", "INTEGER"}, []int{0, 1}, -1, false},
		{[]string{"TEXT", "INTEGER"}, []int{0}, -1, false},
	}
	for _, tt := range tests {
		tab := &Table{Name: "t", PrimaryKey: tt.pk}
		for i, d := range tt.decl {
			tab.Columns = append(tab.Columns, Column{Name: string(rune('a' + i)), DeclType: d, Type: TypeOf(d)})
		}
		col, ok := tab.Rowid()
		if col != tt.col || ok != tt.ok {
			t.Errorf("%v pk %v: Rowid() = %d, %v; want %d, %v", tt.decl, tt.pk, col, ok, tt.col, tt.ok)
		}
	}
}

func TestTableLayout(t *testing.T) {
	tab := testTable()
	if got, want := tab.ValueColumns(), []int{1, 2, 3, 4, 5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ValueColumns() = %v, want %v", got, want)
	}
	tab.PrimaryKey = []int{1, 0}
	if got, want := tab.ValueColumns(), []int{2, 3, 4, 5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ValueColumns() with a two-column key = %v, want %v", got, want)
	}
	tab.PrimaryKey = nil
	l, err := tab.Layout()
	if err != nil {
		t.Fatal(err)
	}
	if l.Version() != 3 || !reflect.DeepEqual(l.Types(), []Type{Integer, Text, Real, Boolean, Timestamp, Any}) {
		t.Fatalf("layout version %d types %v", l.Version(), l.Types())
	}
	if tab.Columns[5].ArrowType() != MixedType || tab.Columns[1].ArrowType() != Text.ArrowType() {
		t.Fatal("Column.ArrowType")
	}
	if got := tab.Columns[0].Coerce(MakeText("12")); got != MakeInt(12) {
		t.Fatalf("Coerce('12') into INTEGER = %v", got)
	}
}

var identifier = rapid.StringMatching(`[a-zA-Z_][a-zA-Z0-9_ é]{0,8}`)

func genTable() *rapid.Generator[*Table] {
	return rapid.Custom(func(rt *rapid.T) *Table {
		names := rapid.SliceOfNDistinct(identifier, 1, 8, lowerASCII).Draw(rt, "names")
		tab := &Table{
			Name:    identifier.Draw(rt, "name"),
			ID:      batch.TableID(rapid.Uint64().Draw(rt, "id")),
			Version: rapid.Uint32Range(0, 1000).Draw(rt, "version"),
		}
		tab.BaseVersion = rapid.Uint32Range(0, tab.Version).Draw(rt, "base")
		for _, n := range names {
			decl := rapid.SampledFrom([]string{"", "INTEGER", "INT", "VARCHAR(8)", "REAL", "BLOB", "BOOLEAN", "TIMESTAMP", "DECIMAL(10,2)"}).Draw(rt, "decl")
			c := Column{Name: n, DeclType: decl, Type: TypeOf(decl), NotNull: rapid.Bool().Draw(rt, "notnull"), Mixed: rapid.Bool().Draw(rt, "mixed")}
			if rapid.Bool().Draw(rt, "default") {
				c.Default = genValue().Draw(rt, "default value")
			}
			if rapid.IntRange(0, 4).Draw(rt, "expr") == 0 {
				c.DefaultExpr = "CURRENT_TIMESTAMP"
			}
			tab.Columns = append(tab.Columns, c)
		}
		perm := rapid.Permutation(rapid.Just(seq(len(names))).Draw(rt, "cols")).Draw(rt, "perm")
		if k := rapid.IntRange(0, len(perm)).Draw(rt, "pk"); k > 0 {
			tab.PrimaryKey = perm[:k]
		}
		if col, ok := tab.Rowid(); ok && col >= 0 {
			tab.Columns[col].Type = Integer
		}
		return tab
	})
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestTableRoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		tab := genTable().Draw(rt, "table")
		b, err := tab.MarshalBinary()
		if err != nil {
			rt.Fatal(err)
		}
		var got Table
		if err := got.UnmarshalBinary(b); err != nil {
			rt.Fatal(err)
		}
		if !reflect.DeepEqual(&got, tab) {
			rt.Fatalf("round trip:\n got %+v\nwant %+v", got, *tab)
		}
		// Every truncation, and a trailing byte, is refused, and leaves the
		// receiver as it was.
		for i := 0; i < len(b); i++ {
			keep := got
			if err := got.UnmarshalBinary(b[:i]); !errors.Is(err, ErrCorrupt) {
				rt.Fatalf("UnmarshalBinary of %d of %d bytes: %v", i, len(b), err)
			}
			if !reflect.DeepEqual(got, keep) {
				rt.Fatal("failed UnmarshalBinary changed the table")
			}
		}
		if err := got.UnmarshalBinary(append(b, 0)); !errors.Is(err, ErrCorrupt) {
			rt.Fatalf("UnmarshalBinary with a trailing byte: %v", err)
		}
	})
}

func TestIndexAndView(t *testing.T) {
	tab := testTable()
	x := &Index{Name: "by_customer", ID: 9, Table: "ORDERS", Columns: []string{"customer", "Total"}, Unique: true}
	if err := x.Validate(tab); err != nil {
		t.Fatal(err)
	}
	b, err := x.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var x2 Index
	if err := x2.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(&x2, x) {
		t.Fatalf("index round trip: %+v, %v", x2, err)
	}
	for i := range b {
		if err := x2.UnmarshalBinary(b[:i]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("index truncated to %d bytes: %v", i, err)
		}
	}
	if err := x2.UnmarshalBinary(append(b[:len(b)-1], 2)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("index with unique byte 2: %v", err)
	}
	bad := []struct {
		x    Index
		want error
	}{
		{Index{Table: "orders", Columns: []string{"id"}}, ErrEmptyName},
		{Index{Name: "i", Columns: []string{"id"}}, ErrEmptyName},
		{Index{Name: "i", Table: "orders"}, ErrNoColumns},
		{Index{Name: "i", Table: "orders", Columns: []string{"id", "ID"}}, ErrDuplicateColumn},
		{Index{Name: "i", Table: "orders", Columns: []string{"nope"}}, ErrUnknownColumn},
		{Index{Name: "i", Table: "other", Columns: []string{"id"}}, ErrUnknownColumn},
	}
	for _, tt := range bad {
		if err := tt.x.Validate(tab); !errors.Is(err, tt.want) {
			t.Errorf("Validate(%+v) = %v, want %v", tt.x, err, tt.want)
		}
	}

	v := &View{Name: "big", SQL: "SELECT * FROM orders WHERE total > 100", Columns: []string{"a", "b"}}
	b, err = v.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var v2 View
	if err := v2.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(&v2, v) {
		t.Fatalf("view round trip: %+v, %v", v2, err)
	}
	if err := v2.UnmarshalBinary(b[:len(b)-1]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated view: %v", err)
	}
	for _, bad := range []View{{SQL: "SELECT 1"}, {Name: "v", SQL: " "}, {Name: "v", SQL: "SELECT 1, 2", Columns: []string{"a", "A"}}} {
		if _, err := bad.MarshalBinary(); err == nil {
			t.Errorf("MarshalBinary(%+v) succeeded", bad)
		}
	}
	// An entry of one kind is not another kind.
	if err := v2.UnmarshalBinary(must(x.MarshalBinary())); !errors.Is(err, ErrCorrupt) {
		t.Errorf("index bytes decoded as a view: %v", err)
	}
}

func FuzzUnmarshalTable(f *testing.F) {
	f.Add(must(testTable().MarshalBinary()))
	f.Add(must((&Index{Name: "i", Table: "t", Columns: []string{"a"}}).MarshalBinary()))
	f.Add(must((&View{Name: "v", SQL: "SELECT 1"}).MarshalBinary()))
	f.Add(must((&Trigger{Name: "r", Table: "t", SQL: "CREATE TRIGGER r INSERT ON t BEGIN SELECT 1; END"}).MarshalBinary()))
	f.Fuzz(func(t *testing.T, b []byte) {
		var tab Table
		if tab.UnmarshalBinary(b) == nil {
			again, err := tab.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var tab2 Table
			if err := tab2.UnmarshalBinary(again); err != nil || !reflect.DeepEqual(tab, tab2) {
				t.Fatalf("re-encoded table differs: %v", err)
			}
		}
		var x Index
		_ = x.UnmarshalBinary(b)
		var v View
		_ = v.UnmarshalBinary(b)
		var tr Trigger
		_ = tr.UnmarshalBinary(b)
	})
}

// A table's CHECK constraints survive the catalog encoding, in an entry of
// format 2; a table without any keeps format 1, readable by older builds.
func TestTableChecksEncoding(t *testing.T) {
	tb := Table{Name: "t", ID: FirstUserID, Columns: []Column{{Name: "a", Type: Integer, DeclType: "INTEGER"}}}
	plain, err := tb.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if plain[1] != 1 {
		t.Fatalf("format %d without checks, want 1", plain[1])
	}
	tb.Checks = []Check{{Name: "pos", SQL: "a > 0"}, {SQL: "a < 100"}}
	b, err := tb.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if b[1] != 2 {
		t.Fatalf("format %d with checks, want 2", b[1])
	}
	var got Table
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Checks, tb.Checks) {
		t.Fatalf("checks %v, want %v", got.Checks, tb.Checks)
	}
	for cut := 2; cut < len(b); cut++ {
		if err := got.UnmarshalBinary(b[:cut]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d: %v, want ErrCorrupt", cut, err)
		}
	}
}
