package capture

// Source delivers decoded TCP and UDP packets one at a time. Next fills the
// caller's Packet and returns io.EOF at the clean end of the input; packets
// that are not IP/TCP/UDP are skipped inside Next and counted in Stats.
type Source interface {
	Next(p *Packet) error
	Stats() Stats
	Close() error
}

// Stats counts what a Source has read so far.
type Stats struct {
	Packets   uint64                 // records read
	Decoded   uint64                 // records returned as TCP/UDP packets
	Fragments uint64                 // decoded records that were first IP fragments (partial payload)
	Skipped   [NumSkipReasons]uint64 // records skipped, by reason
	Bytes     uint64                 // captured bytes of all records read
	// Undecodable counts, per link type, the records skipped because
	// their link layer or encapsulation could not be decoded (see
	// SkipReason.Undecodable), in order of first appearance. Link types
	// beyond the array's size are added up in UndecodableOther.
	Undecodable      [maxUndecodableLinks]LinkCount
	UndecodableOther uint64

	// Live sources only. The kernel's counters, accumulated over the run
	// (the kernel resets them on every read). KernelPackets counts every
	// packet the kernel offered the socket, dropped ones included.
	KernelPackets uint64
	KernelDrops   uint64 // dropped because the ring or buffer was full
	KernelFreezes uint64 // AF_PACKET TPACKET_V3 queue freezes
	KernelIfDrops uint64 // libpcap ps_ifdrop: dropped by the interface or driver
	LinkDowns     uint64 // times an interface went down or away (each retried)
}

// add adds o's counters to s (several interfaces or workers into one).
func (s *Stats) add(o *Stats) {
	s.Packets += o.Packets
	s.Decoded += o.Decoded
	s.Fragments += o.Fragments
	s.Bytes += o.Bytes
	for i, n := range o.Skipped {
		s.Skipped[i] += n
	}
	for _, c := range o.Undecodable {
		if c.Count == 0 {
			continue
		}
		added := false
		for i := range s.Undecodable {
			d := &s.Undecodable[i]
			if d.Count == 0 || d.Link == c.Link {
				d.Link = c.Link
				d.Count += c.Count
				added = true
				break
			}
		}
		if !added {
			s.UndecodableOther += c.Count
		}
	}
	s.UndecodableOther += o.UndecodableOther
	s.KernelPackets += o.KernelPackets
	s.KernelDrops += o.KernelDrops
	s.KernelFreezes += o.KernelFreezes
	s.KernelIfDrops += o.KernelIfDrops
	s.LinkDowns += o.LinkDowns
}

// Sum adds up the counters of several sources (the workers of one capture).
func Sum(all ...Stats) Stats {
	var t Stats
	for i := range all {
		t.add(&all[i])
	}
	return t
}

// maxUndecodableLinks bounds the per-link-type counters (a fixed array keeps
// Stats a plain value that costs no allocation).
const maxUndecodableLinks = 8

// LinkCount is a count of records of one link type.
type LinkCount struct {
	Link  LinkType
	Count uint64
}

// countUndecodable adds a skipped record of link type link to its counter
// when reason says it could not be decoded.
func (s *Stats) countUndecodable(link LinkType, reason SkipReason) {
	if !reason.Undecodable() {
		return
	}
	for i := range s.Undecodable {
		c := &s.Undecodable[i]
		if c.Count == 0 {
			c.Link = link
		}
		if c.Link == link {
			c.Count++
			return
		}
	}
	s.UndecodableOther++
}

// UndecodableCounts returns the nonzero per-link-type counters.
func (s Stats) UndecodableCounts() []LinkCount {
	var out []LinkCount
	for _, c := range s.Undecodable {
		if c.Count != 0 {
			out = append(out, c)
		}
	}
	return out
}

// Skips returns the nonzero skip counters keyed by reason name.
func (s Stats) Skips() map[string]uint64 {
	m := make(map[string]uint64)
	for r, n := range s.Skipped {
		if n != 0 {
			m[SkipReason(r).String()] = n
		}
	}
	return m
}

// SkipCount is one nonzero skip counter.
type SkipCount struct {
	Reason SkipReason
	Count  uint64
}

// SkipCounts returns the nonzero skip counters in reason order.
func (s Stats) SkipCounts() []SkipCount {
	var out []SkipCount
	for r, n := range s.Skipped {
		if n != 0 {
			out = append(out, SkipCount{SkipReason(r), n})
		}
	}
	return out
}

// SkippedTotal is the number of records skipped for any reason.
func (s Stats) SkippedTotal() uint64 {
	var t uint64
	for _, n := range s.Skipped {
		t += n
	}
	return t
}

// SkipReason says why a record was not returned as a packet.
type SkipReason uint8

// Skip reasons. SkipNone and FirstFragment accompany a successful decode;
// all others name a skipped record.
const (
	SkipNone            SkipReason = iota // decoded
	FirstFragment                         // decoded, but it is the first fragment of a fragmented IP datagram
	SkipUnsupportedLink                   // link type not handled
	SkipNonIP                             // link payload is neither IPv4 nor IPv6
	SkipARP                               // ARP or RARP
	SkipTruncatedHeader                   // capture ends inside a link, IP or transport header
	SkipBadLinkHeader                     // link header malformed
	SkipBadIPHeader                       // IP header malformed (version, lengths)
	SkipIPFragment                        // non-first IP fragment
	SkipESP                               // IPsec ESP: transport header encrypted
	SkipOtherTransport                    // ICMP, SCTP, GRE, no-next-header, ...
	SkipBadTCPHeader                      // TCP data offset out of range
	SkipBadUDPHeader                      // UDP length out of range
	SkipWiFiEncrypted                     // 802.11 data frame with a protected (link-encrypted) body
	SkipTooDeep                           // more nested encapsulations than maxEncap
	SkipBadTunnelHeader                   // GRE or ERSPAN header malformed or of an unsupported version
	NumSkipReasons                        // number of reasons; not a reason
)

var skipNames = [NumSkipReasons]string{
	SkipNone:            "none",
	FirstFragment:       "ip_first_fragment",
	SkipUnsupportedLink: "unsupported_link_type",
	SkipNonIP:           "non_ip",
	SkipARP:             "arp",
	SkipTruncatedHeader: "truncated_header",
	SkipBadLinkHeader:   "bad_link_header",
	SkipBadIPHeader:     "bad_ip_header",
	SkipIPFragment:      "ip_fragment",
	SkipESP:             "ipsec_esp",
	SkipOtherTransport:  "other_transport",
	SkipBadTCPHeader:    "bad_tcp_header",
	SkipBadUDPHeader:    "bad_udp_header",
	SkipWiFiEncrypted:   "wifi_encrypted",
	SkipTooDeep:         "tunnel_too_deep",
	SkipBadTunnelHeader: "bad_tunnel_header",
}

// Undecodable reports whether the reason means the record could not be read
// at all (link type or encapsulation not understood, link-layer encryption),
// as opposed to read and found to carry no TCP or UDP (ARP, ICMP, fragments).
func (r SkipReason) Undecodable() bool {
	switch r {
	case SkipUnsupportedLink, SkipBadLinkHeader, SkipWiFiEncrypted, SkipTooDeep, SkipBadTunnelHeader:
		return true
	}
	return false
}

// String returns the reason's snake_case name.
func (r SkipReason) String() string {
	if r < NumSkipReasons {
		return skipNames[r]
	}
	return "unknown"
}
