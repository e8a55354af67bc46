package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// model is the reference: every key's versions, oldest first.
type model map[string][]version

type version struct {
	pos   uint64
	value []byte // nil: deleted
}

func (m model) at(key string, pos uint64) ([]byte, bool) {
	var v []byte
	for _, ver := range m[key] {
		if ver.pos > pos {
			break
		}
		v = ver.value
	}
	return v, v != nil
}

func (m model) scan(start []byte, n int, pos uint64) [][2]string {
	var keys []string
	for k := range m {
		if k >= string(start) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var rows [][2]string
	for _, k := range keys {
		if len(rows) == n {
			break
		}
		if v, ok := m.at(k, pos); ok {
			rows = append(rows, [2]string{k, string(v)})
		}
	}
	return rows
}

// TestEnginesAgree applies the same random batches (puts, deletes, repeated
// updates of a few hot keys) to every engine and checks each one's Get,
// GetAt, Scan and ScanAt against the model at every position: the version
// layouts of pebble and bbolt and badger's managed mode must answer exactly
// what projstore answers.
func TestEnginesAgree(t *testing.T) {
	// Both configurations: at defaults pebble reads row blocks without
	// filters and badger has no index cache, other code paths.
	for _, c := range []struct {
		name  string
		cache int64
	}{{"defaults", 0}, {"tuned", 8 << 20}} {
		for _, spec := range engines {
			testEngineAgrees(t, spec, c.name, c.cache)
		}
	}
}

func testEngineAgrees(t *testing.T, spec engineSpec, cfg string, cache int64) {
	{
		t.Run(spec.name+"/"+cfg, func(t *testing.T) {
			t.Parallel()
			e, err := spec.open(Config{Dir: t.TempDir(), CacheBytes: cache})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := e.Close(); err != nil {
					t.Error(err)
				}
			}()
			r := rand.New(rand.NewPCG(7, 8))
			m := model{}
			const keys, positions = 64, 120
			keyOf := func(i int) []byte {
				// 16 bytes, as the workloads use; a few hot keys get most updates.
				if r.IntN(3) == 0 {
					i %= 3
				}
				return []byte(fmt.Sprintf("key-%012d", i))
			}
			for pos := uint64(1); pos <= positions; pos++ {
				var ops []Op
				seen := map[string]bool{}
				for range 1 + r.IntN(8) {
					k := keyOf(r.IntN(keys))
					if seen[string(k)] {
						continue // one op per key and batch: the peers' batches are sets
					}
					seen[string(k)] = true
					if r.IntN(4) == 0 {
						ops = append(ops, Op{Key: k, Delete: true})
						m[string(k)] = append(m[string(k)], version{pos, nil})
					} else {
						v := []byte(fmt.Sprintf("v%d-%s", pos, k))
						ops = append(ops, Op{Key: k, Value: v})
						m[string(k)] = append(m[string(k)], version{pos, v})
					}
				}
				if err := e.ApplyBatch(pos, ops, pos%40 == 0); err != nil {
					t.Fatalf("apply %d: %v", pos, err)
				}
			}
			check := func(what string, got []byte, ok bool, err error, want []byte, wantOK bool) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if ok != wantOK || !bytes.Equal(got, want) {
					t.Fatalf("%s = %q, %v; want %q, %v", what, got, ok, want, wantOK)
				}
			}
			for i := range keys + 2 {
				k := []byte(fmt.Sprintf("key-%012d", i))
				want, wantOK := m.at(string(k), positions)
				got, ok, err := e.Get(nil, k)
				check(fmt.Sprintf("Get(%s)", k), got, ok, err, want, wantOK)
				for pos := uint64(1); pos <= positions; pos++ {
					want, wantOK := m.at(string(k), pos)
					got, ok, err := e.GetAt([]byte("prefix"), k, pos)
					if ok {
						got = got[len("prefix"):]
					} else if string(got) == "prefix" {
						got = nil
					}
					check(fmt.Sprintf("GetAt(%s, %d)", k, pos), got, ok, err, want, wantOK)
				}
			}
			scan := func(start []byte, n int, pos uint64, latest bool) {
				t.Helper()
				var rows [][2]string
				fn := func(k, v []byte) { rows = append(rows, [2]string{string(k), string(v)}) }
				var count int
				var err error
				if latest {
					count, err = e.Scan(start, n, fn)
				} else {
					count, err = e.ScanAt(start, n, pos, fn)
				}
				if err != nil {
					t.Fatalf("scan from %q at %d: %v", start, pos, err)
				}
				want := m.scan(start, n, pos)
				if count != len(rows) || !slices.Equal(rows, want) {
					t.Fatalf("scan from %q, %d rows at %d (latest %v): got %d %q\nwant %q", start, n, pos, latest, count, rows, want)
				}
			}
			// Starts are 16 bytes: bbolt's layout needs fixed-length keys.
			for _, start := range [][]byte{[]byte("key-000000000000"), []byte("key-000000000029"), []byte("key-00000000003x"), []byte("zzzzzzzzzzzzzzzz")} {
				for _, n := range []int{1, 5, 1000} {
					scan(start, n, positions, true)
					for pos := uint64(1); pos <= positions; pos += 7 {
						scan(start, n, pos, false)
					}
				}
			}
		})
	}
}
