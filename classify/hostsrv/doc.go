// Package hostsrv recognises the IBM i host-server datastream (the "optimized"
// servers: central, file, network print, database, data queue, remote
// command, sign-on and host connection) on any port, names the server from
// the server ID in the 20-byte header, and reports what a plaintext session
// exposes: user IDs, password substitutes with both seeds (an offline
// guessable verifier), profile tokens, failed sign-ons, SQL statement and CL
// command text. Secrets themselves never leave the package: findings carry
// lengths and mechanisms only.
package hostsrv
