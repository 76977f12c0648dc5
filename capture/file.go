package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

const (
	// bufSize is the read buffer; a pcapng block or pcap record must fit
	// in it whole.
	bufSize = 1 << 20
	// maxSnap bounds a record's captured length (libpcap's MAXIMUM_SNAPLEN);
	// anything longer is treated as corruption rather than allocated.
	maxSnap = 262144
)

// File reads a pcap or pcapng capture file, plain or compressed (gzip, zstd,
// xz), and implements Source. It is not safe for concurrent use.
type File struct {
	name   string
	closer io.Closer
	dec    *decompressor   // nil for an uncompressed stream
	cr     *countingReader // directly beneath br: tracks the stream offset
	br     *bufio.Reader
	pc     *pcapReader
	snap   int // no record is longer: maxSnap, or less for a small file
	ng     *ngReader
	num    uint64 // records read
	stats  Stats
	err    error // sticky: io.EOF or *Error
}

var _ Source = (*File)(nil)

// OpenFile opens a capture file, recognising pcap (any version libpcap
// reads, either byte order, micro- or nanosecond timestamps, the modified
// Kuznetzov record header), pcapng, and gzip-, zstd- or xz-compressed
// versions of all of them by their magic bytes (never by the file name).
// Errors are of type *Error.
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
		n = max(int(size), 4096)
	}
	f.br = bufio.NewReaderSize(f.cr, n)
	magic, err := f.br.Peek(6)
	if kind := compression(magic); kind != "" {
		if f.dec, err = newDecompressor(kind, f.br); err != nil {
			return nil, f.headerErr(err)
		}
		f.snap = maxSnap
		f.cr = &countingReader{r: f.dec}
		f.br = bufio.NewReaderSize(f.cr, bufSize)
		magic, err = f.br.Peek(4)
	}
	if len(magic) < 4 {
		if len(magic) == 0 && err == io.EOF {
			if f.dec != nil {
				return nil, f.headerErr(fmt.Errorf("empty %s stream", f.dec.kind))
			}
			return nil, f.headerErr(errors.New("empty file"))
		}
		return nil, f.headerErr(fmt.Errorf("file header truncated: %w", errShort(f.streamErr(err))))
	}
	if isPcapMagic(magic) {
		pc, err := openPcap(f.br)
		if err != nil {
			return nil, f.headerErr(f.streamErr(err))
		}
		f.pc = pc
		return f, nil
	}
	if binary.LittleEndian.Uint32(magic) == ngSHB {
		f.ng = &ngReader{br: f.br, max: f.br.Size(), pos: f.pos}
		h, err := f.br.Peek(12)
		if len(h) < 12 {
			return nil, f.headerErr(fmt.Errorf("section header truncated: %w", errShort(f.streamErr(err))))
		}
		if m := binary.LittleEndian.Uint32(h[8:]); m != ngByteOrderMagic && m != 0x4D3C2B1A {
			return nil, f.headerErr(ErrNotCapture)
		}
		return f, nil
	}
	return nil, f.headerErr(ErrNotCapture)
}

// streamErr prefers the decompressor's failure, when there is one, over the
// capture-format error it caused.
func (f *File) streamErr(err error) error {
	if f.dec != nil && f.cr.err != nil {
		return f.dec.wrap(f.cr.err)
	}
	return err
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
		var (
			data  []byte
			ts    time.Time
			wire  int
			link  LinkType
			err   error
			start int64
		)
		if f.pc != nil {
			data, ts, wire, err = f.pc.next(f.snap, f.pos)
			link, start = f.pc.link, f.pc.recStart
		} else {
			data, ts, wire, link, err = f.ng.next()
			start = f.ng.blockStart
		}
		if err != nil {
			if err == io.EOF && f.cr.err == nil {
				f.err = io.EOF
			} else {
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
			f.stats.countUndecodable(link, reason)
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

// recordErr wraps a read failure of record f.num+1 that started at offset.
func (f *File) recordErr(offset int64, err error) *Error {
	if ue := f.cr.err; ue != nil {
		// The failure is below the capture format: the compressed stream
		// or the file itself.
		if f.dec != nil {
			err = f.dec.wrap(ue)
		} else {
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
	if f.dec != nil {
		f.dec.close()
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
