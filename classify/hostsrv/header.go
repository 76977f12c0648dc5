package hostsrv

import (
	"encoding/binary"
	"iter"
)

// HeaderLen is the size of the header every host-server message starts with.
const HeaderLen = 20

// MaxLength bounds the total length of one message. Database replies with
// blocked fetch data are the largest messages; anything beyond 16 MiB is
// taken as a sign the bytes are not a header.
const MaxLength = 1 << 24

// Header is the 20-byte header of a host-server request or reply.
type Header struct {
	Length      uint32 // whole message, header included
	ClientAttr  byte   // byte 4: client attributes in 0x7001/0x7002 and replies, else 0
	ServerAttr  byte   // byte 5: server attributes (password level in 0xF001), else 0
	ServerID    uint16 // 0xE0xx
	CSInstance  uint32
	Correlation uint32
	TemplateLen uint16 // fixed-format bytes after the header
	ID          uint16 // request or reply ID
}

// ParamStart is the offset of the first LL/CP parameter.
func (h Header) ParamStart() int { return HeaderLen + int(h.TemplateLen) }

// ParseHeader reads a header from the start of b. ok is false when b is
// shorter than a header or the fields cannot belong to one: a length below
// 20 or above MaxLength, a server ID other than the known 0xE0xx values, or a
// template that does not fit in the message.
func ParseHeader(b []byte) (Header, bool) {
	if len(b) < HeaderLen || b[6] != 0xE0 || !knownServer(b[7]) {
		return Header{}, false
	}
	h := Header{
		Length:      binary.BigEndian.Uint32(b[0:4]),
		ClientAttr:  b[4],
		ServerAttr:  b[5],
		ServerID:    binary.BigEndian.Uint16(b[6:8]),
		CSInstance:  binary.BigEndian.Uint32(b[8:12]),
		Correlation: binary.BigEndian.Uint32(b[12:16]),
		TemplateLen: binary.BigEndian.Uint16(b[16:18]),
		ID:          binary.BigEndian.Uint16(b[18:20]),
	}
	if h.Length < HeaderLen || h.Length > MaxLength || uint32(h.ParamStart()) > h.Length {
		return Header{}, false
	}
	return h, true
}

// knownServer reports whether 0xE0 lo is a server ID in use (0xE001 is not).
func knownServer(lo byte) bool {
	return lo <= 0x0B && lo != 0x01
}

// Server IDs.
const (
	ServerCentral  = 0xE000
	ServerFile     = 0xE002
	ServerNetPrint = 0xE003
	ServerSQL      = 0xE004 // database, SQL functions
	ServerNDB      = 0xE005 // database, native database functions
	ServerROI      = 0xE006 // database, return object information
	ServerDataQ    = 0xE007
	ServerRmtCmd   = 0xE008
	ServerSignon   = 0xE009
	ServerXA       = 0xE00A // database, XA functions
	ServerHostCnn  = 0xE00B
)

// ServiceName names the service behind a server ID as the IBM service table
// does (plaintext names; the classify engine adds "-s" for TLS). It returns
// "" for an unknown ID.
func ServiceName(serverID uint16) string {
	switch serverID {
	case ServerCentral:
		return "as-central"
	case ServerFile:
		return "as-file"
	case ServerNetPrint:
		return "as-netprt"
	case ServerSQL, ServerNDB, ServerROI, ServerXA:
		return "as-database"
	case ServerDataQ:
		return "as-dtaq"
	case ServerRmtCmd:
		return "as-rmtcmd"
	case ServerSignon:
		return "as-signon"
	case ServerHostCnn:
		return "as-hostcnn"
	}
	return ""
}

// database reports whether the server ID is one of the four that share a
// database connection.
func database(serverID uint16) bool {
	switch serverID {
	case ServerSQL, ServerNDB, ServerROI, ServerXA:
		return true
	}
	return false
}

// Messages yields the complete messages at the start of b, each with its
// header, in order. It stops at the first bytes that are not a valid header
// or at a message that does not fit in b.
func Messages(b []byte) iter.Seq2[Header, []byte] {
	return func(yield func(Header, []byte) bool) {
		for {
			h, ok := ParseHeader(b)
			if !ok || uint64(h.Length) > uint64(len(b)) {
				return
			}
			if !yield(h, b[:h.Length]) {
				return
			}
			b = b[h.Length:]
		}
	}
}

// Params yields the code point and data of each LL/CP parameter in b (LL is
// a uint32 counting itself and the 2-byte CP). It stops at a parameter that
// is malformed or does not fit in b; Chain tells whether b parsed exactly.
func Params(b []byte) iter.Seq2[uint16, []byte] {
	return func(yield func(uint16, []byte) bool) {
		for len(b) >= 6 {
			ll := binary.BigEndian.Uint32(b[0:4])
			if ll < 6 || uint64(ll) > uint64(len(b)) {
				return
			}
			if !yield(binary.BigEndian.Uint16(b[4:6]), b[6:ll]) {
				return
			}
			b = b[ll:]
		}
	}
}

// Chain reports whether b is exactly a sequence of well-formed LL/CP
// parameters, and how many.
func Chain(b []byte) (n int, ok bool) {
	for len(b) >= 6 {
		ll := binary.BigEndian.Uint32(b[0:4])
		if ll < 6 || uint64(ll) > uint64(len(b)) {
			return n, false
		}
		n++
		b = b[ll:]
	}
	return n, len(b) == 0
}
