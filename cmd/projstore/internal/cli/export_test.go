package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/store"
)

// typedDB writes a store with table "people" (3 rows at position 1, a 4th
// at position 2).
func typedDB(t *testing.T) string {
	t.Helper()
	path := dbPath(t)
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for pos := batch.Offset(1); pos <= 2; pos++ {
		snap, err := s.Snapshot(pos - 1)
		if err != nil {
			t.Fatal(err)
		}
		b := batch.New(pos)
		tx := column.NewTx(snap, b)
		if pos == 1 {
			if _, err := tx.CreateTable(&column.Table{Name: "people", Columns: []column.Column{
				{Name: "id", Type: column.Integer, DeclType: "INTEGER"},
				{Name: "name", Type: column.Text, DeclType: "TEXT"},
			}, PrimaryKey: []int{0}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range map[batch.Offset][]string{1: {"ann", "bob", "cy"}, 2: {"dee"}}[pos] {
			if _, err := tx.Insert("people", []string{"name"}, []column.Value{column.MakeText(n)}); err != nil {
				t.Fatal(err)
			}
		}
		snap.Close()
		if err := s.Apply(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExport(t *testing.T) {
	db := typedDB(t)
	out := filepath.Join(t.TempDir(), "p.arrow")
	run(t, "", "export", db, "people", "--at", "1", "-o", out).ok(t).says(t, "exported 3 rows of table people at position 1 as arrow to "+out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ipc.NewFileReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRecords() != 1 {
		t.Fatalf("%d records", r.NumRecords())
	}
	rec, _ := r.RecordBatch(0)
	if rec.NumRows() != 3 || !strings.Contains(r.Schema().String(), "projstore.position\": \"1\"") {
		t.Fatalf("%d rows, schema %s", rec.NumRows(), r.Schema())
	}

	res := run(t, "", "export", db, "people", "--format", "csv")
	if res.code != ExitOK || res.stdout != "id,name\n1,ann\n2,bob\n3,cy\n4,dee\n" || !strings.Contains(res.stderr, "exported 4 rows") {
		t.Fatalf("csv export: %+v", res)
	}
	res = run(t, "", "export", db, "people", "--format", "json", "--at", "1")
	if res.stdout != "{\"id\":1,\"name\":\"ann\"}\n{\"id\":2,\"name\":\"bob\"}\n{\"id\":3,\"name\":\"cy\"}\n" {
		t.Fatalf("json export: %+v", res)
	}

	run(t, "", "export", db, "nobody").fails(t, ExitFailure, "export", `table "nobody": no such table at position 2`)
	run(t, "", "export", db, "people", "--at", "0").fails(t, ExitFailure, "export", `no such table at position 0`)
	run(t, "", "export", db, "people", "--at", "9").fails(t, ExitFailure, "export", "position 9")
	run(t, "", "export", db, "people", "--format", "xml").fails(t, ExitUsage, "export", "--format must be")
	run(t, "", "export", db).fails(t, ExitUsage, "export", "")
	bad := filepath.Join(t.TempDir(), "bad.csv")
	run(t, "", "export", db, "nobody", "-o", bad).fails(t, ExitFailure, "export", "no such table")
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Fatalf("a failed export left %s: %v", bad, err)
	}
}

// TestExportProgress: quiet for the first second, then one line redrawn
// in place with the share done and the rate, cleared at the end.
func TestExportProgress(t *testing.T) {
	var buf bytes.Buffer
	t0 := time.Unix(1000, 0)
	now := t0
	p := &exportProgress{w: &buf, total: 1000, now: func() time.Time { return now }, start: t0}
	p.update(100)
	if buf.Len() != 0 {
		t.Fatalf("drew before a second: %q", buf.String())
	}
	now = t0.Add(2 * time.Second)
	p.update(500)
	if got := buf.String(); !strings.HasPrefix(got, "\r 50% [============            ] 500 of 1,000 rows  250 rows/s") || !strings.HasSuffix(got, "\x1b[K") {
		t.Fatalf("progress line %q", got)
	}
	p.done()
	if !strings.HasSuffix(buf.String(), "\r\x1b[K") {
		t.Fatalf("not cleared: %q", buf.String())
	}
}
