package sqlparse

import "testing"

// BenchmarkCorpus parses every statement and query of the sqllogictest
// files once per iteration.
func BenchmarkCorpus(b *testing.B) {
	var srcs []string
	bytes := 0
	for _, f := range corpusFiles(b) {
		for _, r := range readSLT(b, f) {
			srcs = append(srcs, r.sql)
			bytes += len(r.sql)
		}
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range srcs {
			Parse(s) // statement error records fail, by design
		}
	}
}
