package column

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// exportFixture is a store with table "t" (one of each type, a mixed
// column) at position 1 and more rows and a new column at position 2.
func exportFixture(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	apply(t, s, func(tx *Tx) {
		ok[*Table](t)(tx.CreateTable(&Table{Name: "t", Columns: []Column{
			{Name: "id", Type: Integer, DeclType: "INTEGER"},
			{Name: "r", Type: Real, DeclType: "REAL"},
			{Name: "s", Type: Text, DeclType: "TEXT", NotNull: true},
			{Name: "b", Type: Blob, DeclType: "BLOB"},
			{Name: "f", Type: Boolean, DeclType: "BOOLEAN"},
			{Name: "ts", Type: Timestamp, DeclType: "TIMESTAMP"},
			{Name: "n", Type: Integer, DeclType: "INT"},
		}, PrimaryKey: []int{0}}))
		for i := 0; i < 2500; i++ {
			n := MakeInt(int64(i * 7))
			if i%10 == 3 {
				n = MakeText("seven") // a foreign value: the column becomes mixed
			}
			if i%10 == 4 {
				n = Value{}
			}
			ok[[]Value](t)(tx.Insert("t", nil, []Value{Value{}, MakeReal(float64(i) / 4), MakeText(strings.Repeat("x", i%5) + "é,\"\n"), MakeBlob([]byte{0, byte(i), 0xff}), MakeBool(i%2 == 0), MakeTimestamp(int64(i) * 1e6), n}))
		}
	})
	apply(t, s, func(tx *Tx) {
		if err := tx.AddColumn("t", Column{Name: "extra", Type: Text, DeclType: "TEXT", Default: MakeText("dflt")}); err != nil {
			t.Fatal(err)
		}
		ok[[]Value](t)(tx.Insert("t", []string{"s", "extra"}, []Value{MakeText("new"), MakeText("given")}))
	})
	return s
}

