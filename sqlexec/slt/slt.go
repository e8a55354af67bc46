// Package slt runs sqllogictest scripts, the format of SQLite's
// sqllogictest corpus (https://www.sqlite.org/sqllogictest/doc/trunk/about.wiki),
// against an Engine.
//
// Records are separated by blank lines; lines starting with '#' are
// comments. Supported records: "statement ok", "statement error",
// "query <types> [nosort|rowsort|valuesort] [label]" with results after a
// "----" line (values one per line, or "N values hashing to <md5>"),
// "hash-threshold N", "halt", and the conditions "skipif <engine>" and
// "onlyif <engine>" before any record. The engine answers to the name
// "sqlite". CRLF line endings are accepted.
//
// Values are rendered as SQLite's C harness renders them: NULL as "NULL",
// the empty string as "(empty)", every byte outside printable ASCII as '@';
// 'I' columns print the value as an integer (reals truncated toward zero,
// text by its integer prefix), 'R' columns print SQLite's printf "%.3f"
// (at most 16 significant digits), 'T' columns print the value as text.
// Results with more values than the hash threshold, or with a label, are
// compared by the MD5 of every value followed by a newline.
package slt

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/projstore/projstore/sqlexec"
)

// EngineName is the name this runner answers to in skipif and onlyif.
const EngineName = "sqlite"

// DefaultHashThreshold is SQLite's harness default.
const DefaultHashThreshold = 8

// Engine runs SQL for the runner.
type Engine interface {
	// Exec runs one or more statements.
	Exec(sql string) error
	// Query runs a query and returns its rows, each value an int64,
	// float64, string, []byte or nil. An error of kind RunError ends the
	// result set (rows so far are the result); any other error fails it.
	Query(sql string) (rows [][]any, err error)
}

// Stats counts records.
type Stats struct {
	Passed, Failed, Skipped int
	// Failures describes each failed record: file, line and why.
	Failures []string
}

func (s Stats) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", s.Passed, s.Failed, s.Skipped)
}

// Add adds t's counts to s.
func (s *Stats) Add(t Stats) {
	s.Passed += t.Passed
	s.Failed += t.Failed
	s.Skipped += t.Skipped
	s.Failures = append(s.Failures, t.Failures...)
}

// RunFile runs the script in path on e.
func RunFile(path string, e Engine) (Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return Stats{}, err
	}
	defer f.Close()
	return Run(path, f, e)
}

type record struct {
	line    int
	cond    []string // "skipif x" / "onlyif x"
	words   []string // the command line's words
	sql     []string
	want    []string
	hasWant bool
}

