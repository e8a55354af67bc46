package sqlparse

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// corpusDir is the project's copy of SQLite's sqllogictest files.
const corpusDir = "../../testdata"

// sltRecord is one statement or query record of a sqllogictest file, with
// the conditions that apply to the engine named sqlite already applied.
type sltRecord struct {
	file  string
	line  int
	kind  string // "statement ok", "statement error" or "query"
	sql   string
	label string
}

// readSLT returns the records of a sqllogictest file that run on sqlite:
// records are separated by blank lines; "onlyif E" skips the next record
// unless E is sqlite, "skipif sqlite" skips it, and an applicable "halt"
// ends the file.
func readSLT(t testing.TB, path string) []sltRecord {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var recs []sltRecord
	skip := false
	for i := 0; i < len(lines); i++ {
		fields := strings.Fields(lines[i])
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			if len(fields) == 0 {
				skip = false
			}
			continue
		}
		switch fields[0] {
		case "onlyif":
			if len(fields) > 1 && fields[1] != "sqlite" {
				skip = true
			}
			continue
		case "skipif":
			if len(fields) > 1 && fields[1] == "sqlite" {
				skip = true
			}
			continue
		case "halt":
			if !skip {
				return recs
			}
			skip = false
			continue
		case "hash-threshold":
			continue
		case "statement", "query":
		default:
			t.Fatalf("%s:%d: unknown record %q", path, i+1, lines[i])
		}
		rec := sltRecord{file: filepath.Base(path), line: i + 1}
		switch {
		case fields[0] == "query":
			rec.kind = "query"
			if len(fields) > 3 {
				rec.label = fields[3]
			}
		case len(fields) > 1 && fields[1] == "error":
			rec.kind = "statement error"
		default:
			rec.kind = "statement ok"
		}
		var sql []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "" && lines[i] != "----"; i++ {
			sql = append(sql, lines[i])
		}
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			i++ // expected results
		}
		rec.sql = strings.Join(sql, "\n")
		if !skip {
			recs = append(recs, rec)
		}
		skip = false
	}
	return recs
}

func corpusGlob() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.test"))
	if err != nil {
		return nil, err
	}
	more, err := filepath.Glob(filepath.Join(corpusDir, "evidence", "*.test"))
	return append(files, more...), err
}

func corpusFiles(t testing.TB) []string {
	files, err := corpusGlob()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 17 {
		t.Fatalf("found %d sqllogictest files under %s, want select1-5 and the 12 evidence files", len(files), corpusDir)
	}
	return files
}

// TestCorpus parses every statement of every record that SQLite runs in the
// sqllogictest files: each "statement ok" and "query" must parse, and each
// parsed statement must survive printing and parsing again unchanged.
func TestCorpus(t *testing.T) {
	var records, stmts, rejected, errorRecords int
	for _, file := range corpusFiles(t) {
		for _, rec := range readSLT(t, file) {
			list, err := Parse(rec.sql)
			if rec.kind == "statement error" {
				errorRecords++
				if err != nil {
					rejected++
				}
				continue
			}
			records++
			if err != nil {
				t.Errorf("%s:%d: %s\n%s", rec.file, rec.line, err, rec.sql)
				continue
			}
			if len(list) == 0 {
				t.Errorf("%s:%d: no statement in %q", rec.file, rec.line, rec.sql)
			}
			for _, s := range list {
				stmts++
				roundTrip(t, rec.file+":"+itoa(rec.line), s)
			}
		}
	}
	t.Logf("%d statement ok/query records, %d statements, all parsed and round-tripped; %d of %d statement error records rejected by the parser",
		records, stmts, rejected, errorRecords)
	if records < 10000 {
		t.Errorf("only %d records read; the corpus has about 11,000", records)
	}
}

// roundTrip prints s, parses the result, and wants a tree equal to s up to
// positions and source text.
func roundTrip(t *testing.T, where string, s Stmt) {
	t.Helper()
	printed := s.String()
	again, err := ParseOne(printed)
	if err != nil {
		t.Errorf("%s: printed statement does not parse: %v\n%s", where, err, printed)
		return
	}
	if !equalTrees(s, again) {
		t.Errorf("%s: printing changes the tree:\nprinted %s\nreprint %s", where, printed, again)
	}
}

// equalTrees compares two trees ignoring positions and ResultColumn.Text.
// It walks both with reflection, which is fine in a test.
func equalTrees(a, b any) bool {
	return equalValues(reflect.ValueOf(a), reflect.ValueOf(b))
}

var (
	posType          = reflect.TypeOf(Pos{})
	resultColumnType = reflect.TypeOf(ResultColumn{})
)

func equalValues(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() || a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValues(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equalValues(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		if a.Type() == posType {
			return true
		}
		for i := 0; i < a.NumField(); i++ {
			if a.Type() == resultColumnType && a.Type().Field(i).Name == "Text" {
				continue
			}
			if !equalValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint8:
		return a.Uint() == b.Uint()
	}
	panic("equalValues: unhandled kind " + a.Kind().String())
}

// TestEqualTreesSeesDifferences keeps equalTrees honest: it must tell trees
// apart that differ anywhere but in positions.
func TestEqualTreesSeesDifferences(t *testing.T) {
	a, _ := ParseOne("SELECT a + 1 FROM t WHERE b")
	b, _ := ParseOne("SELECT  a+1  FROM t WHERE b")
	c, _ := ParseOne("SELECT a + 2 FROM t WHERE b")
	d, _ := ParseOne("SELECT a + 1 FROM t WHERE c")
	e, _ := ParseOne("SELECT a + 1 FROM t WHERE \"b\"")
	f, _ := ParseOne("SELECT a + 1 FROM t NOT INDEXED WHERE b")
	g, _ := ParseOne("SELECT a + 1 AS x FROM t WHERE b")
	h, _ := ParseOne("SELECT DISTINCT a + 1 FROM t WHERE b")
	if !equalTrees(a, b) {
		t.Error("trees differing only in spacing compare unequal")
	}
	for i, x := range []Stmt{c, d, e, f, g, h} {
		if equalTrees(a, x) {
			t.Errorf("different tree %d compares equal", i)
		}
	}
}
