package column

import (
	"context"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// FuzzTxRawRows: whatever bytes a caller puts (as raw ops, past the Tx)
// into a table's rows, its index or the catalog, reads through a Tx
// return rows or errors, never panic.
func FuzzTxRawRows(f *testing.F) {
	f.Add(uint8(0), []byte{0x15, 0x80, 0, 0, 0, 0, 0, 0, 9}, []byte{1, 2, 0, 5})
	f.Add(uint8(1), []byte{0x25, 'a', 0, 1}, []byte{})
	f.Add(uint8(2), []byte("Tt"), []byte("T\x01garbage"))
	f.Add(uint8(2), []byte("N"), []byte{1, 2, 3})
	f.Add(uint8(0), []byte{0x15}, []byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, where uint8, key, value []byte) {
		if len(key) == 0 || len(key) > store.MaxKeySize {
			return
		}
		s, err := store.OpenMemory(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var tid, xid batch.TableID
		apply(t, s, func(tx *Tx) {
			tb, err := tx.CreateTable(&Table{Name: "t", Columns: []Column{{Name: "id", Type: Integer, DeclType: "INTEGER"}, {Name: "s", Type: Text, DeclType: "TEXT"}, {Name: "r", Type: Real, DeclType: "REAL"}}, PrimaryKey: []int{0}})
			if err != nil {
				t.Fatal(err)
			}
			x, err := tx.CreateIndex(context.Background(), &Index{Name: "t_s", Table: "t", Columns: []string{"s"}})
			if err != nil {
				t.Fatal(err)
			}
			tid, xid = tb.ID, x.ID
			if _, err := tx.Insert("t", nil, []Value{MakeInt(1), MakeText("a"), MakeReal(1.5)}); err != nil {
				t.Fatal(err)
			}
		})
		target := []batch.TableID{tid, xid, CatalogID}[int(where)%3]
		b := batch.New(2)
		b.Put(target, key, value)
		if err := s.Apply(b); err != nil {
			return
		}
		snap, err := s.Snapshot(2)
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Close()
		tx := NewTx(snap, batch.New(3))
		for _, opts := range []*ScanOptions{nil, {Index: "t_s"}, {Index: "t_s", Columns: []string{"s"}}, {Reverse: true}, {Filters: []Filter{{Column: "r", Op: Gt, Value: MakeInt(0)}}}} {
			sc, err := tx.Scan(context.Background(), "t", opts)
			if err != nil {
				continue
			}
			for sc.Next() {
			}
			sc.Release()
		}
		tx.Get("t", []Value{MakeInt(1)}, nil)
		tx.Insert("t", []string{"s"}, []Value{MakeText("b")})
		tx.Update("t", []Value{MakeInt(1)}, []string{"s"}, []Value{MakeText("c")})
		tx.Delete("t", []Value{MakeInt(1)})
	})
}
