package compliance

import (
	"strings"

	"github.com/ibmitap/ibmitap/record"
)

// controlDef is one control as data: what it asks, which requirements it
// supports, and which flows it judges and fails. The paraphrases are ours;
// the requirement numbers are the standards' own.
type controlDef struct {
	id, title, summary string
	requirements       []string
	// judges says the flow is one the control can assess.
	judges func(f *record.Flow, c flowCtx) bool
	// fails says the flow breaks the control.
	fails func(f *record.Flow, c flowCtx) bool
	// passText and failText explain the verdict.
	passText, failText, noneText string
}

// controls is the one place the controls live, in report order.
var controls = []controlDef{
	{
		id:      "auth-factors-encrypted",
		title:   "Authentication factors unreadable in transmission",
		summary: "Passwords and other authentication factors must be protected by strong cryptography whenever they cross a network, so no one on the path can read or replay them.",
		requirements: []string{
			"PCI DSS 4.0.1 8.3.2",
			"NIST SP 800-53 IA-5(1)(c)",
		},
		judges: func(f *record.Flow, c flowCtx) bool { return judged(f) && f.Service != "unknown" },
		fails: func(f *record.Flow, c flowCtx) bool {
			return hasFinding(f, "password_hash_exposed") || hasCredentialPassword(f)
		},
		passText: "No password and no offline-guessable password substitute crossed the network in clear in the flows judged.",
		failText: "A password or an offline-guessable password substitute crossed the network in clear.",
		noneText: "No flow with judged payload to a known service: nothing shows whether credentials were protected.",
	},
	{
		id:      "admin-access-encrypted",
		title:   "Non-console administrative access encrypted",
		summary: "Interactive and administrative sessions that do not run on the console must be encrypted end to end.",
		requirements: []string{
			"PCI DSS 4.0.1 2.2.7",
			"NIST SP 800-53 AC-17(2)",
		},
		judges: func(f *record.Flow, c flowCtx) bool {
			return judged(f) && (adminPlain[f.Service] || adminTLS[f.Service])
		},
		fails: func(f *record.Flow, c flowCtx) bool {
			return plaintext(f) && adminPlain[f.Service]
		},
		passText: "Every interactive or administrative session seen (telnet/5250, remote command, web administration, SSH) was encrypted.",
		failText: "An interactive or administrative session (telnet/5250, remote command, REXEC or web administration) ran in plaintext.",
		noneText: "No interactive or administrative session was seen.",
	},
	{
		id:      "transmission-encrypted",
		title:   "Transmission confidentiality",
		summary: "Data in transit must be protected against disclosure; a service that offers an encrypted form must be used in that form.",
		requirements: []string{
			"NIST SP 800-53 SC-8",
			"HIPAA 164.312(e)(1)",
		},
		judges: func(f *record.Flow, c flowCtx) bool {
			return judged(f) && (c.tlsForm || *f.Encrypted || failsTransmission(f))
		},
		fails:    func(f *record.Flow, c flowCtx) bool { return failsTransmission(f) },
		passText: "Every session to a service that has an encrypted form used that form.",
		failText: "Sessions to services that have an encrypted form ran in plaintext, or their upgrade to TLS was refused or undone.",
		noneText: "No session to a service with an encrypted form was seen.",
	},
	{
		id:      "strong-tls",
		title:   "Strong TLS only",
		summary: "Only TLS 1.2 or newer may be negotiated; SSL 2.0, SSL 3.0, TLS 1.0 and TLS 1.1 are on IBM's list of weak protocols and should be disabled.",
		requirements: []string{
			"TLS 1.2 or newer",
			"IBM i weak protocols (QSSLPCL)",
		},
		judges: func(f *record.Flow, c flowCtx) bool {
			return f.Encrypted != nil && *f.Encrypted && f.TLSVersion != ""
		},
		fails:    func(f *record.Flow, c flowCtx) bool { return weakNegotiated(f) },
		passText: "Every TLS session seen negotiated TLS 1.2 or newer.",
		failText: "A TLS session negotiated SSL 3.0, TLS 1.0 or TLS 1.1.",
		noneText: "No TLS session with a known version was seen.",
	},
	{
		id:      "host-servers-tls",
		title:   "No plaintext host-server sessions",
		summary: "Every IBM i host server, DDM/DRDA, telnet and FTP session to an IBM i must run over TLS.",
		requirements: []string{
			"IBM i Host Servers for SSL only",
		},
		judges: func(f *record.Flow, c flowCtx) bool { return judged(f) && c.ibmi && hostFamily(f.Service) },
		fails: func(f *record.Flow, c flowCtx) bool {
			return c.ibmi && hostFamily(f.Service) && (plaintext(f) || hasFinding(f, "plaintext_on_tls_port"))
		},
		passText: "Every host-server, DDM/DRDA, telnet and FTP session to an IBM i ran over TLS.",
		failText: "Host-server, DDM/DRDA, telnet or FTP sessions to an IBM i ran without TLS.",
		noneText: "No host-server, DDM/DRDA, telnet or FTP session to an IBM i was seen.",
	},
}

