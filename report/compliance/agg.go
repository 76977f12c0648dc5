package compliance

import (
	"net/netip"
	"sort"
)

// counter counts flows per distinct string (client address, user profile).
type counter map[string]uint64

func (c counter) add(k string) {
	if k != "" {
		c[k]++
	}
}

// top returns the n keys with the most flows (ties by address order).
func (c counter) top(n int) []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if c[keys[i]] != c[keys[j]] {
			return c[keys[i]] > c[keys[j]]
		}
		return addrLess(keys[i], keys[j])
	})
	if n > 0 && len(keys) > n {
		keys = keys[:n]
	}
	return keys
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
