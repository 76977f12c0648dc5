package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Compressed captures are recognised by their magic bytes, never by the
// file name: a capture renamed or piped keeps working.

var (
	gzipMagic = []byte{0x1F, 0x8B}
	zstdMagic = []byte{0x28, 0xB5, 0x2F, 0xFD}
	xzMagic   = []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}
)

// compression names the compression format b starts with, or "".
func compression(b []byte) string {
	switch {
	case bytes.HasPrefix(b, gzipMagic):
		return "gzip"
	case bytes.HasPrefix(b, zstdMagic):
		return "zstd"
	case bytes.HasPrefix(b, xzMagic):
		return "xz"
	}
	return ""
}

// decompressor is the decompressing stream beneath the capture reader.
type decompressor struct {
	kind string
	r    io.Reader
	done func()
}

func (d *decompressor) Read(p []byte) (int, error) { return d.r.Read(p) }

func (d *decompressor) close() {
	if d.done != nil {
		d.done()
		d.done = nil
	}
}

// wrap names a failure of the compressed stream.
func (d *decompressor) wrap(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s stream truncated: %w", d.kind, err)
	}
	return fmt.Errorf("%s stream corrupt: %w", d.kind, err)
}

// maxXZDict bounds the LZMA2 dictionary an xz file may ask for (xz -9 uses
// 64 MiB); the decoder allocates whatever the header says, up to 4 GiB.
const maxXZDict = 1 << 27

// xzDictSize reads the dictionary size the first block of an xz stream
// announces; ok is false when the header cannot be read from b.
func xzDictSize(b []byte) (size int64, ok bool) {
	const streamHeader = 12
	if len(b) < streamHeader+2 || b[streamHeader] == 0 {
		return 0, false // no block (an empty stream) or too short
	}
	end := streamHeader + (int(b[streamHeader])+1)*4
	if end > len(b) {
		return 0, false
	}
	h := b[streamHeader+1 : end]
	flags := h[0]
	h = h[1:]
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && i < len(h); i++ {
			v |= uint64(h[i]&0x7F) << (7 * i)
			if h[i]&0x80 == 0 {
				h = h[i+1:]
				return v, true
			}
		}
		return 0, false
	}
	for _, bit := range []byte{0x40, 0x80} { // compressed, uncompressed size
		if flags&bit != 0 {
			if _, ok := varint(); !ok {
				return 0, false
			}
		}
	}
	for range int(flags&0x03) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || n > uint64(len(h)) {
			return 0, false
		}
		if id == 0x21 && n == 1 { // LZMA2: dictionary size code
			c := h[0]
			if c > 40 {
				return 0, false
			}
			if c == 40 {
				return 1<<32 - 1, true
			}
			return int64(2|c&1) << (c/2 + 11), true
		}
		h = h[n:]
	}
	return 0, false
}

func newDecompressor(kind string, r io.Reader) (*decompressor, error) {
	d := &decompressor{kind: kind}
	switch kind {
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gzip header: %w", errShort(err))
		}
		d.r, d.done = zr, func() { zr.Close() }
	case "zstd":
		// One goroutine, and a window bound so a crafted frame header
		// cannot ask for gigabytes.
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<27))
		if err != nil {
			return nil, fmt.Errorf("zstd header: %w", err)
		}
		d.r, d.done = zr, zr.Close
	case "xz":
		if br, ok := r.(interface{ Peek(int) ([]byte, error) }); ok {
			b, _ := br.Peek(64)
			if size, ok := xzDictSize(b); ok && size > maxXZDict {
				return nil, fmt.Errorf("xz header: dictionary of %d MiB exceeds the %d MiB limit", size>>20, maxXZDict>>20)
			}
		}
		zr, err := xz.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("xz header: %w", errShort(err))
		}
		d.r = zr
	default:
		return nil, fmt.Errorf("compression %q not supported", kind)
	}
	return d, nil
}
