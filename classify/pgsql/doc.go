// Package pgsql recognises the start of a PostgreSQL frontend/backend
// session (protocol 3.0): an SSLRequest answered 'S' (TLS follows) or 'N'
// (refused; the startup goes on in clear), a GSSENCRequest, or a plain
// StartupMessage. It reports the user of a startup in clear, a cleartext
// password exchange (AuthenticationCleartextPassword) and an MD5 answer
// beside its salt (guessable offline), never the password or the answer.
package pgsql
