// Package portmap recognises the IBM i port mapper (server mapper, as-svrmap,
// TCP 449): the client sends a service name such as "as-signon" in ASCII and
// the server answers '+' and the port as uint32, or '-' when it does not know
// the name. A successful answer tells which port the named host server listens
// on, which is how remapped ports are learned.
package portmap
