package filter

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// ErrOutsideSubset is wrapped by the error for a word the pure-Go compiler
// does not implement.
var ErrOutsideSubset = errors.New("outside the pure-Go subset")

// Compile compiles expr for target. An empty expression accepts every
// packet. Errors begin with "filter: " and name the offending word.
func Compile(expr string, target Target) ([]bpf.Instruction, error) {
	p := &parser{g: gen{target: target}}
	if err := p.lex(expr); err != nil {
		return nil, err
	}
	if len(p.toks) == 0 {
		return []bpf.Instruction{bpf.RetConstant{Val: Snap}}, nil
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, p.syntax("expected and, or or the end")
	}
	prog, err := program(n)
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	return prog, nil
}

// CompileRaw is Compile assembled for the kernel (SetBPF, SO_ATTACH_FILTER).
func CompileRaw(expr string, target Target) ([]bpf.RawInstruction, error) {
	prog, err := Compile(expr, target)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("filter: %q: %w", expr, err)
	}
	return raw, nil
}

type token struct {
	s   string
	off int // byte offset in the expression
}

type parser struct {
	toks []token
	i    int
	g    gen
	last qual // qualifiers of the previous primitive, for "port 1 or 2"
}

// qual is the qualifier set of a primitive: [proto] [dir] [type].
type qual struct{ proto, dir, typ string }

func (p *parser) lex(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '!' || (c == '&' || c == '|') && !strings.HasPrefix(s[i:], "&&") && !strings.HasPrefix(s[i:], "||"):
			p.toks = append(p.toks, token{s[i : i+1], i})
			i++
		case strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||"):
			p.toks = append(p.toks, token{s[i : i+2], i})
			i += 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()!&|", rune(s[j])) {
				j++
			}
			if j == i {
				return fmt.Errorf("filter: syntax error at offset %d: unexpected %q", i, s[i:i+1])
			}
			p.toks = append(p.toks, token{s[i:j], i})
			i = j
		}
	}
	return nil
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i].s
	}
	return ""
}

func (p *parser) syntax(want string) error {
	if p.i >= len(p.toks) {
		return fmt.Errorf("filter: syntax error at the end of the expression: %s", want)
	}
	t := p.toks[p.i]
	return fmt.Errorf("filter: syntax error at '%s' (offset %d): %s", t.s, t.off, want)
}

func outside(w string) error {
	return fmt.Errorf("filter: '%s' is %w (host, net, port, portrange, tcp, udp, ip, ip6, vlan, and/or/not); build with -tags pcap for full tcpdump syntax", w, ErrOutsideSubset)
}

func isAnd(s string) bool { return s == "and" || s == "&&" }
func isOr(s string) bool  { return s == "or" || s == "||" }
func isNot(s string) bool { return s == "not" || s == "!" }

// expr: unary {(and|or) unary}; and and or bind equally, left to right.
func (p *parser) expr() (node, error) {
	n, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		op := p.peek()
		if !isAnd(op) && !isOr(op) {
			return n, nil
		}
		p.i++
		m, err := p.unary()
		if err != nil {
			return nil, err
		}
		if isAnd(op) {
			n = and(n, m)
		} else {
			n = or(n, m)
		}
	}
}

func (p *parser) unary() (node, error) {
	t := p.peek()
	switch {
	case isNot(t):
		p.i++
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return not(n), nil
	case t == "(":
		p.i++
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, p.syntax("expected ')'")
		}
		p.i++
		return n, nil
	case t == "" || t == ")" || isAnd(t) || isOr(t):
		return nil, p.syntax("expected a primitive")
	}
	return p.primitive()
}

var (
	protoWords = map[string]bool{"tcp": true, "udp": true, "ip": true, "ip6": true}
	dirWords   = map[string]bool{"src": true, "dst": true}
	typeWords  = map[string]bool{"host": true, "net": true, "port": true, "portrange": true}
)

// isValue reports whether w can only be a primitive's value (an address or
// a number), never a keyword.
func isValue(w string) bool {
	if w == "" {
		return false
	}
	c := w[0]
	return c >= '0' && c <= '9' || strings.Contains(w, ":")
}

