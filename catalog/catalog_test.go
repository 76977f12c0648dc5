package catalog

import (
	"net/netip"
	"strings"
	"testing"
)

func TestEmbeddedParses(t *testing.T) {
	c, err := embedded()
	if err != nil {
		t.Fatal(err)
	}
	var ibmi, general, iana int
	for _, e := range c.All() {
		switch e.Source {
		case "ibmi":
			ibmi++
		case "general":
			general++
		case "iana":
			iana++
		default:
			t.Errorf("%s: source %q", e.Name, e.Source)
		}
	}
	// 70 curated rows; 252 records from the general list's 143 rows; 3
	// IANA ranges on TCP and UDP.
	if ibmi != 72 || general != 252 || iana != 6 {
		t.Errorf("ibmi %d, general %d, iana %d entries; want 72, 252, 6", ibmi, general, iana)
	}
}

func TestLookup(t *testing.T) {
	c := Default()
	tests := []struct {
		proto       Proto
		port        uint16
		name        string
		source      string
		ibmi, tls   bool
		twin        string
		twinPort    uint16
		tlsExpected bool
		trojan      bool
	}{
		{TCP, 8471, "as-database", "ibmi", true, false, "as-database-s", 9471, true, false},
		{TCP, 8476, "as-signon", "ibmi", true, false, "as-signon-s", 9476, true, false},
		{TCP, 9476, "as-signon-s", "ibmi", true, true, "as-signon", 8476, false, false},
		{TCP, 449, "as-svrmap", "ibmi", true, false, "", 0, false, false},
		{TCP, 9480, "as-hostcnn-s", "ibmi", true, true, "", 0, false, false},
		{TCP, 8478, "as-transfer", "ibmi", true, false, "", 0, false, false},
		{TCP, 446, "drda", "ibmi", true, false, "ddm-ssl", 448, true, false},
		{TCP, 448, "ddm-ssl", "ibmi", true, true, "drda", 446, false, false},
		{TCP, 23, "telnet", "ibmi", false, false, "telnets", 992, true, false},
		{TCP, 992, "telnets", "ibmi", false, true, "telnet", 23, false, false},
		{TCP, 21, "ftp", "ibmi", false, false, "ftps", 990, true, false},
		{TCP, 389, "ldap", "ibmi", false, false, "ldaps", 636, true, false},
		{TCP, 2001, "as-admin-http", "ibmi", true, false, "as-admin-https", 2010, true, false},
		{UDP, 137, "netbios-ns", "ibmi", false, false, "", 0, false, false},
		{TCP, 445, "microsoft-ds", "ibmi", false, false, "", 0, true, false},
		// general list: single ports, then the narrowest range
		{TCP, 6346, "gnutella", "general", false, false, "", 0, false, false},
		{UDP, 6347, "gnutella", "general", false, false, "", 0, false, false},
		{TCP, 1080, "socks", "general", false, false, "", 0, false, true},
		{TCP, 993, "imaps", "general", false, true, "", 0, false, false},
		{TCP, 2350, "microsoft-directx-gaming-directplay-7", "general", false, false, "", 0, false, false},
		{UDP, 16390, "rtp-ichatav", "general", false, false, "", 0, false, false},
		{UDP, 20000, "rtp", "general", false, false, "", 0, false, false},
		{TCP, 8866, "ultima-online-uo-messenger", "general", false, false, "", 0, false, true},
		// IANA ranges catch the rest
		{TCP, 1, "well-known", "iana", false, false, "", 0, false, false},
		{UDP, 40000, "registered", "iana", false, false, "", 0, false, false},
		{TCP, 65535, "dynamic", "iana", false, false, "", 0, false, false},
	}
	for _, tt := range tests {
		e, ok := c.Lookup(tt.proto, tt.port)
		if !ok {
			t.Errorf("%d/%s: not found", tt.port, tt.proto)
			continue
		}
		if e.Name != tt.name || e.Source != tt.source || e.IBMi != tt.ibmi || e.TLS != tt.tls ||
			e.TLSTwin != tt.twin || e.TLSTwinPort != tt.twinPort || e.TLSExpected != tt.tlsExpected || e.Trojan != tt.trojan {
			t.Errorf("%d/%s = %+v\nwant name %s source %s ibmi %v tls %v twin %s/%d expected %v trojan %v",
				tt.port, tt.proto, e, tt.name, tt.source, tt.ibmi, tt.tls, tt.twin, tt.twinPort, tt.tlsExpected, tt.trojan)
		}
	}
	if _, ok := c.Lookup(Proto(132), 80); ok {
		t.Error("SCTP lookup should fail")
	}
}

func TestByNameAndTwin(t *testing.T) {
	c := Default()
	e, ok := c.ByName("AS-SIGNON-S")
	if !ok || e.Port != 9476 || !e.TLS || e.Name != "as-signon-s" {
		t.Errorf("ByName(AS-SIGNON-S) = %+v, %v", e, ok)
	}
	if e, ok := c.ByName("ldap"); !ok || e.Source != "ibmi" {
		t.Errorf("ByName(ldap) should prefer the IBM i row, got %+v", e)
	}
	for plain, tls := range map[string]string{"as-central": "as-central-s", "telnet": "telnets", "ftp": "ftps",
		"ldap": "ldaps", "drda": "ddm-ssl", "as-signon-s": "as-signon"} {
		tw, ok := c.Twin(plain)
		if !ok || tw.Name != tls {
			t.Errorf("Twin(%s) = %q, %v; want %s", plain, tw.Name, ok, tls)
		}
	}
	if _, ok := c.Twin("as-svrmap"); ok {
		t.Error("as-svrmap has no twin")
	}
	if _, ok := c.ByName("no-such-service"); ok {
		t.Error("ByName(no-such-service) found something")
	}
}

