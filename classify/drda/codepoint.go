package drda

// DDM code points (DRDA / DDM architecture; values as in the JTOpen and
// Apache Derby constants, docs/protocols.md, "DRDA / DDM").
const (
	cpEXCSAT     = 0x1041
	cpEXCSATRD   = 0x1443
	cpACCSEC     = 0x106D
	cpACCSECRD   = 0x14AC
	cpSECCHK     = 0x106E
	cpSECCHKRM   = 0x1219
	cpSECCHKCD   = 0x11A4
	cpSECMEC     = 0x11A2
	cpSECTKN     = 0x11DC
	cpUSRID      = 0x11A0
	cpPASSWORD   = 0x11A1
	cpNEWPASSWD  = 0x11DE
	cpMFAFACTOR  = 0xD142 // IBM i: additional authentication factor, UTF-8
	cpMGRLVLLS   = 0x1404
	cpUNICODEMGR = 0x1C08
	cpSQLSTT     = 0x2414
	cpS38CMD     = 0xD006
	cpS38CMDST   = 0xD103
)

// Security mechanisms (SECMEC values, §6.3).
const (
	secUSRIDPWD    = 3
	secUSRIDONL    = 4
	secUSRIDNWPWD  = 5
	secUSRSBSPWD   = 6
	secUSRENCPWD   = 7
	secUSRSSBPWD   = 8
	ccsidUTF8      = 1208
	secchkNoSECMEC = 0x01 // SECCHKCD: security mechanism not supported
)

// secchkReason names the SECCHKCD values worth telling apart in a message.
func secchkReason(cd byte) string {
	switch cd {
	case 0x01:
		return "security mechanism not supported"
	case 0x0B:
		return "security token missing or invalid"
	case 0x0E:
		return "password expired"
	case 0x0F:
		return "password invalid"
	case 0x10:
		return "password missing"
	case 0x12:
		return "user ID missing"
	case 0x13:
		return "user ID invalid"
	case 0x14:
		return "user ID revoked"
	case 0x15:
		return "new password invalid"
	}
	return "security check failed"
}
