package sqlparse

import (
	"strings"
	"testing"
)

type lexed struct {
	tok token
	lit string
}

// lexAll returns every token of src up to EOF, or up to and including the
// first tokIllegal one.
func lexAll(src string) []lexed {
	var l lexer
	var out []lexed
	for l.init(src); l.tok != tokEOF; l.next() {
		out = append(out, lexed{l.tok, l.lit})
		if l.tok == tokIllegal {
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
		{"abc _x1 a$b", []lexed{{tokIdent, "abc"}, {tokIdent, "_x1"}, {tokIdent, "a$b"}}},
		{"select SeLeCt", []lexed{{kwSelect, "select"}, {kwSelect, "SeLeCt"}}},
		{"temporary TEMP", []lexed{{kwTemp, "temporary"}, {kwTemp, "TEMP"}}},
		{`"a b" "x""y" [c d] ` + "`e``f`", []lexed{{tokQIdent, "a b"}, {tokQIdent, `x"y`}, {tokQIdent, "c d"}, {tokQIdent, "e`f"}}},
		{`'it''s' '' 'a"b'`, []lexed{{tokString, "it's"}, {tokString, ""}, {tokString, `a"b`}}},
		{"X'00ff' x'' X'Ab'", []lexed{{tokBlob, "\x00\xff"}, {tokBlob, ""}, {tokBlob, "\xab"}}},
		{"x 'a'", []lexed{{tokIdent, "x"}, {tokString, "a"}}},
		{"1 0x1F 0X0a 12 007", []lexed{{tokInteger, "1"}, {tokInteger, "0x1F"}, {tokInteger, "0X0a"}, {tokInteger, "12"}, {tokInteger, "007"}}},
		{"1. .5 1.5 1e10 1E+3 2.5e-3", []lexed{{tokFloat, "1."}, {tokFloat, ".5"}, {tokFloat, "1.5"}, {tokFloat, "1e10"}, {tokFloat, "1E+3"}, {tokFloat, "2.5e-3"}}},
		{"t.c t.*", []lexed{{tokIdent, "t"}, {tokDot, "."}, {tokIdent, "c"}, {tokIdent, "t"}, {tokDot, "."}, {tokStar, "*"}}},
		{"? ?12 :a @b $c", []lexed{{tokParam, "?"}, {tokParam, "?12"}, {tokParam, ":a"}, {tokParam, "@b"}, {tokParam, "$c"}}},
		{"|| -> ->> << >> & | ~ == = != <> <= >= < > + - * / % ( ) , ;", []lexed{
			{tokConcat, "||"}, {tokArrow, "->"}, {tokArrow2, "->>"}, {tokShl, "<<"}, {tokShr, ">>"}, {tokBitAnd, "&"},
			{tokBitOr, "|"}, {tokBitNot, "~"}, {tokEq, "=="}, {tokEq, "="}, {tokNe, "!="}, {tokNe, "<>"}, {tokLe, "<="},
			{tokGe, ">="}, {tokLt, "<"}, {tokGt, ">"}, {tokPlus, "+"}, {tokMinus, "-"}, {tokStar, "*"}, {tokSlash, "/"},
			{tokRem, "%"}, {tokLParen, "("}, {tokRParen, ")"}, {tokComma, ","}, {tokSemi, ";"}}},
		{"a -- comment\nb /* block\n */ c /* open", []lexed{{tokIdent, "a"}, {tokIdent, "b"}, {tokIdent, "c"}}},
		{"1-1", []lexed{{tokInteger, "1"}, {tokMinus, "-"}, {tokInteger, "1"}}},
		{"a--b", []lexed{{tokIdent, "a"}}},
		// Errors.
		{"'open", []lexed{{tokIllegal, "unterminated string literal"}}},
		{`"open`, []lexed{{tokIllegal, "unterminated quoted identifier"}}},
		{"[open", []lexed{{tokIllegal, "unterminated [identifier]"}}},
		{"X'abc'", []lexed{{tokIllegal, "malformed blob literal: X'abc'"}}},
		{"X'zz'", []lexed{{tokIllegal, "malformed blob literal: X'zz'"}}},
		{"12abc", []lexed{{tokIllegal, `unrecognized token: "12abc"`}}},
		{"a ! b", []lexed{{tokIdent, "a"}, {tokIllegal, `unrecognized token: "!"`}}},
		{"#", []lexed{{tokIllegal, `unrecognized token: "#"`}}},
		{": x", []lexed{{tokIllegal, "parameter name missing after :"}}},
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
	for l.init(src); l.tok != tokEOF; l.next() {
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
	for tok := keywordsBegin + 1; tok < keywordsEnd; tok++ {
		name := tok.String()
		if got := lookup(strings.ToLower(name)); got != tok {
			t.Errorf("lookup(%q) = %v, want %v", strings.ToLower(name), got, tok)
		}
	}
	for _, w := range []string{"x", "selects", "system_time", "true", "filter", "over", "window", "rowid", "currenttimestamp_"} {
		if got := lookup(w); got != tokIdent {
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
