// Package http recognises HTTP/1.x requests on any port (IBM i HTTP
// administration on 2001/2004/2006, Navigator, web applications) and reports
// credentials that cross in clear: Basic and Digest authorization headers and
// login forms posted as application/x-www-form-urlencoded. Passwords are never
// kept or reported; only the user ID is.
package http
