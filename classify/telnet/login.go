package telnet

import "bytes"

// maxLines bounds how many typed lines are kept.
const maxLines = 32

// typedLines applies the line editing a terminal user does (BS and DEL erase
// a character, ^U the line) to the client's data and returns the lines ended
// by CR, CR LF, CR NUL or LF. A last line without an end was not entered and
// is left out.
func typedLines(data []byte) [][]byte {
	var lines [][]byte
	var cur []byte
	for i := 0; i < len(data) && len(lines) < maxLines; i++ {
		switch c := data[i]; c {
		case '\r', '\n':
			if c == '\r' && i+1 < len(data) && (data[i+1] == '\n' || data[i+1] == 0) {
				i++
			}
			lines = append(lines, cur)
			cur = nil
		case bs, 0x7F:
			if len(cur) > 0 {
				cur = cur[:len(cur)-1]
			}
		case nak:
			cur = cur[:0]
		default:
			if c >= 0x20 {
				cur = append(cur, c)
			}
		}
	}
	return lines
}

// echoedLine applies the same editing to what the server echoed after a
// prompt and returns its first line ("" when nothing was echoed). Echoed
// erasures arrive as BS, space, BS; the editor folds them away.
func echoedLine(text []byte) []byte {
	var cur []byte
	for _, c := range text {
		switch c {
		case '\r', '\n':
			return cur
		case bs, 0x7F:
			if len(cur) > 0 {
				cur = cur[:len(cur)-1]
			}
		default:
			if c >= 0x20 {
				cur = append(cur, c)
			}
		}
	}
	return cur
}

// loginPrompts are the user-name prompts of Unix login, network devices and
// IBM i's VT mode, lower case.
var loginPrompts = [][]byte{
	[]byte("login:"), []byte("username:"), []byte("user name:"),
	[]byte("user:"), []byte("userid:"), []byte("user id:"),
}

// passwordPrompt finds the first "password" followed by a colon on the same
// line in lower-cased text; -1 when there is none. The returned index is
// just past the colon.
func passwordPrompt(lower []byte) int {
	off := 0
	for {
		i := bytes.Index(lower[off:], []byte("password"))
		if i < 0 {
			return -1
		}
		i += off + len("password")
		for j := i; j < len(lower) && j < i+40; j++ {
			if lower[j] == ':' {
				return j + 1
			}
			if lower[j] == '\r' || lower[j] == '\n' {
				break
			}
		}
		off = i
	}
}

// promptEnds lists where each user-name prompt before limit ends.
func promptEnds(lower []byte, limit int) []int {
	var ends []int
	for i := 0; i < limit; i++ {
		for _, p := range loginPrompts {
			if bytes.HasPrefix(lower[i:limit], p) && (i == 0 || !isLetter(lower[i-1]) || p[0] == 'l') {
				ends = append(ends, i+len(p))
				i += len(p) - 1
				break
			}
		}
	}
	return ends
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }

// promptLogin is what a login typed at prompts showed.
type promptLogin struct {
	user     string
	password bool // a non-empty password line was typed
	asked    bool // the server asked for a password
	failed   bool // the server said the login was incorrect
}

// typedLogin works out a login typed at the server's prompts. The heads give
// no order between the directions, so the client's lines are matched to the
// prompts by count: each user-name prompt before the password prompt was
// answered by one line (an empty Enter brings the prompt back), the last of
// them is the user name and the next line the password. When the server
// echoed the name (character-at-a-time mode), the echo picks the line.
// envUser is the user already sent in NEW-ENVIRON, for a server that then
// asks for the password alone.
func typedLogin(server, client []byte, envUser string) promptLogin {
	lower := bytes.ToLower(bytes.ReplaceAll(server, []byte{0}, nil))
	p := passwordPrompt(lower)
	if p < 0 {
		return promptLogin{}
	}
	lines := typedLines(client)
	pl := promptLogin{asked: true}
	ends := promptEnds(lower, p)
	pwLine := -1
	switch {
	case len(ends) == 0 && envUser != "":
		pl.user = envUser
		pwLine = 0
	case len(ends) == 0:
		return promptLogin{}
	default:
		last := ends[len(ends)-1]
		i := len(ends) - 1
		if echo := echoedLine(lower[last:]); len(bytes.TrimSpace(echo)) > 0 {
			i = -1
			for k, l := range lines {
				if bytes.EqualFold(bytes.TrimSpace(l), bytes.TrimSpace(echo)) {
					i = k
					break
				}
			}
			if i < 0 {
				return promptLogin{}
			}
		}
		if i >= len(lines) {
			return promptLogin{}
		}
		pl.user = printableText(lines[i])
		if pl.user == "" {
			return promptLogin{}
		}
		pwLine = i + 1
	}
	pl.password = pwLine < len(lines) && len(lines[pwLine]) > 0
	after := lower[p:]
	pl.failed = pl.password && (bytes.Contains(after, []byte("login incorrect")) ||
		bytes.Contains(after, []byte("authentication failure")) ||
		bytes.Contains(after, []byte("access denied")))
	return pl
}
