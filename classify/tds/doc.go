// Package tds recognises Microsoft SQL Server sessions (MS-TDS 7.x) from
// their PRELOGIN exchange and judges its ENCRYPTION option (MS-TDS
// §2.2.6.5): a server answer of ENCRYPT_ON or ENCRYPT_REQ encrypts the
// session with TLS carried in TDS packets; ENCRYPT_OFF encrypts only the
// LOGIN7 packet, and ENCRYPT_NOT_SUP nothing, so the session (with
// NOT_SUP, the login and its merely obfuscated password too) travels in
// clear. TDS 8.0, which starts with TLS, is the tls detector's.
package tds
