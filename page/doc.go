// Package page owns the on-disk layout of a projstore page: a 4 KiB block
// with a header, a slot directory that grows up from the header and cells
// that grow down from the end, sealed by a CRC32C over every other byte.
//
// Every page in the file, superblocks included, starts with the same header:
//
//	| offset | size | field                                                  |
//	|--------|------|--------------------------------------------------------|
//	| 0      | 4    | CRC32C of bytes [4, 4096), little-endian               |
//	| 4      | 1    | page type (superblock, branch, leaf, overflow, free)   |
//	| 5      | 1    | format version (1)                                     |
//	| 6      | 2    | flags, owned by the page's user                        |
//	| 8      | 8    | the page's own id (its offset in the file / 4096)      |
//	| 16     | 8    | generation of the commit that wrote the page           |
//	| 24     | 2    | count: cells (slotted), bytes (overflow), ids (free)   |
//	| 26     | 2    | lower: end of the slot directory (slotted pages)       |
//	| 28     | 2    | upper: start of the cell area (slotted pages)          |
//	| 30     | 2    | fragmented bytes inside the cell area (slotted pages)  |
//	| 32     | 8    | aux: leftmost child (branch), next page (overflow,     |
//	|        |      | free list)                                             |
//	| 40     | ...  | slot directory, free space, cells                      |
//
// A slot is 4 bytes: the cell's offset (u16) then its length (u16). Slots are
// kept in key order by the page's user; cells may sit anywhere in the cell
// area. Deleting a cell leaves a hole counted in the fragmented bytes;
// Compact squeezes the holes out when an insert needs the room.
//
// Overflow pages carry count payload bytes at offset 40. Free-list pages
// carry count page ids, 8 bytes each, at offset 40.
//
// The CRC comes first so that sealing covers the header too: a page whose
// id does not match the slot it was read from (a misdirected write) and a
// page torn half way (a prefix of new bytes over old ones) are both caught by
// Verify before anything looks inside.
package page
