package slt_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/projstore/projstore/sqlexec"
	"github.com/projstore/projstore/sqlexec/slt"
	"github.com/projstore/projstore/store"
)

// TestCorpusStore runs the sqllogictest files (select*.test and
// evidence/*.test: views, triggers, REPLACE, REINDEX, ...) on databases
// whose tables live in a real store (store.OpenMemory): DDL and writes
// become batches, queries read through package column's scanner.
func TestCorpusStore(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/select*.test")
	evidence, _ := filepath.Glob("../../testdata/evidence/*.test")
	files = append(files, evidence...)
	switch {
	case os.Getenv("SLT_STORE_FILES") != "":
		files, _ = filepath.Glob(os.Getenv("SLT_STORE_FILES"))
	case testing.Short():
		files = files[:1]
	case raceEnabled && os.Getenv("PROJSTORE_LONG") != "1":
		// The race detector makes the whole corpus over a store the
		// longest test of CI; TestCorpus runs every file in memory under
		// it, and `go test ./...` (or PROJSTORE_LONG=1) every file here.
		files = slices.DeleteFunc(files, func(f string) bool {
			base := filepath.Base(f)
			return base == "select2.test" || base == "select4.test" || base == "select5.test"
		})
	}
	var total slt.Stats
	for _, f := range files {
		s, err := store.OpenMemory(nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := slt.RunFile(f, engine{sqlexec.OpenStore(s, nil)})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s (store): %s", f, st)
		for i, msg := range st.Failures {
			if i >= 5 {
				break
			}
			t.Log(msg)
		}
		total.Add(st)
	}
	t.Logf("total (store): %s", total)
	if total.Failed > 0 {
		t.Errorf("%d records failed over the store", total.Failed)
	}
}
