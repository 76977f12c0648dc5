package ship

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Config is what both ends need to reach the brokers.
type Config struct {
	// Brokers are the seed brokers, host:port each (see ParseBrokers).
	Brokers []string
	// Topic records are written to and read from.
	Topic string
	// ClientID names this process to the brokers (for their logs and quotas).
	ClientID string
	// TLS, when non-nil, encrypts the connections (see TLSConfig).
	TLS *tls.Config
	// SASL, when Mechanism is set, authenticates with SCRAM.
	SASL SASL
}

// SASL holds SCRAM credentials. The password comes from a file or the
// environment (LoadSASL), never from the command line.
type SASL struct {
	Mechanism string // SCRAM-SHA-256 or SCRAM-SHA-512
	User      string
	Password  string
}

// ParseBrokers splits a comma-separated broker list and checks every entry
// is host:port with a numeric port, so a typo fails at start-up with a
// message naming it rather than as endless connection retries.
func ParseBrokers(s string) ([]string, error) {
	var out []string
	for _, b := range strings.Split(s, ",") {
		b = strings.TrimSpace(b)
		if b == "" {
			continue
		}
		host, port, err := net.SplitHostPort(b)
		if err != nil {
			return nil, fmt.Errorf("broker %q: want host:port: %w", b, err)
		}
		if host == "" {
			return nil, fmt.Errorf("broker %q: no host", b)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("broker %q: port %q is not a number from 1 to 65535", b, port)
		}
		if strings.ContainsAny(host, " /?#@") {
			return nil, fmt.Errorf("broker %q: %q is not a host name or address", b, host)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, errors.New("no broker given (want host:port[,host:port...])")
	}
	return out, nil
}

// TLSConfig builds a client TLS configuration: caFile (PEM) replaces the
// system roots when set; certFile and keyFile present a client certificate
// (both or neither).
func TLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("kafka CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka CA file %s: no PEM certificate in it", caFile)
		}
		c.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("kafka client certificate: give both the certificate and the key file")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// LoadSASL parses "user:pass-file" (or "user:env:VAR"): the user name, then
// where the password is, never the password itself, so it does not show in
// ps, shell history or logs. mechanism is SCRAM-SHA-256 or SCRAM-SHA-512
// (case-insensitive; "" means SCRAM-SHA-512). A trailing newline in the
// file is not part of the password.
func LoadSASL(spec, mechanism string) (SASL, error) {
	user, src, ok := strings.Cut(spec, ":")
	if !ok || user == "" || src == "" {
		return SASL{}, errors.New("kafka SASL: want USER:PASSWORD-FILE or USER:env:VARIABLE")
	}
	m := strings.ToUpper(mechanism)
	switch m {
	case "":
		m = "SCRAM-SHA-512"
	case "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		return SASL{}, fmt.Errorf("kafka SASL mechanism %q: want SCRAM-SHA-256 or SCRAM-SHA-512", mechanism)
	}
	var pass string
	if v, isEnv := strings.CutPrefix(src, "env:"); isEnv {
		p, set := os.LookupEnv(v)
		if !set || p == "" {
			return SASL{}, fmt.Errorf("kafka SASL: environment variable %s is not set", v)
		}
		pass = p
	} else {
		b, err := os.ReadFile(src)
		if err != nil {
			// The error names the file, never its content.
			return SASL{}, fmt.Errorf("kafka SASL password file: %w", err)
		}
		pass = strings.TrimRight(string(b), "\r\n")
		if pass == "" {
			return SASL{}, fmt.Errorf("kafka SASL password file %s is empty", src)
		}
	}
	return SASL{Mechanism: m, User: user, Password: pass}, nil
}

// String hides the password (the struct may end up in a %v).
func (s SASL) String() string {
	if s.Mechanism == "" {
		return "none"
	}
	return s.Mechanism + " user " + s.User
}

// clientOpts are the options both ends share.
func (c Config) clientOpts() ([]kgo.Opt, error) {
	if len(c.Brokers) == 0 {
		return nil, errors.New("no broker given")
	}
	if c.Topic == "" {
		return nil, errors.New("no topic given")
	}
	id := c.ClientID
	if id == "" {
		id = "ibmitap"
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.Brokers...),
		kgo.ClientID(id),
		kgo.DialTimeout(5 * time.Second),
		// Back off up to a few seconds while a broker is away, not
		// franz-go's default second, so an outage costs little CPU.
		kgo.RetryBackoffFn(backoff(250*time.Millisecond, 5*time.Second)),
	}
	if c.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(c.TLS.Clone()))
	}
	if c.SASL.Mechanism != "" {
		auth := scram.Auth{User: c.SASL.User, Pass: c.SASL.Password}
		switch c.SASL.Mechanism {
		case "SCRAM-SHA-256":
			opts = append(opts, kgo.SASL(auth.AsSha256Mechanism()))
		case "SCRAM-SHA-512":
			opts = append(opts, kgo.SASL(auth.AsSha512Mechanism()))
		default:
			return nil, fmt.Errorf("SASL mechanism %q: want SCRAM-SHA-256 or SCRAM-SHA-512", c.SASL.Mechanism)
		}
	}
	return opts, nil
}

// backoff doubles from min to max with the try number.
func backoff(lo, hi time.Duration) func(int) time.Duration {
	return func(tries int) time.Duration {
		d := lo
		for i := 1; i < tries && d < hi; i++ {
			d *= 2
		}
		return min(d, hi)
	}
}
