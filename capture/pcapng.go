package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"time"
)

// pcapng is read by hand rather than with pcapgo.NgReader: in mixed-link-type
// mode the latter boxes the link type into an interface per packet (an
// allocation for SLL2, which is what tshark and tcpdump -i any write), and it
// trusts block and option lengths (huge allocations, panics on short option
// values). Blocks are peeked from the bufio.Reader, so packet data is not
// copied at all.

const (
	ngSHB = 0x0A0D0D0A
	ngIDB = 1
	ngPB  = 2 // obsolete packet block
	ngSPB = 3
	ngEPB = 6

	ngByteOrderMagic = 0x1A2B3C4D
)

type ngIface struct {
	link   LinkType
	snap   uint32
	units  uint64 // timestamp units per second
	shift  uint8  // for binary resolutions: units == 1<<shift
	offset int64  // seconds added to every timestamp (if_tsoffset)
}

type ngReader struct {
	br      *bufio.Reader
	big     bool
	ifaces  []ngIface
	pending int // bytes of the block last returned, discarded on the next call
	max     int // largest block that can be peeked whole

	pos        func() int64 // stream offset of the next unread byte
	blockStart int64        // offset of the block being read (for errors)
}

func (r *ngReader) u16(b []byte) uint16 {
	if r.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *ngReader) u32(b []byte) uint32 {
	if r.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// errShort turns an early end of input into io.ErrUnexpectedEOF.
func errShort(err error) error {
	if err == nil || err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// next returns the next packet's data (aliasing the reader's buffer until the
// next call), timestamp, wire length and link type. It returns io.EOF only at
// a block boundary at the end of input.
func (r *ngReader) next() (data []byte, ts time.Time, wire int, link LinkType, err error) {
	if r.pending > 0 {
		if _, err = r.br.Discard(r.pending); err != nil {
			return nil, ts, 0, 0, errShort(err)
		}
		r.pending = 0
	}
	for {
		r.blockStart = r.pos()
		h, err := r.br.Peek(12)
		if len(h) == 0 && err == io.EOF {
			return nil, ts, 0, 0, io.EOF
		}
		if len(h) < 12 {
			return nil, ts, 0, 0, fmt.Errorf("block header truncated: %w", errShort(err))
		}
		if binary.LittleEndian.Uint32(h) == ngSHB {
			switch {
			case binary.BigEndian.Uint32(h[8:]) == ngByteOrderMagic:
				r.big = true
			case binary.LittleEndian.Uint32(h[8:]) == ngByteOrderMagic:
				r.big = false
			default:
				return nil, ts, 0, 0, errors.New("section header: bad byte-order magic")
			}
		}
		typ := r.u32(h)
		n := int(r.u32(h[4:]))
		if n < 12 || n%4 != 0 {
			return nil, ts, 0, 0, fmt.Errorf("block length %d invalid", n)
		}
		switch typ {
		case ngSHB, ngIDB, ngEPB, ngSPB, ngPB:
		default:
			// Name resolution, statistics, decryption secrets, custom
			// blocks: nothing we need.
			if _, err := r.br.Discard(n); err != nil {
				return nil, ts, 0, 0, fmt.Errorf("block truncated: %w", errShort(err))
			}
			continue
		}
		if n > r.max {
			if b, err := r.br.Peek(r.max); len(b) < r.max {
				return nil, ts, 0, 0, fmt.Errorf("block truncated: %w", errShort(err))
			}
			return nil, ts, 0, 0, fmt.Errorf("block length %d: %w", n, ErrRecordTooLarge)
		}
		b, err := r.br.Peek(n)
		if len(b) < n {
			return nil, ts, 0, 0, fmt.Errorf("block truncated: %w", errShort(err))
		}
		if int(r.u32(b[n-4:])) != n {
			return nil, ts, 0, 0, fmt.Errorf("block length %d does not match trailer", n)
		}
		body := b[8 : n-4]
		switch typ {
		case ngSHB:
			if len(body) < 16 {
				return nil, ts, 0, 0, errors.New("section header too short")
			}
			if v := r.u16(body[4:]); v != 1 {
				return nil, ts, 0, 0, fmt.Errorf("pcapng major version %d not supported", v)
			}
			r.ifaces = r.ifaces[:0]
		case ngIDB:
			if err := r.addIface(body); err != nil {
				return nil, ts, 0, 0, err
			}
		case ngEPB, ngPB:
			if len(body) < 20 {
				return nil, ts, 0, 0, errors.New("packet block too short")
			}
			var id int
			if typ == ngEPB {
				id = int(r.u32(body))
			} else {
				id = int(r.u16(body))
			}
			if id >= len(r.ifaces) {
				return nil, ts, 0, 0, fmt.Errorf("packet for undeclared interface %d", id)
			}
			capLen := int(r.u32(body[12:]))
			if capLen > len(body)-20 {
				return nil, ts, 0, 0, fmt.Errorf("captured length %d exceeds block: %w", capLen, ErrRecordTooLarge)
			}
			ifc := &r.ifaces[id]
			r.pending = n
			t := uint64(r.u32(body[4:]))<<32 | uint64(r.u32(body[8:]))
			return body[20 : 20+capLen], ifc.time(t), int(r.u32(body[16:])), ifc.link, nil
		case ngSPB:
			if len(body) < 4 {
				return nil, ts, 0, 0, errors.New("simple packet block too short")
			}
			if len(r.ifaces) == 0 {
				return nil, ts, 0, 0, errors.New("packet before any interface description")
			}
			wire = int(r.u32(body))
			capLen := min(wire, len(body)-4)
			if s := int(r.ifaces[0].snap); s != 0 && capLen > s {
				capLen = s
			}
			r.pending = n
			return body[4 : 4+capLen], time.Time{}, wire, r.ifaces[0].link, nil
		}
		if _, err := r.br.Discard(n); err != nil {
			return nil, ts, 0, 0, errShort(err)
		}
	}
}

// addIface parses an interface description block body.
func (r *ngReader) addIface(body []byte) error {
	if len(body) < 8 {
		return errors.New("interface description too short")
	}
	ifc := ngIface{link: LinkType(r.u16(body)), snap: r.u32(body[4:]), units: 1e6}
	opts := body[8:]
	for len(opts) >= 4 {
		code, l := r.u16(opts), int(r.u16(opts[2:]))
		if code == 0 {
			break
		}
		if 4+l > len(opts) {
			return errors.New("interface description: option overruns block")
		}
		v := opts[4 : 4+l]
		switch {
		case code == 9 && l == 1: // if_tsresol
			e := v[0] & 0x7F
			if v[0]&0x80 != 0 {
				if e > 63 {
					return fmt.Errorf("interface description: timestamp resolution 2^-%d not supported", e)
				}
				ifc.units, ifc.shift = 1<<e, e
			} else {
				if e > 19 {
					return fmt.Errorf("interface description: timestamp resolution 10^-%d not supported", e)
				}
				ifc.units = 1
				for range e {
					ifc.units *= 10
				}
			}
		case code == 14 && l == 8: // if_tsoffset
			if r.big {
				ifc.offset = int64(binary.BigEndian.Uint64(v))
			} else {
				ifc.offset = int64(binary.LittleEndian.Uint64(v))
			}
		}
		adv := 4 + (l+3)&^3
		if adv > len(opts) {
			break // last option, padding missing
		}
		opts = opts[adv:]
	}
	if len(r.ifaces) >= 1<<16 {
		return errors.New("too many interfaces")
	}
	r.ifaces = append(r.ifaces, ifc)
	return nil
}

// time converts a raw timestamp in the interface's units.
func (ifc *ngIface) time(t uint64) time.Time {
	sec, frac := t/ifc.units, t%ifc.units
	var ns uint64
	switch {
	case ifc.shift != 0:
		hi, lo := bits.Mul64(frac, 1e9)
		ns = hi<<(64-ifc.shift) | lo>>ifc.shift
	case ifc.units <= 1e9:
		ns = frac * (1e9 / ifc.units)
	default:
		ns = frac / (ifc.units / 1e9)
	}
	return time.Unix(int64(sec)+ifc.offset, int64(ns)).UTC()
}
