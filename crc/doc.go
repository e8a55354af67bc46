// Package crc owns the checksum that guards every page on disk: CRC32C
// (Castagnoli), which modern CPUs compute in hardware and which detects
// all burst errors up to 32 bits.
//
// A sealed page stores its checksum little-endian in its first four bytes;
// the checksum covers every byte after them.
package crc
