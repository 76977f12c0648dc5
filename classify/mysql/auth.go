package mysql

import (
	"bytes"
	"encoding/binary"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Capability flags of the login (protocol 4.1).
const (
	clientConnectWithDB    = 0x00000008
	clientSecureConn       = 0x00008000
	clientPluginAuth       = 0x00080000
	clientPluginAuthLenenc = 0x00200000
)

// Authentication plugins whose answer the wire shows.
const (
	pluginNative = "mysql_native_password"
	pluginSHA2   = "caching_sha2_password"
	pluginClear  = "mysql_clear_password"
)

// serverPlugin returns the authentication plugin an initial handshake
// (protocol 10) names, "" when it names none.
func serverPlugin(p []byte, caps uint32) string {
	if caps&clientPluginAuth == 0 {
		return ""
	}
	i := bytes.IndexByte(p[1:], 0)
	r := p[1+i+1:] // checked by handshake
	// connection id 4, salt 8, filler 1, capabilities 2, charset 1,
	// status 2, capabilities 2, salt length 1, reserved 10
	if len(r) < 31 {
		return ""
	}
	n := max(13, int(r[20])-8)
	if caps&clientSecureConn == 0 || len(r) < 31+n {
		return ""
	}
	name := r[31+n:]
	if j := bytes.IndexByte(name, 0); j >= 0 {
		name = name[:j]
	}
	return plugin(name)
}

// plugin returns the plugin name among those the detector knows, "" for
// any other.
func plugin(name []byte) string {
	for _, p := range []string{pluginNative, pluginSHA2, pluginClear} {
		if string(name) == p {
			return p
		}
	}
	return ""
}

// response reads a HandshakeResponse41 after the user name: its auth
// response and the plugin that made it ("" when it names none it knows).
// ok is false when the packet ends early.
func response(resp []byte, ccaps uint32) (auth []byte, name string, ok bool) {
	if len(resp) <= 32 {
		return nil, "", false
	}
	b := resp[32:]
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return nil, "", false
	}
	b = b[i+1:]
	n := 0
	switch {
	case ccaps&clientPluginAuthLenenc != 0:
		// A length-encoded integer; a login answer is short, so the
		// one-byte form and 0xfc (two bytes) are all that occur.
		switch {
		case len(b) >= 1 && b[0] < 0xfb:
			n, b = int(b[0]), b[1:]
		case len(b) >= 3 && b[0] == 0xfc:
			n, b = int(binary.LittleEndian.Uint16(b[1:])), b[3:]
		default:
			return nil, "", false
		}
	case ccaps&clientSecureConn != 0:
		if len(b) < 1 {
			return nil, "", false
		}
		n, b = int(b[0]), b[1:]
	default:
		// Before secure connections: NUL-terminated, nothing after it
		// that names a plugin.
		j := bytes.IndexByte(b, 0)
		if j < 0 {
			return nil, "", false
		}
		return b[:j], "", true
	}
	if n > len(b) {
		return nil, "", false
	}
	auth, b = b[:n], b[n:]
	if ccaps&clientConnectWithDB != 0 {
		j := bytes.IndexByte(b, 0)
		if j < 0 {
			return auth, "", true
		}
		b = b[j+1:]
	}
	if ccaps&clientPluginAuth != 0 {
		if j := bytes.IndexByte(b, 0); j >= 0 {
			b = b[:j]
		}
		name = plugin(b)
	}
	return auth, name, true
}

// password reports what the login shows of the password: the handshake
// response's answer under the plugin it names (or the server's, or
// mysql_native_password when neither names one), and the answer to an
// AuthSwitchRequest (0xfe, plugin name, data) that follows it. A
// mysql_clear_password answer is the password itself; a native or SHA-2
// scramble beside the server's salt (the handshake carries it, and a
// switch request its own) can be tried against a dictionary offline. SHA-2's
// full authentication goes over TLS or RSA and is no finding. Nothing of
// the answer or salt enters the finding.
func password(resp []byte, ccaps uint32, server string, crest, srest []byte, v *detect.Verdict) {
	if ccaps&clientProtocol41 == 0 {
		return // HandshakeResponse320 is out of scope, as in user
	}
	auth, name, ok := response(resp, ccaps)
	if !ok {
		return
	}
	if name == "" {
		name = server
	}
	if name == "" && ccaps&clientSecureConn != 0 {
		name = pluginNative
	}
	proto := "mysql HandshakeResponse41"
	// An AuthSwitchRequest replaces the plugin, and the client answers
	// it in the next packet.
	if sw, _, ok := packet(srest, 2); ok && len(sw) > 1 && sw[0] == 0xfe {
		if j := bytes.IndexByte(sw[1:], 0); j >= 0 {
			if a, _, ok := packet(crest, 3); ok && plugin(sw[1:1+j]) != "" {
				name, auth, proto = plugin(sw[1:1+j]), a, "mysql AuthSwitchResponse"
			}
		}
	}
	switch {
	case name == pluginClear && len(bytes.TrimRight(auth, "\x00")) > 0:
		f := detect.Finding{
			Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
			Message:   "MySQL password sent in clear (mysql_clear_password)",
			User:      v.User,
			Protocol:  proto,
			Mechanism: pluginClear,
		}
		if v.User != "" {
			f.Message += " for user " + v.User
		}
		v.Add(f)
	case name == pluginNative && len(auth) == 20, name == pluginSHA2 && len(auth) == 32:
		f := detect.Finding{
			Kind: detect.KindPasswordHashExposed, Severity: detect.SevHigh,
			Message:   "MySQL " + name + " scramble and its salt visible: the password can be guessed offline",
			User:      v.User,
			Protocol:  proto,
			Mechanism: name,
			Length:    len(auth), // fixed by the plugin
		}
		if v.User != "" {
			f.Message += " (user " + v.User + ")"
		}
		v.Add(f)
	}
}
