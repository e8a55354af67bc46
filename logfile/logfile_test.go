package logfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/projstore/projstore/batch"
)

// randomBatches builds n batches at positions 1..n with every op kind and
// keys and values that are text, binary, empty, or look like a prefix.
func randomBatches(seed uint64, n int) []*batch.WriteBatch {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bytesOf := func() []byte {
		switch rng.IntN(5) {
		case 0:
			return []byte{}
		case 1:
			b := make([]byte, rng.IntN(40))
			for i := range b {
				b[i] = byte(rng.UintN(256))
			}
			return b
		case 2:
			return []byte("base64:" + fmt.Sprint(rng.IntN(1000)))
		case 3:
			return []byte("hex:ff")
		}
		return []byte(fmt.Sprintf("text-%d ünïcode \"quoted\"\n", rng.IntN(1e6)))
	}
	var out []*batch.WriteBatch
	for i := 1; i <= n; i++ {
		b := batch.New(batch.Offset(i))
		for range rng.IntN(6) {
			t := batch.TableID(rng.Uint64N(4))
			if rng.IntN(10) == 0 {
				t = batch.TableID(rng.Uint64())
			}
			switch rng.IntN(4) {
			case 0:
				b.Delete(t, bytesOf())
			case 1:
				b.DropTable(t)
			default:
				b.Put(t, bytesOf(), bytesOf())
			}
		}
		out = append(out, b)
	}
	return out
}

func readAll(t *testing.T, r *Reader) []*batch.WriteBatch {
	t.Helper()
	var out []*batch.WriteBatch
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next after %d batches: %v", len(out), err)
		}
		// Keys and values alias the reader's buffer: keep copies.
		c := batch.New(b.Position)
		c.Ops = append(c.Ops, b.Ops...)
		enc, _ := c.MarshalBinary()
		var d batch.WriteBatch
		if err := d.UnmarshalBinary(enc); err != nil {
			t.Fatal(err)
		}
		out = append(out, &d)
	}
}

// normalise gives a batch the nil/empty shape UnmarshalBinary produces.
func normalise(t *testing.T, bs []*batch.WriteBatch) []*batch.WriteBatch {
	t.Helper()
	var out []*batch.WriteBatch
	for _, b := range bs {
		enc, err := b.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var d batch.WriteBatch
		if err := d.UnmarshalBinary(enc); err != nil {
			t.Fatal(err)
		}
		out = append(out, &d)
	}
	return out
}

func TestBinaryRoundTrip(t *testing.T) {
	want := randomBatches(1, 300)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, b := range want {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	r := NewReader(bytes.NewReader(buf.Bytes()))
	if f, err := r.Format(); f != Binary || err != nil {
		t.Fatalf("Format = %v, %v; want binary", f, err)
	}
	got := readAll(t, r)
	if !reflect.DeepEqual(got, normalise(t, want)) {
		t.Fatalf("binary round trip differs: got %d batches, want %d", len(got), len(want))
	}
	if r.Offset() != int64(buf.Len()) {
		t.Fatalf("Offset = %d after reading %d bytes", r.Offset(), buf.Len())
	}
}

func TestJSONRoundTrip(t *testing.T) {
	want := randomBatches(2, 300)
	var buf []byte
	for i, b := range want {
		var err error
		if buf, err = AppendJSON(buf, b); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			buf = append(buf, "\n  \r\n"...) // blank lines are skipped
		}
	}
	r := NewReader(bytes.NewReader(buf))
	if f, err := r.Format(); f != JSON || err != nil {
		t.Fatalf("Format = %v, %v; want JSON", f, err)
	}
	got := readAll(t, r)
	if !reflect.DeepEqual(got, normalise(t, want)) {
		t.Fatalf("JSON round trip differs: got %d batches, want %d", len(got), len(want))
	}
}

func TestTextRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := [][]byte{{}, []byte("plain"), []byte("base64:AAAA"), []byte("hex:00"), {0xff, 0xfe}, []byte("é")}
	for range 500 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		cases = append(cases, b)
	}
	for _, c := range cases {
		s := EncodeText(c)
		got, err := DecodeText(s)
		if err != nil || !bytes.Equal(got, c) {
			t.Fatalf("DecodeText(EncodeText(%q)) = %q, %v", c, got, err)
		}
	}
	if s := EncodeText([]byte("acct-1")); s != "acct-1" {
		t.Fatalf("UTF-8 text encoded as %q", s)
	}
	// Unpadded base64 is accepted too.
	if got, err := DecodeText("base64:AQI"); err != nil || !bytes.Equal(got, []byte{1, 2}) {
		t.Fatalf("unpadded base64: %q, %v", got, err)
	}
	if _, err := DecodeText("base64:!!"); err == nil {
		t.Fatal("bad base64 accepted")
	}
}

