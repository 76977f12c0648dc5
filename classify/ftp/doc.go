// Package ftp recognises an FTP control connection (RFC 959) and reports
// what crosses it in clear: user IDs, passwords, IBM i CL commands (RCMD),
// login failures, an AUTH TLS upgrade, and the data connections that PASV,
// EPSV, PORT and EPRT announce.
package ftp
