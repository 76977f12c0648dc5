package catalog

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSiteExample(t *testing.T) {
	c, err := Load("testdata/site.example")
	if err != nil {
		t.Fatal(err)
	}
	h3 := netip.MustParseAddr("10.1.2.3")
	h4 := netip.MustParseAddr("10.1.2.4")
	other := netip.MustParseAddr("10.9.9.9")
	v6 := netip.MustParseAddr("2001:db8::10")
	tests := []struct {
		addr        netip.Addr
		proto       Proto
		port        uint16
		name        string
		source      string
		ibmi, tls   bool
		tlsExpected bool
		twin        string
	}{
		// host entries inherit the known service's attributes
		{h3, TCP, 18476, "as-signon", "site", true, false, true, "as-signon-s"},
		{h3, TCP, 19476, "as-signon-s", "site", true, true, false, "as-signon"},
		{h4, TCP, 28471, "as-database", "site", true, false, true, "as-database-s"},
		// the same port on another host falls through to the catalog
		{other, TCP, 18476, "registered", "iana", false, false, false, ""},
		{h4, TCP, 8476, "as-signon", "ibmi", true, false, true, "as-signon-s"},
		// site-wide entries beat everything else
		{other, TCP, 7001, "order-entry", "site", true, false, true, "order-entry-s"},
		{other, TCP, 7002, "order-entry-s", "site", true, true, false, "order-entry"},
		{other, TCP, 50005, "backup-data", "site", false, false, false, ""},
		{netip.MustParseAddr("::ffff:10.1.2.3"), TCP, 18476, "as-signon", "site", true, false, true, "as-signon-s"},
		{v6, TCP, 2323, "telnets", "site", false, true, false, "telnet"},
		{v6, UDP, 2323, "microsoft-directx-gaming-directplay-8", "general", false, false, false, ""},
	}
	for _, tt := range tests {
		e, ok := c.LookupHost(tt.addr, tt.proto, tt.port)
		if !ok || e.Name != tt.name || e.Source != tt.source || e.IBMi != tt.ibmi || e.TLS != tt.tls ||
			e.TLSExpected != tt.tlsExpected || e.TLSTwin != tt.twin {
			t.Errorf("LookupHost(%s, %d/%s) = %+v, %v\nwant %s/%s ibmi %v tls %v expected %v twin %s",
				tt.addr, tt.port, tt.proto, e, ok, tt.name, tt.source, tt.ibmi, tt.tls, tt.tlsExpected, tt.twin)
		}
	}
	if e, _ := c.LookupHost(h4, TCP, 28471); e.Notes != "LPAR 2" || len(e.Functions) == 0 {
		t.Errorf("notes/functions not kept: %+v", e)
	}
	// twins defined in the same file lend their ports
	if e, _ := c.Lookup(TCP, 7001); e.TLSTwinPort != 7002 {
		t.Errorf("order-entry twin port %d, want 7002", e.TLSTwinPort)
	}
	if e, _ := c.LookupHost(h3, TCP, 18476); e.TLSTwinPort != 19476 {
		t.Errorf("remapped as-signon twin port %d, want 19476", e.TLSTwinPort)
	}
	if e, _ := c.LookupHost(h4, TCP, 28471); e.TLSTwinPort != 9471 {
		t.Errorf("remapped as-database twin port %d, want the default 9471", e.TLSTwinPort)
	}
	// host-bound entries do not hijack names
	if e, _ := c.ByName("as-signon"); e.Port != 8476 || e.Host.IsValid() {
		t.Errorf("ByName(as-signon) = %+v, want the catalog entry", e)
	}
	if tw, _ := c.Twin("as-signon"); tw.Port != 9476 {
		t.Errorf("Twin(as-signon) = %+v", tw)
	}
	if e, ok := c.ByName("backup-data"); !ok || e.Port != 50000 {
		t.Errorf("ByName(backup-data) = %+v, %v", e, ok)
	}
	// Lookup without a host ignores host entries.
	if e, _ := c.Lookup(TCP, 18476); e.Source != "iana" {
		t.Errorf("Lookup(18476) = %s, want the IANA range", e.Name)
	}
	// The site entry wins over the IBM i one for a site-wide override.
	s, err := Default().With(mustSite(t, "8476 my-signon desc=\"local\""))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := s.Lookup(TCP, 8476); e.Name != "my-signon" || e.Source != "site" {
		t.Errorf("site override lost: %+v", e)
	}
	if f, _ := c.Find("18476"); len(f) == 0 || f[0].Name != "as-signon" {
		t.Errorf("Find(18476) should list the host entry first: %v", f)
	}
}

