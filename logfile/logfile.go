package logfile

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/projstore/projstore/batch"
)

// Magic starts every binary log; Version follows it.
const (
	Magic   = "PSLG"
	Version = 1
)

// MaxRecord bounds the length of one binary record, so that a damaged
// length prefix cannot make the reader allocate without limit.
const MaxRecord = 1 << 30

// Format says which form a log takes.
type Format int

// The forms of a log. Unknown is the format of an empty input.
const (
	Unknown Format = iota
	Binary
	JSON
)

func (f Format) String() string {
	switch f {
	case Binary:
		return "binary"
	case JSON:
		return "JSON Lines"
	}
	return "unknown"
}

var (
	// ErrFormat means the input is neither a binary log nor JSON Lines.
	ErrFormat = errors.New("logfile: unrecognised log format")
	// ErrBadRecord is matched by every *RecordError.
	ErrBadRecord = errors.New("logfile: bad record")
)

// RecordError reports a record that could not be read, and where it starts:
// its line in a JSON log, its byte offset in a binary one.
type RecordError struct {
	Format Format
	Line   int   // JSON: line number, from 1
	Offset int64 // binary: offset of the record's length prefix
	Err    error
}

func (e *RecordError) Error() string {
	return e.Where() + ": " + e.Err.Error()
}

// Where names the record's place in the log.
func (e *RecordError) Where() string {
	if e.Format == JSON {
		return "line " + strconv.Itoa(e.Line)
	}
	return "offset " + strconv.FormatInt(e.Offset, 10)
}

// Unwrap lets errors.Is match both ErrBadRecord and the cause.
func (e *RecordError) Unwrap() []error { return []error{ErrBadRecord, e.Err} }

// Reader reads the batches of a log one at a time.
type Reader struct {
	r      *bufio.Reader
	format Format
	probed bool
	err    error // sticky: once a record is bad, nothing after it is read

	line   int   // JSON: line of the last record returned
	start  int64 // offset of the last record returned
	offset int64 // bytes consumed
	buf    []byte
}

// NewReader returns a Reader of the log in r; the format is detected from
// the first bytes.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10)}
}

// Format detects and returns the log's format. An empty input is Unknown
// with no error.
func (r *Reader) Format() (Format, error) {
	if r.probed {
		return r.format, r.err
	}
	r.probed = true
	head, err := r.r.Peek(len(Magic) + 1)
	switch {
	case bytes.HasPrefix(head, []byte(Magic)):
		if len(head) < len(Magic)+1 {
			r.err = &RecordError{Format: Binary, Offset: 0, Err: errors.New("header cut short")}
			return Binary, r.err
		}
		r.format = Binary
		if v := head[len(Magic)]; v != Version {
			r.err = &RecordError{Format: Binary, Offset: int64(len(Magic)), Err: fmt.Errorf("unknown binary log version %d", v)}
			return Binary, r.err
		}
		r.r.Discard(len(Magic) + 1)
		r.offset = int64(len(Magic) + 1)
		return Binary, nil
	case err != nil && len(head) == 0 && errors.Is(err, io.EOF):
		return Unknown, nil
	case err != nil && !errors.Is(err, io.EOF):
		r.err = err
		return Unknown, err
	}
	// Not binary: JSON if the first byte that is not white space is '{'.
	for i := 0; ; i++ {
		b, err := r.r.Peek(i + 1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Unknown, nil // white space only
			}
			r.err = err
			return Unknown, err
		}
		switch c := b[i]; c {
		case ' ', '\t', '\r', '\n':
			if i+1 >= r.r.Size() {
				r.format = JSON // a buffer of blanks; let the line reader sort it out
				return JSON, nil
			}
			continue
		case '{':
			r.format = JSON
			return JSON, nil
		default:
			hint := fmt.Sprintf("first byte %#02x", c)
			if bytes.HasPrefix(b, []byte("PSWB")) || bytes.HasPrefix(head, []byte("PSWB")) {
				hint = "a bare batch without the log header " + strconv.Quote(Magic)
			}
			r.err = fmt.Errorf("%w: neither a binary log (header %q) nor JSON Lines (first byte '{'): %s", ErrFormat, Magic, hint)
			return Unknown, r.err
		}
	}
}

