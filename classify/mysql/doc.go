// Package mysql recognises MySQL and MariaDB client/server sessions from
// the server's initial handshake (protocol version 10) and the client's
// answer: a 32-byte SSL request with CLIENT_SSL (TLS follows), or a
// handshake response in clear, whose user it reports, with its password
// answer: mysql_clear_password in clear, or a native or SHA-2 scramble
// beside the greeting's salt (guessable offline), never the answer. A
// server whose handshake does not offer CLIENT_SSL cannot be upgraded.
package mysql
