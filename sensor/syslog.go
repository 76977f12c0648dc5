package sensor

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ibmitap/ibmitap/record"
)

// SyslogLine formats a finding event as an RFC 5424 message (facility
// security/auth, 4; severity from the finding) whose MSG is the event's
// JSON line. The line ends in a newline; SyslogSink frames it.
func SyslogLine(e *record.Event) []byte {
	pri := 4*8 + syslogSeverity(e.Severity)
	host, _ := os.Hostname()
	if e.Sensor != "" {
		host = e.Sensor
	}
	b := fmt.Appendf(nil, "<%d>1 %s %s ibmitap %d %s - ", pri,
		time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), syslogField(host), os.Getpid(), syslogField(e.Kind))
	return record.AppendEvent(b, e)
}

// syslogSeverity maps finding severities to syslog severities.
func syslogSeverity(s string) int {
	switch s {
	case "critical":
		return 2
	case "high":
		return 3
	case "medium":
		return 4
	case "low":
		return 5
	}
	return 6
}

// syslogField makes s a valid RFC 5424 header field (printable ASCII, no
// spaces, at most 48 characters), "-" when empty.
func syslogField(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 32 && r < 127 && b.Len() < 48 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// SyslogSink sends lines to a syslog receiver: one datagram per message
// over UDP, octet-counted frames (RFC 6587) over TCP, reconnecting on
// failure.
type SyslogSink struct {
	network, addr string
	conn          net.Conn
}

// ParseSyslog checks a --syslog address, udp://HOST:PORT or tcp://HOST:PORT.
func ParseSyslog(s string) (network, addr string, err error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "udp" && u.Scheme != "tcp") || u.Host == "" {
		return "", "", fmt.Errorf("--syslog %q: want udp://HOST:PORT or tcp://HOST:PORT", s)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return "", "", fmt.Errorf("--syslog %q: want udp://HOST:PORT or tcp://HOST:PORT", s)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", "", fmt.Errorf("--syslog %q: bad port", s)
	}
	return u.Scheme, u.Host, nil
}

// NewSyslogSink returns a sink for a --syslog address; it connects on first
// use (a receiver that is down at start-up is not fatal).
func NewSyslogSink(s string) (*SyslogSink, error) {
	network, addr, err := ParseSyslog(s)
	if err != nil {
		return nil, err
	}
	return &SyslogSink{network: network, addr: addr}, nil
}

// Write sends p, which holds whole messages ending in newlines.
func (s *SyslogSink) Write(p []byte) error {
	if s.conn == nil {
		c, err := net.DialTimeout(s.network, s.addr, 2*time.Second)
		if err != nil {
			return fmt.Errorf("syslog %s://%s: %w", s.network, s.addr, err)
		}
		s.conn = c
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		msg := p
		if i >= 0 {
			msg, p = p[:i], p[i+1:]
		} else {
			p = nil
		}
		var err error
		_ = s.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if s.network == "tcp" {
			_, err = s.conn.Write(append(strconv.AppendInt(nil, int64(len(msg)), 10), append([]byte{' '}, msg...)...))
		} else {
			_, err = s.conn.Write(msg)
		}
		if err != nil {
			s.conn.Close()
			s.conn = nil
			return fmt.Errorf("syslog %s://%s: %w", s.network, s.addr, err)
		}
	}
	return nil
}

// Reopen drops the connection; the next message reconnects.
func (s *SyslogSink) Reopen() error { return s.Close() }

// Close closes the connection.
func (s *SyslogSink) Close() error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}
