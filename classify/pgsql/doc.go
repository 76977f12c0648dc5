// Package pgsql recognises the start of a PostgreSQL frontend/backend
// session (protocol 3.0): an SSLRequest answered 'S' (TLS follows) or 'N'
// (refused; the startup goes on in clear), a GSSENCRequest, or a plain
// StartupMessage. It reports the user of a startup in clear and a
// cleartext password exchange (AuthenticationCleartextPassword), never the
// password.
package pgsql
