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

// passwordPrompt finds the first password prompt in lower-cased text: the
// word "password", a colon later on the same line, and nothing but spaces
// between the colon and the end of the line or text (the password is never
// echoed, so a real prompt always ends its line). A "password:" inside a
// sentence is no prompt. start is where the word begins, end is just past
// the colon; start is -1 when there is none.
func passwordPrompt(lower []byte) (start, end int) {
	off := 0
	for {
		i := bytes.Index(lower[off:], []byte("password"))
		if i < 0 {
			return -1, -1
		}
		i += off
		for j := i + len("password"); j < len(lower) && j < i+48; j++ {
			if lower[j] == '\r' || lower[j] == '\n' {
				break
			}
			if lower[j] == ':' {
				if blankToEOL(lower[j+1:]) {
					return i, j + 1
				}
				break
			}
		}
		off = i + len("password")
	}
}

// blankToEOL reports whether b holds only spaces up to its first line end.
func blankToEOL(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t':
		case '\r', '\n':
			return true
		default:
			return false
		}
	}
	return true
}

// userPromptAt returns the length of the user-name prompt starting at
// lower[i], 0 when none does. A prompt word glued to letters before it
// ("superuser:") is not one, except "login:" after a host name.
func userPromptAt(lower []byte, i int) int {
	for _, p := range loginPrompts {
		if bytes.HasPrefix(lower[i:], p) && (i == 0 || !isLetter(lower[i-1]) || p[0] == 'l') {
			return len(p)
		}
	}
	return 0
}

// nextPrompt returns the offset in seg of the first user-name or password
// prompt word, len(seg) when there is none.
func nextPrompt(seg []byte) int {
	for i := range seg {
		if userPromptAt(seg, i) > 0 || bytes.HasPrefix(seg[i:], []byte("password")) {
			return i
		}
	}
	return len(seg)
}

// userPrompts lists the user-name prompts in the server text before the
// password prompt with what the server echoed after each (nil in line
// mode). Only prompts a client line can have answered count: the prompt
// must open its line (at most a host name before it, as in "vm login:") and
// be followed, up to the line end or the next prompt, by nothing but spaces
// or by the echo of a line the client typed. "Notice to user: authorized use
// only" is a sentence, not a prompt.
func userPrompts(text []byte, lines [][]byte) (echoes [][]byte) {
	for _, line := range bytes.FieldsFunc(text, func(r rune) bool { return r == '\r' || r == '\n' }) {
		from := 0
		for i := 0; i < len(line); i++ {
			n := userPromptAt(line, i)
			if n == 0 {
				continue
			}
			if len(bytes.Fields(line[from:i])) > 1 {
				i += n - 1
				continue
			}
			seg := line[i+n:]
			seg = seg[:nextPrompt(seg)]
			echo := bytes.TrimSpace(echoedLine(seg))
			switch {
			case len(echo) == 0:
				echoes = append(echoes, nil)
			case lineIndex(lines, echo) >= 0:
				echoes = append(echoes, echo)
			default:
				// Text after the prompt word that the client never typed:
				// a sentence, not a prompt.
				i += n - 1
				continue
			}
			i += n + len(seg) - 1
			from = i + 1
			if len(echoes) >= maxLines {
				return echoes
			}
		}
	}
	return echoes
}

// lineIndex returns the index of the first line equal to echo (ignoring case
// and surrounding blanks), -1 when there is none.
func lineIndex(lines [][]byte, echo []byte) int {
	for k, l := range lines {
		if bytes.EqualFold(bytes.TrimSpace(l), echo) {
			return k
		}
	}
	return -1
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
// prompts. When the server echoes (character-at-a-time mode), the echo after
// the last echoed user-name prompt names the user line; the server showed
// that text itself, and a password is never echoed, so the line answering
// the password prompt cannot be taken for the user. Otherwise (line mode)
// each user-name prompt before the password prompt was answered by one line
// (an empty Enter brings the prompt back): the first non-empty one is the
// user name and the next line the password. envUser is the user already sent in
// NEW-ENVIRON, for a server that then asks for the password alone.
func typedLogin(server, client []byte, envUser string) promptLogin {
	lower := bytes.ToLower(bytes.ReplaceAll(server, []byte{0}, nil))
	pStart, p := passwordPrompt(lower)
	if pStart < 0 {
		return promptLogin{}
	}
	lines := typedLines(client)
	pl := promptLogin{asked: true}
	echoes := userPrompts(lower[:pStart], lines)
	user := -1
	for _, e := range echoes {
		if len(e) > 0 {
			user = lineIndex(lines, e)
		}
	}
	pwLine := -1
	switch {
	case user >= 0:
		pwLine = user + 1
	case len(echoes) > 0:
		// A non-empty name is followed by the password prompt, not by
		// another user-name prompt, so the name is the first non-empty
		// line among those answering the prompts. Counting alone would
		// take the password line for the name whenever a banner line
		// that happens to end like a prompt was counted too.
		for k := 0; k < len(echoes) && k < len(lines); k++ {
			if len(bytes.TrimSpace(lines[k])) > 0 {
				user = k
				break
			}
		}
		if user < 0 {
			return promptLogin{}
		}
		pwLine = user + 1
	case envUser != "":
		pl.user = envUser
		pwLine = 0
	default:
		return promptLogin{}
	}
	if user >= 0 {
		if user >= len(lines) {
			return promptLogin{}
		}
		pl.user = printableText(lines[user])
		if pl.user == "" {
			return promptLogin{}
		}
	}
	pl.password = pwLine < len(lines) && len(lines[pwLine]) > 0
	after := lower[p:]
	pl.failed = pl.password && (bytes.Contains(after, []byte("login incorrect")) ||
		bytes.Contains(after, []byte("authentication failure")) ||
		bytes.Contains(after, []byte("access denied")))
	return pl
}
