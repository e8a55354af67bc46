package column

import "errors"

// Errors of reads and writes against the catalog and the rows, wrapped in
// a *TableError that names the table (or index) and the column.
var (
	ErrNoTable      = errors.New("no such table")
	ErrNoIndex      = errors.New("no such index")
	ErrNoView       = errors.New("no such view")
	ErrNoTrigger    = errors.New("no such trigger")
	ErrExists       = errors.New("already exists")
	ErrNotFound     = errors.New("no row with this primary key")
	ErrDuplicateKey = errors.New("duplicate primary key")
	ErrNotNull      = errors.New("NOT NULL constraint failed")
	ErrUnique       = errors.New("UNIQUE constraint failed")
	ErrType         = errors.New("value cannot be stored")
	ErrTooLarge     = errors.New("too large")
	ErrReadOnly     = errors.New("read-only transaction (no pending batch)")
	ErrBadArgument  = errors.New("bad argument")
)

// TableError reports a failed read or write: Err is one of the sentinels
// above (or ErrUnknownColumn), so errors.Is works through it, and the
// fields say where.
type TableError struct {
	Table  string // the table (or view) concerned
	Index  string // the index concerned, if any
	Column string // the column concerned, if any
	Detail string // more about the cause, if any
	At     *uint64
	Err    error
}

func (e *TableError) Error() string {
	s := "column: "
	switch {
	case e.Index != "" && e.Table != "":
		s += "table " + quoteName(e.Table) + ", index " + quoteName(e.Index)
	case e.Index != "":
		s += "index " + quoteName(e.Index)
	default:
		s += "table " + quoteName(e.Table)
	}
	if e.Column != "" {
		s += ", column " + quoteName(e.Column)
	}
	s += ": " + e.Err.Error()
	if e.At != nil {
		s += " at position " + itoa(int64(*e.At))
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *TableError) Unwrap() error { return e.Err }
