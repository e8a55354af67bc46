package fuzz

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/projstore/projstore/batch"
)

// genBatch returns batch p of the workload named by seed. It depends on
// nothing but (seed, p), so a process that only knows a position (the kill
// test's parent) can rebuild every batch up to it. Keys are drawn from
// keys ids; some ids stand for long keys, values range from empty to
// several overflow pages, and about one batch in 60 drops a table.
func genBatch(seed uint64, p batch.Offset, keys int) *batch.WriteBatch {
	r := rand.New(rand.NewPCG(seed, uint64(p)))
	b := batch.New(p)
	n := 1 + r.IntN(12)
	for range n {
		t := batch.TableID(1 + r.IntN(3))
		switch k := r.IntN(100); {
		case k == 0 && r.IntN(5) == 0:
			b.DropTable(t)
		case k < 30:
			b.Delete(t, workKey(r.IntN(keys)))
		default:
			b.Put(t, workKey(r.IntN(keys)), fill(r.Uint64(), valueLen(r)))
		}
	}
	return b
}

// workKey is key id i: most are short, every 17th is long (up to the
// maximum key size), so branch pages hold large separators.
func workKey(i int) []byte {
	k := fmt.Appendf(nil, "key%05d", i)
	if i%17 == 0 {
		k = append(k, bytes.Repeat([]byte{'~'}, 300+(i*37)%(1024-300-len(k)))...)
	}
	return k
}

func valueLen(r *rand.Rand) int {
	switch k := r.IntN(100); {
	case k < 5:
		return 0
	case k < 60:
		return 1 + r.IntN(40)
	case k < 90:
		return 100 + r.IntN(600)
	case k < 98:
		return 1300 + r.IntN(5000)
	default:
		return 9000 + r.IntN(12000)
	}
}