// Next returns the next batch, or io.EOF after the last one. After an error
// every later call returns the same error. Keys and values of the batch
// stay valid until the next call.
func (r *Reader) Next() (*batch.WriteBatch, error) {
	if _, err := r.Format(); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	var b *batch.WriteBatch
	var err error
	switch r.format {
	case Binary:
		b, err = r.nextBinary()
	case JSON:
		b, err = r.nextJSON()
	default:
		err = io.EOF
	}
	if err != nil {
		r.err = err
	}
	return b, err
}

// Where names the place of the record Next returned last: "line N" or
// "offset N".
func (r *Reader) Where() string {
	if r.format == JSON {
		return "line " + strconv.Itoa(r.line)
	}
	return "offset " + strconv.FormatInt(r.start, 10)
}

// Offset returns how many bytes of the input have been consumed.
func (r *Reader) Offset() int64 { return r.offset }

func (r *Reader) nextBinary() (*batch.WriteBatch, error) {
	r.start = r.offset
	fail := func(err error) error {
		return &RecordError{Format: Binary, Offset: r.start, Err: err}
	}
	n, err := binary.ReadUvarint(byteCounter{r})
	if err != nil {
		if errors.Is(err, io.EOF) && r.offset == r.start {
			return nil, io.EOF
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fail(fmt.Errorf("record length: %w", err))
	}
	if n > MaxRecord {
		return nil, fail(fmt.Errorf("record of %d bytes exceeds the limit of %d", n, MaxRecord))
	}
	// Grow the buffer with the bytes that actually arrive, not with what a
	// possibly damaged prefix claims.
	r.buf = r.buf[:0]
	for uint64(len(r.buf)) < n {
		chunk := min(n-uint64(len(r.buf)), 1<<20)
		old := len(r.buf)
		r.buf = append(r.buf, make([]byte, chunk)...)
		m, err := io.ReadFull(r.r, r.buf[old:])
		r.offset += int64(m)
		if err != nil {
			return nil, fail(fmt.Errorf("record of %d bytes cut short after %d: %w", n, old+m, io.ErrUnexpectedEOF))
		}
	}
	b := new(batch.WriteBatch)
	if err := b.UnmarshalBinary(r.buf); err != nil {
		return nil, fail(err)
	}
	return b, nil
}

// byteCounter reads single bytes for ReadUvarint, counting them.
type byteCounter struct{ r *Reader }

func (c byteCounter) ReadByte() (byte, error) {
	b, err := c.r.r.ReadByte()
	if err == nil {
		c.r.offset++
	}
	return b, err
}

type jsonBatch struct {
	Pos *uint64  `json:"pos"`
	Ops []jsonOp `json:"ops"`
}

type jsonOp struct {
	Op    string  `json:"op"`
	Table *uint64 `json:"table"`
	Key   *string `json:"key,omitempty"`
	Value *string `json:"value,omitempty"`
}

func (r *Reader) nextJSON() (*batch.WriteBatch, error) {
	for {
		line, err := r.r.ReadBytes('\n')
		r.offset += int64(len(line))
		if len(line) == 0 && errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		r.line++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			continue
		}
		b, perr := ParseJSON(line)
		if perr != nil {
			return nil, &RecordError{Format: JSON, Line: r.line, Err: perr}
		}
		return b, nil
	}
}

