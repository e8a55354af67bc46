package column

import (
	"context"
	"sync"
	"testing"

	"github.com/projstore/projstore/batch"
	"github.com/projstore/projstore/store"
)

// TestScanWhileApplying: scans of snapshots, each through its own Tx, run
// while a writer applies batches made by another Tx; every scan sees
// exactly its position's rows (run with -race).
func TestScanWhileApplying(t *testing.T) {
	s, _ := store.OpenMemory(nil)
	defer s.Close()
	apply(t, s, func(tx *Tx) {
		ok[*Table](t)(tx.CreateTable(&Table{Name: "t", Columns: []Column{{Name: "id", Type: Integer, DeclType: "INTEGER"}, {Name: "v", Type: Text, DeclType: "TEXT"}}, PrimaryKey: []int{0}}))
		ok[*Index](t)(tx.CreateIndex(context.Background(), &Index{Name: "t_v", Table: "t", Columns: []string{"v"}}))
	})
	const batches, per = 25, 40
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < batches; i++ {
			pos := s.AppliedPosition()
			snap, err := s.Snapshot(pos)
			if err != nil {
				t.Error(err)
				return
			}
			b := batch.New(pos + 1)
			tx := NewTx(snap, b)
			for j := 0; j < per; j++ {
				if _, err := tx.Insert("t", []string{"v"}, []Value{MakeText("x")}); err != nil {
					t.Error(err)
				}
			}
			snap.Close()
			if err := s.Apply(b); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				pos := s.AppliedPosition()
				snap, err := s.Snapshot(pos)
				if err != nil {
					t.Error(err)
					return
				}
				tx := NewTx(snap, nil)
				for _, opts := range []*ScanOptions{{BatchSize: 7}, {Index: "t_v", BatchSize: 7}} {
					sc, err := tx.Scan(context.Background(), "t", opts)
					if err != nil {
						t.Error(err)
						break
					}
					n := 0
					for sc.Next() {
						n += int(sc.RecordBatch().NumRows())
					}
					if sc.Err() != nil || n != int(pos-1)*per {
						t.Errorf("scan at %d: %d rows, %v; want %d", pos, n, sc.Err(), int(pos-1)*per)
					}
					sc.Release()
				}
				snap.Close()
			}
		}()
	}
	wg.Wait()
}
