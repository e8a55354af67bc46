package column

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Export formats.
const (
	FormatArrow       = "arrow"  // Arrow IPC file (random access, with a footer)
	FormatArrowStream = "arrows" // Arrow IPC stream
	FormatCSV         = "csv"    // RFC 4180, a header line of column names
	FormatJSON        = "json"   // JSON Lines, one object per row
)

// ExportOptions shape an export. The zero value writes every column as
// an Arrow IPC file.
type ExportOptions struct {
	Format    string   // one of the Format constants; "" is FormatArrow
	Columns   []string // nil: every column
	Version   string   // recorded as projstore.version; "": this module's version
	BatchSize int
	Allocator memory.Allocator
	// Progress, if not nil, is called after each batch with the rows
	// written so far.
	Progress func(rows int64)
}

// Version returns the projstore module version of this build, as the
// build information records it, or "(devel)".
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if info.Main.Path == "github.com/projstore/projstore" && info.Main.Version != "" {
		return info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == "github.com/projstore/projstore" {
			return d.Version
		}
	}
	return "(devel)"
}

// Export writes table as of the Tx's position to w and returns the rows
// written. Arrow formats carry the schema metadata projstore.table,
// projstore.position and projstore.version. In CSV, NULL is an empty
// field, blobs are "base64:" and their standard base64, and the other
// values are their text as SQLite renders it. In JSON Lines, integers and
// reals are numbers (infinities as ±9e999, as SQLite's json does),
// booleans true/false, timestamps and text strings, blobs "base64:"
// strings, NULL null.
func Export(ctx context.Context, w io.Writer, tx *Tx, table string, opts *ExportOptions) (int64, error) {
	if opts == nil {
		opts = &ExportOptions{}
	}
	format := opts.Format
	if format == "" {
		format = FormatArrow
	}
	switch format {
	case FormatArrow, FormatArrowStream, FormatCSV, FormatJSON:
	default:
		return 0, fmt.Errorf("column: export format %q: want arrow, arrows, csv or json", format)
	}
	sc, err := tx.Scan(ctx, table, &ScanOptions{Columns: opts.Columns, BatchSize: opts.BatchSize, Allocator: opts.Allocator})
	if err != nil {
		return 0, err
	}
	defer sc.Release()
	version := opts.Version
	if version == "" {
		version = Version()
	}
	md := sc.Schema().Metadata()
	keys := append(md.Keys(), MetaVersion)
	vals := append(md.Values(), version)
	schema := arrow.NewSchema(sc.Schema().Fields(), func() *arrow.Metadata { m := arrow.NewMetadata(keys, vals); return &m }())

	var write func(rec arrow.RecordBatch) error
	var finish func() error
	mem := opts.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	switch format {
	case FormatArrow:
		fw, err := ipc.NewFileWriter(w, ipc.WithSchema(schema), ipc.WithAllocator(mem))
		if err != nil {
			return 0, err
		}
		write, finish = fw.Write, fw.Close
	case FormatArrowStream:
		sw := ipc.NewWriter(w, ipc.WithSchema(schema), ipc.WithAllocator(mem))
		write, finish = sw.Write, sw.Close
	case FormatCSV:
		cw := csv.NewWriter(w)
		header := make([]string, len(schema.Fields()))
		for i, f := range schema.Fields() {
			header[i] = f.Name
		}
		if err := cw.Write(header); err != nil {
			return 0, err
		}
		write = func(rec arrow.RecordBatch) error { return writeCSV(cw, rec) }
		finish = func() error { cw.Flush(); return cw.Error() }
	case FormatJSON:
		names := make([][]byte, len(schema.Fields()))
		for i, f := range schema.Fields() {
			names[i], _ = json.Marshal(f.Name)
		}
		write = func(rec arrow.RecordBatch) error { return writeJSON(w, names, rec) }
		finish = func() error { return nil }
	}
	var rows int64
	for sc.Next() {
		rec := sc.RecordBatch()
		out := array.NewRecordBatch(schema, rec.Columns(), rec.NumRows())
		err := write(out)
		out.Release()
		if err != nil {
			return rows, err
		}
		rows += rec.NumRows()
		if opts.Progress != nil {
			opts.Progress(rows)
		}
	}
	if err := sc.Err(); err != nil {
		return rows, err
	}
	return rows, finish()
}

func writeCSV(cw *csv.Writer, rec arrow.RecordBatch) error {
	rec_ := make([]string, rec.NumCols())
	var buf []byte
	for r := 0; r < int(rec.NumRows()); r++ {
		for c := range rec_ {
			v, err := ValueAt(rec.Column(c), r)
			if err != nil {
				return err
			}
			switch v.Type() {
			case Null:
				rec_[c] = ""
			case Blob:
				rec_[c] = "base64:" + base64.StdEncoding.EncodeToString(v.Bytes())
			default:
				buf = AppendText(buf[:0], v)
				rec_[c] = string(buf)
			}
		}
		if err := cw.Write(rec_); err != nil {
			return err
		}
	}
	return nil
}

func writeJSON(w io.Writer, names [][]byte, rec arrow.RecordBatch) error {
	var line []byte
	for r := 0; r < int(rec.NumRows()); r++ {
		line = append(line[:0], '{')
		for c := range names {
			if c > 0 {
				line = append(line, ',')
			}
			line = append(append(line, names[c]...), ':')
			v, err := ValueAt(rec.Column(c), r)
			if err != nil {
				return err
			}
			line = appendJSONValue(line, v)
		}
		line = append(line, '}', '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

func appendJSONValue(b []byte, v Value) []byte {
	switch v.Type() {
	case Null:
		return append(b, "null"...)
	case Integer:
		return strconv.AppendInt(b, v.Int(), 10)
	case Real:
		f := v.Float()
		switch {
		case math.IsInf(f, 1):
			return append(b, "9e999"...)
		case math.IsInf(f, -1):
			return append(b, "-9e999"...)
		}
		return AppendText(b, v)
	case Boolean:
		return strconv.AppendBool(b, v.Bool())
	case Blob:
		return append(append(append(b, `"base64:`...), base64.StdEncoding.EncodeToString(v.Bytes())...), '"')
	}
	s, _ := json.Marshal(string(AppendText(nil, v)))
	return append(b, s...)
}
