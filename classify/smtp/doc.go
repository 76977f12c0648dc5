// Package smtp recognises SMTP and ESMTP sessions (RFC 5321) from their
// start and judges their STARTTLS upgrade (RFC 3207): 220 after STARTTLS
// encrypts the session, 454 or 5xx leaves it in clear. It reports an AUTH
// PLAIN or LOGIN exchange in clear (RFC 4954, RFC 4616) with the user but
// never the password.
package smtp
