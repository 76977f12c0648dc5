package main

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// flowWant is what a correct classifier reports for every flow of a capture
// whose server port is port. The truths come from testdata/README.md (what
// each recording did), not from the tool's output.
type flowWant struct {
	port     string // server port
	n        int    // how many such flows
	service  string
	enc      string // "yes", "no" or "null"
	tls      string
	sni      string
	user     string
	findings string // finding kinds, sorted, comma-separated
}

const (
	pwte    = "plaintext_where_tls_expected"
	cleartx = "cleartext_password"
	hashx   = "password_hash_exposed"
	userx   = "user_id_exposed"
	sens    = "sensitive_data_visible"
	ontls   = "plaintext_on_tls_port"
	weak    = "weak_tls_version"
	remap   = "remapped_port"
	upgr    = "tls_upgrade"
	authf   = "authentication_failure"
	smbx    = "unencrypted_smb"
	refused = "tls_upgrade_refused"
	downgr  = "tls_downgrade"
)

func kinds(k ...string) string {
	sort.Strings(k)
	return strings.Join(k, ",")
}

var captureTruth = map[string][]flowWant{
	// TLS on IBM i ports (issue 2).
	"tls13-sni-9476.pcap":   {{"9476", 1, "as-signon-s", "yes", "TLS 1.3", "ibmi.example.com", "", ""}},
	"tls13-nosni-9471.pcap": {{"9471", 1, "as-database-s", "yes", "TLS 1.3", "", "", ""}},
	"tls12-sni-9475.pcap":   {{"9475", 1, "as-rmtcmd-s", "yes", "TLS 1.2", "ibmi.example.com", "", ""}},
	"tls12-nosni-9476.pcap": {{"9476", 1, "as-signon-s", "yes", "TLS 1.2", "", "", ""}},
	"tls11-sni-992.pcap":    {{"992", 1, "telnets", "yes", "TLS 1.1", "ibmi.example.com", "", kinds(weak)}},
	"tls10-nosni-2010.pcap": {{"2010", 1, "as-admin-https", "yes", "TLS 1.0", "", "", kinds(weak)}},
	"plain-to-9471.pcap":    {{"9471", 1, "as-database-s", "no", "", "", "", kinds(ontls)}},
	"ldaps-636.pcap":        {{"636", 1, "ldaps", "yes", "TLS 1.3", "", "", ""}},
	"drda-ssl-448.pcap":     {{"448", 1, "ddm-ssl", "yes", "TLS 1.3", "", "", ""}},

	// FTP (issues 2 and 4).
	"ftp-plain-curl.pcap": {
		{"21", 1, "ftp", "no", "", "", "ibmitst", kinds(pwte, cleartx)},
		{"data", 2, "ftp-data", "no", "", "", "", ""},
	},
	"ftp-authtls-ok.pcap": {
		{"21", 1, "ftp", "yes", "TLS 1.3", "127.0.0.1", "", kinds(upgr)},
		{"data", 2, "ftps-data", "yes", "TLS 1.3", "127.0.0.1", "", ""},
	},
	"ftp-authssl-curl.pcap": {
		{"21", 1, "ftp", "yes", "TLS 1.3", "", "", kinds(upgr)},
		{"data", 2, "ftps-data", "yes", "TLS 1.3", "", "", ""},
	},
	"ftp-authtls-refused-lftp.pcap": {
		{"21", 1, "ftp", "no", "", "", "ibmitst", kinds(pwte, cleartx, refused)},
		{"data", 1, "ftp-data", "no", "", "", "", ""},
	},
	"ftps-implicit-990.pcap": {
		{"990", 1, "ftps", "yes", "TLS 1.3", "", "", ""},
		{"data", 2, "ftps-data", "yes", "TLS 1.3", "", "", ""},
	},
	"ftp-anonymous.pcap": {
		{"21", 1, "ftp", "no", "", "", "anonymous", kinds(pwte, cleartx)},
		{"data", 2, "ftp-data", "no", "", "", "", ""},
	},

	// LDAP.
	"ldap-simple-bind.pcap": {{"389", 1, "ldap", "no", "", "", "uid=alice,ou=people,dc=example,dc=com", kinds(pwte, cleartx)}},
	"ldap-anonymous.pcap":   {{"389", 1, "ldap", "no", "", "", "", kinds(pwte)}},
	"ldap-starttls.pcap":    {{"389", 1, "ldap", "yes", "TLS 1.3", "", "", kinds(upgr)}},
	"ldap-bind-fail.pcap":   {{"389", 1, "ldap", "no", "", "", "uid=alice,ou=people,dc=example,dc=com", kinds(pwte, cleartx, authf)}},
	"ldap-midsession.pcap":  {{"389", 1, "ldap", "no", "", "", "", kinds(pwte)}},

	// Telnet with a real login.
	"telnet-login-23.pcap":    {{"23", 1, "telnet", "no", "", "", "ibmitst", kinds(pwte, cleartx)}},
	"telnet-login-992.pcap":   {{"992", 1, "telnet", "no", "", "", "ibmitst", kinds(ontls, cleartx)}},
	"telnet-nologin-23.pcap":  {{"23", 1, "telnet", "no", "", "", "", kinds(pwte)}},
	"telnet-badlogin-23.pcap": {{"23", 1, "telnet", "no", "", "", "ibmitst", kinds(pwte, cleartx, authf)}},

	// DRDA from Apache Derby.
	"drda-secmec3.pcap": {{"446", 1, "drda", "no", "", "", "drdauser", kinds(pwte, cleartx, sens)}},
	"drda-secmec4.pcap": {{"446", 1, "drda", "no", "", "", "drdauser", kinds(pwte, userx, sens)}},
	"drda-secmec8.pcap": {{"446", 1, "drda", "no", "", "", "drdauser", kinds(pwte, hashx, sens)}},

	// IBM Toolbox for Java against the responder (issue 3).
	"jt400-plain-signon.pcap": {
		{"449", 1, "as-svrmap", "no", "", "", "", ""},
		{"8476", 2, "as-signon", "no", "", "", "IBMTST", kinds(pwte, hashx)},
	},
	"jt400-plain-signon-des.pcap": {
		{"449", 1, "as-svrmap", "no", "", "", "", ""},
		{"8476", 2, "as-signon", "no", "", "", "IBMTST", kinds(pwte, hashx)},
	},
	"jt400-plain-database-command.pcap": {
		{"449", 3, "as-svrmap", "no", "", "", "", ""},
		{"8476", 3, "as-signon", "no", "", "", "IBMTST", kinds(pwte, hashx)},
		{"8471", 1, "as-database", "no", "", "", "IBMTST", kinds(pwte, hashx)},
		{"8471", 1, "as-database", "no", "", "", "IBMTST", kinds(pwte, hashx, sens)},
		{"8475", 1, "as-rmtcmd", "no", "", "", "IBMTST", kinds(pwte, hashx, sens)},
	},
	"jt400-tls.pcap": {
		{"449", 3, "as-svrmap", "no", "", "", "", ""},
		{"9476", 3, "as-signon-s", "yes", "TLS 1.3", "", "", ""},
		{"9471", 2, "as-database-s", "yes", "TLS 1.3", "", "", ""},
		{"9475", 1, "as-rmtcmd-s", "yes", "TLS 1.3", "", "", ""},
	},
	"jt400-remapped.pcap": {
		{"449", 4, "as-svrmap", "no", "", "", "", ""},
		{"18476", 4, "as-signon", "no", "", "", "IBMTST", kinds(pwte, hashx, remap)},
		{"18475", 2, "as-rmtcmd", "no", "", "", "IBMTST", kinds(pwte, hashx, sens, remap)},
		{"9476", 1, "as-signon-s", "yes", "TLS 1.3", "", "", ""},
		{"19471", 1, "as-database-s", "yes", "TLS 1.3", "", "", kinds(remap)},
	},
	"jt400-plain-to-tls-port.pcap": {
		{"449", 1, "as-svrmap", "no", "", "", "", ""},
		{"9476", 2, "as-signon", "no", "", "", "IBMTST", kinds(ontls, hashx, remap)},
	},
	"jt400-unusual-port-nomapper.pcap": {
		{"18476", 2, "as-signon", "no", "", "", "IBMTST", kinds(pwte, hashx, remap)},
		{"18471", 1, "as-database", "no", "", "", "IBMTST", kinds(pwte, hashx, remap)},
		{"18475", 1, "as-rmtcmd", "no", "", "", "IBMTST", kinds(pwte, hashx, sens, remap)},
	},

	"jt400-mapper-unknown.pcap": {
		{"449", 5, "as-svrmap", "no", "", "", "", ""},
		{"8476", 3, "as-signon", "no", "", "", "IBMTST", kinds(pwte, hashx)},
	},
	"jt400-signon-refused.pcap": {
		{"449", 1, "as-svrmap", "no", "", "", "", ""},
		{"8476", 2, "as-signon", "no", "", "", "IBMTST", kinds(pwte, hashx, authf)},
	},

	// SMB / NetServer from samba and smbclient: the NTLM exchange of session
	// setup is visible even when SMB3 encryption protects what follows.
	"smb-smb3-plain.pcap":     {{"445", 1, "smb", "no", "", "", "IBMITEST\\ibmismb", kinds(hashx, smbx)}},
	"smb-smb3-encrypted.pcap": {{"445", 1, "smb", "yes", "", "", "IBMITEST\\ibmismb", kinds(hashx)}},
	"smb-smb1.pcap":           {{"445", 1, "smb", "no", "", "", "IBMITEST\\ibmismb", kinds(hashx, smbx)}},
	"smb-nbt139.pcap":         {{"139", 1, "smb", "no", "", "", "IBMITEST\\ibmismb", kinds(hashx, smbx)}},
	"smb-nbns.pcap":           {{"137", 1, "netbios-ns", "no", "", "", "", ""}},

	// In-band upgrades to TLS and their refusals (issue 10 item 2).
	"pgsql-sslrequest-tls.pcap":     {{"5432", 1, "postgresql", "yes", "TLS 1.3", "", "", kinds(upgr)}},
	"pgsql-sslrequest-refused.pcap": {{"5432", 1, "postgresql", "no", "", "", "ibmitst", kinds(refused, cleartx)}},
	"smtp-starttls-25.pcap":         {{"25", 1, "smtp", "yes", "TLS 1.3", "", "", kinds(upgr)}},
	"smtp-starttls-587.pcap":        {{"587", 1, "submission", "yes", "TLS 1.3", "", "", kinds(upgr)}},
	"smtp-starttls-454.pcap":        {{"25", 1, "smtp", "no", "", "", "", kinds(pwte, refused)}},
	"smtp-starttls-refused.pcap":    {{"25", 1, "smtp", "no", "", "", "", kinds(pwte, refused)}},
	"smtp-auth-plain-587.pcap":      {{"587", 1, "submission", "no", "", "", "ibmitst", kinds(pwte, cleartx)}},
	"pop3-stls.pcap":                {{"110", 1, "pop3", "yes", "TLS 1.3", "", "", kinds(upgr)}},
	"pop3-stls-refused.pcap":        {{"110", 1, "pop3", "no", "", "", "", kinds(pwte, refused)}},
	"pop3-user-pass.pcap":           {{"110", 1, "pop3", "no", "", "", "ibmitst", kinds(pwte, cleartx)}},
	"imap-starttls.pcap":            {{"143", 1, "imap4", "yes", "TLS 1.3", "", "", kinds(upgr)}},
	"imap-starttls-refused.pcap":    {{"143", 1, "imap4", "no", "", "", "", kinds(refused)}},
	"imap-capability.pcap":          {{"143", 1, "imap4", "no", "", "", "", ""}},
	"imap-login-plain.pcap":         {{"143", 1, "imap4", "no", "", "", "ibmitst", kinds(cleartx)}},
	"nntp-starttls.pcap":            {{"119", 1, "nntp", "yes", "TLS 1.3", "", "", kinds(upgr)}},
	"nntp-starttls-refused.pcap":    {{"119", 1, "nntp", "no", "", "", "", kinds(refused)}},
	"xmpp-starttls.pcap":            {{"5222", 1, "xmpp-jabber", "yes", "TLS 1.3", "", "", kinds(upgr)}},
	"xmpp-starttls-failure.pcap":    {{"5222", 1, "xmpp-jabber", "no", "", "", "", kinds(refused)}},
	"xmpp-starttls-alert.pcap":      {{"5222", 1, "xmpp-jabber", "no", "TLS 1.3", "", "", kinds(refused)}},
	"mysql-ssl.pcap":                {{"3306", 1, "mysql", "yes", "TLS 1.3", "", "", kinds(upgr)}},
	"mysql-ssl-refused.pcap":        {{"3306", 1, "mysql", "no", "", "", "", kinds(refused)}},
	"mysql-nossl-login.pcap":        {{"3306", 1, "mysql", "no", "", "", "ibmitst", kinds(hashx, refused)}},
	"tds-prelogin-encrypt.pcap":     {{"1433", 1, "ms-sql", "yes", "TLS 1.3", "sql.example.com", "", kinds(upgr)}},
	"tds-prelogin-off.pcap":         {{"1433", 1, "ms-sql", "no", "TLS 1.3", "sql.example.com", "", kinds(refused)}},
	"tds-prelogin-notsup.pcap":      {{"1433", 1, "ms-sql", "no", "", "", "ibmitst", kinds(refused, cleartx)}},
	// ADB on 5555, the catalog's IBM i Management Central port: the bytes
	// win (not IBM i, no finding). The scripted device accepts once; adb's
	// second attempt is answered too.
	"adb-cnxn-5555.pcap": {{"5555", 2, "adb", "no", "", "", "", ""}},
	// TLS on 6346, a port only the general list names (gnutella): the
	// bytes win, tls with its SNI, no IBM i label.
	"tls-general-port.pcap": {{"6346", 1, "tls", "yes", "TLS 1.3", "shop.example.com", "", ""}},
	// FTPS (AUTH TLS, PROT P) whose passive data port is a general-list
	// port: the data connection is still ftps-data.
	"ftps-data-general-port.pcap": {
		{"21", 1, "ftp", "yes", "TLS 1.3", "", "", kinds(upgr)},
		{"6346", 1, "ftps-data", "yes", "TLS 1.3", "", "", ""},
	},
	// A CLDAP netlogon ping over UDP 389 (Samba net ads lookup): LDAP with
	// no TLS expectation, since ldaps is TCP only.
	"cldap-udp-389.pcap": {{"389", 1, "ldap", "no", "", "", "", ""}},
	// CCC after AUTH SSL: the control connection is clear again; the data
	// connection (PROT P) stays TLS.
	"ftp-ccc.pcap": {
		{"21", 1, "ftp", "no", "TLS 1.3", "", "", kinds(upgr, downgr)},
		{"data", 1, "ftps-data", "yes", "TLS 1.3", "", "", ""},
	},

	// SMB variants and the SYN-only capture (testdata/README.md, SMB and
	// "SYNs only"): no payload, no finding.
	"smb-logonfail.pcap":  {{"445", 1, "smb", "no", "", "", "IBMITEST\\ibmismb", kinds(hashx, authf)}},
	"smb-ntlmssp-v1.pcap": {{"445", 1, "smb", "no", "", "", "IBMITEST\\ibmismb", kinds(hashx, smbx)}},
	"smb-ntlmv1.pcap":     {{"445", 1, "smb", "no", "", "", "IBMITEST\\ibmismb", kinds(hashx, smbx)}},
	"syn-only.pcap": {
		{"21", 1, "ftp", "null", "", "", "", ""}, {"23", 1, "telnet", "null", "", "", "", ""},
		{"389", 1, "ldap", "null", "", "", "", ""}, {"445", 1, "microsoft-ds", "null", "", "", "", ""},
		{"446", 1, "drda", "null", "", "", "", ""}, {"449", 1, "as-svrmap", "null", "", "", "", ""},
		{"992", 1, "telnets", "null", "", "", "", ""}, {"2001", 1, "as-admin-http", "null", "", "", "", ""},
		{"8471", 1, "as-database", "null", "", "", "", ""}, {"8475", 1, "as-rmtcmd", "null", "", "", "", ""},
		{"8476", 1, "as-signon", "null", "", "", "", ""}, {"9471", 1, "as-database-s", "null", "", "", "", ""},
		{"9476", 1, "as-signon-s", "null", "", "", "", ""},
	},

	// HTTP on the IBM i admin ports.
	"http-basic.pcap": {{"2001", 1, "as-admin-http", "no", "", "", "qsecofr", kinds(pwte, cleartx)}},
	"http-form.pcap":  {{"2001", 1, "as-admin-http", "no", "", "", "webuser", kinds(pwte, cleartx)}},
	"http-ntlm.pcap":  {{"2006", 1, "as-admin3-http", "no", "", "", "IBMITEST\\ntlmuser", kinds(pwte, hashx)}},
	"http-digest.pcap": {
		{"2004", 1, "as-nav", "no", "", "", "", kinds(pwte)},
		{"2004", 1, "as-nav", "no", "", "", "digestuser", kinds(pwte, hashx)},
	},
}

