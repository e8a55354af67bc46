package column

import "errors"

var (
	// ErrCorrupt is matched (errors.Is) by every error about bytes that
	// are not a valid key, row or catalog encoding.
	ErrCorrupt = errors.New("column: corrupt encoding")

	// ErrMixed is returned when a value of another storage class meets a
	// builder of a column's own Arrow type: the column must be read as
	// MixedType.
	ErrMixed = errors.New("column: value of another storage class")

	// Schema validation errors, wrapped in a *SchemaError.
	ErrEmptyName       = errors.New("empty name")
	ErrDuplicateColumn = errors.New("duplicate column name")
	ErrUnknownColumn   = errors.New("unknown column")
	ErrNoColumns       = errors.New("no columns")
	ErrInvalidType     = errors.New("invalid type")
	ErrPrimaryKey      = errors.New("invalid primary key")
	ErrInvalidVersion  = errors.New("invalid version")
)

// SchemaError reports an invalid table, index or view definition. Err is
// one of the sentinel errors above, so errors.Is(err, ErrDuplicateColumn)
// works through it.
type SchemaError struct {
	Kind   string // "table", "index" or "view"
	Name   string // the object's name
	Column string // the column concerned, if any
	Err    error
}

func (e *SchemaError) Error() string {
	s := "column: " + e.Kind + " " + quoteName(e.Name)
	if e.Column != "" {
		s += ": column " + quoteName(e.Column)
	}
	return s + ": " + e.Err.Error()
}

func (e *SchemaError) Unwrap() error { return e.Err }

func quoteName(s string) string { return `"` + s + `"` }
