package catalog

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
)

// Catalog is an immutable port catalog. Lookups are safe for concurrent use.
type Catalog struct {
	// entries in precedence order: site, IBM i, general, IANA.
	entries []Entry
	// best holds, per protocol (0 TCP, 1 UDP) and port, 1 + the index of
	// the entry Lookup returns (0: none), so Lookup is one array read.
	best   *[2][65536]uint16
	byName map[string]int // lower-case name -> first entry
	host   map[hostKey]int
	// hostRanges are site entries bound to a host and covering a range.
	hostRanges []int
}

type hostKey struct {
	addr  netip.Addr
	proto Proto
	port  uint16
}

// precedence ranks, lower wins.
const (
	rankSite = iota
	rankIBMi
	rankSingle
	rankRange
	rankIANA
)

func rank(e *Entry) int {
	switch {
	case e.Source == "site":
		return rankSite
	case e.Source == "ibmi":
		return rankIBMi
	case e.Source == "iana":
		return rankIANA
	case e.Port == e.PortHigh:
		return rankSingle
	}
	return rankRange
}

func width(e *Entry) int { return int(e.PortHigh) - int(e.Port) }

func protoIndex(p Proto) (int, bool) {
	switch p {
	case TCP:
		return 0, true
	case UDP:
		return 1, true
	}
	return 0, false
}

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := embedded()
	if err != nil {
		// The embedded data is checked by TestEmbeddedParses; reaching
		// this is a build defect, not an input error.
		panic("catalog: embedded data: " + err.Error())
	}
	return c
})

// Default returns the catalog built from the embedded data. It is parsed
// once and shared.
func Default() *Catalog { return defaultCatalog() }

func embedded() (*Catalog, error) {
	ibmi, err := parseIBMi("data/ibmi.txt", ibmiData)
	if err != nil {
		return nil, err
	}
	gen, err := parseGeneral("data/general.tsv", generalData)
	if err != nil {
		return nil, err
	}
	return build(append(ibmi, gen...))
}

// Load returns the default catalog plus the site file (none when siteFile
// is empty).
func Load(siteFile string) (*Catalog, error) {
	base := Default()
	if siteFile == "" {
		return base, nil
	}
	f, err := os.Open(siteFile)
	if err != nil {
		return nil, fmt.Errorf("site file: %w", err)
	}
	defer f.Close()
	site, err := ParseSite(siteFile, f, base)
	if err != nil {
		return nil, err
	}
	return base.With(site)
}

// With returns a new catalog holding the site entries (Source "site") in
// front of c's own entries.
func (c *Catalog) With(site []Entry) (*Catalog, error) {
	all := make([]Entry, 0, len(site)+len(c.entries))
	for _, e := range site {
		e.Source = "site"
		all = append(all, e)
	}
	all = append(all, c.entries...)
	return build(all)
}

func build(all []Entry) (*Catalog, error) {
	if len(all) >= 1<<16-1 {
		return nil, fmt.Errorf("catalog: %d entries, at most %d", len(all), 1<<16-2)
	}
	c := &Catalog{entries: all, best: new([2][65536]uint16), byName: map[string]int{}, host: map[hostKey]int{}}
	for i := range all {
		e := &all[i]
		if e.PortHigh < e.Port {
			return nil, fmt.Errorf("catalog: %s: port range %d-%d", e.Name, e.Port, e.PortHigh)
		}
		p, ok := protoIndex(e.Proto)
		if !ok {
			return nil, fmt.Errorf("catalog: %s: protocol %d", e.Name, e.Proto)
		}
		if !e.Host.IsValid() {
			k := strings.ToLower(e.Name)
			if _, dup := c.byName[k]; !dup {
				c.byName[k] = i
			}
		}
		if e.Host.IsValid() {
			e.Host = e.Host.Unmap()
			if e.Port == e.PortHigh {
				hk := hostKey{e.Host, e.Proto, e.Port}
				if _, dup := c.host[hk]; !dup {
					c.host[hk] = i
				}
			} else {
				c.hostRanges = append(c.hostRanges, i)
			}
			continue
		}
		r, w := rank(e), width(e)
		for port := int(e.Port); port <= int(e.PortHigh); port++ {
			cur := c.best[p][port]
			if cur != 0 {
				o := &all[cur-1]
				if ro := rank(o); ro < r || (ro == r && width(o) <= w) {
					continue
				}
			}
			c.best[p][port] = uint16(i + 1)
		}
	}
	// A name only a host-bound site entry carries is still found by name.
	for i := range all {
		if k := strings.ToLower(all[i].Name); all[i].Host.IsValid() {
			if _, ok := c.byName[k]; !ok {
				c.byName[k] = i
			}
		}
	}
	return c, nil
}

// Lookup returns the best entry for a port: a site entry without a host,
// then IBM i, then a general single port, then the narrowest general
// range, then the IANA range. It does not allocate.
func (c *Catalog) Lookup(proto Proto, port uint16) (Entry, bool) {
	p, ok := protoIndex(proto)
	if !ok {
		return Entry{}, false
	}
	i := c.best[p][port]
	if i == 0 {
		return Entry{}, false
	}
	return c.entries[i-1], true
}

// LookupHost returns the site entry bound to addr for the port, else Lookup.
func (c *Catalog) LookupHost(addr netip.Addr, proto Proto, port uint16) (Entry, bool) {
	if len(c.host) > 0 || len(c.hostRanges) > 0 {
		addr = addr.Unmap()
		if i, ok := c.host[hostKey{addr, proto, port}]; ok {
			return c.entries[i], true
		}
		best := -1
		for _, i := range c.hostRanges {
			e := &c.entries[i]
			if e.Host == addr && e.Proto == proto && e.Port <= port && port <= e.PortHigh &&
				(best < 0 || width(e) < width(&c.entries[best])) {
				best = i
			}
		}
		if best >= 0 {
			return c.entries[best], true
		}
	}
	return c.Lookup(proto, port)
}

// ByName returns the first entry with the service name, ignoring case,
// preferring entries not bound to a host.
func (c *Catalog) ByName(name string) (Entry, bool) {
	i, ok := c.byName[strings.ToLower(name)]
	if !ok {
		return Entry{}, false
	}
	return c.entries[i], true
}

// Twin returns the other half of a plain/TLS pair: for a plain service
// name its TLS twin ("as-signon" -> "as-signon-s"), for a TLS name the
// plain one.
func (c *Catalog) Twin(name string) (Entry, bool) {
	e, ok := c.ByName(name)
	if !ok || e.TLSTwin == "" {
		return Entry{}, false
	}
	return c.ByName(e.TLSTwin)
}

// IsTLSPort reports whether the entry Lookup returns for the port speaks
// TLS from the first byte (9470-9476, 9480, 992, 990, 636, 443 ...).
func (c *Catalog) IsTLSPort(proto Proto, port uint16) bool {
	e, ok := c.Lookup(proto, port)
	return ok && e.TLS
}

// All returns every entry in precedence order (site, IBM i, general, IANA).
func (c *Catalog) All() []Entry {
	return append([]Entry(nil), c.entries...)
}
