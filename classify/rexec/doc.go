// Package rexec recognises the BSD rexec protocol (TCP 512 on IBM i when
// STRTCPSVR *REXEC runs): the client's first bytes are
// "stderr-port NUL user NUL password NUL command NUL", so the password and
// the command cross in clear. Only the user ID and lengths are reported.
package rexec