// ParseJSON parses one JSON Lines record (see the package documentation).
func ParseJSON(line []byte) (*batch.WriteBatch, error) {
	// encoding/json replaces invalid UTF-8, and escapes of lone UTF-16
	// surrogates, with U+FFFD: a key would silently change. Refuse them.
	if err := checkText(line); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var jb jsonBatch
	if err := dec.Decode(&jb); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the batch object")
	}
	if jb.Pos == nil {
		return nil, errors.New(`missing "pos"`)
	}
	if *jb.Pos == 0 {
		return nil, errors.New(`"pos" must be at least 1`)
	}
	b := batch.New(batch.Offset(*jb.Pos))
	for i, op := range jb.Ops {
		if op.Table == nil {
			return nil, fmt.Errorf(`op %d: missing "table"`, i)
		}
		t := batch.TableID(*op.Table)
		switch op.Op {
		case "put", "delete":
			if op.Key == nil {
				return nil, fmt.Errorf(`op %d: %s without "key"`, i, op.Op)
			}
			key, err := DecodeText(*op.Key)
			if err != nil {
				return nil, fmt.Errorf("op %d: key: %w", i, err)
			}
			if op.Op == "delete" {
				if op.Value != nil {
					return nil, fmt.Errorf(`op %d: delete with a "value"`, i)
				}
				b.Delete(t, key)
				continue
			}
			if op.Value == nil {
				return nil, fmt.Errorf(`op %d: put without "value" (use "" for an empty value)`, i)
			}
			value, err := DecodeText(*op.Value)
			if err != nil {
				return nil, fmt.Errorf("op %d: value: %w", i, err)
			}
			b.Put(t, key, value)
		case "drop":
			if op.Key != nil || op.Value != nil {
				return nil, fmt.Errorf(`op %d: drop with a "key" or "value"`, i)
			}
			b.DropTable(t)
		case "":
			return nil, fmt.Errorf(`op %d: missing "op"`, i)
		default:
			return nil, fmt.Errorf(`op %d: unknown op %q (want put, delete or drop)`, i, op.Op)
		}
	}
	return b, nil
}

// errNotText explains how bytes that are not text travel in a JSON log.
const errNotText = `(bytes that are not UTF-8 text go as "base64:" and standard base64)`

// checkText refuses a record holding bytes that are not valid UTF-8, or a
// \u escape of a UTF-16 surrogate that is not half of a pair: both stand
// for no text, and encoding/json would replace them with U+FFFD. It also
// refuses the field names checkField refuses. Columns count bytes from 1.
func checkText(line []byte) error {
	if !utf8.Valid(line) {
		i := 0
		for i < len(line) {
			r, n := utf8.DecodeRune(line[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fmt.Errorf("invalid UTF-8 at column %d %s", i+1, errNotText)
	}
	inString, start := false, 0
	var objects []uint8 // the field names given in each open object, by bit
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '"' && !inString:
			inString, start = true, i
		case c == '"':
			inString = false
			if len(objects) > 0 && isKey(line[i+1:]) {
				if err := checkField(line[start:i+1], start, &objects[len(objects)-1]); err != nil {
					return err
				}
			}
		case inString && c == '\\':
			if i+1 < len(line) && line[i+1] == 'u' {
				r, ok := hex4(line[i+2:])
				if ok && utf16.IsSurrogate(r) {
					lo, lok := rune(0), false
					if r < 0xdc00 && i+7 < len(line) && line[i+6] == '\\' && line[i+7] == 'u' {
						lo, lok = hex4(line[i+8:])
					}
					if !lok || lo < 0xdc00 || lo > 0xdfff {
						return fmt.Errorf("unpaired UTF-16 surrogate \\u%04x at column %d %s", r, i+1, errNotText)
					}
					i += 6
				}
			}
			i++ // the escaped character
		case inString:
		case c == '{':
			objects = append(objects, 0)
		case c == '}' && len(objects) > 0:
			objects = objects[:len(objects)-1]
		}
	}
	return nil
}

// fieldNames are the field names of a JSON log, spelled exactly.
var fieldNames = []string{"pos", "ops", "op", "table", "key", "value"}

// isKey reports whether what follows a string makes it a field name.
func isKey(rest []byte) bool {
	rest = bytes.TrimLeft(rest, " \t\r\n")
	return len(rest) > 0 && rest[0] == ':'
}

// checkField refuses what encoding/json would take silently: a field name
// not spelled exactly as documented (it matches names whatever their case)
// and a field given twice (it keeps the last). seen holds a bit per name of
// fieldNames already given in the object.
func checkField(quoted []byte, at int, seen *uint8) error {
	raw := quoted[1 : len(quoted)-1]
	name := -1
	if bytes.IndexByte(raw, '\\') < 0 {
		for i, f := range fieldNames {
			if string(raw) == f {
				name = i
			}
		}
	}
	if name < 0 {
		var s string
		if err := json.Unmarshal(quoted, &s); err != nil {
			return nil // the decoder reports the syntax error
		}
		if name = slices.Index(fieldNames, s); name < 0 {
			return fmt.Errorf("unknown field %q at column %d (fields are %s)", s, at+1, strings.Join(fieldNames, ", "))
		}
	}
	if *seen&(1<<name) != 0 {
		return fmt.Errorf("field %q given twice at column %d", fieldNames[name], at+1)
	}
	*seen |= 1 << name
	return nil
}

// hex4 decodes the 4 hex digits b starts with.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 16)
	return rune(n), err == nil
}

