package column

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Key element tags; see the package documentation for the layout. They
// are spaced out so that a later version can add classes between them.
const (
	tagNull    = 0x05
	tagNegHuge = 0x14 // reals below -2^63
	tagNumber  = 0x15 // integers, and reals in [-2^63, 2^63)
	tagPosHuge = 0x16 // reals from 2^63
	tagText    = 0x25
	tagBlob    = 0x35

	tailIntegral   = 0xF0 // after a number's 8 bytes: an integral real
	tailFractional = 0xF1 // after a number's 8 bytes: a fractional real, then 8 bytes

	escByte  = 0x00
	escZero  = 0xFF // 00 FF is a 00 byte in the value
	escTerm  = 0x01 // 00 01 ends the value
	escAfter = 0x02 // 00 02 is past every value with the same bytes
)

// AppendKey appends the order-preserving encoding of the tuple vals to
// dst and returns the extended slice.
func AppendKey(dst []byte, vals ...Value) []byte {
	for _, v := range vals {
		dst = appendKeyValue(dst, v)
	}
	return dst
}

func appendKeyValue(dst []byte, v Value) []byte {
	switch v.typ {
	case Integer, Boolean, Timestamp:
		return appendOrderedInt(append(dst, tagNumber), int64(v.bits))
	case Real:
		r := math.Float64frombits(v.bits)
		switch {
		case r < -9223372036854775808.0:
			return binary.BigEndian.AppendUint64(append(dst, tagNegHuge), orderedFloat(r))
		case r >= 9223372036854775808.0:
			return binary.BigEndian.AppendUint64(append(dst, tagPosHuge), orderedFloat(r))
		}
		fl := math.Floor(r)
		dst = appendOrderedInt(append(dst, tagNumber), int64(fl))
		if r != fl {
			// r itself, not r - floor(r): that difference rounds for tiny
			// negative r (1 - 2^-60 is 1.0 in float64).
			return binary.BigEndian.AppendUint64(append(dst, tailFractional), orderedFloat(r))
		}
		return append(dst, tailIntegral)
	case Text:
		return appendEscaped(append(dst, tagText), v.str)
	case Blob:
		return appendEscaped(append(dst, tagBlob), v.str)
	}
	return append(dst, tagNull)
}

func appendOrderedInt(dst []byte, i int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(i)^1<<63)
}

// orderedFloat maps a float64 (not NaN) to a uint64 in the same order.
func orderedFloat(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

func unorderedFloat(u uint64) float64 {
	if u>>63 != 0 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == escByte {
			dst = append(dst, escByte, escZero)
		} else {
			dst = append(dst, s[i])
		}
	}
	return append(dst, escByte, escTerm)
}

// AppendKeyLow appends the lowest encoding of any value equal to v, for
// the start of a range that includes v (column >= v, column = v). It
// differs from AppendKey only for an integer or integral real: its
// bound also admits the equal value of the other class (2 and 2.0).
func AppendKeyLow(dst []byte, v Value) []byte {
	if n, ok := integralNumber(v); ok {
		return appendOrderedInt(append(dst, tagNumber), n)
	}
	return appendKeyValue(dst, v)
}

// AppendKeyHigh appends a bound just past every key whose next element
// equals v (whatever follows it), for the end of a range that includes v
// (column <= v, column = v) or the start of one that excludes it
// (column > v). AppendKeyHigh(dst, NULL) is the start of the non-NULL values.
func AppendKeyHigh(dst []byte, v Value) []byte {
	if n, ok := integralNumber(v); ok {
		// Past the integer (followed by tags <= 35) and the integral real
		// (F0), before the fractional reals of the same integer part (F1).
		return append(appendOrderedInt(append(dst, tagNumber), n), tailFractional)
	}
	start := len(dst)
	dst = appendKeyValue(dst, v)
	return append(dst[:start], PrefixEnd(dst[start:])...)
}

// integralNumber reports whether v is an integer-valued number keyed
// under tag 15 with no fractional part, and its integer value.
func integralNumber(v Value) (int64, bool) {
	switch v.typ {
	case Integer, Boolean, Timestamp:
		return int64(v.bits), true
	case Real:
		r := math.Float64frombits(v.bits)
		if r >= -9223372036854775808.0 && r < 9223372036854775808.0 && r == math.Floor(r) {
			return int64(r), true
		}
	}
	return 0, false
}

