package batch

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Offset is a position in the log.
type Offset uint64

// MaxOffset is the position of something that is never deleted.
const MaxOffset Offset = math.MaxUint64

// TableID names a table.
type TableID uint64

// OpKind says what a WriteOp does. Its values are part of the wire format.
type OpKind uint8

const (
	OpPut       OpKind = iota // set Key to Value
	OpDelete                  // remove Key
	OpDropTable               // remove every key of Table
)

func (k OpKind) String() string {
	switch k {
	case OpPut:
		return "Put"
	case OpDelete:
		return "Delete"
	case OpDropTable:
		return "DropTable"
	}
	return "OpKind(" + strconv.Itoa(int(k)) + ")"
}

// WriteOp is one operation of a batch.
//
// Batches built with the methods of WriteBatch, and batches decoded by
// UnmarshalBinary, follow one rule so that round trips compare equal with
// reflect.DeepEqual: Put and Delete keys and Put values are never nil
// (they may be empty); Delete values and DropTable keys and values are
// always nil.
type WriteOp struct {
	Kind       OpKind
	Table      TableID
	Key, Value []byte
}

// WriteBatch is an ordered list of ops applied atomically at Position.
type WriteBatch struct {
	Position Offset
	Ops      []WriteOp
}

// ErrCorrupt is wrapped by every error that UnmarshalBinary returns.
var ErrCorrupt = errors.New("batch: corrupt wire data")

// ErrBadOp is wrapped by the error returned when encoding a batch holding
// an op that the wire format cannot represent.
var ErrBadOp = errors.New("batch: bad op")

// DecodeError reports where and why decoding failed.
type DecodeError struct {
	Offset int // byte offset into the input
	Reason string
}

func (e *DecodeError) Error() string {
	return "batch: corrupt wire data at offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Unwrap returns ErrCorrupt.
func (e *DecodeError) Unwrap() error { return ErrCorrupt }

// New returns an empty batch at position pos.
func New(pos Offset) *WriteBatch {
	return &WriteBatch{Position: pos}
}

// Put appends an op setting key to value in table t and returns b.
//
// b keeps key and value rather than copying them, so the caller must not
// modify them until the store's Apply has returned.
func (b *WriteBatch) Put(t TableID, key, value []byte) *WriteBatch {
	b.Ops = append(b.Ops, WriteOp{Kind: OpPut, Table: t, Key: nonNil(key), Value: nonNil(value)})
	return b
}

// Delete appends an op removing key from table t and returns b.
//
// b keeps key rather than copying it, so the caller must not modify it
// until the store's Apply has returned.
func (b *WriteBatch) Delete(t TableID, key []byte) *WriteBatch {
	b.Ops = append(b.Ops, WriteOp{Kind: OpDelete, Table: t, Key: nonNil(key)})
	return b
}

// DropTable appends an op after which table t is empty from b's position
// on, and returns b.
func (b *WriteBatch) DropTable(t TableID) *WriteBatch {
	b.Ops = append(b.Ops, WriteOp{Kind: OpDropTable, Table: t})
	return b
}

// Len returns the number of ops in b.
func (b *WriteBatch) Len() int {
	if b == nil {
		return 0
	}
	return len(b.Ops)
}

// Reset empties b and moves it to position pos, keeping the capacity of
// b.Ops for reuse.
func (b *WriteBatch) Reset(pos Offset) {
	// Clearing drops references to the previous callers' slices so they
	// can be collected while b sits in a pool.
	clear(b.Ops)
	b.Ops = b.Ops[:0]
	b.Position = pos
}

// nonNil maps nil to an empty slice, which costs no allocation, so built
// and decoded batches agree under reflect.DeepEqual.
func nonNil(p []byte) []byte {
	if p == nil {
		return []byte{}
	}
	return p
}

func badOp(i int, op *WriteOp, why string) error {
	return fmt.Errorf("%w: op %d (%v, table %d): %s", ErrBadOp, i, op.Kind, op.Table, why)
}
