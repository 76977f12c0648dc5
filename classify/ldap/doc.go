// Package ldap recognises LDAP (RFC 4511) from its BER-encoded messages and
// reports simple binds that carry a password in clear, bind failures and
// StartTLS upgrades.
package ldap
