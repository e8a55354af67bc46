package crc

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

func TestChecksumKnownAnswer(t *testing.T) {
	if got, want := Checksum([]byte("123456789")), uint32(0xE3069283); got != want {
		t.Fatalf("Checksum(123456789) = %#08x, want %#08x", got, want)
	}
	if got := Checksum(nil); got != 0 {
		t.Fatalf("Checksum(nil) = %#08x, want 0", got)
	}
}

func TestUpdate(t *testing.T) {
	b := []byte("123456789")
	for i := 0; i <= len(b); i++ {
		if got := Update(Checksum(b[:i]), b[i:]); got != 0xE3069283 {
			t.Fatalf("split at %d: %#08x", i, got)
		}
	}
}

func TestSealValid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{4, 5, 16, 4096, 65536} {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		Seal(p)
		if !Valid(p) {
			t.Fatalf("len %d: sealed page not valid", n)
		}
		if got, want := binary.LittleEndian.Uint32(p), Checksum(p[4:]); got != want {
			t.Fatalf("len %d: stored %#08x, want %#08x", n, got, want)
		}
	}
}

func TestEveryBitFlipDetected(t *testing.T) {
	p := make([]byte, 4096)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	Seal(p)
	for bit := 0; bit < len(p)*8; bit++ {
		p[bit/8] ^= 1 << (bit % 8)
		if Valid(p) {
			t.Fatalf("flip of bit %d not detected", bit)
		}
		p[bit/8] ^= 1 << (bit % 8)
	}
	if !Valid(p) {
		t.Fatal("page not valid after restoring every bit")
	}
}

func TestShortInputs(t *testing.T) {
	for n := 0; n < 4; n++ {
		p := make([]byte, n)
		Seal(p)
		if Valid(p) {
			t.Fatalf("len %d: Valid = true", n)
		}
	}
	if Valid(nil) {
		t.Fatal("Valid(nil) = true")
	}
	Seal(nil)
	// An empty payload checksums to 0, so four zero bytes are a sealed page.
	if !Valid(make([]byte, 4)) {
		t.Fatal("zero header over empty payload not valid")
	}
}

func TestHardware(t *testing.T) {
	t.Logf("hardware CRC32C: %v", Hardware())
}

func benchmarkChecksum(b *testing.B, n int) {
	p := make([]byte, n)
	b.SetBytes(int64(n))
	for b.Loop() {
		Checksum(p)
	}
}

func BenchmarkChecksum16(b *testing.B) { benchmarkChecksum(b, 16) }
func BenchmarkChecksum4K(b *testing.B) { benchmarkChecksum(b, 4096) }
