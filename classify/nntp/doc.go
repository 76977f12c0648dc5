// Package nntp recognises NNTP sessions (RFC 3977) from their start and
// judges their STARTTLS upgrade (RFC 4642): 382 encrypts the session, 580
// (or 502, 483) leaves it in clear. It reports AUTHINFO PASS and AUTHINFO
// SASL PLAIN/LOGIN in clear (RFC 4643) with the user but never the
// password.
package nntp
