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
func equalTrees(a, b any) bool {
	return reflect.DeepEqual(normalized(a), normalized(b))
}

// normalized returns a deep copy of a tree with positions and source texts
// cleared; it uses reflection, which is fine in a test.
func normalized(v any) any {
	var walk func(reflect.Value) reflect.Value
	posType := reflect.TypeOf(Pos{})
	walk = func(v reflect.Value) reflect.Value {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return v
			}
			n := reflect.New(v.Elem().Type())
			n.Elem().Set(walk(v.Elem()))
			return n
		case reflect.Interface:
			if v.IsNil() {
				return v
			}
			n := reflect.New(v.Type()).Elem()
			n.Set(walk(v.Elem()))
			return n
		case reflect.Slice:
			if v.IsNil() {
				return v
			}
			n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := 0; i < v.Len(); i++ {
				n.Index(i).Set(walk(v.Index(i)))
			}
			return n
		case reflect.Struct:
			n := reflect.New(v.Type()).Elem()
			if v.Type() == posType {
				return n
			}
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).Name == "Text" && v.Type() == reflect.TypeOf(ResultColumn{}) {
					continue
				}
				n.Field(i).Set(walk(v.Field(i)))
			}
			return n
		}
		return v
	}
	return walk(reflect.ValueOf(v)).Interface()
}

// TestNormalizedSeesDifferences keeps equalTrees honest: it must tell trees
// apart that differ anywhere but in positions.
func TestNormalizedSeesDifferences(t *testing.T) {
	a, _ := ParseOne("SELECT a + 1 FROM t WHERE b")
	b, _ := ParseOne("SELECT  a+1  FROM t WHERE b")
	c, _ := ParseOne("SELECT a + 2 FROM t WHERE b")
	d, _ := ParseOne("SELECT a + 1 FROM t WHERE c")
	if !equalTrees(a, b) {
		t.Error("trees differing only in spacing compare unequal")
	}
	if equalTrees(a, c) || equalTrees(a, d) {
		t.Error("different trees compare equal")
	}
}
