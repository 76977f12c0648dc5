package detect

import (
	"math"
	"net/netip"
)

// Input is what a detector sees of one flow. C2S and S2C are the first bytes of
// each direction in TCP sequence order (for UDP: the first datagrams back to
// back). A detector must not keep or modify them.
type Input struct {
	C2S, S2C   []byte
	ClientPort uint16
	ServerPort uint16
	Transport  uint8 // 6 = TCP, 17 = UDP
	// MidStream is set when the connection's start was not captured, so the
	// heads may begin in the middle of a message or session.
	MidStream bool
	// C2SFull / S2CFull are set when a head reached its size limit; bytes past
	// it were not kept.
	C2SFull, S2CFull bool
	// C2SHole / S2CHole are set when a sequence gap could not be filled (lost
	// segment): the head ends at the hole.
	C2SHole, S2CHole bool
}

// Func is a detector: it inspects in and, if it recognises its protocol,
// fills v and returns true. It is called again as heads grow, each time with a
// fresh Verdict, so it must derive everything from in. It must never panic on
// any input and should reject foreign bytes after looking at a few of them.
//
// Two fields of the Verdict let detection finish instead of following the
// heads to their limit: Done (set with a match) says a direction's later
// bytes can no longer change the verdict, and Wait (with or without a
// match) says how many bytes a head needs before the detector's answer can
// change. The engine then stops buffering a settled direction, and does not
// ask again before a head reaches what the detector waits for.
type Func func(in *Input, v *Verdict) bool

// RejectFunc tells a detector's "not me" apart from its "not yet": it is
// asked after its Func returned false and reports that no bytes added to
// the heads can make the Func match (typically: the first bytes of a
// direction cannot open the protocol). It must look only at what later
// bytes cannot change and be cheap. Once every detector of a flow rejected
// it, the flow stops buffering: an unrecognisable flow costs one look, not
// one per segment up to the head limit. A detector without one is never
// ruled out and is asked again whenever the heads grow.
type RejectFunc func(in *Input) bool

// TLSInfo is what was learned from a TLS handshake.
type TLSInfo struct {
	Seen        bool     // a TLS (or SSLv2) ClientHello or ServerHello was parsed
	Established bool     // the server answered with a ServerHello (not an alert)
	Offered     uint16   // highest version the client offered (0x0301 = TLS 1.0, 0x0304 = TLS 1.3, 0x0002 = SSL 2.0)
	Negotiated  uint16   // version from the ServerHello (supported_versions first), 0 if not seen
	SNI         string   // server_name
	ALPN        []string // offered ALPN protocols (the selected one first when the server chose)
	Alert       bool     // the server answered the ClientHello with an alert
}

// Directions of a flow: the indexes of Verdict.Done.
const (
	C2S = 0
	S2C = 1
)

// Done settles one direction of a matched flow.
type Done struct {
	// Final says that no byte after the first Keep bytes of the
	// direction can change the verdict, however either head grows: the
	// engine stops adding to the direction's head and keeps only its
	// first Keep bytes for the detector's later calls. A detector that
	// sets it must read no further than Keep on those calls either, so
	// its answer does not depend on when the engine stopped.
	Final bool
	Keep  int
}

// Never, as a field of Wait, says that no growth of that direction can
// change the detector's answer.
const Never = math.MaxInt32

// Wait is a detector's promise about its next answer: neither its Func
// nor its RejectFunc will answer differently (match or not, same verdict,
// ruled out or not) until the C2S head holds at least C2S bytes or the S2C
// head at least S2C bytes, or a head fills or stops at a hole. A zero
// field means that any new byte of that direction may change the answer
// (the default); Never that none will.
type Wait struct{ C2S, S2C int }

