package column

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// AppendValue appends v to b, which is either the builder of a column's
// own Arrow type (see Type.ArrowType) or a dense union builder of
// MixedType. A typed builder takes NULL and values of its own type only
// (an Int64Builder also takes integers, a Float64Builder reals); any
// other value returns an error wrapping ErrMixed, telling the caller the
// column needs MixedType. A union builder takes every value, under the
// type code equal to the value's Type.
func AppendValue(b array.Builder, v Value) error {
	if u, ok := b.(*array.DenseUnionBuilder); ok {
		return appendUnion(u, v)
	}
	if v.typ == Null {
		b.AppendNull()
		return nil
	}
	switch b := b.(type) {
	case *array.Int64Builder:
		if v.typ == Integer {
			b.Append(int64(v.bits))
			return nil
		}
	case *array.Float64Builder:
		if v.typ == Real {
			b.Append(math.Float64frombits(v.bits))
			return nil
		}
	case *array.StringBuilder:
		if v.typ == Text {
			b.Append(v.str)
			return nil
		}
	case *array.BinaryBuilder:
		if v.typ == Blob && b.Type().ID() == arrow.BINARY {
			b.AppendString(v.str)
			return nil
		}
	case *array.BooleanBuilder:
		if v.typ == Boolean {
			b.Append(v.bits != 0)
			return nil
		}
	case *array.TimestampBuilder:
		if v.typ == Timestamp {
			b.Append(arrow.Timestamp(int64(v.bits)))
			return nil
		}
	case *array.NullBuilder:
	default:
		return fmt.Errorf("column: cannot append to a %T", b)
	}
	return fmt.Errorf("%w: %s value into %s builder", ErrMixed, v.typ, b.Type())
}

func appendUnion(u *array.DenseUnionBuilder, v Value) error {
	if !v.typ.Valid() || v.typ == Any {
		return fmt.Errorf("column: invalid value type %s", v.typ)
	}
	if v.typ == Null {
		u.AppendNull()
		return nil
	}
	if u.NumChildren() != int(numTypes)-1 {
		return fmt.Errorf("column: union builder of type %s is not MixedType", u.Type())
	}
	u.Append(arrow.UnionTypeCode(v.typ))
	// MixedType's children are in Type order, so the child index is the code.
	c := u.Child(int(v.typ))
	switch v.typ {
	case Integer:
		c.(*array.Int64Builder).Append(int64(v.bits))
	case Real:
		c.(*array.Float64Builder).Append(math.Float64frombits(v.bits))
	case Text:
		c.(*array.StringBuilder).Append(v.str)
	case Blob:
		c.(*array.BinaryBuilder).AppendString(v.str)
	case Boolean:
		c.(*array.BooleanBuilder).Append(v.bits != 0)
	case Timestamp:
		c.(*array.TimestampBuilder).Append(arrow.Timestamp(int64(v.bits)))
	}
	return nil
}

// ValueAt returns element i of a, an array of one of the types
// Type.ArrowType returns or of MixedType, as a Value. Text values share
// a's memory only for as long as a is retained: ValueAt copies them, so
// the Value outlives the array.
func ValueAt(a arrow.Array, i int) (Value, error) {
	if i < 0 || i >= a.Len() {
		return Value{}, fmt.Errorf("column: index %d out of range [0,%d)", i, a.Len())
	}
	if u, ok := a.(*array.DenseUnion); ok {
		code := u.TypeCode(i)
		child := u.Field(u.ChildID(i))
		if u.UnionType().Fingerprint() != MixedType.Fingerprint() {
			return Value{}, fmt.Errorf("column: union of type %s is not MixedType", u.DataType())
		}
		v, err := ValueAt(child, int(u.ValueOffset(i)))
		if err == nil && v.typ != Null && v.typ != Type(code) {
			err = fmt.Errorf("column: union type code %d holds a %s", code, v.typ)
		}
		return v, err
	}
	if a.IsNull(i) {
		return Value{}, nil
	}
	switch a := a.(type) {
	case *array.Int64:
		return MakeInt(a.Value(i)), nil
	case *array.Float64:
		return MakeReal(a.Value(i)), nil
	case *array.String:
		return MakeText(string([]byte(a.Value(i)))), nil
	case *array.Binary:
		return MakeBlob(a.Value(i)), nil
	case *array.Boolean:
		return MakeBool(a.Value(i)), nil
	case *array.Timestamp:
		if a.DataType().(*arrow.TimestampType).Unit != arrow.Microsecond {
			return Value{}, fmt.Errorf("column: timestamp unit %s, want us", a.DataType().(*arrow.TimestampType).Unit)
		}
		return MakeTimestamp(int64(a.Value(i))), nil
	case *array.Null:
		return Value{}, nil
	}
	return Value{}, fmt.Errorf("column: no Value for Arrow type %s", a.DataType())
}
