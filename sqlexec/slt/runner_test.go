package slt

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fake is an Engine with canned answers, so the runner is tested alone.
type fake struct {
	execs   []string
	results map[string][][]any
	errs    map[string]error
}

func (f *fake) Exec(sql string) error {
	f.execs = append(f.execs, sql)
	if err, ok := f.errs[sql]; ok {
		return err
	}
	return nil
}

func (f *fake) Query(sql string) ([][]any, error) {
	if err, ok := f.errs[sql]; ok {
		return nil, err
	}
	return f.results[sql], nil
}

type runErr struct{}

func (runErr) Error() string  { return "integer overflow" }
func (runErr) RunError() bool { return true }

func md5Of(vals ...string) string {
	h := md5.New()
	for _, v := range vals {
		h.Write([]byte(v + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestRunnerFeatures(t *testing.T) {
	f := &fake{
		results: map[string][][]any{
			"SELECT a":     {{int64(3)}, {int64(1)}, {int64(2)}},
			"SELECT b, c":  {{"x", 1.5}, {"", nil}},
			"SELECT big":   {{int64(1)}, {int64(2)}, {int64(3)}, {int64(4)}, {int64(5)}, {int64(6)}, {int64(7)}, {int64(8)}, {int64(9)}},
			"SELECT same1": {{int64(1)}},
			"SELECT same2": {{int64(1)}},
			"SELECT other": {{int64(2)}},
			"SELECT r":     {{-9223372036854775808.0}, {2.5}, {"7x"}},
			"SELECT t":     {{"é\tb"}, {[]byte("ab")}, {int64(-4)}, {1.0}},
		},
		errs: map[string]error{
			"bad statement":   errors.New("syntax error"),
			"SELECT broken":   errors.New("no such table"),
			"SELECT overflow": runErr{},
		},
	}
	script := strings.Join([]string{
		"# comment",
		"statement ok",
		"CREATE TABLE t(a)",
		"",
		"statement error",
		"bad statement",
		"",
		"statement ok",
		"bad statement", // fails
		"",
		"statement error",
		"CREATE TABLE t(a)", // fails: no error
		"",
		"query I nosort",
		"SELECT a",
		"----",
		"3", "1", "2",
		"",
		"query I rowsort",
		"SELECT a",
		"----",
		"1", "2", "3",
		"",
		"query I valuesort",
		"SELECT a",
		"----",
		"1", "2", "3",
		"",
		"query I nosort",
		"SELECT a",
		"----",
		"1", "2", "3", // fails: order
		"",
		"query TR nosort",
		"SELECT b, c",
		"----",
		"x", "1.500", "(empty)", "NULL",
		"",
		"query I nosort",
		"SELECT big",
		"----",
		"9 values hashing to " + md5Of("1", "2", "3", "4", "5", "6", "7", "8", "9"),
		"",
		"query I nosort label-1",
		"SELECT same1",
		"----",
		"1 values hashing to " + md5Of("1"),
		"",
		"query I nosort label-1",
		"SELECT same2",
		"----",
		"1 values hashing to " + md5Of("1"),
		"",
		"query I nosort label-1",
		"SELECT other", // fails: the label's hash differs
		"----",
		"1 values hashing to " + md5Of("2"),
		"",
		"query R nosort",
		"SELECT r",
		"----",
		"-9223372036854776000.000", "2.500", "7.000",
		"",
		"query T nosort",
		"SELECT t",
		"----",
		"@@@b", "ab", "-4", "1.0",
		"",
		"query I nosort",
		"SELECT broken", // fails: error
		"----",
		"",
		"query I nosort",
		"SELECT overflow", // an error while running ends the result
		"----",
		"",
		"query II nosort",
		"SELECT a", // fails: one column, two types
		"----",
		"3",
		"",
		"skipif sqlite",
		"statement ok",
		"bad statement",
		"",
		"onlyif mysql # comment",
		"statement ok",
		"bad statement",
		"",
		"onlyif sqlite",
		"statement ok",
		"CREATE TABLE u(a)",
		"",
		"hash-threshold 8",
		"",
		"onlyif mssql",
		"halt",
		"",
		"statement ok",
		"CREATE TABLE v(a); CREATE TABLE w(a)",
		"",
		"halt",
		"",
		"statement ok",
		"bad statement",
		"",
	}, "\r\n")
	st, err := Run("script", strings.NewReader(script), f)
	if err != nil {
		t.Fatal(err)
	}
	if st.Passed != 14 || st.Failed != 6 || st.Skipped != 2 {
		t.Errorf("got %s, want 14 passed, 6 failed, 2 skipped\n%s", st, strings.Join(st.Failures, "\n"))
	}
	for _, want := range []string{"script:8:", "script:11:", "script:35:", "script:65:", "script:85:", "script:93:"} {
		found := false
		for _, f := range st.Failures {
			found = found || strings.HasPrefix(f, want)
		}
		if !found {
			t.Errorf("no failure at %s in %q", want, st.Failures)
		}
	}
	if last := f.execs[len(f.execs)-1]; last != "CREATE TABLE v(a); CREATE TABLE w(a)" {
		t.Errorf("last statement run %q: halt did not stop the file", last)
	}
	if got := fmt.Sprint(st); got != "14 passed, 6 failed, 2 skipped" {
		t.Errorf("String() = %q", got)
	}
}

func TestRender(t *testing.T) {
	cases := []struct {
		v    any
		typ  byte
		want string
	}{
		{nil, 'I', "NULL"}, {nil, 'T', "NULL"}, {"", 'T', "(empty)"}, {int64(5), 'R', "5.000"},
		{2.9, 'I', "2"}, {-2.9, 'I', "-2"}, {"12abc", 'I', "12"}, {"abc", 'I', "0"}, {1e300, 'I', "9223372036854775807"},
		{0.0005, 'R', "0.001"}, {-0.0004, 'R', "-0.000"}, {123456789012345678.0, 'R', "123456789012345700.000"},
		{"x\x01y", 'T', "x@y"}, {0.1, 'T', "0.1"}, {[]byte{0xff}, 'T', "@"},
	}
	for _, c := range cases {
		if got := Render(c.v, c.typ); got != c.want {
			t.Errorf("Render(%#v, %c) = %q, want %q", c.v, c.typ, got, c.want)
		}
	}
}
