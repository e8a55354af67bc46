package slt_test

import (
	"path/filepath"
	"testing"

	"github.com/projstore/projstore/sqlexec"
	"github.com/projstore/projstore/sqlexec/slt"
	"github.com/projstore/projstore/store"
)

// TestProjectFiles runs the project's own sqllogictest files
// (testdata/projstore/*.slt: point-in-time queries, transactions) over a
// real store; every record must pass.
func TestProjectFiles(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/projstore/*.slt")
	if len(files) == 0 {
		t.Fatal("no testdata/projstore/*.slt files")
	}
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
		t.Logf("%s: %s", f, st)
		for _, msg := range st.Failures {
			t.Error(msg)
		}
		if st.Passed == 0 {
			t.Errorf("%s: no record passed", f)
		}
	}
}
