// Package superblock owns the commit record: the page that says which state
// of the file is durable. There are two slots, pages 0 and 1; commit
// generation g is written to slot g%2, so the slot being written never holds
// the newest durable state. Open reads both and takes the valid one with the
// higher generation; a torn or corrupt slot falls back to the other.
//
// A slot is an ordinary page (see package page) of type superblock whose
// header carries the slot's page id and the generation; the body follows:
//
//	| offset | size | field                                                   |
//	|--------|------|---------------------------------------------------------|
//	| 0      | 40   | page header (CRC32C, type, version, id, generation, …)  |
//	| 40     | 8    | magic "PROJSTOR"                                        |
//	| 48     | 4    | file format version                                     |
//	| 52     | 4    | page size (4096)                                        |
//	| 56     | 8    | applied position: last batch applied in this state      |
//	| 64     | 8    | applied digest: xxhash64 chain over the applied batches |
//	| 72     | 8    | catalog root page (0 = no tables)                       |
//	| 80     | 8    | free list: head page (0 = empty)                        |
//	| 88     | 8    | free list: ids already taken from the head page         |
//	| 96     | 8    | free list: tail, the page id reserved for the next      |
//	|        |      | free-list page                                          |
//	| 104    | 8    | free list: ids held                                     |
//	| 112    | 8    | page count: the file's pages in use, slots included     |
//	| 120    | 8    | retention horizon: reads below it were pruned           |
//	| 128    | ...  | zero                                                    |
//
// The magic and format version are read before the CRC so that a file of a
// newer format is refused as such, not reported as corrupt.
package superblock