func (p *parser) primitive() (node, error) {
	w := p.peek()
	if w == "vlan" {
		p.i++
		id := -1
		if v := p.peek(); isValue(v) {
			n, err := strconv.ParseUint(v, 10, 16)
			if err != nil || n > 4095 {
				return nil, fmt.Errorf("filter: vlan ID '%s' is not a number 0-4095", v)
			}
			id = int(n)
			p.i++
		}
		return p.g.vlan(id), nil
	}
	if isValue(w) {
		// A bare value repeats the previous qualifiers (as libpcap,
		// which also refuses one with nothing before it).
		q := p.last
		if q.typ == "" {
			return nil, p.syntax("expected host, net, port or portrange before a value")
		}
		p.i++
		return p.value(q, w)
	}
	var q qual
	if protoWords[w] {
		q.proto = w
		p.i++
		w = p.peek()
		if !dirWords[w] && !typeWords[w] {
			// A protocol alone.
			switch q.proto {
			case "tcp":
				return p.g.transport(protoTCP), nil
			case "udp":
				return p.g.transport(protoUDP), nil
			case "ip":
				return p.g.ether(etherIPv4), nil
			}
			return p.g.ether(etherIPv6), nil
		}
	}
	if dirWords[w] {
		q.dir = w
		p.i++
		w = p.peek()
	}
	if typeWords[w] {
		q.typ = w
		p.i++
		w = p.peek()
	} else if q.dir != "" && isValue(w) {
		q.typ = "host"
	}
	if q.typ == "" {
		if w == "" || isAnd(w) || isOr(w) || isNot(w) || w == "(" || w == ")" {
			return nil, p.syntax("expected host, net, port, portrange or a value")
		}
		return nil, outside(w)
	}
	if !isValue(w) {
		if w == "" || isAnd(w) || isOr(w) || isNot(w) || w == "(" || w == ")" {
			return nil, p.syntax("expected a value after '" + q.typ + "'")
		}
		if q.typ == "host" || q.typ == "net" {
			return nil, fmt.Errorf("filter: %s '%s': give an address (names are not resolved in the pure-Go build; build with -tags pcap for full tcpdump syntax)", q.typ, w)
		}
		return nil, fmt.Errorf("filter: %s '%s' is not a number 0-65535 (service names need -tags pcap)", q.typ, w)
	}
	p.i++
	p.last = q
	return p.value(q, w)
}

// value builds the primitive q applied to the value w.
func (p *parser) value(q qual, w string) (node, error) {
	switch q.typ {
	case "port", "portrange":
		s := portSpec{dir: q.dir, v4: true, v6: true, protos: []uint32{protoTCP, protoUDP, protoSCTP}}
		switch q.proto {
		case "tcp":
			s.protos = []uint32{protoTCP}
		case "udp":
			s.protos = []uint32{protoUDP}
		case "ip":
			s.v6 = false
		case "ip6":
			s.v4 = false
		}
		lo, hi, err := portValue(q.typ, w)
		if err != nil {
			return nil, err
		}
		s.lo, s.hi = lo, hi
		return p.g.port(s), nil
	}
	if q.proto == "tcp" || q.proto == "udp" {
		return nil, fmt.Errorf("filter: '%s %s' is not valid: %s takes no %s", q.proto, q.typ, q.proto, q.typ)
	}
	pfx, err := netValue(q.typ, w)
	if err != nil {
		return nil, err
	}
	if q.proto == "ip" && !pfx.Addr().Is4() || q.proto == "ip6" && !pfx.Addr().Is6() {
		return nil, fmt.Errorf("filter: '%s %s %s': the address family does not match %s", q.proto, q.typ, w, q.proto)
	}
	return p.g.host(hostSpec{pfx: pfx, dir: q.dir, ipOnly: q.proto == "ip"}), nil
}

func portValue(typ, w string) (uint32, uint32, error) {
	num := func(s string) (uint32, bool) {
		n, err := strconv.ParseUint(s, 10, 16)
		return uint32(n), err == nil
	}
	if typ == "port" {
		n, ok := num(w)
		if !ok {
			return 0, 0, fmt.Errorf("filter: port '%s' is not a number 0-65535", w)
		}
		return n, n, nil
	}
	a, b, found := strings.Cut(w, "-")
	lo, ok1 := num(a)
	hi, ok2 := num(b)
	if !found || !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("filter: portrange '%s' is not LOW-HIGH with numbers 0-65535", w)
	}
	if lo > hi {
		lo, hi = hi, lo // as libpcap
	}
	return lo, hi, nil
}

func netValue(typ, w string) (netip.Prefix, error) {
	if typ == "host" {
		a, err := netip.ParseAddr(w)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("filter: host '%s' is not an IPv4 or IPv6 address", w)
		}
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	if !strings.Contains(w, "/") {
		a, err := netip.ParseAddr(w)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("filter: net '%s' is not an address or ADDRESS/BITS", w)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	pfx, err := netip.ParsePrefix(w)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("filter: net '%s' is not an address or ADDRESS/BITS", w)
	}
	if pfx.Masked() != pfx {
		return netip.Prefix{}, fmt.Errorf("filter: net '%s' has bits set outside the /%d mask", w, pfx.Bits())
	}
	return pfx, nil
}