// Verdict is what detectors learned about one flow.
type Verdict struct {
	// Done settles directions of a matched flow (index C2S, S2C): see
	// Done. Set only together with a match.
	Done [2]Done
	// Wait, set with or without a match, tells the engine when asking
	// again can give another answer (see Wait).
	Wait Wait

	// Protocol names the wire protocol recognised: "tls", "portmapper",
	// "hostserver", "drda", "telnet", "tn5250", "ftp", "ldap", "smb", "http",
	// "rexec", "ssh", "netbios".
	Protocol string
	// Service is the service name when the bytes tell it (a host-server ID,
	// "ftp-data" ...); empty when the port catalog should name it.
	Service string
	// Encrypted is set when the flow is encrypted from its start (TLS, SSH).
	Encrypted bool
	// Upgraded is set when a STARTTLS-style upgrade succeeded; UpgradeHow says
	// which ("AUTH TLS", "StartTLS", "START_TLS").
	Upgraded   bool
	UpgradeHow string
	// Downgraded is set when an upgraded session went back to clear text
	// (FTP CCC): the flow is not encrypted after all.
	Downgraded bool
	TLS        TLSInfo
	// User is a user ID seen in clear (decoded to text). Never a password.
	User string
	// PortmapRequest is the service name a port-mapper client asked for;
	// PortmapPort the port it answered, PortmapRefused that it answered
	// with a failure ('-').
	PortmapRequest string
	PortmapPort    uint16
	PortmapRefused bool
	Findings       []Finding
	// Learn carries port-mapper answers: service -> port on this flow's server.
	Learn []Mapping
	// Expect announces connections to come (FTP data connections).
	Expect []Expectation
}

// Mapping is one service-to-port fact learned from the port mapper.
type Mapping struct {
	Service string // as asked, including any "-s" suffix
	Port    uint16
}

// Expectation announces a connection the flow's peers will open next.
type Expectation struct {
	Addr    netip.Addr // server address; invalid means the same server as the announcing flow
	Port    uint16
	Service string // "ftp-data"; the engine turns it into "ftps-data" when the control flow was protected
}

// Finding kinds (stable identifiers; see the README).
const (
	KindPlaintextWhereTLSExpected = "plaintext_where_tls_expected"
	KindCleartextPassword         = "cleartext_password"
	KindPasswordHashExposed       = "password_hash_exposed"
	KindUserIDExposed             = "user_id_exposed"
	KindSensitiveDataVisible      = "sensitive_data_visible"
	KindPlaintextOnTLSPort        = "plaintext_on_tls_port"
	KindWeakTLSVersion            = "weak_tls_version"
	KindRemappedPort              = "remapped_port"
	KindTLSUpgrade                = "tls_upgrade"
	KindTLSUpgradeRefused         = "tls_upgrade_refused"
	KindTLSDowngrade              = "tls_downgrade"
	KindAuthFailure               = "authentication_failure"
	KindUnencryptedSMB            = "unencrypted_smb"
)

// Severities, lowest first.
const (
	SevInfo     = "info"
	SevLow      = "low"
	SevMedium   = "medium"
	SevHigh     = "high"
	SevCritical = "critical"
)

// Finding is one thing worth telling about a flow. Besides kind, severity and
// message it carries kind-specific evidence; none of it may be a secret.
type Finding struct {
	Kind     string
	Severity string
	Message  string

	User      string // user ID involved, if any
	Protocol  string // protocol or message that carried it, e.g. "ftp PASS", "drda SECCHK"
	Mechanism string // password protection: "DES", "SHA-1", "SHA-512", "SECMEC 3" ...
	Record    string // for sensitive_data_visible: "sql", "cl-command", "program-call"
	Length    int    // length of the exposed item (never its content)
	Port      int
	TLSPort   int
	Learned   string // how a port was learned: "portmapper", "datastream"
	Count     int
	// Basis says what the finding rests on: "bytes" (the payload proved
	// it), "portmapper" (the port mapper's answer named the service) or
	// "port" (the catalog or site file's name for the port alone). The
	// engine fills it; detectors leave it empty (their findings rest on
	// bytes).
	Basis string
}

// Evidence bases of findings.
const (
	BasisBytes      = "bytes"
	BasisPortmapper = "portmapper"
	BasisPort       = "port"
)

// Settle marks direction dir (C2S or S2C) final after its first keep
// bytes (see Done).
func (v *Verdict) Settle(dir, keep int) { v.Done[dir] = Done{Final: true, Keep: keep} }

// Add appends a finding to v.
func (v *Verdict) Add(f Finding) { v.Findings = append(v.Findings, f) }
