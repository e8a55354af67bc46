package slt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/projstore/projstore/sqlexec"
	"github.com/projstore/projstore/sqlexec/slt"
)

type engine struct{ db *sqlexec.DB }

func (e engine) Exec(sql string) error {
	_, err := e.db.Exec(context.Background(), sql)
	return err
}

func (e engine) Query(sql string) ([][]any, error) {
	res, err := e.db.Query(context.Background(), sql)
	if err != nil {
		var re *sqlexec.RunError
		if errors.As(err, &re) {
			return nil, re
		}
		return nil, err
	}
	return res.Rows, nil
}

func runFile(t *testing.T, path string) slt.Stats {
	t.Helper()
	st, err := slt.RunFile(path, engine{sqlexec.NewMemory(nil)})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/*.test")
	ev, _ := filepath.Glob("../../testdata/evidence/*.test")
	files = append(files, ev...)
	if only := os.Getenv("SLT_FILES"); only != "" {
		files, _ = filepath.Glob(only)
	}
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	var total slt.Stats
	for _, f := range files {
		if testing.Short() && filepath.Base(f) != "select1.test" && filepath.Dir(f) != "../../testdata/evidence" {
			continue
		}
		st := runFile(t, f)
		t.Logf("%s: %s", f, st)
		for i, msg := range st.Failures {
			if i >= 10 {
				break
			}
			t.Log(msg)
		}
		total.Add(st)
	}
	t.Logf("total: %s", total)
	if total.Failed > 0 {
		t.Errorf("%d records failed", total.Failed)
	}
}
