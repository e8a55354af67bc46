package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/projstore/projstore/batch"
)

// Output formats. Every command that prints data or figures takes
// --format; "text" (or "table" for rows) is for people, "json" for
// programs.
//
// JSON conventions, the same in every command: keys are lower-case
// snake_case and never renamed once released; positions and counts are
// numbers; 64-bit digests are strings ("0x" and 16 hex digits), because
// JSON readers such as jq hold numbers as doubles and would round them;
// keys and values are UTF-8 text, or "base64:" and standard base64 for
// bytes that are not UTF-8 (logfile.EncodeText). Commands that print rows
// write one JSON object per line (JSON Lines); the others write one object.
const (
	formatText  = "text"
	formatTable = "table"
	formatJSON  = "json"
	formatCSV   = "csv"
)

// formatFlag defines --format on fs with the allowed values, the first
// being the default.
func formatFlag(fs *flag.FlagSet, allowed ...string) *formatValue {
	f := &formatValue{value: allowed[0], allowed: allowed}
	fs.Var(f, "format", "output `FORMAT`: "+orList(allowed))
	return f
}

type formatValue struct {
	value   string
	allowed []string
}

func (f *formatValue) String() string {
	if f == nil {
		return ""
	}
	return f.value
}

func (f *formatValue) Set(s string) error {
	if !slices.Contains(f.allowed, s) {
		return fmt.Errorf("unknown format %q (want %s)", s, orList(f.allowed))
	}
	f.value = s
	return nil
}

func (f *formatValue) json() bool { return f.value == formatJSON }

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// newJSON returns an encoder for one JSON value per line, with <, > and &
// left as they are.
func newJSON(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// writeJSON writes v as one indented JSON object.
func writeJSON(w io.Writer, v any) error {
	enc := newJSON(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// digest renders a 64-bit digest as JSON and text show it: a string, so
// that JSON readers that hold numbers as doubles do not round it.
func digest(d uint64) string { return fmt.Sprintf("%#016x", d) }

// deletedAt is a version's deleted position for JSON: null while live.
func deletedAt(p batch.Offset) *uint64 {
	if p == batch.MaxOffset {
		return nil
	}
	v := uint64(p)
	return &v
}
