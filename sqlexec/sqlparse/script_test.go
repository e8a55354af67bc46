package sqlparse

import (
	"strings"
	"testing"
)

func TestScript(t *testing.T) {
	src := "  SELECT 1;\n;; -- nothing\nCREATE TRIGGER r UPDATE ON t BEGIN SELECT 1; DELETE FROM u; END;\n" +
		"INSERT INTO t VALUES ('a;b') /* c; */ ; SELECT 2"
	wantText := []string{
		"SELECT 1",
		"CREATE TRIGGER r UPDATE ON t BEGIN SELECT 1; DELETE FROM u; END",
		"INSERT INTO t VALUES ('a;b')",
		"SELECT 2",
	}
	wantPos := []Pos{{2, 1, 3}, {26, 3, 1}, {91, 4, 1}}
	s := NewScript(src)
	var texts []string
	var pos []Pos
	for s.Next() {
		texts = append(texts, s.Text())
		pos = append(pos, s.Stmt().Position())
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(texts, "|") != strings.Join(wantText, "|") {
		t.Errorf("texts\n got %q\nwant %q", texts, wantText)
	}
	for i, p := range wantPos {
		if pos[i] != p {
			t.Errorf("statement %d at %+v, want %+v", i, pos[i], p)
		}
	}
	if s.Next() {
		t.Error("Next after the end returned true")
	}
}

// TestScriptStopsAtError wants the statements before a syntax error, then
// the error, then nothing more.
func TestScriptStopsAtError(t *testing.T) {
	s := NewScript("SELECT 1; SELECT FROM; SELECT 3")
	var n int
	for s.Next() {
		n++
	}
	if n != 1 {
		t.Errorf("got %d statements before the error, want 1", n)
	}
	if err := s.Err(); err == nil || err.Error() != `line 1, column 18: expected expression, found "FROM"` {
		t.Errorf("error %v", err)
	}
	if s.Next() || s.Stmt() != nil {
		t.Error("Script went on after an error")
	}
	stmts, err := Parse("SELECT 1; SELECT FROM; SELECT 3")
	if len(stmts) != 1 || err == nil {
		t.Errorf("Parse returned %d statements and %v, want 1 and the error", len(stmts), err)
	}
}

func TestEmptyScripts(t *testing.T) {
	for _, src := range []string{"", " ", ";", " ; ;\n", "-- only a comment", "/* open comment"} {
		stmts, err := Parse(src)
		if err != nil || len(stmts) != 0 {
			t.Errorf("Parse(%q) = %d statements, %v", src, len(stmts), err)
		}
	}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"", false},
		{";", true},
		{"SELECT 1", false},
		{"SELECT 1;", true},
		{"SELECT 1; -- trailing comment", true},
		{"SELECT 1; /* open", false},
		{"SELECT 1 /* ; */", false},
		{"SELECT ';", false},
		{"SELECT ';';", true},
		{`SELECT "a;`, false},
		{"SELECT 1;\nSELECT 2", false},
		{"SELECT 1;\nSELECT 2;", true},
		{"CREATE TRIGGER r UPDATE ON t BEGIN SELECT 1;", false},
		{"CREATE TRIGGER r UPDATE ON t BEGIN SELECT 1; END", false},
		{"CREATE TRIGGER r UPDATE ON t BEGIN SELECT 1; END;", true},
		{"create temp trigger r update on t begin select 1; end ;", true},
		{"EXPLAIN CREATE TRIGGER r UPDATE ON t BEGIN SELECT 1;", false},
		{"CREATE TABLE trigger(a);", true},
		{"SELEC;", true},
	}
	for _, tt := range tests {
		if got := Complete(tt.src); got != tt.want {
			t.Errorf("Complete(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}
