package column

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Type is a column's declared type and, for a Value, its storage class.
//
// Null, Integer, Real, Text and Blob are SQLite's five storage classes.
// Boolean and Timestamp are column types with their own Arrow types; as
// values they are integers to SQLite (they compare, sort and report
// typeof() as integers). Any is only a column type: the column has no home
// storage class, so its values are always delivered as a dense union.
type Type uint8

const (
	Null      Type = iota // the NULL value; as a column type, arrow.Null
	Integer               // int64
	Real                  // float64, never NaN
	Text                  // UTF-8 text (not checked, as in SQLite)
	Blob                  // bytes
	Boolean               // false/true; an integer 0/1 to SQLite
	Timestamp             // microseconds since the Unix epoch, UTC
	Any                   // column type only: no home storage class

	numTypes = iota
)

var typeNames = [...]string{
	Null:      "NULL",
	Integer:   "INTEGER",
	Real:      "REAL",
	Text:      "TEXT",
	Blob:      "BLOB",
	Boolean:   "BOOLEAN",
	Timestamp: "TIMESTAMP",
	Any:       "ANY",
}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + itoa(int64(t)) + ")"
}

// Valid reports whether t is one of the defined types.
func (t Type) Valid() bool { return t < numTypes }

// Class returns the SQLite storage class of values of type t: Boolean and
// Timestamp values are integers, every other type is its own class.
func (t Type) Class() Type {
	switch t {
	case Boolean, Timestamp:
		return Integer
	}
	return t
}

// fixed reports the width of t's slot in the fixed area of a row, or 0 if
// t is stored in the variable area.
func (t Type) fixed() int {
	switch t {
	case Integer, Real, Timestamp:
		return 8
	case Boolean:
		return 1
	}
	return 0
}

// TimestampType is the Arrow type of Timestamp columns.
var TimestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// MixedType is the Arrow type of a column that holds values of more than
// one storage class: a dense union with one child per Type, whose type code
// is the Type itself (so a reader learns the storage class from the code).
// NULLs are appended to the Null child, which is first, as
// array.DenseUnionBuilder.AppendNull does. Every mixed column has this one
// type, whatever its declared type, so code that handles one handles all.
var MixedType = arrow.DenseUnionOf(
	[]arrow.Field{
		{Name: "null", Type: arrow.Null, Nullable: true},
		{Name: "integer", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "real", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "blob", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "boolean", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "timestamp", Type: TimestampType, Nullable: true},
	},
	[]arrow.UnionTypeCode{
		arrow.UnionTypeCode(Null), arrow.UnionTypeCode(Integer), arrow.UnionTypeCode(Real),
		arrow.UnionTypeCode(Text), arrow.UnionTypeCode(Blob), arrow.UnionTypeCode(Boolean),
		arrow.UnionTypeCode(Timestamp),
	},
)

// ArrowType returns the Arrow type of a column of type t whose values all
// have the column's own storage class (or are NULL). Any has no such
// type and returns MixedType; so does an invalid Type.
func (t Type) ArrowType() arrow.DataType {
	switch t {
	case Null:
		return arrow.Null
	case Integer:
		return arrow.PrimitiveTypes.Int64
	case Real:
		return arrow.PrimitiveTypes.Float64
	case Text:
		return arrow.BinaryTypes.String
	case Blob:
		return arrow.BinaryTypes.Binary
	case Boolean:
		return arrow.FixedWidthTypes.Boolean
	case Timestamp:
		return TimestampType
	}
	return MixedType
}

// Affinity is SQLite's column affinity: the storage class a column prefers,
// applied to values as they are stored (https://www.sqlite.org/datatype3.html §3).
type Affinity uint8

const (
	AffinityBlob    Affinity = iota // keep values as given (SQLite's "BLOB", formerly "NONE")
	AffinityText                    // numbers become text
	AffinityNumeric                 // numeric-looking text becomes a number, integer if exact
	AffinityInteger                 // as NUMERIC (they differ only in CAST)
	AffinityReal                    // as NUMERIC, but numbers are then forced to real
)

var affinityNames = [...]string{"BLOB", "TEXT", "NUMERIC", "INTEGER", "REAL"}

func (a Affinity) String() string {
	if int(a) < len(affinityNames) {
		return affinityNames[a]
	}
	return "Affinity(" + itoa(int64(a)) + ")"
}

// AffinityOf returns the affinity of a column declared with the type name
// decl, by SQLite's rules, in order and by case-insensitive substring:
//
//  1. "INT" gives INTEGER;
//  2. "CHAR", "CLOB" or "TEXT" gives TEXT;
//  3. "BLOB", or no type at all, gives BLOB;
//  4. "REAL", "FLOA" or "DOUB" gives REAL;
//  5. anything else gives NUMERIC.
//
// The order matters as in SQLite: "CHARINT" is INTEGER and
// "FLOATING POINT" is INTEGER too (it contains "INT").
func AffinityOf(decl string) Affinity {
	u := strings.ToUpper(decl)
	switch {
	case strings.Contains(u, "INT"):
		return AffinityInteger
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return AffinityText
	case strings.Contains(u, "BLOB"), strings.TrimSpace(decl) == "":
		return AffinityBlob
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"):
		return AffinityReal
	}
	return AffinityNumeric
}

// TypeOf returns the column Type for the declared type name decl: the
// Arrow type its values are delivered as when none is of another storage
// class. It follows the affinity, except that names starting with BOOL
// are Boolean, names starting with TIMESTAMP or DATETIME are Timestamp
// (both keep SQLite's NUMERIC affinity), and NUMERIC affinity otherwise
// (DECIMAL, NUMERIC, DATE...) is Any, because SQLite stores such values as
// integers or reals depending on the value and both must survive.
func TypeOf(decl string) Type {
	u := strings.ToUpper(strings.TrimSpace(decl))
	switch {
	case strings.HasPrefix(u, "BOOL"):
		return Boolean
	case strings.HasPrefix(u, "TIMESTAMP"), strings.HasPrefix(u, "DATETIME"):
		return Timestamp
	}
	switch AffinityOf(decl) {
	case AffinityInteger:
		return Integer
	case AffinityText:
		return Text
	case AffinityReal:
		return Real
	case AffinityBlob:
		if u == "" {
			return Any
		}
		return Blob
	}
	return Any
}

func itoa(i int64) string {
	var b [20]byte
	return string(appendInt(b[:0], i))
}
