// Package tls recognises TLS and SSL handshakes from the first bytes of a
// flow: it parses the ClientHello (offered versions, SNI, ALPN) and the
// server's answer (ServerHello, HelloRetryRequest, alert, SSLv2 SERVER-HELLO)
// without decrypting anything. Parsers work on the byte stream from a record
// boundary and reassemble a hello that spans several records.
package tls
