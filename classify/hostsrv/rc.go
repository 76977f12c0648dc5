package hostsrv

// authFailure says what a sign-on return code means when it is a failed
// authentication (unknown user, disabled profile, wrong or expired password,
// password-rule violation, exit-program denial, token error). ok is false
// for success and for codes that report protocol or server errors instead.
func authFailure(rc uint32) (meaning string, ok bool) {
	switch rc {
	case 0x00020001:
		return "user ID unknown", true
	case 0x00020002:
		return "user profile disabled", true
	case 0x00020003:
		return "user ID mismatch", true
	case 0x0003000B:
		return "password incorrect", true
	case 0x0003000C:
		return "password incorrect, profile will be disabled on next failure", true
	case 0x0003000D:
		return "password expired", true
	case 0x00030010:
		return "password is *NONE", true
	case 0x00050004:
		return "exit program denied the request", true
	}
	switch rc >> 16 {
	case 0x0002:
		return "user ID error", true
	case 0x0003:
		return "new password not valid", true
	case 0x0005:
		return "exit program error", true
	case 0x0006:
		return "profile token or Kerberos ticket not valid", true
	}
	return "", false
}
