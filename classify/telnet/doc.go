// Package telnet recognises Telnet and TN5250 sessions from their option
// negotiation and reports what crosses in clear: the terminal type (5250 or
// not), NEW-ENVIRON auto-sign-on variables (RFC 1572 / RFC 4777), a login
// typed at a "login:" / "Password:" prompt, the user and password fields of a
// 5250 sign-on screen, and a START_TLS upgrade.
package telnet
