package classify

import (
	"github.com/ibmitap/ibmitap/classify/adb"
	"github.com/ibmitap/ibmitap/classify/drda"
	"github.com/ibmitap/ibmitap/classify/ftp"
	"github.com/ibmitap/ibmitap/classify/hostsrv"
	"github.com/ibmitap/ibmitap/classify/http"
	"github.com/ibmitap/ibmitap/classify/imap"
	"github.com/ibmitap/ibmitap/classify/ldap"
	"github.com/ibmitap/ibmitap/classify/mysql"
	"github.com/ibmitap/ibmitap/classify/nntp"
	"github.com/ibmitap/ibmitap/classify/pgsql"
	"github.com/ibmitap/ibmitap/classify/pop3"
	"github.com/ibmitap/ibmitap/classify/portmap"
	"github.com/ibmitap/ibmitap/classify/rexec"
	"github.com/ibmitap/ibmitap/classify/smb"
	"github.com/ibmitap/ibmitap/classify/smtp"
	"github.com/ibmitap/ibmitap/classify/ssh"
	"github.com/ibmitap/ibmitap/classify/tds"
	"github.com/ibmitap/ibmitap/classify/telnet"
	"github.com/ibmitap/ibmitap/classify/tls"
	"github.com/ibmitap/ibmitap/classify/xmpp"
)

// Registry returns the detectors in the order they are tried (the rules of
// docs/protocols.md, "Classification order": TLS, port mapper, host servers, DRDA, telnet, FTP,
// LDAP, SMB, HTTP, REXEC, then the rest). The first that recognises a flow
// names it. Every entry has a Reject: a new detector should have one too, or
// every flow it cannot rule out keeps buffering to the head limit. The
// detectors of in-band upgrades (PostgreSQL, SMTP, POP3, IMAP, NNTP, XMPP,
// MySQL, TDS) come after SSH: each asks for its protocol's opening
// exchange, which none of the earlier ones accepts.
func Registry() []Detector {
	return []Detector{
		{"tls", tls.Detect, tls.Reject},
		{"portmap", portmap.Detect, portmap.Reject},
		{"hostsrv", hostsrv.Detect, hostsrv.Reject},
		{"drda", drda.Detect, drda.Reject},
		{"telnet", telnet.Detect, telnet.Reject},
		{"ftp", ftp.Detect, ftp.Reject},
		{"ldap", ldap.Detect, ldap.Reject},
		{"smb", smb.Detect, smb.Reject},
		{"http", http.Detect, http.Reject},
		{"rexec", rexec.Detect, rexec.Reject},
		{"ssh", ssh.Detect, ssh.Reject},
		{"pgsql", pgsql.Detect, pgsql.Reject},
		{"smtp", smtp.Detect, smtp.Reject},
		{"pop3", pop3.Detect, pop3.Reject},
		{"imap", imap.Detect, imap.Reject},
		{"nntp", nntp.Detect, nntp.Reject},
		{"xmpp", xmpp.Detect, xmpp.Reject},
		{"mysql", mysql.Detect, mysql.Reject},
		{"tds", tds.Detect, tds.Reject},
		{"adb", adb.Detect, adb.Reject},
		{"netbios", smb.DetectNetBIOS, smb.RejectNetBIOS},
	}
}
