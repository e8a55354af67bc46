package column

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// sqliteShell returns the sqlite3 shell's path, or skips the test, and
// whether its SQLite renders reals as 3.53 and later do ("%!.17g",
// shortened where it reads back), as AppendText does. Older shells use
// 15 digits, so their reals are compared by value.
func sqliteShell(t *testing.T) (path string, modern bool) {
	path, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("sqlite3 shell not installed")
	}
	out, err := exec.Command(path, "-version").Output()
	if err != nil {
		t.Skipf("sqlite3 -version: %v", err)
	}
	var major, minor int
	fmt.Sscanf(string(out), "%d.%d", &major, &minor)
	return path, major > 3 || (major == 3 && minor >= 53)
}

// sameReal reports whether two renderings of a real agree: exactly for
// a recent shell, else as numbers up to the 15 digits an older one prints.
//
// Even a recent shell is allowed one unit in the 17th digit: SQLite's
// sqlite3Fp2Convert10 is not correctly rounded there (about 0.5% of
// random doubles, almost all of them needing 17 digits), while
// AppendText's digits are.
func sameReal(ours, theirs string, modern bool) bool {
	if ours == theirs {
		return true
	}
	tol := 5.01e-15
	if modern {
		tol = 1.01e-16
	}
	a, err1 := strconv.ParseFloat(ours, 64)
	b, err2 := strconv.ParseFloat(theirs, 64)
	return err1 == nil && err2 == nil && math.Abs(a-b) <= tol*math.Abs(b)
}

// TestAffinityAgainstSQLite stores random numeric-looking text in
// columns of every affinity with the sqlite3 command-line shell, if it is
// installed, and checks that Affinity.Apply and AppendText give the same
// storage class and text as SQLite's typeof() and output.
func TestAffinityAgainstSQLite(t *testing.T) {
	shell, modern := sqliteShell(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789012345678901234567890123456789..eE+- x"
	var inputs []string
	for range 1500 {
		b := make([]byte, 1+rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for range 300 { // well-formed numbers of every size, so conversions happen
		inputs = append(inputs, fmt.Sprintf("%d.%de%d", rng.Int64N(1e6)-5e5, rng.IntN(1000), rng.IntN(40)-20),
			fmt.Sprint(rng.Int64()), fmt.Sprintf("%g", rng.NormFloat64()*1e10), fmt.Sprintf("%.3f", rng.Float64()))
	}
	inputs = append(inputs, "9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"-9223372036854775809", "1e999", "-1e999", "1e-400", " 12 ", "\t7", "0x10", "", ".", "5.", ".5", "1e", "1e+")

	affs := []Affinity{AffinityInteger, AffinityNumeric, AffinityReal, AffinityText, AffinityBlob}
	var sql strings.Builder
	sql.WriteString("CREATE TABLE t(k INTEGER PRIMARY KEY, i INTEGER, n NUMERIC, r REAL, x TEXT, b BLOB);\n")
	for k, in := range inputs {
		q := "'" + strings.ReplaceAll(in, "'", "''") + "'"
		fmt.Fprintf(&sql, "INSERT INTO t VALUES(%d,%s,%s,%s,%s,%s);\n", k, q, q, q, q, q)
	}
	sql.WriteString("SELECT typeof(i),i,typeof(n),n,typeof(r),r,typeof(x),x,typeof(b),b FROM t ORDER BY k;\n")
	cmd := exec.Command(shell, "-batch", "-separator", "\x1f", "-newline", "\x1e", ":memory:")
	cmd.Stdin = strings.NewReader(sql.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sqlite3: %v", err)
	}
	rows := strings.Split(strings.TrimSuffix(string(out), "\x1e"), "\x1e")
	if len(rows) != len(inputs) {
		t.Fatalf("sqlite3 returned %d rows for %d inputs", len(rows), len(inputs))
	}
	typeName := map[Type]string{Integer: "integer", Real: "real", Text: "text", Blob: "blob", Null: "null"}
	for k, row := range rows {
		f := strings.Split(row, "\x1f")
		if len(f) != 2*len(affs) {
			t.Fatalf("row %d: %q", k, row)
		}
		for j, a := range affs {
			got := a.Apply(MakeText(inputs[k]))
			gotType, gotText := typeName[got.Type()], string(AppendText(nil, got))
			if gotType != f[2*j] || !(gotText == f[2*j+1] || gotType == "real" && sameReal(gotText, f[2*j+1], modern)) {
				t.Errorf("%v.Apply(%q) = %s %q; SQLite stores %s %q", a, inputs[k], gotType, gotText, f[2*j], f[2*j+1])
			}
		}
	}
}

// TestRealTextAgainstSQLite checks AppendText of reals against SQLite's
// conversion of the same real to TEXT ("%!.15g").
func TestRealTextAgainstSQLite(t *testing.T) {
	shell, modern := sqliteShell(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var reals []float64
	for range 1000 {
		f := rng.NormFloat64() * float64(int64(1)<<rng.IntN(62))
		if rng.IntN(3) == 0 {
			f = rng.Float64() * float64(int64(1)<<rng.IntN(20)) / float64(int64(1)<<rng.IntN(60))
		}
		reals = append(reals, f, float64(int64(f)))
	}
	reals = append(reals, 1e15, 1e14, 999999999999999, 0.0001, 0.00001, 1.5e300, -2.5e-300, 1<<53+2)
	var sql strings.Builder
	for _, f := range reals {
		// A %.16e literal is the exact float64 and always a real to SQLite.
		fmt.Fprintf(&sql, "SELECT CAST(%.16e AS TEXT);\n", f)
	}
	cmd := exec.Command(shell, "-batch", ":memory:")
	cmd.Stdin = strings.NewReader(sql.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sqlite3: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(reals) {
		t.Fatalf("sqlite3 returned %d lines for %d reals", len(lines), len(reals))
	}
	for i, f := range reals {
		if got := string(AppendText(nil, MakeReal(f))); !sameReal(got, lines[i], modern) {
			t.Errorf("AppendText(%.17g) = %q; SQLite %q", f, got, lines[i])
		}
	}
}
