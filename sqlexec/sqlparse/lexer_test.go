package sqlparse

import (
	"strings"
	"testing"
)

type lexed struct {
	tok Token
	lit string
}

// lexAll returns every token of src up to EOF, or up to and including the
// first ILLEGAL one.
func lexAll(src string) []lexed {
	var l lexer
	var out []lexed
	for l.init(src); l.tok != EOF; l.next() {
		out = append(out, lexed{l.tok, l.lit})
		if l.tok == ILLEGAL {
			break
		}
	}
	return out
}

func TestLexer(t *testing.T) {
	tests := []struct {
		src  string
		want []lexed
	}{
		{"abc _x1 a$b", []lexed{{IDENT, "abc"}, {IDENT, "_x1"}, {IDENT, "a$b"}}},
		{"select SeLeCt", []lexed{{SELECT, "select"}, {SELECT, "SeLeCt"}}},
		{"temporary TEMP", []lexed{{TEMP, "temporary"}, {TEMP, "TEMP"}}},
		{`"a b" "x""y" [c d] ` + "`e``f`", []lexed{{QIDENT, "a b"}, {QIDENT, `x"y`}, {QIDENT, "c d"}, {QIDENT, "e`f"}}},
		{`'it''s' '' 'a"b'`, []lexed{{STRING, "it's"}, {STRING, ""}, {STRING, `a"b`}}},
		{"X'00ff' x'' X'Ab'", []lexed{{BLOB, "\x00\xff"}, {BLOB, ""}, {BLOB, "\xab"}}},
		{"x 'a'", []lexed{{IDENT, "x"}, {STRING, "a"}}},
		{"1 0x1F 0X0a 12 007", []lexed{{INTEGER, "1"}, {INTEGER, "0x1F"}, {INTEGER, "0X0a"}, {INTEGER, "12"}, {INTEGER, "007"}}},
		{"1. .5 1.5 1e10 1E+3 2.5e-3", []lexed{{FLOAT, "1."}, {FLOAT, ".5"}, {FLOAT, "1.5"}, {FLOAT, "1e10"}, {FLOAT, "1E+3"}, {FLOAT, "2.5e-3"}}},
		{"t.c t.*", []lexed{{IDENT, "t"}, {DOT, "."}, {IDENT, "c"}, {IDENT, "t"}, {DOT, "."}, {STAR, "*"}}},
		{"? ?12 :a @b $c", []lexed{{PARAM, "?"}, {PARAM, "?12"}, {PARAM, ":a"}, {PARAM, "@b"}, {PARAM, "$c"}}},
		{"|| -> ->> << >> & | ~ == = != <> <= >= < > + - * / % ( ) , ;", []lexed{
			{CONCAT, "||"}, {ARROW, "->"}, {ARROW2, "->>"}, {SHL, "<<"}, {SHR, ">>"}, {BITAND, "&"},
			{BITOR, "|"}, {BITNOT, "~"}, {EQ, "=="}, {EQ, "="}, {NE, "!="}, {NE, "<>"}, {LE, "<="},
			{GE, ">="}, {LT, "<"}, {GT, ">"}, {PLUS, "+"}, {MINUS, "-"}, {STAR, "*"}, {SLASH, "/"},
			{REM, "%"}, {LPAREN, "("}, {RPAREN, ")"}, {COMMA, ","}, {SEMI, ";"}}},
		{"a -- comment\nb /* block\n */ c /* open", []lexed{{IDENT, "a"}, {IDENT, "b"}, {IDENT, "c"}}},
		{"1-1", []lexed{{INTEGER, "1"}, {MINUS, "-"}, {INTEGER, "1"}}},
		{"a--b", []lexed{{IDENT, "a"}}},
		// Errors.
		{"'open", []lexed{{ILLEGAL, "unterminated string literal"}}},
		{`"open`, []lexed{{ILLEGAL, "unterminated quoted identifier"}}},
		{"[open", []lexed{{ILLEGAL, "unterminated [identifier]"}}},
		{"X'abc'", []lexed{{ILLEGAL, "malformed blob literal: X'abc'"}}},
		{"X'zz'", []lexed{{ILLEGAL, "malformed blob literal: X'zz'"}}},
		{"12abc", []lexed{{ILLEGAL, `unrecognized token: "12abc"`}}},
		{"a ! b", []lexed{{IDENT, "a"}, {ILLEGAL, `unrecognized token: "!"`}}},
		{"#", []lexed{{ILLEGAL, `unrecognized token: "#"`}}},
		{": x", []lexed{{ILLEGAL, "parameter name missing after :"}}},
	}
	for _, tt := range tests {
		got := lexAll(tt.src)
		if len(got) != len(tt.want) {
			t.Errorf("%q: got %v, want %v", tt.src, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%q: token %d is %v %q, want %v %q", tt.src, i, got[i].tok, got[i].lit, tt.want[i].tok, tt.want[i].lit)
			}
		}
	}
}

func TestLexerPositions(t *testing.T) {
	src := "SELECT a,\n  'x\ny' , \"q\nq\"\r\n\t/* c\n*/ b"
	want := []Pos{{0, 1, 1}, {7, 1, 8}, {8, 1, 9}, {12, 2, 3}, {18, 3, 4}, {20, 3, 6}, {36, 6, 4}}
	var l lexer
	var got []Pos
	for l.init(src); l.tok != EOF; l.next() {
		got = append(got, l.pos)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d tokens %v, want %v", len(got), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("token %d at %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestKeywordLookup(t *testing.T) {
	for tok := kwBegin + 1; tok < kwEnd; tok++ {
		name := tok.String()
		if got := lookup(strings.ToLower(name)); got != tok {
			t.Errorf("lookup(%q) = %v, want %v", strings.ToLower(name), got, tok)
		}
	}
	for _, w := range []string{"x", "selects", "system_time", "true", "filter", "over", "window", "rowid", "currenttimestamp_"} {
		if got := lookup(w); got != IDENT {
			t.Errorf("lookup(%q) = %v, want identifier", w, got)
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		lookup("current_timestamp")
		lookup("Select")
		lookup("notakeyword")
	})
	if n != 0 {
		t.Errorf("lookup allocates %v times per run", n)
	}
}