func TestJSONErrors(t *testing.T) {
	good := `{"pos":1,"ops":[{"op":"put","table":1,"key":"a","value":"1"}]}`
	cases := []struct {
		line, want string
	}{
		{`{"pos":2,"ops":[{"op":"putt","table":1,"key":"a","value":"1"}]}`, `unknown op "putt"`},
		{`{"pos":2,"ops":[{"op":"put","table":1,"key":"a"}]}`, `put without "value"`},
		{`{"pos":2,"ops":[{"op":"put","key":"a","value":""}]}`, `missing "table"`},
		{`{"pos":2,"ops":[{"op":"delete","table":1}]}`, `delete without "key"`},
		{`{"pos":2,"ops":[{"op":"delete","table":1,"key":"a","value":"x"}]}`, `delete with a "value"`},
		{`{"pos":2,"ops":[{"op":"drop","table":1,"key":"a"}]}`, `drop with a "key"`},
		{`{"pos":2,"ops":[{"table":1}]}`, `missing "op"`},
		{`{"ops":[]}`, `missing "pos"`},
		{`{"pos":0}`, `at least 1`},
		{`{"pos":-1}`, `"pos" must be uint64`},
		{`{"pos":2,"extra":true}`, `unknown field "extra"`},
		{`{"pos":2} {"pos":3}`, `trailing data`},
		{`{"pos":2,`, `cut short`},
		{`{"pos":2,"ops":[{"op":"put","table":1,"key":"base64:%%","value":""}]}`, `key: bad base64`},
		{`{"pos":2]`, `invalid JSON`},
		// Bytes that are not text, and escapes that stand for no text, are
		// refused: encoding/json would turn them into U+FFFD.
		{"{\"pos\":2,\"ops\":[{\"op\":\"put\",\"table\":1,\"key\":\"a\xffb\",\"value\":\"\"}]}", `invalid UTF-8 at column 47 (bytes that are not UTF-8 text go as "base64:"`},
		{"{\"pos\":2,\"ops\":[{\"op\":\"put\",\"table\":1,\"key\":\"k\",\"value\":\"\xc3\"}]}", `invalid UTF-8 at column`},
		{`{"pos":2,"ops":[{"op":"put","table":1,"key":"\ud800","value":""}]}`, `unpaired UTF-16 surrogate \ud800 at column 46`},
		{`{"pos":2,"ops":[{"op":"put","table":1,"key":"\udc00x","value":""}]}`, `unpaired UTF-16 surrogate \udc00`},
		{`{"pos":2,"ops":[{"op":"put","table":1,"key":"\ud800\u0041","value":""}]}`, `unpaired UTF-16 surrogate \ud800`},
		// encoding/json keeps the last of a repeated field and matches
		// names whatever their case: both are refused.
		{`{"pos":2,"pos":3}`, `field "pos" given twice at column 10`},
		{`{"pos":2,"ops":[{"op":"put","op":"delete","table":1,"key":"k","value":""}]}`, `field "op" given twice`},
		{`{"Pos":2}`, `unknown field "Pos" at column 2`},
		{`{"pos":2,"ops":[{"op":"put","table":1,"KEY":"k","value":""}]}`, `unknown field "KEY"`},
	}
	for _, c := range cases {
		in := good + "\n\n" + c.line + "\n" + `{"pos":3}` + "\n"
		r := NewReader(strings.NewReader(in))
		if b, err := r.Next(); err != nil || b.Position != 1 {
			t.Fatalf("%s: first record: %v, %v", c.line, b, err)
		}
		_, err := r.Next()
		var re *RecordError
		if !errors.As(err, &re) || !errors.Is(err, ErrBadRecord) {
			t.Fatalf("%s: error %v is not a *RecordError matching ErrBadRecord", c.line, err)
		}
		if re.Line != 3 || !strings.HasPrefix(err.Error(), "line 3: ") {
			t.Fatalf("%s: error %q does not name line 3", c.line, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: error %q does not say %q", c.line, err, c.want)
		}
		// Nothing after a bad record is read.
		if _, again := r.Next(); again != err {
			t.Fatalf("%s: Next after the error returned %v", c.line, again)
		}
	}
}

// TestJSONText: escapes that are text read back as that text, a pair of
// surrogates included, and an escaped backslash is not taken for an escape.
func TestJSONText(t *testing.T) {
	for in, want := range map[string]string{
		`\ud83d\ude00`: "\U0001F600",
		`\\ud800`:      `\ud800`,
		`\u00e9\n`:     "é\n",
		`é`:            "é",
		`\"\\`:         `"\`,
		`pos\":`:       `pos":`, // a value that looks like a field name
	} {
		b, err := ParseJSON([]byte(`{"pos":1,"ops":[{"op":"put","table":1,"key":"k","value":"` + in + `"}]}`))
		if err != nil {
			t.Errorf("value %s: %v", in, err)
		} else if got := string(b.Ops[0].Value); got != want {
			t.Errorf("value %s: %q, want %q", in, got, want)
		}
	}
}

func TestBinaryErrors(t *testing.T) {
	bs := randomBatches(5, 3)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Header(); err != nil {
		t.Fatal(err)
	}
	var starts []int
	for _, b := range bs {
		starts = append(starts, buf.Len())
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	log := buf.Bytes()

	expectAt := func(name string, data []byte, good int, off int, is error) {
		t.Helper()
		r := NewReader(bytes.NewReader(data))
		for i := range good {
			if _, err := r.Next(); err != nil {
				t.Fatalf("%s: record %d: %v", name, i, err)
			}
		}
		_, err := r.Next()
		var re *RecordError
		if !errors.As(err, &re) || re.Offset != int64(off) {
			t.Fatalf("%s: error %v, want a RecordError at offset %d", name, err, off)
		}
		if !strings.HasPrefix(err.Error(), fmt.Sprintf("offset %d: ", off)) {
			t.Fatalf("%s: error %q does not start with its offset", name, err)
		}
		if is != nil && !errors.Is(err, is) {
			t.Fatalf("%s: error %v does not match %v", name, err, is)
		}
	}

	// A flipped byte inside record 2 fails its CRC.
	flipped := bytes.Clone(log)
	flipped[starts[1]+8] ^= 0x40
	expectAt("flipped", flipped, 1, starts[1], batch.ErrCorrupt)

	// Cut short in the middle of record 3, or of its length prefix.
	expectAt("truncated", log[:len(log)-3], 2, starts[2], io.ErrUnexpectedEOF)

	// A length prefix claiming more than MaxRecord is refused outright.
	huge := append(bytes.Clone(log[:starts[1]]), binary.AppendUvarint(nil, MaxRecord+1)...)
	expectAt("huge", huge, 1, starts[1], nil)

	// A length claiming a lot that does not arrive: refused without
	// allocating for it (the reader grows with the data).
	claim := append(bytes.Clone(log[:starts[1]]), binary.AppendUvarint(nil, MaxRecord)...)
	expectAt("claim", append(claim, 1, 2, 3), 1, starts[1], io.ErrUnexpectedEOF)

	// Unknown version.
	r := NewReader(strings.NewReader(Magic + "\x07"))
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "version 7") {
		t.Fatalf("version 7: %v", err)
	}
}

func TestFormatDetection(t *testing.T) {
	for _, in := range []string{"", "   \n\t\n"} {
		r := NewReader(strings.NewReader(in))
		if _, err := r.Next(); !errors.Is(err, io.EOF) {
			t.Fatalf("%q: Next = %v, want EOF", in, err)
		}
	}
	// A header alone is an empty binary log.
	var buf bytes.Buffer
	if err := NewWriter(&buf).Header(); err != nil {
		t.Fatal(err)
	}
	r := NewReader(&buf)
	if f, _ := r.Format(); f != Binary {
		t.Fatalf("header only: format %v", f)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("header only: Next = %v", err)
	}

	enc, _ := batch.New(1).MarshalBinary()
	for in, want := range map[string]string{
		"hello":     "first byte 0x68",
		string(enc): "bare batch",
		"PSL":       "first byte 0x50",
	} {
		_, err := NewReader(strings.NewReader(in)).Next()
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%q: error %v, want ErrFormat saying %q", in, err, want)
		}
	}
	// Leading blank lines before JSON are fine, even past the buffer.
	in := strings.Repeat(" ", 70<<10) + "\n" + `{"pos":1}` + "\n"
	b, err := NewReader(strings.NewReader(in)).Next()
	if err != nil || b.Position != 1 {
		t.Fatalf("blank prefix: %v, %v", b, err)
	}
}

func FuzzReader(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, b := range randomBatches(9, 3) {
		w.Write(b)
	}
	f.Add(buf.Bytes())
	line, _ := AppendJSON(nil, randomBatches(10, 1)[0])
	f.Add(line)
	f.Add([]byte(`{"pos":1,"ops":[{"op":"drop","table":3}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		for range 1000 {
			b, err := r.Next()
			if err != nil {
				return
			}
			// Whatever decodes must encode again in both forms.
			if _, err := b.MarshalBinary(); err != nil {
				t.Fatalf("decoded batch does not encode: %v", err)
			}
			if _, err := AppendJSON(nil, b); err != nil {
				t.Fatalf("decoded batch does not encode as JSON: %v", err)
			}
		}
	})
}

// BenchmarkParseJSON parses a line of 100 puts, checks included.
func BenchmarkParseJSON(b *testing.B) {
	wb := batch.New(1)
	for i := range 100 {
		wb.Put(1, []byte(fmt.Sprintf("key-%06d", i)), []byte(strings.Repeat("v", 40)))
	}
	line, err := AppendJSON(nil, wb)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := ParseJSON(line); err != nil {
			b.Fatal(err)
		}
	}
}
