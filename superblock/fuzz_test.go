package superblock_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/projstore/projstore/page"
	"github.com/projstore/projstore/superblock"
)

// FuzzDecode feeds arbitrary bytes to Decode and Read: they never panic,
// every failure is one of the documented errors, and whatever decodes
// re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, g := range []uint64{1, 2, 77} {
		sb := sample(g)
		f.Add(sb.Encode().Bytes(), uint8(superblock.Slot(g)))
	}
	zero := superblock.Superblock{Generation: 1, FreeHead: 2, FreeTail: 2, PageCount: 3}
	f.Add(zero.Encode().Bytes(), uint8(1))
	s4, s5 := sample(4), sample(5)
	newer := s4.Encode().Bytes()
	binary.LittleEndian.PutUint32(newer[offVersion:], superblock.Version+1)
	f.Add(newer, uint8(0))
	torn := s5.Encode().Bytes()
	clear(torn[1000:])
	f.Add(torn, uint8(1))
	f.Add(make([]byte, page.Size), uint8(0))
	f.Add([]byte("PROJSTOR"), uint8(0))
	f.Add([]byte{}, uint8(1))

	f.Fuzz(func(t *testing.T, b []byte, slot uint8) {
		id := uint64(slot % 2)
		sb, err := superblock.Decode(b, id)
		if err != nil {
			if !errors.Is(err, page.ErrCorrupt) && !errors.Is(err, superblock.ErrNotDatabase) && !errors.Is(err, superblock.ErrNewerVersion) {
				t.Fatalf("Decode: undocumented error %v", err)
			}
			if sb != nil {
				t.Fatalf("Decode returned %+v with error %v", sb, err)
			}
		} else {
			if superblock.Slot(sb.Generation) != id {
				t.Fatalf("generation %d decoded from slot %d", sb.Generation, id)
			}
			if got := sb.Encode().Bytes(); string(got[:128]) != string(b[:128]) {
				t.Fatalf("re-encoding differs from the decoded bytes")
			}
		}
		// Read over the same bytes twice, as a whole file.
		file := make([]byte, 0, 2*len(b))
		file = append(append(file, b...), b...)
		s := superblock.Read(fileReader(file))
		if n, err := s.Newest(); (n == nil) == (err == nil) {
			t.Fatalf("Newest = %v, %v", n, err)
		}
	})
}

type fileReader []byte

func (f fileReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(f)) {
		return 0, errors.New("EOF")
	}
	n := copy(p, f[off:])
	if n < len(p) {
		return n, errors.New("short read")
	}
	return n, nil
}
