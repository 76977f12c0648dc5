package synth

import "math/rand/v2"

// ClientHello returns one TLS handshake record holding a ClientHello as
// modern clients send it: record version 0x0301, legacy version 0x0303, a
// 32-byte session ID, TLS 1.3 and 1.2 cipher suites, supported_versions
// (1.3, 1.2), an x25519 key share, and server_name when sni is not empty.
// seed varies the random fields.
func ClientHello(sni string, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0xC11E))
	var ext []byte
	if sni != "" {
		n := len(sni)
		ext = append(ext, 0, 0, byte((n+5)>>8), byte(n+5), byte((n+3)>>8), byte(n+3), 0, byte(n>>8), byte(n))
		ext = append(ext, sni...)
	}
	ext = append(ext, 0, 0x0A, 0, 6, 0, 4, 0, 0x1D, 0, 0x17) // supported_groups x25519, secp256r1
	ext = append(ext, 0, 0x0D, 0, 6, 0, 4, 4, 3, 8, 4)       // signature_algorithms
	ext = append(ext, 0, 0x2B, 0, 5, 4, 3, 4, 3, 3)          // supported_versions 1.3, 1.2
	ext = append(ext, 0, 0x33, 0, 0x26, 0, 0x24, 0, 0x1D, 0, 0x20)
	ext = appendRandom(ext, r, 32) // key_share x25519
	body := []byte{3, 3}
	body = appendRandom(body, r, 32)
	body = append(body, 32)
	body = appendRandom(body, r, 32)
	body = append(body, 0, 8, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xC0, 0x2F, 1, 0)
	body = append(body, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	return Record(0x16, 0x0301, append([]byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...))
}

// ServerHello returns a TLS 1.3 ServerHello record (TLS_AES_128_GCM_SHA256,
// x25519), the compatibility ChangeCipherSpec record and one application
// data record standing for the encrypted rest of the server's flight.
func ServerHello(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x5E1E))
	body := []byte{3, 3}
	body = appendRandom(body, r, 32)
	body = append(body, 32)
	body = appendRandom(body, r, 32)
	body = append(body, 0x13, 0x01, 0)
	ext := []byte{0, 0x2B, 0, 2, 3, 4, 0, 0x33, 0, 0x24, 0, 0x1D, 0, 0x20}
	ext = appendRandom(ext, r, 32)
	body = append(body, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	out := Record(0x16, 0x0303, append([]byte{2, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...))
	out = append(out, Record(0x14, 0x0303, []byte{1})...)
	return append(out, AppData(1200+r.IntN(1500), seed)...)
}

// AppData returns a TLS application data record of n random-looking bytes.
func AppData(n int, seed uint64) []byte {
	return Record(0x17, 0x0303, appendRandom(nil, rand.New(rand.NewPCG(seed, 0xDA7A)), n))
}

// Record frames body as one TLS record of the given content type and
// version (body must be shorter than 64 KiB).
func Record(typ byte, version uint16, body []byte) []byte {
	return append([]byte{typ, byte(version >> 8), byte(version), byte(len(body) >> 8), byte(len(body))}, body...)
}

func appendRandom(b []byte, r *rand.Rand, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, byte(r.Uint32()))
	}
	return b
}
