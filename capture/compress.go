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
