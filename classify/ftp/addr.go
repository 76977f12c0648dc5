package ftp

import "net/netip"

// number parses a decimal number of at most 5 digits at the start of b.
func number(b []byte) (n, used int, ok bool) {
	for used < len(b) && used < 6 && isDigit(b[used]) {
		n = n*10 + int(b[used]-'0')
		used++
	}
	return n, used, used > 0 && used < 6
}

// hostPort parses "h1,h2,h3,h4,p1,p2" at the start of b (PORT argument,
// 227 reply).
func hostPort(b []byte) (netip.AddrPort, bool) {
	var f [6]int
	for i := range f {
		n, used, ok := number(b)
		if !ok || n > 255 {
			return netip.AddrPort{}, false
		}
		f[i], b = n, b[used:]
		if i < 5 {
			if len(b) == 0 || b[0] != ',' {
				return netip.AddrPort{}, false
			}
			b = b[1:]
		}
	}
	a := netip.AddrFrom4([4]byte{byte(f[0]), byte(f[1]), byte(f[2]), byte(f[3])})
	return netip.AddrPortFrom(a, uint16(f[4]<<8|f[5])), true
}

// pasv parses a 227 reply text: the six numbers follow the first digit
// (RFC 1123 §4.1.2.6: the parenthesis is not guaranteed).
func pasv(text []byte) (netip.AddrPort, bool) {
	for i, c := range text {
		if isDigit(c) {
			return hostPort(text[i:])
		}
	}
	return netip.AddrPort{}, false
}

// epsv parses a 229 reply text "... (|||port|)" (RFC 2428 §3): the
// delimiter may be any printable character, the port is the 4th field.
func epsv(text []byte) (uint16, bool) {
	for i := 0; i+3 < len(text); i++ {
		if text[i] != '(' {
			continue
		}
		d := text[i+1]
		if d < 33 || d > 126 || text[i+2] != d || text[i+3] != d {
			continue
		}
		n, used, ok := number(text[i+4:])
		if !ok || n == 0 || n > 65535 || i+4+used >= len(text) || text[i+4+used] != d {
			return 0, false
		}
		return uint16(n), true
	}
	return 0, false
}

// eprt parses an EPRT argument "|1|132.235.1.2|6275|" (RFC 2428 §2).
func eprt(arg []byte) (netip.AddrPort, bool) {
	if len(arg) < 7 {
		return netip.AddrPort{}, false
	}
	d := arg[0]
	if d < 33 || d > 126 {
		return netip.AddrPort{}, false
	}
	var f [3][]byte
	rest := arg[1:]
	for i := range f {
		j := 0
		for j < len(rest) && rest[j] != d {
			j++
		}
		if j == len(rest) {
			return netip.AddrPort{}, false
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	if len(f[0]) != 1 || (f[0][0] != '1' && f[0][0] != '2') || len(f[1]) > 64 {
		return netip.AddrPort{}, false
	}
	a, err := netip.ParseAddr(string(f[1]))
	if err != nil || (f[0][0] == '1') != a.Is4() {
		return netip.AddrPort{}, false
	}
	n, used, ok := number(f[2])
	if !ok || used != len(f[2]) || n == 0 || n > 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, uint16(n)), true
}
