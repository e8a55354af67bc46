// Package logfile reads and writes logs of write batches: the files that
// `projstore apply` replays into a store.
//
// A log comes in one of two forms, told apart by its first bytes.
//
// # Binary
//
// The 5-byte header "PSLG" followed by the version byte 1, then records back
// to back. Each record is a uvarint (encoding/binary.AppendUvarint) holding
// the length n of a batch, followed by the n bytes of that batch's wire
// encoding (batch.WriteBatch.MarshalBinary, which carries its own CRC32C):
//
//	| size  | field                                     |
//	|-------|-------------------------------------------|
//	| 4     | magic "PSLG"                              |
//	| 1     | version, 1                                |
//	| 1..10 | length of record 1, uvarint               |
//	| n     | record 1: a batch in the batch wire format |
//	| ...   | further records                           |
//
// A record longer than MaxRecord is refused before anything is allocated
// for it. Errors name the byte offset of the record's length prefix.
//
// # JSON Lines
//
// One batch per line, the first non-blank byte of the input being '{':
//
//	{"pos":1,"ops":[{"op":"put","table":1,"key":"k","value":"v"},{"op":"delete","table":1,"key":"k"},{"op":"drop","table":2}]}
//
// "pos" (at least 1) is required; "ops" may be missing or empty. Each op has
// "op" (put, delete or drop) and "table"; put and delete have "key", put has
// "value" (which may be ""). Keys and values are UTF-8 strings, or
// "base64:" followed by standard base64 for any bytes. A line holding bytes
// that are not valid UTF-8, or a \u escape of a lone UTF-16 surrogate, is
// an error naming its line and column: encoding/json would read either as
// U+FFFD, silently changing a key or value. So is a field given twice, or a
// field name in another case ("Pos"): encoding/json would keep the last,
// or match it, silently. Unknown fields,
// trailing data and fields an op's kind has no use for are errors, so that
// a typo is not silently ignored. Blank lines are skipped. Errors name the
// line number, counting from 1.
//
// An empty input is an empty log in either form.
package logfile
