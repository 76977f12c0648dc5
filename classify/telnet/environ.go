package telnet

// NEW-ENVIRON codes (RFC 1572).
const (
	envIS      = 0x00
	envSEND    = 0x01
	envINFO    = 0x02
	envVAR     = 0x00
	envVALUE   = 0x01
	envESC     = 0x02
	envUSERVAR = 0x03
)

// maxVars bounds how many variables of one sub-negotiation are kept.
const maxVars = 32

// envVar is one NEW-ENVIRON variable with escapes undone.
type envVar struct {
	name     string
	value    []byte
	hasValue bool
}

// environ parses the variables of a NEW-ENVIRON IS or INFO sub-negotiation
// (data starts with the IS/INFO byte). ok is false for SEND or junk.
//
// tn5250j sends IBMRSEED as ESC + eight NULs with only the first NUL escaped
// (docs/protocols.md, "Telnet and TN5250"); a strict parse, as here, reads a one-byte zero
// seed followed by empty VARs, which the seed rule treats as "no seed".
func environ(data []byte) (vars []envVar, ok bool) {
	if len(data) == 0 || (data[0] != envIS && data[0] != envINFO) {
		return nil, false
	}
	b := data[1:]
	for len(b) > 0 && len(vars) < maxVars {
		if b[0] != envVAR && b[0] != envUSERVAR {
			return vars, len(vars) > 0
		}
		var name, value []byte
		name, b = envToken(b[1:])
		v := envVar{name: string(name)}
		if len(b) > 0 && b[0] == envVALUE {
			value, b = envToken(b[1:])
			v.value, v.hasValue = value, true
		}
		vars = append(vars, v)
	}
	return vars, true
}

// envToken reads a name or value up to the next unescaped VAR, VALUE or
// USERVAR code.
func envToken(b []byte) (tok, rest []byte) {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case envESC:
			if i+1 < len(b) {
				i++
				tok = append(tok, b[i])
			}
		case envVAR, envVALUE, envUSERVAR:
			return tok, b[i:]
		default:
			tok = append(tok, b[i])
		}
	}
	return tok, nil
}

// autoSignon is what the client's NEW-ENVIRON answers carried.
type autoSignon struct {
	user     string
	rseed    bool // IBMRSEED present with a non-zero value
	subspw   int  // length of IBMSUBSPW, 0 when absent or empty
	ibm      bool // an IBM-specific (IBM*) variable was sent
	seenUser bool
}

// signon collects the auto-sign-on variables from the client's
// NEW-ENVIRON sub-negotiations.
func signon(subs []sub) autoSignon {
	var a autoSignon
	for _, sb := range subs {
		if sb.opt != optNewEnviron {
			continue
		}
		vars, ok := environ(sb.data)
		if !ok {
			continue
		}
		for _, v := range vars {
			switch v.name {
			case "USER":
				if u := printableText(v.value); u != "" {
					a.user, a.seenUser = u, true
				}
			case "IBMRSEED":
				a.ibm = true
				for _, c := range v.value {
					if c != 0 {
						a.rseed = true
					}
				}
			case "IBMSUBSPW":
				a.ibm = true
				a.subspw = len(v.value)
			default:
				if len(v.name) > 3 && v.name[:3] == "IBM" {
					a.ibm = true
				}
			}
		}
	}
	return a
}

// serverAsksIBM reports whether the server's NEW-ENVIRON SEND names IBM
// variables (IBMRSEED carries the server seed).
func serverAsksIBM(subs []sub) bool {
	for _, sb := range subs {
		if sb.opt == optNewEnviron && len(sb.data) > 4 && sb.data[0] == envSEND &&
			containsASCII(sb.data, "IBMRSEED") {
			return true
		}
	}
	return false
}

// containsASCII reports whether b contains s.
func containsASCII(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}

// printableText keeps printable ASCII and trims blanks; anything else makes
// the text unusable as a user name.
func printableText(b []byte) string {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for _, c := range b {
		if c < 0x21 || c > 0x7E {
			return ""
		}
	}
	return string(b)
}
