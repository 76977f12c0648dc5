// Package xmpp recognises XMPP client and server streams (RFC 6120) from
// their start and judges their STARTTLS upgrade (§5): <proceed/> encrypts
// the stream, <failure/> ends it without TLS. On a stream that does not
// upgrade it reports SASL PLAIN (§6) with the user, never the password.
package xmpp
