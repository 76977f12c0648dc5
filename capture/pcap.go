package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// The classic pcap format is read by hand rather than with pcapgo: pcapgo
// refuses any minor version other than 2.4 and the modified (Kuznetzov)
// record header, both of which libpcap and tshark read. Records are peeked
// from the bufio.Reader, so packet data is not copied at all.

const (
	pcapMagicMicro     = 0xA1B2C3D4
	pcapMagicNano      = 0xA1B23C4D
	pcapMagicKuznetzov = 0xA1B2CD34 // patched libpcap: 8 more bytes per record header
)

// isPcapMagic reports whether b starts with a pcap magic in either byte order.
func isPcapMagic(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch binary.LittleEndian.Uint32(b) {
	case pcapMagicMicro, pcapMagicNano, pcapMagicKuznetzov:
		return true
	}
	switch binary.BigEndian.Uint32(b) {
	case pcapMagicMicro, pcapMagicNano, pcapMagicKuznetzov:
		return true
	}
	return false
}

// lengthOrder says whether a version's record header may hold the captured
// and original lengths in the pre-2.3 order.
type lengthOrder uint8

const (
	lengthsNormal lengthOrder = iota
	lengthsMaybeSwapped
)

type pcapReader struct {
	br      *bufio.Reader
	big     bool
	nanos   bool
	hdrLen  int // record header length: 16, or 24 for the Kuznetzov format
	order   lengthOrder
	link    LinkType
	pending int // bytes of the record last returned, discarded on the next call

	recStart int64 // offset of the record being read (for errors)
}

func (r *pcapReader) u32(b []byte) uint32 {
	if r.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// openPcap reads the 24-byte file header.
func openPcap(br *bufio.Reader) (*pcapReader, error) {
	h, err := br.Peek(24)
	if len(h) < 24 {
		return nil, fmt.Errorf("file header truncated: %w", errShort(err))
	}
	r := &pcapReader{br: br, hdrLen: 16}
	magic := binary.LittleEndian.Uint32(h)
	switch magic {
	case pcapMagicMicro, pcapMagicNano, pcapMagicKuznetzov:
	default:
		r.big = true
		magic = binary.BigEndian.Uint32(h)
	}
	switch magic {
	case pcapMagicNano:
		r.nanos = true
	case pcapMagicKuznetzov:
		r.hdrLen = 24
	}
	var major, minor uint16
	if r.big {
		major, minor = binary.BigEndian.Uint16(h[4:]), binary.BigEndian.Uint16(h[6:])
	} else {
		major, minor = binary.LittleEndian.Uint16(h[4:]), binary.LittleEndian.Uint16(h[6:])
	}
	// Like libpcap: major versions below 2 are archaic; before 2.3 (and in
	// DG/UX's 543.0) the two lengths were written the other way round, and
	// some 2.3 writers used either order. A captured length is never larger
	// than the original one, which tells the orders apart.
	switch {
	case major < 2:
		return nil, fmt.Errorf("pcap version %d.%d: archaic format not supported", major, minor)
	case major == 2 && minor < 4, major == 543:
		r.order = lengthsMaybeSwapped
	}
	// The upper bits of the link-type field carry the FCS length.
	r.link = LinkType(r.u32(h[20:]) & 0xFFFF)
	// Like tcpdump, ignore the header's snap length: some writers set it
	// below what they write, others to 2^32-1.
	if _, err := br.Discard(24); err != nil {
		return nil, errShort(err)
	}
	return r, nil
}

// next returns the next record's data (aliasing the reader's buffer until
// the next call), timestamp and original length. snap bounds the captured
// length (a small file cannot hold more); pos gives the stream offset. It
// returns io.EOF only at a record boundary at the end of input.
func (r *pcapReader) next(snap int, pos func() int64) ([]byte, time.Time, int, error) {
	if r.pending > 0 {
		if _, err := r.br.Discard(r.pending); err != nil {
			return nil, time.Time{}, 0, errShort(err)
		}
		r.pending = 0
	}
	r.recStart = pos()
	h, err := r.br.Peek(r.hdrLen)
	if len(h) == 0 && err == io.EOF {
		return nil, time.Time{}, 0, io.EOF
	}
	if len(h) < r.hdrLen {
		return nil, time.Time{}, 0, fmt.Errorf("record header truncated: %w", errShort(err))
	}
	sec, frac := r.u32(h), r.u32(h[4:])
	capLen, wire := r.u32(h[8:]), r.u32(h[12:])
	if capLen > wire && r.order == lengthsMaybeSwapped {
		capLen, wire = wire, capLen
	}
	if capLen > maxSnap {
		return nil, time.Time{}, 0, fmt.Errorf("captured length %d: %w", capLen, ErrRecordTooLarge)
	}
	if capLen > wire {
		return nil, time.Time{}, 0, fmt.Errorf("bad record: capture length exceeds original packet length: %d > %d", capLen, wire)
	}
	if int(capLen) > snap {
		// Longer than the whole (small) file.
		return nil, time.Time{}, 0, fmt.Errorf("record truncated: %w", io.ErrUnexpectedEOF)
	}
	n := r.hdrLen + int(capLen)
	b, err := r.br.Peek(n)
	if len(b) < n {
		if errors.Is(err, bufio.ErrBufferFull) {
			err = io.ErrUnexpectedEOF
		}
		return nil, time.Time{}, 0, fmt.Errorf("record truncated: %w", errShort(err))
	}
	r.pending = n
	ns := int64(frac)
	if !r.nanos {
		ns *= 1000
	}
	return b[r.hdrLen:n], time.Unix(int64(sec), ns).UTC(), int(wire), nil
}
