package classify

import (
	"github.com/ibmitap/ibmitap/classify/drda"
	"github.com/ibmitap/ibmitap/classify/ftp"
	"github.com/ibmitap/ibmitap/classify/hostsrv"
	"github.com/ibmitap/ibmitap/classify/http"
	"github.com/ibmitap/ibmitap/classify/ldap"
	"github.com/ibmitap/ibmitap/classify/portmap"
	"github.com/ibmitap/ibmitap/classify/rexec"
	"github.com/ibmitap/ibmitap/classify/smb"
	"github.com/ibmitap/ibmitap/classify/ssh"
	"github.com/ibmitap/ibmitap/classify/telnet"
	"github.com/ibmitap/ibmitap/classify/tls"
)

// Registry returns the detectors in the order they are tried (the rules of
// ibmi-protocols.md §10.2: TLS, port mapper, host servers, DRDA, telnet, FTP,
// LDAP, SMB, HTTP, REXEC, then the rest). The first that recognises a flow
// names it.
func Registry() []Detector {
	return []Detector{
		{"tls", tls.Detect},
		{"portmap", portmap.Detect},
		{"hostsrv", hostsrv.Detect},
		{"drda", drda.Detect},
		{"telnet", telnet.Detect},
		{"ftp", ftp.Detect},
		{"ldap", ldap.Detect},
		{"smb", smb.Detect},
		{"http", http.Detect},
		{"rexec", rexec.Detect},
		{"ssh", ssh.Detect},
		{"netbios", smb.DetectNetBIOS},
	}
}