// PrefixEnd returns the smallest key greater than every key that starts
// with prefix, for the exclusive end of a prefix range; nil means there
// is no such key (the prefix is empty or all FF bytes), which is the
// store's "no upper bound".
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xFF {
			end := make([]byte, i+1)
			copy(end, prefix)
			end[i]++
			return end
		}
	}
	return nil
}

// DecodeKey decodes every element of key, appending them to dst. Numbers
// come back as Integer or Real (a Boolean or Timestamp key column is
// restored with Coerce by the caller, which knows the column types).
func DecodeKey(dst []Value, key []byte) ([]Value, error) {
	for off := 0; off < len(key); {
		v, n, err := decodeKeyValue(key[off:])
		if err != nil {
			return dst, fmt.Errorf("%w: key element at offset %d: %s", ErrCorrupt, off, err.Error())
		}
		dst = append(dst, v)
		off += n
	}
	return dst, nil
}

// DecodeKeyValue decodes the first element of key and returns it with
// the rest of the key, so a caller can decode only the leading columns.
func DecodeKeyValue(key []byte) (Value, []byte, error) {
	v, n, err := decodeKeyValue(key)
	if err != nil {
		return Value{}, nil, fmt.Errorf("%w: key element: %s", ErrCorrupt, err.Error())
	}
	return v, key[n:], nil
}

type keyError string

func (e keyError) Error() string { return string(e) }

func decodeKeyValue(b []byte) (Value, int, error) {
	if len(b) == 0 {
		return Value{}, 0, keyError("empty")
	}
	switch b[0] {
	case tagNull:
		return Value{}, 1, nil
	case tagNegHuge, tagPosHuge:
		if len(b) < 9 {
			return Value{}, 0, keyError("short real")
		}
		u := binary.BigEndian.Uint64(b[1:])
		r := unorderedFloat(u)
		if r != r || (b[0] == tagNegHuge) != (r < -9223372036854775808.0) ||
			(b[0] == tagPosHuge) != (r >= 9223372036854775808.0) {
			return Value{}, 0, keyError("real out of its range")
		}
		return MakeReal(r), 9, nil
	case tagNumber:
		if len(b) < 9 {
			return Value{}, 0, keyError("short number")
		}
		i := int64(binary.BigEndian.Uint64(b[1:]) ^ 1<<63)
		if len(b) == 9 || (b[9] != tailIntegral && b[9] != tailFractional) {
			return MakeInt(i), 9, nil
		}
		fl := float64(i)
		if fl >= 9223372036854775808.0 || int64(fl) != i {
			return Value{}, 0, keyError("real with an inexact integer part")
		}
		if b[9] == tailIntegral {
			if fl == 0 {
				fl = 0 // not -0
			}
			return MakeReal(fl), 10, nil
		}
		if len(b) < 18 {
			return Value{}, 0, keyError("short fraction")
		}
		r := unorderedFloat(binary.BigEndian.Uint64(b[10:]))
		if r != r || math.Floor(r) != fl || r == fl {
			return Value{}, 0, keyError("fractional real outside its integer part")
		}
		return MakeReal(r), 18, nil
	case tagText, tagBlob:
		s, n, err := unescape(b[1:])
		if err != nil {
			return Value{}, 0, err
		}
		if b[0] == tagText {
			return MakeText(s), n + 1, nil
		}
		return MakeBlobString(s), n + 1, nil
	}
	return Value{}, 0, keyError(fmt.Sprintf("unknown tag %#02x", b[0]))
}

// unescape decodes an escaped string and returns it with the number of
// bytes it took, terminator included.
func unescape(b []byte) (string, int, error) {
	// Fast path: no escaped zero bytes, so the value is a plain sub-slice.
	for i := 0; i < len(b); i++ {
		if b[i] != escByte {
			continue
		}
		if i+1 < len(b) && b[i+1] == escTerm {
			return string(b[:i]), i + 2, nil
		}
		break
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != escByte {
			out = append(out, b[i])
			continue
		}
		if i+1 >= len(b) {
			break
		}
		switch b[i+1] {
		case escTerm:
			return string(out), i + 2, nil
		case escZero:
			out = append(out, 0)
			i++
		default:
			return "", 0, keyError(fmt.Sprintf("bad escape 00 %02x", b[i+1]))
		}
	}
	return "", 0, keyError("unterminated string")
}