// jsonError makes encoding/json's messages read well on one line.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at column %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return fmt.Errorf("%q must be %v, not a JSON %s", te.Field, te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errors.New("invalid JSON: the object is cut short")
	}
	return fmt.Errorf("invalid batch: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// TextPrefix marks a key or value written in base64.
const TextPrefix = "base64:"

// DecodeText decodes a key or value as written in a JSON log: UTF-8 text,
// or TextPrefix followed by standard base64 (padding optional).
func DecodeText(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, TextPrefix)
	if !ok {
		return []byte(s), nil
	}
	enc := base64.StdEncoding
	if len(rest)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("bad base64: %w", err)
	}
	return b, nil
}

// EncodeText is the inverse of DecodeText. Bytes that are not valid UTF-8,
// and text that itself starts with a prefix ("base64:", or "hex:" which
// command lines accept), are written in base64, so that the result always
// reads back as the same bytes.
func EncodeText(b []byte) string {
	if utf8.Valid(b) && !bytes.HasPrefix(b, []byte(TextPrefix)) && !bytes.HasPrefix(b, []byte("hex:")) {
		return string(b)
	}
	return TextPrefix + base64.StdEncoding.EncodeToString(b)
}

// AppendJSON appends b as one JSON Lines record, newline included.
func AppendJSON(dst []byte, b *batch.WriteBatch) ([]byte, error) {
	pos := uint64(b.Position)
	jb := jsonBatch{Pos: &pos, Ops: make([]jsonOp, len(b.Ops))}
	for i := range b.Ops {
		op := &b.Ops[i]
		t := uint64(op.Table)
		jo := jsonOp{Table: &t}
		switch op.Kind {
		case batch.OpPut:
			k, v := EncodeText(op.Key), EncodeText(op.Value)
			jo.Op, jo.Key, jo.Value = "put", &k, &v
		case batch.OpDelete:
			k := EncodeText(op.Key)
			jo.Op, jo.Key = "delete", &k
		case batch.OpDropTable:
			jo.Op = "drop"
		default:
			return dst, fmt.Errorf("%w: op %d has kind %d", batch.ErrBadOp, i, op.Kind)
		}
		jb.Ops[i] = jo
	}
	line, err := json.Marshal(jb)
	if err != nil {
		return dst, err
	}
	dst = append(dst, line...)
	return append(dst, '\n'), nil
}

// Writer writes a binary log.
type Writer struct {
	w       io.Writer
	started bool
	buf     []byte
}

// NewWriter returns a Writer of a binary log to w. The header goes out
// with the first batch, or with Header.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Header writes the log header if it has not been written yet; a log with
// no batches is just the header.
func (w *Writer) Header() error {
	if w.started {
		return nil
	}
	if _, err := io.WriteString(w.w, Magic+string(rune(Version))); err != nil {
		return err
	}
	w.started = true
	return nil
}

// Write appends b to the log as one record.
func (w *Writer) Write(b *batch.WriteBatch) error {
	if err := w.Header(); err != nil {
		return err
	}
	enc, err := b.AppendBinary(w.buf[:0])
	if err != nil {
		return err
	}
	w.buf = enc
	var n [binary.MaxVarintLen64]byte
	if _, err := w.w.Write(binary.AppendUvarint(n[:0], uint64(len(enc)))); err != nil {
		return err
	}
	_, err = w.w.Write(enc)
	return err
}
