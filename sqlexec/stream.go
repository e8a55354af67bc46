package sqlexec

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/projstore/projstore/column"
	"github.com/projstore/projstore/sqlexec/sqlparse"
)

// rowSink receives a query's result as it is produced: its columns,
// then its rows, some at a time.
type rowSink struct {
	start func(cols []outCol) error
	rows  func([][]Value) error
}

// errNoRows is QueryArrow on a script whose last statement returns no
// rows.
var errNoRows = errors.New("sqlexec: statement returns no rows")

// QueryArrow runs sql (one or more statements) and returns the result of
// the last one as a stream of Arrow record batches whose columns are
// column.MixedType unions (values of any SQLite storage class), from
// db's allocator.
//
// The stream is produced while it is read: a query over one table
// without ORDER BY, DISTINCT, aggregates or a compound operator hands out
// each batch as the scan filters and projects it, so memory stays at
// about a batch however many rows the table has, and a LIMIT stops the
// scan. Other queries are evaluated whole first, then handed out a batch
// at a time. The query holds db (other statements wait) until the stream
// ends or the reader is released; releasing it early stops the query.
func (db *DB) QueryArrow(ctx context.Context, sql string, args ...any) (array.RecordReader, error) {
	vals := make([]Value, len(args))
	for i, a := range args {
		v, err := argValue(a)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &recordStream{ch: make(chan arrow.RecordBatch), done: make(chan struct{}), cancel: cancel}
	r.refs.Store(1)
	ready := make(chan error, 1)
	mem := db.allocator()
	go func() {
		defer close(r.done)
		defer close(r.ch)
		var schema *arrow.Schema
		started := false
		sink := &rowSink{
			start: func(cols []outCol) error {
				fields := make([]arrow.Field, len(cols))
				for i, c := range cols {
					fields[i] = arrow.Field{Name: c.name, Type: column.MixedType, Nullable: true}
				}
				schema = arrow.NewSchema(fields, nil)
				r.schema, started = schema, true
				ready <- nil
				return nil
			},
			rows: func(rows [][]Value) error {
				for start := 0; start < len(rows); start += scanBatchRows {
					rec, err := buildRecord(mem, schema, rows[start:min(start+scanBatchRows, len(rows))])
					if err != nil {
						return err
					}
					select {
					case r.ch <- rec:
					case <-ctx.Done():
						rec.Release()
						return ctx.Err()
					}
				}
				return nil
			},
		}
		err := db.runSink(ctx, sql, vals, sink)
		if !started {
			if err == nil {
				err = errNoRows
			}
			ready <- err
			return
		}
		r.err = err
	}()
	if err := <-ready; err != nil {
		<-r.done
		cancel()
		return nil, err
	}
	return r, nil
}

// runSink runs a script, the last statement into sink: its rows reach
// sink while it runs (when it is a query).
func (db *DB) runSink(ctx context.Context, sql string, args []Value, sink *rowSink) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	s := sqlparse.NewScript(sql)
	// one statement behind, so that the last one is known when it runs
	var prev sqlparse.Stmt
	for s.Next() {
		if prev != nil {
			if _, _, err := db.execStmt(ctx, prev, args, nil); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		prev = s.Stmt()
	}
	if err := s.Err(); err != nil {
		return err
	}
	if prev == nil {
		return nil
	}
	rs, _, err := db.execStmt(ctx, prev, args, sink)
	if err != nil || rs == nil {
		return err
	}
	// a statement that is not a query, but returns rows (EXPLAIN)
	if err := sink.start(rs.cols); err != nil {
		return err
	}
	return sink.rows(rs.rows)
}

// buildRecord makes a record batch of rows.
func buildRecord(mem memory.Allocator, schema *arrow.Schema, rows [][]Value) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, r := range rows {
		for i := range schema.Fields() {
			if err := column.AppendValue(b.Field(i), r[i]); err != nil {
				return nil, fmt.Errorf("sqlexec: result column %d: %w", i+1, err)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// recordStream is the array.RecordReader of QueryArrow: batches arrive
// on ch from the goroutine running the query.
type recordStream struct {
	refs   atomic.Int64
	schema *arrow.Schema
	ch     chan arrow.RecordBatch
	done   chan struct{} // closed when the query has ended
	cancel context.CancelFunc
	cur    arrow.RecordBatch
	err    error // set before done is closed
}

func (r *recordStream) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one stops the query if it is still
// running and releases what it had produced.
func (r *recordStream) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.cancel()
	for rec := range r.ch {
		rec.Release()
	}
	<-r.done
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *recordStream) Schema() *arrow.Schema { return r.schema }

// Next waits for the next batch; false at the end of the stream or on an
// error (Err).
func (r *recordStream) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	rec, ok := <-r.ch
	if !ok {
		<-r.done
		return false
	}
	r.cur = rec
	return true
}

func (r *recordStream) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch, for the deprecated name.
func (r *recordStream) Record() arrow.RecordBatch { return r.cur }

// Err is the error that ended the stream early, if any.
func (r *recordStream) Err() error {
	select {
	case <-r.done:
		return r.err
	default:
		return nil
	}
}
