package crc

import (
	"encoding/binary"
	"hash/crc32"
	"runtime"

	"golang.org/x/sys/cpu"
)

// Size is the number of bytes Seal reserves at the start of a page.
const Size = 4

// MakeTable for Castagnoli selects the SSE4.2/CRC32 instruction path when
// the CPU has it, so build the table once.
var table = crc32.MakeTable(crc32.Castagnoli)

// Checksum returns the CRC32C of b.
func Checksum(b []byte) uint32 {
	return crc32.Checksum(b, table)
}

// Update returns the CRC32C of the bytes summed into crc followed by b,
// so a checksum can be computed over data that is not contiguous.
func Update(crc uint32, b []byte) uint32 {
	return crc32.Update(crc, table, b)
}

// Seal stores Sum(p) little-endian in p[0:4].
// A p shorter than Size has no room for a checksum and is left unchanged.
func Seal(p []byte) {
	if len(p) < Size {
		return
	}
	binary.LittleEndian.PutUint32(p, Sum(p))
}

// Sum returns the checksum Seal stores in p: the CRC32C of p[Size:].
// Tools that report a mismatch show it next to Stored.
func Sum(p []byte) uint32 {
	if len(p) < Size {
		return 0
	}
	return Checksum(p[Size:])
}

// Stored returns the checksum held in p[0:4], or 0 if p is shorter than Size.
func Stored(p []byte) uint32 {
	if len(p) < Size {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}

// Valid reports whether p was sealed by Seal and not changed since.
// A p shorter than Size is never valid.
func Valid(p []byte) bool {
	return len(p) >= Size && Stored(p) == Sum(p)
}

// Hardware reports whether Checksum runs on the CPU's CRC32C instructions.
// It mirrors the feature checks hash/crc32 makes, for logging and for
// interpreting benchmarks.
func Hardware() bool {
	switch runtime.GOARCH {
	case "amd64":
		return cpu.X86.HasSSE42
	case "arm64":
		return cpu.ARM64.HasCRC32
	}
	return false
}
