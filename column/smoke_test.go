package column

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

func TestSmoke(t *testing.T) {
	s, err := store.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, _ := s.Snapshot(0)
	b := batch.New(1)
	tx := NewTx(snap, b)
	_, err = tx.CreateTable(&Table{Name: "t", Columns: []Column{{Name: "id", Type: Integer, DeclType: "INTEGER"}, {Name: "name", Type: Text, DeclType: "TEXT"}, {Name: "x", Type: Real, DeclType: "REAL"}}, PrimaryKey: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.CreateIndex(context.Background(), &Index{Name: "byname", Table: "t", Columns: []string{"name"}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := tx.Insert("t", []string{"name", "x"}, []Value{MakeText(string(rune('a' + 9 - i))), MakeReal(float64(i) / 2)}); err != nil {
			t.Fatal(err)
		}
	}
	snap.Close()
	if err := s.Apply(b); err != nil {
		t.Fatal(err)
	}
	snap, _ = s.Snapshot(1)
	defer snap.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tx = NewTx(snap, nil)
	for _, opts := range []*ScanOptions{{BatchSize: 3, Allocator: mem}, {Index: "byname", Allocator: mem}, {Index: "byname", Columns: []string{"name", "x"}, Allocator: mem, BatchSize: 4}} {
		sc, err := tx.Scan(context.Background(), "t", opts)
		if err != nil {
			t.Fatal(err)
		}
		for sc.Next() {
			t.Log(sc.RecordBatch())
		}
		if sc.Err() != nil {
			t.Fatal(sc.Err())
		}
		sc.Release()
	}
	v, err := tx.Get("t", []Value{MakeInt(3)}, nil)
	t.Log(v, err)
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