type gotFlow struct {
	Server     string `json:"server"`
	Service    string `json:"service"`
	Encrypted  *bool  `json:"encrypted"`
	TLSVersion string `json:"tls_version"`
	SNI        string `json:"sni"`
	User       string `json:"user"`
	Findings   []struct {
		Kind string `json:"kind"`
	} `json:"findings"`
}

func (g gotFlow) port() string {
	i := strings.LastIndex(g.Server, ":")
	return g.Server[i+1:]
}

func (g gotFlow) matches(w flowWant) bool {
	enc := "null"
	if g.Encrypted != nil {
		enc = map[bool]string{true: "yes", false: "no"}[*g.Encrypted]
	}
	var k []string
	for _, f := range g.Findings {
		k = append(k, f.Kind)
	}
	return g.Service == w.service && enc == w.enc && g.TLSVersion == w.tls && g.SNI == w.sni &&
		g.User == w.user && kinds(k...) == w.findings
}

// TestCaptureTruth checks every flow of the recorded captures against what
// the recording did: service, encryption, TLS version, SNI, user and the
// exact set of findings. Data connections are the flows to ports >= 40000.
func TestCaptureTruth(t *testing.T) {
	for name, wants := range captureTruth {
		t.Run(name, func(t *testing.T) {
			out, errs, code := readCapture(t, "json", filepath.Join(testdataDir, name))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var flows []gotFlow
			for _, line := range flowLines(out) {
				var g gotFlow
				if err := json.Unmarshal([]byte(line), &g); err != nil {
					t.Fatalf("bad record %q: %v", line, err)
				}
				flows = append(flows, g)
			}
			used := make([]bool, len(flows))
			for _, w := range wants {
				found := 0
				for i, g := range flows {
					p := g.port()
					if used[i] || !(p == w.port || (w.port == "data" && p >= "40000" && len(p) == 5)) {
						continue
					}
					if g.matches(w) && found < w.n {
						used[i] = true
						found++
					}
				}
				if found != w.n {
					t.Errorf("want %d flow(s) %+v, matched %d", w.n, w, found)
				}
			}
			for i, g := range flows {
				if !used[i] {
					t.Errorf("unexpected or wrong flow: %+v", g)
				}
			}
		})
	}
}