func ok[T any](t testing.TB) func(T, error) {
	return func(_ T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// apply runs fn on a Tx over the applied position and applies its batch.
func apply(t testing.TB, s *store.Store, fn func(tx *Tx)) {
	t.Helper()
	pos := s.AppliedPosition()
	snap, err := s.Snapshot(pos)
	if err != nil {
		t.Fatal(err)
	}
	b := batch.New(pos + 1)
	fn(NewTx(snap, b))
	snap.Close()
	if err := s.Apply(b); err != nil {
		t.Fatal(err)
	}
}

// TestExportArrowRoundTrip: arrow-go's own IPC readers (file and stream)
// read an export back with the schema, the values and the metadata of a
// scan at the same position, for the position before a column was added
// and after.
func TestExportArrowRoundTrip(t *testing.T) {
	s := exportFixture(t)
	for _, pos := range []batch.Offset{1, 2} {
		for _, format := range []string{FormatArrow, FormatArrowStream} {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			snap, err := s.Snapshot(pos)
			if err != nil {
				t.Fatal(err)
			}
			tx := NewTx(snap, nil)
			var buf bytes.Buffer
			rows, err := Export(context.Background(), &buf, tx, "T", &ExportOptions{Format: format, Version: "v9.9.9-test", Allocator: mem, BatchSize: 1000})
			if err != nil {
				t.Fatal(err)
			}
			want := 2500 + int64(pos-1)
			if rows != want {
				t.Fatalf("pos %d %s: exported %d rows, want %d", pos, format, rows, want)
			}
			var recs []arrow.RecordBatch
			var schema *arrow.Schema
			if format == FormatArrow {
				r, err := ipc.NewFileReader(bytes.NewReader(buf.Bytes()), ipc.WithAllocator(mem))
				if err != nil {
					t.Fatal(err)
				}
				schema = r.Schema()
				for i := 0; i < r.NumRecords(); i++ {
					rec, err := r.RecordBatch(i)
					if err != nil {
						t.Fatal(err)
					}
					rec.Retain()
					recs = append(recs, rec)
				}
				r.Close()
			} else {
				r, err := ipc.NewReader(bytes.NewReader(buf.Bytes()), ipc.WithAllocator(mem))
				if err != nil {
					t.Fatal(err)
				}
				schema = r.Schema()
				for r.Next() {
					rec := r.RecordBatch()
					rec.Retain()
					recs = append(recs, rec)
				}
				if r.Err() != nil {
					t.Fatal(r.Err())
				}
				r.Release()
			}
			md := schema.Metadata()
			for k, v := range map[string]string{MetaTable: "t", MetaPosition: itoa(int64(pos)), MetaVersion: "v9.9.9-test"} {
				if i := md.FindKey(k); i < 0 || md.Values()[i] != v {
					t.Fatalf("pos %d %s: metadata %s = %v, want %q", pos, format, k, md, v)
				}
			}
			wantCols := 7 + int(pos-1)
			if len(schema.Fields()) != wantCols {
				t.Fatalf("pos %d: %d fields, want %d: %s", pos, len(schema.Fields()), wantCols, schema)
			}
			if !arrow.TypeEqual(schema.Field(6).Type, MixedType) {
				t.Fatalf("column n is %s, want the mixed union", schema.Field(6).Type)
			}
			// Values equal a scan's.
			sc, err := tx.Scan(context.Background(), "t", &ScanOptions{Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			if !schema.Equal(sc.Schema()) && !arrow.NewSchema(schema.Fields(), nil).Equal(arrow.NewSchema(sc.Schema().Fields(), nil)) {
				t.Fatalf("schema %s, scan's %s", schema, sc.Schema())
			}
			got, wantRows := rowsOf(t, recs), scanRows(t, sc)
			sc.Release()
			if len(got) != len(wantRows) {
				t.Fatalf("%d rows read back, %d scanned", len(got), len(wantRows))
			}
			for i := range got {
				if tupleString(got[i]) != tupleString(wantRows[i]) {
					t.Fatalf("row %d: read back %v, scanned %v", i, got[i], wantRows[i])
				}
			}
			if pos == 2 && tupleString(got[len(got)-1][7:]) != "('given')" || pos == 2 && tupleString(got[0][7:]) != "('dflt')" {
				t.Fatalf("added column: first %v last %v", got[0], got[len(got)-1])
			}
			for _, r := range recs {
				r.Release()
			}
			snap.Close()
			mem.AssertSize(t, 0)
		}
	}
}

func rowsOf(t *testing.T, recs []arrow.RecordBatch) [][]Value {
	var out [][]Value
	for _, rec := range recs {
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]Value, rec.NumCols())
			for c := range row {
				v, err := ValueAt(rec.Column(c), r)
				if err != nil {
					t.Fatal(err)
				}
				row[c] = v
			}
			out = append(out, row)
		}
	}
	return out
}

func scanRows(t *testing.T, sc *Scanner) [][]Value {
	var recs []arrow.RecordBatch
	for sc.Next() {
		rec := sc.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if sc.Err() != nil {
		t.Fatal(sc.Err())
	}
	out := rowsOf(t, recs)
	for _, r := range recs {
		r.Release()
	}
	return out
}

// TestExportText: CSV and JSON Lines exports parse back with the standard
// readers, one record per row, NULLs and blobs as documented.
func TestExportText(t *testing.T) {
	s := exportFixture(t)
	snap, _ := s.Snapshot(2)
	defer snap.Close()
	tx := NewTx(snap, nil)
	var buf bytes.Buffer
	if _, err := Export(context.Background(), &buf, tx, "t", &ExportOptions{Format: FormatCSV}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2502 || strings.Join(recs[0], ",") != "id,r,s,b,f,ts,n,extra" {
		t.Fatalf("%d CSV records, header %v", len(recs), recs[0])
	}
	if got := strings.Join(recs[5], "|"); got != "5|1.0|xxxxé,\"\n|base64:AAT/|1|1970-01-01 00:00:04||dflt" {
		t.Fatalf("CSV row 5: %q", recs[5])
	}
	if recs[4][3] != "base64:AAP/" || recs[4][6] != "seven" || recs[1][1] != "0.0" {
		t.Fatalf("CSV rows: %q %q", recs[1], recs[4])
	}
	buf.Reset()
	if _, err := Export(context.Background(), &buf, tx, "t", &ExportOptions{Format: FormatJSON, Columns: []string{"id", "r", "f", "n", "b"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2501 {
		t.Fatalf("%d JSON lines", len(lines))
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(lines[4]), &obj); err != nil {
		t.Fatal(err, lines[4])
	}
	if obj["id"] != 5.0 || obj["r"] != 1.0 || obj["f"] != true || obj["n"] != nil || obj["b"] != "base64:AAT/" {
		t.Fatalf("JSON line 4: %s", lines[4])
	}
	if _, err := Export(context.Background(), &buf, tx, "t", &ExportOptions{Format: "xml"}); err == nil {
		t.Fatal("format xml accepted")
	}
	if _, err := Export(context.Background(), &buf, tx, "nope", nil); !errorsIs(err, ErrNoTable) {
		t.Fatalf("export of a missing table: %v", err)
	}
}
