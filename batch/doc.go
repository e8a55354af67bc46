// Package batch owns write batches, log positions, and the batch wire
// format.
//
// A [WriteBatch] is an ordered list of operations that the store applies
// atomically at one log [Offset]. Its wire encoding is self-checking: a
// trailing CRC32C (Castagnoli) covers every byte before it, so a torn or
// bit-flipped log record is reported as [ErrCorrupt] instead of being
// applied.
//
// # Wire format
//
// All fixed-width integers are little endian. Variable-width integers are
// unsigned LEB128 varints ([encoding/binary.AppendUvarint]) and must be
// minimal, so every batch has exactly one encoding and a decoded batch
// re-encodes to identical bytes.
//
//	| offset | size  | field                                     |
//	|--------|-------|-------------------------------------------|
//	| 0      | 4     | magic "PSWB"                              |
//	| 4      | 1     | format version, 1                         |
//	| 5      | 8     | position, u64                             |
//	| 13     | 1..10 | op count, uvarint                         |
//	| ...    | ...   | ops, back to back                         |
//	| n-4    | 4     | CRC32C of bytes [0, n-4), u32             |
//
// Each op is laid out as follows; which fields are present depends on the
// kind, so a Delete cannot carry a value and a DropTable cannot carry a
// key.
//
//	| size   | field                 | present for |
//	|--------|-----------------------|-------------|
//	| 1      | kind                  | all         |
//	| 1..10  | table, uvarint        | all         |
//	| 1..10  | key length, uvarint   | Put, Delete |
//	| keylen | key                   | Put, Delete |
//	| 1..10  | value length, uvarint | Put         |
//	| vallen | value                 | Put         |
//
// The smallest batch (no ops) is 18 bytes. The smallest op (a DropTable
// of a table below 128) is 2 bytes, which bounds how many ops a decoder
// may preallocate for.
package batch
