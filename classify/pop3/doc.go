// Package pop3 recognises POP3 sessions (RFC 1939) from their start and
// judges their STLS upgrade (RFC 2595 §4): +OK encrypts the session, -ERR
// leaves it in clear. It reports USER/PASS and AUTH PLAIN/LOGIN logins in
// clear with the user but never the password (an AUTH exchange's lines are
// never read as commands), and APOP beside the greeting's timestamp as a
// digest that can be guessed offline.
package pop3
