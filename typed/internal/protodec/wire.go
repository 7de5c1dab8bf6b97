package protodec

import (
	"errors"
	"fmt"
	"io"
)

// The errors of k8s.io/api's generated code, by meaning.
var (
	errOverflow      = errors.New("proto: integer overflow")
	errInvalidLength = errors.New("proto: negative length found during unmarshaling")
	errGroupEnd      = errors.New("proto: unexpected end of group")
	errTooDeep       = fmt.Errorf("proto: messages nested more than %d deep", maxDepth)
)

// Wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireStart   = 3
	wireEnd     = 4
	wireFixed32 = 5
)

// varint reads a varint at data[i:] as the generated code does: at most ten
// bytes, the bits past 64 dropped.
func varint(data []byte, i int) (uint64, int, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= 64 {
			return 0, i, errOverflow
		}
		if i >= len(data) {
			return 0, i, io.ErrUnexpectedEOF
		}
		b := data[i]
		i++
		v |= uint64(b&0x7F) << shift
		if b < 0x80 {
			return v, i, nil
		}
	}
}

// length reads a length-delimited field's length at data[i:] and returns
// the end of its contents.
func length(data []byte, i int) (start, end int, err error) {
	n, i, err := varint(data, i)
	if err != nil {
		return 0, 0, err
	}
	if int(n) < 0 || i+int(n) < 0 {
		return 0, 0, errInvalidLength
	}
	if end = i + int(n); end > len(data) {
		return 0, 0, io.ErrUnexpectedEOF
	}
	return i, end, nil
}

// skip returns the length of the field (tag included) at the start of
// data, groups included, as the generated skipGenerated does.
func skip(data []byte) (int, error) {
	i, depth := 0, 0
	for i < len(data) {
		wire, next, err := varint(data, i)
		if err != nil {
			return 0, err
		}
		i = next
		switch wire & 7 {
		case wireVarint:
			if _, i, err = varint(data, i); err != nil {
				return 0, err
			}
		case wireFixed64:
			i += 8
		case wireBytes:
			n, next, err := varint(data, i)
			if err != nil {
				return 0, err
			}
			if int(n) < 0 {
				return 0, errInvalidLength
			}
			i = next + int(n)
		case wireStart:
			depth++
		case wireEnd:
			if depth == 0 {
				return 0, errGroupEnd
			}
			depth--
		case wireFixed32:
			i += 4
		default:
			return 0, fmt.Errorf("proto: illegal wireType %d", wire&7)
		}
		if i < 0 {
			return 0, errInvalidLength
		}
		if depth == 0 {
			return i, nil
		}
	}
	return 0, io.ErrUnexpectedEOF
}