// Every plain host server has a TLS twin with the TLS flag, pointing back.
func TestHostServerTwins(t *testing.T) {
	c := Default()
	names := []string{"as-central", "as-database", "as-dtaq", "as-file", "as-netprt", "as-rmtcmd", "as-signon"}
	for i, n := range names {
		e, ok := c.ByName(n)
		if !ok || e.Port != uint16(8470+i) || e.TLS || !e.TLSExpected || !e.IBMi {
			t.Errorf("%s: %+v", n, e)
			continue
		}
		tw, ok := c.Twin(n)
		if !ok || tw.Name != n+"-s" || tw.Port != uint16(9470+i) || !tw.TLS || tw.TLSTwin != n || tw.TLSTwinPort != e.Port {
			t.Errorf("%s twin: %+v", n, tw)
		}
	}
	// and every twin in the curated data is symmetric
	for _, e := range c.All() {
		if e.Source != "ibmi" || e.TLSTwin == "" {
			continue
		}
		tw, ok := c.ByName(e.TLSTwin)
		if !ok || tw.TLSTwin != e.Name || tw.TLS == e.TLS || e.TLSTwinPort != tw.Port {
			t.Errorf("%s <-> %s not a plain/TLS pair", e.Name, e.TLSTwin)
		}
	}
}

func TestIsTLSPort(t *testing.T) {
	c := Default()
	for _, p := range []uint16{9470, 9471, 9472, 9473, 9474, 9475, 9476, 9480, 992, 990, 989, 448, 636, 2003, 2005,
		2007, 2010, 2301, 3471, 5566, 443, 995, 993, 465} {
		if !c.IsTLSPort(TCP, p) {
			t.Errorf("IsTLSPort(tcp, %d) = false", p)
		}
	}
	for _, p := range []uint16{8470, 8476, 449, 23, 21, 446, 389, 2001, 80, 6346, 50000} {
		if c.IsTLSPort(TCP, p) {
			t.Errorf("IsTLSPort(tcp, %d) = true", p)
		}
	}
	if c.IsTLSPort(UDP, 992) {
		t.Error("IsTLSPort(udp, 992) = true")
	}
}

func TestFunctions(t *testing.T) {
	c := Default()
	has := func(name, fn string) bool {
		e, _ := c.ByName(name)
		for _, f := range e.Functions {
			if f == fn {
				return true
			}
		}
		return false
	}
	// II12227: ODBC uses Sign-on and Database; OLE DB also DDM.
	for _, tt := range []struct{ name, fn string }{
		{"as-signon", "ODBC"}, {"as-database", "ODBC"}, {"as-database-s", "ODBC"}, {"drda", "OLE DB"},
		{"telnet", "PC5250 display and printer emulation"}, {"as-svrmap", "All functions (server port lookup)"},
		{"as-mgtc", "Management Central"}, {"netbios-ssn", "Client Access install"},
	} {
		if !has(tt.name, tt.fn) {
			t.Errorf("%s lacks function %q", tt.name, tt.fn)
		}
	}
	if has("as-file", "ODBC") {
		t.Error("as-file should not list ODBC")
	}
}

func TestLookupAllocs(t *testing.T) {
	c := Default()
	addr := netip.MustParseAddr("10.1.2.3")
	n := testing.AllocsPerRun(1000, func() {
		c.Lookup(TCP, 8471)
		c.Lookup(UDP, 50000)
		c.IsTLSPort(TCP, 9476)
		c.LookupHost(addr, TCP, 8476)
	})
	if n != 0 {
		t.Errorf("Lookup allocates %v times per run", n)
	}
	s, err := Default().With([]Entry{{Name: "x", Proto: TCP, Port: 1, PortHigh: 1, Host: addr}})
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() { s.LookupHost(addr, TCP, 1) }); n != 0 {
		t.Errorf("LookupHost allocates %v times per run", n)
	}
}

func TestFind(t *testing.T) {
	c := Default()
	names := func(es []Entry) string {
		var b []string
		for _, e := range es {
			b = append(b, e.Name+"/"+e.Proto.String())
		}
		return strings.Join(b, " ")
	}
	tests := []struct {
		q, want string // names in order
	}{
		{"8471", "as-database/tcp virtual-places-voice-chat/tcp registered/tcp registered/udp"},
		{"6346", "gnutella/tcp gnutella/udp registered/tcp registered/udp"},
		{"137", "netbios-ns/udp well-known/tcp well-known/udp"},
		{"2001", "as-admin-http/tcp glimpseserver/tcp icu-ii/tcp ispq/tcp windows-messenger-voice-computer-to-phone/udp aim-video-im/tcp aim-video-im/udp registered/tcp registered/udp"},
		{"9470-9476", "as-central-s/tcp as-database-s/tcp as-dtaq-s/tcp as-file-s/tcp as-netprt-s/tcp as-rmtcmd-s/tcp as-signon-s/tcp"},
		{"as-signon", "as-signon/tcp as-signon-s/tcp"},
		{"GNUtella", "gnutella/tcp gnutella/tcp gnutella/udp gnutella/udp"},
		{"data queue", "as-dtaq/tcp as-dtaq-s/tcp"},
		{"zzz-nothing", ""},
	}
	for _, tt := range tests {
		got, err := c.Find(tt.q)
		if err != nil {
			t.Errorf("Find(%q): %v", tt.q, err)
			continue
		}
		if g := names(got); g != tt.want {
			t.Errorf("Find(%q) = %s\nwant %s", tt.q, g, tt.want)
		}
	}
	for _, q := range []string{"", "  ", "70000", "5-3", "1-99999"} {
		if _, err := c.Find(q); err == nil {
			t.Errorf("Find(%q): no error", q)
		}
	}
}
