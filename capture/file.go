package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

const (
	// bufSize is the read buffer; a pcapng block must fit in it whole.
	bufSize = 1 << 20
	// maxSnap bounds a record's captured length (libpcap's MAXIMUM_SNAPLEN);
	// anything longer is treated as corruption rather than allocated.
	maxSnap = 262144
)

// File reads a pcap or pcapng capture file, plain or gzip-compressed, and
// implements Source. It is not safe for concurrent use.
type File struct {
	name   string
	closer io.Closer
	gz     *gzip.Reader
	cr     *countingReader // directly beneath br: tracks the stream offset
	br     *bufio.Reader
	pcap   *pcapgo.Reader
	pcapBE bool // pcap record headers are big-endian
	snap   int  // no record is longer: maxSnap, or less for a small file
	ng     *ngReader
	link   LinkType // pcap file link type
	num    uint64   // records read
	stats  Stats
	err    error // sticky: io.EOF or *Error
}

var _ Source = (*File)(nil)

// OpenFile opens a capture file, recognising pcap (either byte order, micro-
// or nanosecond timestamps), pcapng and gzip-compressed versions of both by
// their magic bytes. Errors are of type *Error.
func OpenFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{File: path, Offset: -1, Err: err}
	}
	size := int64(-1)
	if fi, err := f.Stat(); err == nil {
		if fi.IsDir() {
			f.Close()
			return nil, &Error{File: path, Offset: -1, Err: errIsDir}
		}
		if fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	r, err := newReader(path, f, size)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// errIsDir is the cause given for a directory named as a capture file.
var errIsDir = errors.New("is a directory, not a capture file")

// NewReader reads a capture from r as OpenFile does; name is used in errors.
// Close does not close r.
func NewReader(name string, r io.Reader) (*File, error) {
	return newReader(name, r, -1)
}

// newReader opens a capture of size bytes (-1: unknown). A small file gets a
// small buffer: no block can be larger than the file.
func newReader(name string, r io.Reader, size int64) (*File, error) {
	f := &File{name: name, snap: maxSnap}
	if size >= 0 && size < maxSnap {
		f.snap = max(int(size), 64)
	}
	f.cr = &countingReader{r: r}
	n := bufSize
	if size >= 0 && size < bufSize {
		// At least 4096: pcapgo wraps any smaller *bufio.Reader in its own,
		// which would hide the stream from the record-header guard.
		n = max(int(size), 4096)
	}
	f.br = bufio.NewReaderSize(f.cr, n)
	magic, err := f.br.Peek(4)
	if len(magic) >= 2 && magic[0] == 0x1F && magic[1] == 0x8B {
		if f.gz, err = gzip.NewReader(f.br); err != nil {
			return nil, f.headerErr(fmt.Errorf("gzip header: %w", errShort(err)))
		}
		f.snap = maxSnap
		f.cr = &countingReader{r: f.gz}
		f.br = bufio.NewReaderSize(f.cr, bufSize)
		magic, err = f.br.Peek(4)
	}
	if len(magic) < 4 {
		if len(magic) == 0 && err == io.EOF {
			return nil, f.headerErr(errors.New("empty file"))
		}
		return nil, f.headerErr(fmt.Errorf("file header truncated: %w", errShort(err)))
	}
	switch binary.LittleEndian.Uint32(magic) {
	case 0xA1B2C3D4, 0xA1B23C4D:
		return f, f.openPcap(false)
	case 0xD4C3B2A1, 0x4D3CB2A1:
		return f, f.openPcap(true)
	case ngSHB:
		f.ng = &ngReader{br: f.br, max: f.br.Size(), pos: f.pos}
		h, err := f.br.Peek(12)
		if len(h) < 12 {
			return nil, f.headerErr(fmt.Errorf("section header truncated: %w", errShort(err)))
		}
		if m := binary.LittleEndian.Uint32(h[8:]); m != ngByteOrderMagic && m != 0x4D3C2B1A {
			return nil, f.headerErr(ErrNotCapture)
		}
		return f, nil
	}
	return nil, f.headerErr(ErrNotCapture)
}

func (f *File) openPcap(big bool) error {
	if h, err := f.br.Peek(24); len(h) < 24 {
		return f.headerErr(fmt.Errorf("file header truncated: %w", errShort(err)))
	}
	r, err := pcapgo.NewReader(f.br) // uses f.br as is: it is a large *bufio.Reader
	if err != nil {
		return f.headerErr(fmt.Errorf("pcap file header: %w", err))
	}
	f.link = LinkType(r.LinkType() & 0xFFFF) // upper bits carry FCS length
	// Like tcpdump, ignore the header's snap length: some writers set it
	// below what they write, others to 2^32-1 (an allocation hint pcapgo
	// would follow). pcapgo allocates its record buffer at this size.
	r.SetSnaplen(uint32(f.snap))
	f.pcap, f.pcapBE = r, big
	return nil
}

func (f *File) headerErr(err error) error {
	return &Error{File: f.name, Packet: 0, Offset: 0, Err: err}
}

// pos is the offset in the (uncompressed) stream of the next unread byte.
func (f *File) pos() int64 { return f.cr.n - int64(f.br.Buffered()) }

// Name returns the file name given to OpenFile.
func (f *File) Name() string { return f.name }

// Next fills p with the next TCP or UDP packet, skipping and counting all
// other records. It returns io.EOF at the clean end of the file and an *Error
// for corrupt input; after either it keeps returning the same error.
func (f *File) Next(p *Packet) error {
	if f.err != nil {
		return f.err
	}
	for {
		start := f.pos()
		var (
			data []byte
			ts   time.Time
			wire int
			link LinkType
			err  error
		)
		if f.pcap != nil {
			data, ts, wire, err = f.readPcap()
			link = f.link
		} else {
			data, ts, wire, link, err = f.ng.next()
		}
		if err != nil {
			if err == io.EOF {
				f.err = io.EOF
			} else {
				if f.ng != nil {
					start = f.ng.blockStart
				}
				f.err = f.recordErr(start, err)
			}
			return f.err
		}
		f.num++
		f.stats.Packets++
		f.stats.Bytes += uint64(len(data))
		reason, ok := Decode(link, data, p)
		if !ok {
			f.stats.Skipped[reason]++
			continue
		}
		if reason == FirstFragment {
			f.stats.Fragments++
		}
		f.stats.Decoded++
		p.Number = f.num
		p.Timestamp = ts
		p.CaptureLen = len(data)
		p.WireLen = wire
		return nil
	}
}

func (f *File) readPcap() ([]byte, time.Time, int, error) {
	h, err := f.br.Peek(16)
	if len(h) == 0 && err == io.EOF {
		return nil, time.Time{}, 0, io.EOF
	}
	if len(h) < 16 {
		return nil, time.Time{}, 0, fmt.Errorf("record header truncated: %w", errShort(err))
	}
	var capLen uint32
	if f.pcapBE {
		capLen = binary.BigEndian.Uint32(h[8:])
	} else {
		capLen = binary.LittleEndian.Uint32(h[8:])
	}
	if capLen > maxSnap {
		return nil, time.Time{}, 0, fmt.Errorf("captured length %d: %w", capLen, ErrRecordTooLarge)
	}
	if int(capLen) > f.snap {
		// Longer than the whole (small) file.
		return nil, time.Time{}, 0, fmt.Errorf("record truncated: %w", io.ErrUnexpectedEOF)
	}
	data, ci, err := f.pcap.ZeroCopyReadPacketData()
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, time.Time{}, 0, fmt.Errorf("record truncated: %w", io.ErrUnexpectedEOF)
		}
		return nil, time.Time{}, 0, fmt.Errorf("bad record: %w", err)
	}
	return data, ci.Timestamp, ci.Length, nil
}

// recordErr wraps a read failure of record f.num+1 that started at offset.
func (f *File) recordErr(offset int64, err error) *Error {
	if ue := f.cr.err; ue != nil {
		// The failure is below the capture format: the compressed stream
		// or the file itself.
		switch {
		case f.gz != nil && errors.Is(ue, io.ErrUnexpectedEOF):
			err = fmt.Errorf("gzip stream truncated: %w", ue)
		case f.gz != nil:
			err = fmt.Errorf("gzip stream corrupt: %w", ue)
		default:
			err = fmt.Errorf("read: %w", ue)
		}
	}
	return &Error{File: f.name, Packet: f.num + 1, Offset: offset, Err: err}
}

// Stats returns the counters so far.
func (f *File) Stats() Stats { return f.stats }

// Close releases the file. It does not report the sticky read error.
func (f *File) Close() error {
	var err error
	if f.gz != nil {
		f.gz.Close()
	}
	if f.closer != nil {
		err = f.closer.Close()
		f.closer = nil
	}
	if f.err == nil {
		f.err = errors.New("capture: read after close")
	}
	return err
}

// countingReader counts the bytes read through it and remembers the first
// failure other than io.EOF.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}
