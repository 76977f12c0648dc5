// Package pop3 recognises POP3 sessions (RFC 1939) from their start and
// judges their STLS upgrade (RFC 2595 §4): +OK encrypts the session, -ERR
// leaves it in clear. It reports USER/PASS and AUTH PLAIN logins in clear
// with the user but never the password.
package pop3
