package catalog

import "net/netip"

// Proto is a transport protocol number (6 = TCP, 17 = UDP).
type Proto uint8

// Transport protocols.
const (
	TCP Proto = 6
	UDP Proto = 17
)

// Entry is one catalog entry: a service on a port (or a port range).
type Entry struct {
	Name        string // service name, e.g. "as-signon", "as-signon-s", "ftp", "telnets"
	Proto       Proto
	Port        uint16 // first port
	PortHigh    uint16 // last port of a range; equal to Port for a single port
	Description string
	IBMi        bool // an IBM i server
	TLS         bool // this port speaks TLS from the first byte (implicit TLS)
	// TLSTwin names the other half of a plain/TLS pair: on a plain entry the
	// TLS service ("as-signon" -> "as-signon-s"), on a TLS entry the plain one.
	TLSTwin     string
	TLSTwinPort uint16
	// Upgrade names an in-band upgrade the plain protocol offers ("AUTH TLS",
	// "StartTLS", "START_TLS", "STARTTLS", "SMB3 encryption").
	Upgrade string
	// TLSExpected: plaintext use of this port is a policy finding because a
	// TLS twin or upgrade exists.
	TLSExpected bool
	Functions   []string // client functions that use this server (seed 000)
	Trojan      bool     // the general port list notes "also used by Trojans"
	Notes       string
	Source      string     // "ibmi", "general", "iana", "site"
	Host        netip.Addr // set on site entries bound to one host
}
