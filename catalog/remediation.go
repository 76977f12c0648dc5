package catalog

import "strings"

// Remedy is what to do about one kind of plaintext use of one kind of
// server: the text a compliance report prints next to a finding group. The
// wording is ours; the facts come from IBM's "Host Servers for SSL only"
// note (seed 001) and its "TCP/IP Port Restrictions" note (seed 002).
type Remedy struct {
	ID    string   // stable identifier, e.g. "host-servers-tls-only"
	Title string   // one line
	Steps []string // what to do, in order
	// Cautions are the ways the change can break something.
	Cautions []string
	// Services the remedy applies to (flow-record service names); empty
	// means any service.
	Services []string
	// Kinds the remedy applies to (finding kinds); empty means any kind.
	Kinds []string
}

// hostServerServices are the plain host servers that a port restriction on
// 8470-8479 keeps from starting.
var hostServerServices = []string{
	"as-central", "as-database", "as-dtaq", "as-file", "as-netprt", "as-rmtcmd", "as-signon",
	"as-netdrive", "as-transfer", "as-vrtprint",
}

var plaintextKinds = []string{
	"plaintext_where_tls_expected", "plaintext_on_tls_port", "cleartext_password",
	"password_hash_exposed", "user_id_exposed", "sensitive_data_visible",
}

// remedies is the one place the remediation text lives. The first match
// wins, so the specific entries come first.
var remedies = []Remedy{
	{
		ID:    "host-servers-tls-only",
		Title: "Let the host servers accept TLS only (9470-9476)",
		Steps: []string{
			"Move every client listed for this server to the TLS port first (IBM i Access Client Solutions: connection property \"Use SSL for connection\"; Toolbox for Java: secure=true, or a SecureAS400 object).",
			"The host servers have no switch for TLS only. Instead add a TCP/IP port restriction (CFGTCP, option 4) for ports 8470-8479 that names QSECOFR as the only profile allowed to bind them: the host servers start under QUSER and can then no longer open the plain ports.",
			"Restart the host servers so the restriction takes effect: ENDHOSTSVR *ALL, then STRTCPSVR *ALL. From then on they listen on 9470-9476 only.",
			"Leave the port mapper (449) alone: it has no TLS form, clients of both kinds use it, and it carries no customer data.",
		},
		Cautions: []string{
			"IBM i's own web services (IBM Navigator for i, Web Administration for i, Digital Certificate Manager and others) talk to the plain host-server ports over the loopback address; closing the ports stops them too.",
			"A port restriction reserves a port for the profiles it names; it does not block users. If it names a profile other than the one the server starts under, the server fails to start with message TCP7701 (bind failed, errno 3401). Remove or correct the restriction and restart the server.",
		},
		Services: hostServerServices,
		Kinds:    plaintextKinds,
	},
	{
		ID:    "telnet-tls-only",
		Title: "Let the telnet server accept TLS only (992)",
		Steps: []string{
			"Move every 5250 emulator listed here to port 992 with TLS (IBM i Access Client Solutions: SSL/TLS in the connection settings).",
			"Run CHGTELNA ALWSSL(*ONLY): from its next start the telnet server listens on 992 only.",
			"Restart telnet: ENDTCPSVR *TELNET, then STRTCPSVR *TELNET.",
		},
		Cautions: []string{
			"Unlike ENDHOSTSVR, ending the telnet server ends every active telnet session. Pick a quiet time and do not run the commands from a telnet session: use a batch CL program, Run SQL Scripts (CL: ENDTCPSVR *TELNET; CL: STRTCPSVR *TELNET;) or the Access Client Solutions remote-command plug-in.",
		},
		Services: []string{"telnet"},
		Kinds:    plaintextKinds,
	},
	{
		ID:    "ftp-tls-required",
		Title: "Require TLS for FTP",
		Steps: []string{
			"Move the listed clients to FTP over TLS (AUTH TLS on port 21, or implicit TLS on 990).",
			"Change the FTP server attributes to refuse plaintext logins (CHGFTPA ALWSSL(*ONLY) on IBM i), then restart the FTP server (ENDTCPSVR *FTP, STRTCPSVR *FTP).",
		},
		Services: []string{"ftp", "ftp-data"},
		Kinds:    plaintextKinds,
	},
	{
		ID:    "ddm-tls-required",
		Title: "Move DDM/DRDA to TLS (448)",
		Steps: []string{
			"Move the listed DRDA and DDM clients to the TLS port 448 and to an encrypted security mechanism.",
			"Then keep the plain DDM port 446 from being used (a port restriction, or the DDM server attributes that require encrypted authentication).",
		},
		Services: []string{"drda"},
		Kinds:    plaintextKinds,
	},
	{
		ID:    "admin-http-tls",
		Title: "Use the TLS ports of the web administration tools",
		Steps: []string{
			"Reach IBM Navigator for i, Web Administration and Digital Certificate Manager over HTTPS only (2003, 2005, 2007, 2010) and have the plain ports redirect to TLS.",
		},
		Cautions: []string{
			"These tools themselves use the plain host-server ports over loopback; that internal use is expected and is not a network exposure.",
		},
		Services: []string{"as-admin-http", "as-new-nav", "as-nav", "as-admin3-http", "as-mgtc"},
		Kinds:    plaintextKinds,
	},
	{
		ID:    "ldap-tls",
		Title: "Require LDAP over TLS",
		Steps: []string{
			"Move the listed LDAP clients to LDAPS (636) or to StartTLS before they bind, then refuse simple binds without TLS on the directory server.",
		},
		Services: []string{"ldap"},
		Kinds:    plaintextKinds,
	},
	{
		ID:    "smb-encryption",
		Title: "Require SMB 3 encryption and retire SMB1/NTLMv1",
		Steps: []string{
			"Turn on SMB 3 encryption for the shares, disable SMB1, and refuse NTLMv1 so no offline-guessable response crosses the network.",
		},
		Services: []string{"smb", "microsoft-ds", "netbios-ssn"},
		Kinds:    []string{"unencrypted_smb", "password_hash_exposed", "cleartext_password", "user_id_exposed"},
	},
	{
		ID:    "weak-tls",
		Title: "Turn off SSL 3.0, TLS 1.0 and TLS 1.1",
		Steps: []string{
			"Remove the old protocols from the system's TLS protocol list (on IBM i the QSSLPCL system value; keep TLS 1.2 and TLS 1.3) and update the clients that offered nothing newer.",
		},
		Kinds: []string{"weak_tls_version"},
	},
	{
		ID:    "move-to-tls",
		Title: "Move this service to its TLS form",
		Steps: []string{
			"Configure the listed clients to use the service's TLS port or its in-band upgrade, then disable the plaintext form on the server.",
		},
		Kinds: plaintextKinds,
	},
}

// RemedyFor returns the remediation for a finding kind on a service, false
// when none applies (informational kinds). The TLS twin of a service gets
// its plain form's remedy (plaintext on a TLS port is the same problem).
func RemedyFor(kind, service string) (Remedy, bool) {
	svc := strings.TrimSuffix(service, "-s")
	switch svc {
	case "telnets":
		svc = "telnet"
	case "ftps", "ftps-data":
		svc = "ftp"
	case "ddm-ssl":
		svc = "drda"
	}
	for _, r := range remedies {
		if matches(r.Kinds, kind) && matches(r.Services, svc) {
			return r, true
		}
	}
	return Remedy{}, false
}

// Remedies returns every remedy, in match order.
func Remedies() []Remedy { return append([]Remedy(nil), remedies...) }

func matches(list []string, s string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
