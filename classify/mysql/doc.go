// Package mysql recognises MySQL and MariaDB client/server sessions from
// the server's initial handshake (protocol version 10) and the client's
// answer: a 32-byte SSL request with CLIENT_SSL (TLS follows), or a
// handshake response in clear, whose user it reports. A server whose
// handshake does not offer CLIENT_SSL cannot be upgraded.
package mysql
