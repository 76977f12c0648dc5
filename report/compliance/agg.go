package compliance

import (
	"net/netip"
	"sort"
	"strings"
)

// interner gives each distinct string (client address, user profile) one
// small number and one copy, so the many per-group counters hold 8 bytes
// per entry instead of a string each.
type interner struct {
	ids   map[string]uint32
	names []string
}

func newInterner() *interner { return &interner{ids: map[string]uint32{}, names: []string{""}} }

func (in *interner) id(s string) uint32 {
	if s == "" {
		return 0
	}
	if id, ok := in.ids[s]; ok {
		return id
	}
	id := uint32(len(in.names))
	s = strings.Clone(s)
	in.ids[s] = id
	in.names = append(in.names, s)
	return id
}

// counter counts flows per distinct string of one group. Most groups see a
// handful of clients or users: those stay in a small slice; a group with
// many moves to a map.
type counter struct {
	in    *interner
	small []idCount
	big   map[uint32]uint32
}

type idCount struct{ id, n uint32 }

const smallCounter = 16

func newCounter(in *interner) counter { return counter{in: in} }

func (c *counter) add(k string) {
	if k == "" {
		return
	}
	id := c.in.id(k)
	if c.big != nil {
		c.big[id]++
		return
	}
	for i := range c.small {
		if c.small[i].id == id {
			c.small[i].n++
			return
		}
	}
	if len(c.small) < smallCounter {
		c.small = append(c.small, idCount{id, 1})
		return
	}
	c.big = make(map[uint32]uint32, 2*smallCounter)
	for _, x := range c.small {
		c.big[x.id] = x.n
	}
	c.small = nil
	c.big[id] = 1
}

// len is the number of distinct strings counted.
func (c *counter) len() int {
	if c.big != nil {
		return len(c.big)
	}
	return len(c.small)
}

func (c *counter) items() []idCount {
	if c.big == nil {
		return append([]idCount(nil), c.small...)
	}
	out := make([]idCount, 0, len(c.big))
	for id, n := range c.big {
		out = append(out, idCount{id, n})
	}
	return out
}

// keys returns every string counted.
func (c *counter) keys() []string {
	var out []string
	for _, x := range c.items() {
		out = append(out, c.in.names[x.id])
	}
	return out
}

// top returns the n strings with the most flows (ties by address order).
func (c *counter) top(n int) []string {
	items := c.items()
	names := c.in.names
	sort.Slice(items, func(i, j int) bool {
		if items[i].n != items[j].n {
			return items[i].n > items[j].n
		}
		return addrLess(names[items[i].id], names[items[j].id])
	})
	if n > 0 && len(items) > n {
		items = items[:n]
	}
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = names[x.id]
	}
	return out
}

// span is a first-seen/last-seen pair kept as TimeLayout text (which
// sorts as time).
type span struct{ first, last string }

func (s *span) add(start, end string) {
	if s.first == "" || start < s.first {
		s.first = start
	}
	if end > s.last {
		s.last = end
	}
}

// addrLess orders addresses numerically when both parse, else as text.
func addrLess(a, b string) bool {
	x, errx := netip.ParseAddr(a)
	y, erry := netip.ParseAddr(b)
	if errx == nil && erry == nil {
		return x.Less(y)
	}
	return a < b
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func isLoopback(addr string) bool {
	a, err := netip.ParseAddr(addr)
	return err == nil && a.Unmap().IsLoopback()
}

// samples keeps the n earliest flows of a group, by first seen and then
// Community ID, so the choice does not depend on the input order.
type samples struct {
	n    int
	list []Sample
}

func (s *samples) add(x Sample) {
	i := sort.Search(len(s.list), func(i int) bool { return sampleLess(x, s.list[i]) })
	if i >= s.n {
		return
	}
	s.list = append(s.list, Sample{})
	copy(s.list[i+1:], s.list[i:])
	s.list[i] = x
	if len(s.list) > s.n {
		s.list = s.list[:s.n]
	}
}

func sampleLess(a, b Sample) bool {
	if a.FirstSeen != b.FirstSeen {
		return a.FirstSeen < b.FirstSeen
	}
	if a.CommunityID != b.CommunityID {
		return a.CommunityID < b.CommunityID
	}
	return a.Sensor < b.Sensor
}
