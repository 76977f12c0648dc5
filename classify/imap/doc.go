// Package imap recognises IMAP sessions (RFC 9051, RFC 3501) from their
// start and judges their STARTTLS upgrade: a tagged OK encrypts the
// session, NO or BAD leaves it in clear. A session that only asks for
// CAPABILITY is IMAP without an upgrade. It reports LOGIN and
// AUTHENTICATE PLAIN/LOGIN in clear with the user but never the password;
// a literal's bytes ({N}, {N+}) are skipped, never read as commands.
package imap
