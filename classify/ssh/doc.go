// Package ssh recognises SSH by its identification string ("SSH-2.0-…",
// "SSH-1.99-…", RFC 4253 §4.2) from either side. SSH is encrypted from its
// key exchange on, so a recognised flow is reported as encrypted.
package ssh