func mustSite(t *testing.T, text string) []Entry {
	t.Helper()
	es, err := ParseSite("test", strings.NewReader(text), Default())
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestParseSiteLines(t *testing.T) {
	good := []struct {
		line string
		want Entry
	}{
		{"8471 as-database", Entry{Name: "as-database", Proto: TCP, Port: 8471, PortHigh: 8471, IBMi: true, TLSExpected: true, TLSTwin: "as-database-s", TLSTwinPort: 9471}},
		{"137/udp netbios-ns", Entry{Name: "netbios-ns", Proto: UDP, Port: 137, PortHigh: 137}},
		{"10.0.0.1 992/TCP telnets", Entry{Name: "telnets", Proto: TCP, Port: 992, PortHigh: 992, TLS: true, TLSTwin: "telnet", TLSTwinPort: 23, Host: netip.MustParseAddr("10.0.0.1")}},
		{"  4000-4010/udp  game  trojan=yes  # comment", Entry{Name: "game", Proto: UDP, Port: 4000, PortHigh: 4010, Trojan: true}},
		{"6346 gnutella", Entry{Name: "gnutella", Proto: TCP, Port: 6346, PortHigh: 6346}},
		{"9999 app tls upgrade=\"AUTH TLS\" twin=ftp", Entry{Name: "app", Proto: TCP, Port: 9999, PortHigh: 9999, TLS: true, Upgrade: "AUTH TLS", TLSTwin: "ftp", TLSTwinPort: 21}},
		{"9998 app twin=x twin-port=9997 ibmi=no", Entry{Name: "app", Proto: TCP, Port: 9998, PortHigh: 9998, TLSTwin: "x", TLSTwinPort: 9997}},
	}
	for _, tt := range good {
		es, err := ParseSite("s", strings.NewReader(tt.line), Default())
		if err != nil || len(es) != 1 {
			t.Errorf("%q: %v (%d entries)", tt.line, err, len(es))
			continue
		}
		e := es[0]
		w := tt.want
		if e.Name != w.Name || e.Proto != w.Proto || e.Port != w.Port || e.PortHigh != w.PortHigh || e.IBMi != w.IBMi ||
			e.TLS != w.TLS || e.TLSExpected != w.TLSExpected || e.TLSTwin != w.TLSTwin || e.TLSTwinPort != w.TLSTwinPort ||
			e.Upgrade != w.Upgrade || e.Trojan != w.Trojan || e.Host != w.Host || e.Source != "site" {
			t.Errorf("%q =\n %+v\nwant\n %+v", tt.line, e, w)
		}
	}
	bad := []struct{ text, msg string }{
		{"8471", "s:1: want"},
		{"# ok\n\n99999 x", "s:3: bad port"},
		{"10.0.0.1 x y", "s:1: bad port"},
		{"80/sctp web", "s:1: bad protocol"},
		{"80-70 web", "s:1: bad port range"},
		{"80 web frob", "s:1: unexpected word"},
		{"80 web color=red", "s:1: unknown key"},
		{"80 web tls=maybe", "s:1: tls: bad yes/no"},
		{"80 we/b", "s:1: bad service name"},
		{"80 web desc=\"open", "s:1: unterminated quote"},
		{"80 web twin-port=x", "s:1: twin-port: bad port"},
		{"fe80::1%eth0 80 web", "s:1: host"},
		{"80 web\x00", "s:1: control character"},
	}
	for _, tt := range bad {
		_, err := ParseSite("s", strings.NewReader(tt.text), Default())
		if err == nil || !strings.HasPrefix(err.Error(), tt.msg) {
			t.Errorf("%q: error %v, want prefix %q", tt.text, err, tt.msg)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing site file: no error")
	}
	p := filepath.Join(t.TempDir(), "site")
	if err := os.WriteFile(p, []byte("80 http\n81 http bogus\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), p+":2:") {
		t.Errorf("error %v does not name %s:2", err, p)
	}
	if c, err := Load(""); err != nil || c != Default() {
		t.Errorf("Load(\"\") = %v, %v", c, err)
	}
}

func FuzzSiteFile(f *testing.F) {
	f.Add([]byte("10.1.2.3 18476/tcp as-signon\n"))
	f.Add([]byte("7002/tcp app tls twin=x desc=\"a b\" # c\n"))
	f.Add([]byte("50000-50010/udp x trojan=yes functions=\"a;b\"\n"))
	base := Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ParseSite("fuzz", strings.NewReader(string(data)), base)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		c, err := base.With(es)
		if err != nil {
			t.Fatalf("parsed entries do not build: %v", err)
		}
		for _, e := range es {
			if e.PortHigh < e.Port || e.Name == "" || e.Source != "site" {
				t.Fatalf("bad entry %+v", e)
			}
			got, ok := c.LookupHost(e.Host, e.Proto, e.Port)
			if !ok || got.Source != "site" {
				t.Fatalf("entry %+v not found: %+v", e, got)
			}
		}
	})
}

// TestSiteNamesMustBeKnownOrDeclared: a bare line with a name the catalog
// does not know is a typo (with a suggestion); a line that declares the
// service, or a later line naming a service declared earlier, is fine; a
// host name is refused with a word about using an address.
func TestSiteNamesMustBeKnownOrDeclared(t *testing.T) {
	for _, tc := range []struct{ site, err string }{
		{"8471 as-databse\n", `s:1: unknown service "as-databse" (did you mean "as-database"?)`},
		{"7001 order-entry\n", `s:1: unknown service "order-entry"`},
		{"7001 order-entry desc=\"Order entry\"\n10.0.0.5 7101 order-entry\n", ""},
		{"7001 order-entry ibmi=yes twin=order-entry-s\n7002 order-entry-s tls twin=order-entry\n", ""},
		{"8471 AS-DATABASE\n", ""},
		{"ibmi1.example.com 18476 as-signon\n", `s:1: host "ibmi1.example.com": use its IP address`},
	} {
		_, err := ParseSite("s", strings.NewReader(tc.site), Default())
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.site, err)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want prefix %q", tc.site, err, tc.err)
		}
	}
}
