package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Open opens (creating or migrating as needed) the store a DSN names:
//
//	FILE.db, FILE.sqlite, FILE.sqlite3, sqlite:PATH   SQLite, embedded in a file
//	postgres://… or postgresql://…                    PostgreSQL (pgx)
//
// It fails with a clear message on a DSN it does not understand, a server it
// cannot reach, a file that is not a store and a store written by a newer
// schema than this build knows (naming both versions). Errors never carry a
// password.
func Open(ctx context.Context, dsn string) (Store, error) {
	kind, target, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	switch kind {
	case EngineSQLite:
		return openSQLite(ctx, target)
	case EnginePostgres:
		return openPostgres(ctx, target)
	}
	return nil, fmt.Errorf("store: %s: unknown engine", Redact(dsn))
}

// Engine names.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// ParseDSN tells which engine a DSN names and returns what that engine
// opens: the file path for SQLite, the DSN itself for PostgreSQL.
func ParseDSN(dsn string) (engine, target string, err error) {
	switch {
	case dsn == "":
		return "", "", errors.New("store: empty DSN (want FILE.db, sqlite:PATH or postgres://…)")
	case strings.HasPrefix(dsn, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if p == "" {
			return "", "", fmt.Errorf("store: %s: no file path after sqlite:", dsn)
		}
		if strings.ContainsRune(p, '?') {
			return "", "", fmt.Errorf("store: %s: a SQLite path may not contain '?'", dsn)
		}
		return EngineSQLite, p, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if _, err := url.Parse(dsn); err != nil {
			return "", "", fmt.Errorf("store: %s: not a PostgreSQL URL", Redact(dsn))
		}
		return EnginePostgres, dsn, nil
	}
	lower := strings.ToLower(dsn)
	for _, ext := range []string{".db", ".sqlite", ".sqlite3"} {
		if strings.HasSuffix(lower, ext) && !strings.Contains(dsn, "://") {
			if strings.ContainsRune(dsn, '?') {
				return "", "", fmt.Errorf("store: %s: a SQLite path may not contain '?'", dsn)
			}
			return EngineSQLite, dsn, nil
		}
	}
	return "", "", fmt.Errorf("store: %s: unknown DSN (want FILE.db, sqlite:PATH or postgres://…)", Redact(dsn))
}

// Redact returns the DSN with any password replaced by xxxxx, for messages.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		if i := strings.Index(dsn, "@"); i >= 0 && strings.Contains(dsn, "://") {
			return dsn[:strings.Index(dsn, "://")+3] + "xxxxx" + dsn[i:]
		}
		return dsn
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// scrub removes a password from an error text a driver produced.
func scrub(err error, dsn string) error {
	if err == nil {
		return nil
	}
	u, perr := url.Parse(dsn)
	if perr != nil {
		return err
	}
	pw, ok := u.User.Password()
	if qp := u.Query().Get("password"); qp != "" {
		pw, ok = qp, true
	}
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
}