// Run runs a script read from r; name labels failures.
func Run(name string, r io.Reader, e Engine) (Stats, error) {
	var st Stats
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	lineNo := 0
	labels := map[string]string{}
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		lineNo++
		return strings.TrimRight(sc.Text(), "\r"), true
	}
	for {
		// skip blank and comment lines, then read a record
		var rec record
		var line string
		ok := false
		for {
			l, more := next()
			if !more {
				break
			}
			t := strings.TrimSpace(l)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			line, ok = l, true
			break
		}
		if !ok {
			break
		}
		rec.line = lineNo
		for {
			w := strings.Fields(line)
			if len(w) >= 2 && (w[0] == "skipif" || w[0] == "onlyif") {
				rec.cond = append(rec.cond, w[0]+" "+w[1])
				l, more := next()
				if !more {
					return st, nil
				}
				line = l
				continue
			}
			rec.words = w
			break
		}
		// body: until a blank line; "----" separates results
		inWant := false
		for {
			l, more := next()
			if !more || strings.TrimSpace(l) == "" {
				break
			}
			if !inWant && l == "----" && rec.words[0] == "query" {
				inWant, rec.hasWant = true, true
				continue
			}
			if inWant {
				rec.want = append(rec.want, l)
			} else {
				rec.sql = append(rec.sql, l)
			}
		}
		skip := false
		for _, c := range rec.cond {
			w := strings.Fields(c)
			if w[0] == "skipif" && w[1] == EngineName || w[0] == "onlyif" && w[1] != EngineName {
				skip = true
			}
		}
		where := fmt.Sprintf("%s:%d", name, rec.line)
		switch rec.words[0] {
		case "halt":
			if !skip {
				return st, nil
			}
			continue
		case "hash-threshold":
			// Results are compared as the file writes them (values or a
			// hash line), so the threshold needs no state here.
			if len(rec.words) < 2 {
				st.fail(where, "hash-threshold without a number")
			} else if _, err := strconv.Atoi(rec.words[1]); err != nil {
				st.fail(where, "hash-threshold: "+err.Error())
			}
			continue
		case "statement", "query":
		default:
			// unknown records (other dialects' extensions) are skipped
			st.Skipped++
			continue
		}
		if skip {
			st.Skipped++
			continue
		}
		sql := strings.Join(rec.sql, "\n")
		if rec.words[0] == "statement" {
			err := e.Exec(sql)
			wantErr := len(rec.words) > 1 && rec.words[1] == "error"
			switch {
			case wantErr && err == nil:
				st.fail(where, "statement succeeded, want an error: "+oneLine(sql))
			case !wantErr && err != nil:
				st.fail(where, fmt.Sprintf("%v: %s", err, oneLine(sql)))
			default:
				st.Passed++
			}
			continue
		}
		// query
		if len(rec.words) < 2 {
			st.fail(where, "query record without types")
			continue
		}
		types := rec.words[1]
		sortMode := "nosort"
		label := ""
		if len(rec.words) > 2 {
			sortMode = rec.words[2]
		}
		if len(rec.words) > 3 {
			label = rec.words[3]
		}
		rows, err := e.Query(sql)
		if err != nil && !isRunError(err) {
			st.fail(where, fmt.Sprintf("%v: %s", err, oneLine(sql)))
			continue
		}
		if len(rows) > 0 && len(rows[0]) != len(types) {
			st.fail(where, fmt.Sprintf("%d columns, types %q: %s", len(rows[0]), types, oneLine(sql)))
			continue
		}
		var vals []string
		if sortMode == "rowsort" {
			rendered := make([][]string, len(rows))
			for i, r := range rows {
				for j, v := range r {
					rendered[i] = append(rendered[i], Render(v, types[j]))
				}
			}
			sort.SliceStable(rendered, func(i, j int) bool {
				a, b := rendered[i], rendered[j]
				for k := range a {
					if a[k] != b[k] {
						return a[k] < b[k]
					}
				}
				return false
			})
			for _, r := range rendered {
				vals = append(vals, r...)
			}
		} else {
			for _, r := range rows {
				for j, v := range r {
					vals = append(vals, Render(v, types[j]))
				}
			}
			if sortMode == "valuesort" {
				sort.Strings(vals)
			}
		}
		got := vals
		// Compare by hash when the expected block is a hash line (whatever
		// the threshold, which only decided how the file was written);
		// labelled queries are hashed to check each other.
		hashed := len(rec.want) == 1 && strings.Contains(rec.want[0], " values hashing to ")
		if hashed || label != "" {
			h := md5.New()
			for _, v := range vals {
				io.WriteString(h, v)
				io.WriteString(h, "\n")
			}
			sum := hex.EncodeToString(h.Sum(nil))
			if hashed {
				got = []string{fmt.Sprintf("%d values hashing to %s", len(vals), sum)}
			}
			if label != "" {
				if prev, ok := labels[label]; ok && prev != sum {
					st.fail(where, fmt.Sprintf("label %s: hash %s, an earlier query gave %s", label, sum, prev))
					continue
				}
				labels[label] = sum
			}
		}
		if !rec.hasWant {
			rec.want = nil
		}
		if !equalLines(got, rec.want) {
			st.fail(where, fmt.Sprintf("got %s, want %s: %s", short(got), short(rec.want), oneLine(sql)))
			continue
		}
		st.Passed++
	}
	return st, sc.Err()
}

func (s *Stats) fail(where, why string) {
	s.Failed++
	s.Failures = append(s.Failures, where+": "+why)
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != strings.TrimRight(b[i], " \t") && a[i] != b[i] {
			return false
		}
	}
	return true
}

func short(v []string) string {
	if len(v) > 6 {
		return fmt.Sprintf("%q... (%d values)", v[:6], len(v))
	}
	return fmt.Sprintf("%q", v)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func isRunError(err error) bool {
	_, ok := err.(interface{ RunError() bool })
	return ok
}

// Render renders v as the C harness does for a column of type t.
func Render(v any, t byte) string {
	if v == nil {
		return "NULL"
	}
	var s string
	switch t {
	case 'I':
		s = strconv.FormatInt(asInt(v), 10)
	case 'R':
		s = sqlexec.FormatFloat(asFloat(v), 3)
	default:
		s = asText(v)
		if s == "" {
			return "(empty)"
		}
	}
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = '@'
		}
	}
	return string(b)
}

func asInt(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case float64:
		switch {
		case v != v:
			return 0
		case v <= -9223372036854775808.0:
			return math.MinInt64
		case v >= 9223372036854775808.0:
			return math.MaxInt64
		}
		return int64(v)
	case string:
		return sqlexec.TextToInt(v)
	case []byte:
		return sqlexec.TextToInt(string(v))
	}
	return 0
}

func asFloat(v any) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	case string:
		return sqlexec.TextToFloat(v)
	case []byte:
		return sqlexec.TextToFloat(string(v))
	}
	return 0
}

func asText(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return sqlexec.FormatReal(v)
	case string:
		return v
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}
