package adb

import (
	"encoding/binary"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Commands that open a connection (the host's CNXN; the device's CNXN, AUTH
// or STLS in answer).
const (
	cmdCNXN = 0x4e584e43
	cmdAUTH = 0x48545541
	cmdSTLS = 0x534c5453
)

// maxData bounds a message's payload (adbd's MAX_PAYLOAD is 1 MiB).
const maxData = 1 << 20

const headerLen = 24

// Detect recognises an ADB connection from the host's CNXN header; the
// device's answer, when present, must be an ADB header too.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.Transport == 17 {
		return false
	}
	if !header(in.C2S, cmdCNXN) {
		return false
	}
	if len(in.S2C) >= headerLen && !header(in.S2C, cmdCNXN) && !header(in.S2C, cmdAUTH) && !header(in.S2C, cmdSTLS) {
		return false
	}
	v.Protocol = "adb"
	return true
}

// Reject reports that no more bytes can make Detect match: UDP, or a client
// stream whose first bytes are not "CNXN".
func Reject(in *detect.Input) bool {
	if in.Transport == 17 {
		return true
	}
	c := in.C2S
	n := min(len(c), 4)
	return string(c[:n]) != "CNXN"[:n] || len(c) >= headerLen && !header(c, cmdCNXN)
}

// header reports whether b starts with a well-formed ADB message header
// carrying command cmd: the magic is the command's complement, the version
// argument of a CNXN is 0x01000000 or 0x01000001, the length is bounded.
func header(b []byte, cmd uint32) bool {
	if len(b) < headerLen {
		return false
	}
	c := binary.LittleEndian.Uint32(b)
	if c != cmd || binary.LittleEndian.Uint32(b[20:]) != c^0xffffffff {
		return false
	}
	if binary.LittleEndian.Uint32(b[12:]) > maxData {
		return false
	}
	if cmd == cmdCNXN {
		ver := binary.LittleEndian.Uint32(b[4:])
		return ver == 0x01000000 || ver == 0x01000001
	}
	return true
}
