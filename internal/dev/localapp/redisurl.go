package localapp

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// ParseRedisURL reads a REDIS_URL into the store's client settings:
//
//	redis://[[user]:password@]host[:port][/0][?cluster=true][&ca_file=/path/ca.pem]
//	rediss://...  the same over TLS (the server certificate is verified)
//
// The port defaults to 6379. cluster=true connects to a Redis Cluster (or Amazon MemoryDB)
// through one of its nodes, as the Lambda functions do. ca_file trusts that PEM bundle instead
// of the system roots (rediss only). The user and password may be percent-encoded. Only
// database 0 exists on a cluster and the store uses no other, so a path other than "", "/" or
// "/0" is refused, as is any other query parameter.
//
// No error shows the password, or any part of it: errors name the URL with its password
// replaced (url.URL.Redacted), and a URL whose user or password could not be told apart from
// the rest (an unencoded '/', '?' or '#' in it, or a malformed one) is not shown at all.
func ParseRedisURL(raw string) (store.Config, error) {
	var cfg store.Config
	raw = strings.TrimSpace(raw)
	if userinfoOutsideAuthority(raw) {
		return cfg, errors.New("REDIS_URL has an '@' after its host: percent-encode a '/', '?' or '#' in the user or " +
			"password (%2F, %3F, %23) and an '@' in a parameter (%40) (the URL is not shown: it may hold a password)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			// url.Parse quotes what it could not read (an escape, a port), which may be part of
			// the password.
			return cfg, errors.New("REDIS_URL is not a URL: check the host and port, and percent-encode special " +
				"characters in the user and password, e.g. %25 for '%' (the URL is not shown: it holds a password)")
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the message without the URL, repeated below
		}
		return cfg, fmt.Errorf("REDIS_URL is not a URL: %w", err)
	}
	shown := u.Redacted()
	switch u.Scheme {
	case "redis":
	case "rediss":
		cfg.TLS = true
	default:
		return cfg, fmt.Errorf("REDIS_URL %s: scheme %q: want redis:// or rediss:// (TLS)", shown, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return cfg, fmt.Errorf("REDIS_URL %s: no host: want redis://host:port", shown)
	}
	port := u.Port()
	if port == "" {
		port = "6379"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return cfg, fmt.Errorf("REDIS_URL %s: port %q: want 1-65535", shown, port)
	}
	cfg.Addr = net.JoinHostPort(u.Hostname(), port)
	if p := u.Path; p != "" && p != "/" && p != "/0" {
		return cfg, fmt.Errorf("REDIS_URL %s: database %q: only database 0 is supported", shown, strings.TrimPrefix(p, "/"))
	}
	if u.Fragment != "" {
		return cfg, fmt.Errorf("REDIS_URL %s: unexpected fragment #%s", shown, u.Fragment)
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		if cfg.Password == "" {
			return cfg, fmt.Errorf("REDIS_URL %s: user %q without a password: want redis://user:password@host:port", shown, cfg.Username)
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("REDIS_URL %s: query: %w", shown, err)
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		vals := q[name]
		if len(vals) != 1 {
			return cfg, fmt.Errorf("REDIS_URL %s: parameter %s given %d times", shown, name, len(vals))
		}
		v := vals[0]
		switch name {
		case "cluster":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, fmt.Errorf("REDIS_URL %s: cluster=%q: want true or false", shown, v)
			}
			cfg.Cluster = b
		case "ca_file":
			if v == "" {
				return cfg, fmt.Errorf("REDIS_URL %s: ca_file is empty", shown)
			}
			if !cfg.TLS {
				return cfg, fmt.Errorf("REDIS_URL %s: ca_file needs TLS: use rediss://", shown)
			}
			cfg.CAFile = v
		default:
			return cfg, fmt.Errorf("REDIS_URL %s: unknown parameter %q: allowed are cluster and ca_file", shown, name)
		}
	}
	return cfg, nil
}

// RedactRedisURL returns raw with its password replaced, for messages.
func RedactRedisURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if userinfoOutsideAuthority(raw) {
		return "(REDIS_URL not shown: it may hold a password)"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable REDIS_URL)"
	}
	return u.Redacted()
}

// userinfoOutsideAuthority reports whether raw has an '@' that url.Parse would not read as the
// end of a user info: one after the authority (the part after "://" up to the first '/', '?' or
// '#'), or any '@' in a URL without "://". A password with an unencoded '/', '?' or '#' ends the
// authority early, and the rest of it would become the port, path, query or fragment, which
// Redacted does not hide and error messages quote.
func userinfoOutsideAuthority(raw string) bool {
	if !strings.Contains(raw, "@") {
		return false
	}
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return true
	}
	end := strings.IndexAny(rest, "/?#")
	return end >= 0 && strings.Contains(rest[end:], "@")
}
