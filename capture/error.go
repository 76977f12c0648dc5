package capture

import (
	"errors"
	"fmt"
)

// Error reports a corrupt or unreadable capture file. Packets returned before
// it are valid; the Source returns the same Error from every later Next.
type Error struct {
	File   string // file name as given to OpenFile
	Packet uint64 // 1-based record number that failed; 0 for the file header
	Offset int64  // byte offset of the failing record in the (uncompressed) stream; -1 if unknown
	Err    error  // cause
}

// Error formats the error as "capture: FILE: packet N: cause".
func (e *Error) Error() string {
	at := ""
	if e.Offset > 0 {
		// pcapng blocks that are not packets fail between packets: the
		// offset says where.
		at = fmt.Sprintf(" (byte offset %d)", e.Offset)
	}
	if e.Packet == 0 {
		return fmt.Sprintf("capture: %s: %v%s", e.File, e.Err, at)
	}
	return fmt.Sprintf("capture: %s: packet %d%s: %v", e.File, e.Packet, at, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

var (
	// ErrNotCapture is the cause when the file starts with no known capture magic.
	ErrNotCapture = errors.New("not a pcap or pcapng file")
	// ErrRecordTooLarge is the cause when a record announces an absurd length.
	ErrRecordTooLarge = errors.New("record length out of range")
)