// flowCtx is what a control needs to know beyond the flow record itself.
type flowCtx struct {
	ibmi    bool // the server is an IBM i system
	tlsForm bool // the service has an encrypted form (TLS twin, upgrade or TLS itself)
}

// adminPlain are interactive or administrative services in their plain
// form; adminTLS their encrypted forms (and SSH).
var adminPlain = set("telnet", "as-rmtcmd", "rexec", "as-admin-http", "as-new-nav", "as-nav", "as-admin3-http", "hmc-5250", "as-mgtc")
var adminTLS = set("telnets", "as-rmtcmd-s", "ssh", "as-admin-https", "as-new-nav-s", "as-nav-s", "as-admin3-https", "hmc-5250-s", "as-mgtc-s")

// hostFamily: host servers (not the port mapper, which has no TLS form),
// DDM/DRDA, telnet and FTP.
func hostFamily(svc string) bool {
	switch svc {
	case "as-svrmap", "":
		return false
	case "drda", "ddm-ssl", "telnet", "telnets", "ftp", "ftps", "ftp-data", "ftps-data":
		return true
	}
	return strings.HasPrefix(svc, "as-") && hostServer[strings.TrimSuffix(svc, "-s")]
}

var hostServer = set("as-central", "as-database", "as-dtaq", "as-file", "as-netprt", "as-rmtcmd", "as-signon",
	"as-netdrive", "as-transfer", "as-vrtprint", "as-hostcnn")

func set(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

// judged: the flow's payload was looked at (encrypted is true or false).
func judged(f *record.Flow) bool { return f.Encrypted != nil }

// plaintext: the payload was judged and was not encrypted.
func plaintext(f *record.Flow) bool { return f.Encrypted != nil && !*f.Encrypted }

func hasFinding(f *record.Flow, kind string) bool {
	for i := range f.Findings {
		if f.Findings[i].Kind == kind {
			return true
		}
	}
	return false
}

// hasCredentialPassword: a cleartext_password finding that is a real
// credential (an anonymous FTP login, reported at low severity, is not).
func hasCredentialPassword(f *record.Flow) bool {
	for i := range f.Findings {
		x := &f.Findings[i]
		if x.Kind == "cleartext_password" && record.SeverityRank(x.Severity) > record.SeverityRank("low") {
			return true
		}
	}
	return false
}

// weakNegotiated: a weak version was negotiated (an offered-only weak
// version is info and passes).
func weakNegotiated(f *record.Flow) bool {
	for i := range f.Findings {
		x := &f.Findings[i]
		if x.Kind == "weak_tls_version" && x.Severity != "info" {
			return true
		}
	}
	return false
}

// failsTransmission: the session ran in clear although its service has an
// encrypted form. A refused upgrade (STARTTLS, STLS, SSLRequest, TDS or
// MySQL encryption not agreed) left the session, and any credentials in it,
// in clear; a downgrade (FTP CCC) took the control connection back to
// clear text after AUTH TLS.
func failsTransmission(f *record.Flow) bool {
	return hasFinding(f, "plaintext_where_tls_expected") || hasFinding(f, "plaintext_on_tls_port") ||
		hasFinding(f, "unencrypted_smb") || hasFinding(f, "tls_upgrade_refused") || hasFinding(f, "tls_downgrade")
}
