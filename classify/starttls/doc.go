// Package starttls holds what the detectors of in-band TLS upgrades share:
// reading text protocol lines, recording an accepted upgrade (and the TLS
// handshake that follows it) and a refused one. The detectors themselves
// live in one package per protocol (smtp, pop3, imap, nntp, xmpp, pgsql,
// mysql, tds).
package starttls
