package batch

import "testing"

func batch1000() *WriteBatch {
	b := New(1)
	val := make([]byte, 100)
	for i := range 1000 {
		key := make([]byte, 16)
		key[0], key[1] = byte(i>>8), byte(i)
		b.Put(TableID(i%4), key, val)
	}
	return b
}

func BenchmarkMarshal1000(b *testing.B) {
	wb := batch1000()
	buf, err := wb.AppendBinary(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = wb.AppendBinary(buf[:0])
	}
}

func BenchmarkUnmarshal1000(b *testing.B) {
	enc := mustMarshal(b, batch1000())
	var wb WriteBatch
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if err := wb.UnmarshalBinary(enc); err != nil {
			b.Fatal(err)
		}
	}
}
