// Package smb recognises SMB sessions (IBM i NetServer on TCP 139 and 445):
// the NetBIOS session-service framing, SMB1, SMB2/3, the SMB3 transform
// (encrypted) and compression headers. It tells whether the file traffic is
// encrypted, names the dialect, and reads the NTLM AUTHENTICATE message of
// SESSION_SETUP for the user and domain and for the kind of password
// verifier it carries (never the verifier itself). DetectNetBIOS recognises
// the NetBIOS name and datagram services on UDP 137 and 138.
package smb
