package sensor

import (
	"fmt"
	"os"
	"time"
)

// FileSink appends lines to a file, reopens it on request (logrotate moves
// the file, SIGHUP makes ibmitap write to a new one) and can rotate it
// itself by size or age: the full file is renamed to NAME.YYYYMMDDTHHMMSSZ
// and a new one opened.
type FileSink struct {
	Path string
	// RotateSize rotates once the file holds this many bytes (0: never);
	// RotateEvery rotates when the file is this old (0: never).
	RotateSize  int64
	RotateEvery time.Duration
	// Now is the clock (tests); nil = time.Now.
	Now func() time.Time

	f      *os.File
	size   int64
	opened time.Time
}

// OpenFileSink opens path for appending (creating it with mode 0640): the
// error, before capture starts, says when it cannot be written.
func OpenFileSink(path string, rotateSize int64, rotateEvery time.Duration) (*FileSink, error) {
	s := &FileSink{Path: path, RotateSize: rotateSize, RotateEvery: rotateEvery}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *FileSink) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *FileSink) open() error {
	f, err := os.OpenFile(s.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("opening output: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening output: %w", err)
	}
	s.f, s.size, s.opened = f, st.Size(), s.now()
	return nil
}

// Write writes p, rotating first when the file is full or old.
func (s *FileSink) Write(p []byte) error {
	if s.f == nil {
		if err := s.open(); err != nil { // a failed reopen is retried with each line
			return err
		}
	}
	if (s.RotateSize > 0 && s.size > 0 && s.size+int64(len(p)) > s.RotateSize) ||
		(s.RotateEvery > 0 && s.size > 0 && s.now().Sub(s.opened) >= s.RotateEvery) {
		if err := s.rotate(); err != nil {
			return err
		}
	}
	n, err := s.f.Write(p)
	s.size += int64(n)
	return err
}

// rotate renames the current file aside and opens a new one.
func (s *FileSink) rotate() error {
	if err := s.closeFile(); err != nil {
		return err
	}
	aside := s.Path + "." + s.now().UTC().Format("20060102T150405.000000000Z")
	if err := os.Rename(s.Path, aside); err != nil {
		return fmt.Errorf("rotating output: %w", err)
	}
	return s.open()
}

// Reopen closes the file and opens Path again.
func (s *FileSink) Reopen() error {
	if err := s.closeFile(); err != nil {
		return err
	}
	return s.open()
}

func (s *FileSink) closeFile() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// Close closes the file.
func (s *FileSink) Close() error { return s.closeFile() }
