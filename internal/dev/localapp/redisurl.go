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
	u, err := parseRedisURL(strings.TrimSpace(raw))
	if err != nil {
		return cfg, err
	}
	shown := u.Redacted()
	if err := readRedisAddr(&cfg, u, shown); err != nil {
		return cfg, err
	}
	if err := readRedisUser(&cfg, u, shown); err != nil {
		return cfg, err
	}
	return cfg, readRedisParams(&cfg, u, shown)
}

// parseRedisURL parses raw, trimmed, into a URL, with an error that shows no part of a password.
func parseRedisURL(raw string) (*url.URL, error) {
	if userinfoOutsideAuthority(raw) {
		return nil, errors.New("REDIS_URL has an '@' after its host: percent-encode a '/', '?' or '#' in the user or " +
			"password (%2F, %3F, %23) and an '@' in a parameter (%40) (the URL is not shown: it may hold a password)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			// url.Parse quotes what it could not read (an escape, a port), which may be part of
			// the password.
			return nil, errors.New("REDIS_URL is not a URL: check the host and port, and percent-encode special " +
				"characters in the user and password, e.g. %25 for '%' (the URL is not shown: it holds a password)")
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the message without the URL, repeated below
		}
		return nil, fmt.Errorf("REDIS_URL is not a URL: %w", err)
	}
	return u, nil
}

// readRedisAddr reads the scheme (TLS or not), host and port of u into cfg, and checks that u
// names database 0 and no fragment. shown is u with its password replaced, for errors.
func readRedisAddr(cfg *store.Config, u *url.URL, shown string) error {
	switch u.Scheme {
	case "redis":
	case "rediss":
		cfg.TLS = true
	default:
		return fmt.Errorf("REDIS_URL %s: scheme %q: want redis:// or rediss:// (TLS)", shown, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("REDIS_URL %s: no host: want redis://host:port", shown)
	}
	port := u.Port()
	if port == "" {
		port = "6379"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("REDIS_URL %s: port %q: want 1-65535", shown, port)
	}
	cfg.Addr = net.JoinHostPort(u.Hostname(), port)
	if p := u.Path; p != "" && p != "/" && p != "/0" {
		return fmt.Errorf("REDIS_URL %s: database %q: only database 0 is supported", shown, strings.TrimPrefix(p, "/"))
	}
	if u.Fragment != "" {
		return fmt.Errorf("REDIS_URL %s: unexpected fragment #%s", shown, u.Fragment)
	}
	return nil
}

// readRedisUser reads the user and password of u, if any, into cfg: a user needs a password.
func readRedisUser(cfg *store.Config, u *url.URL, shown string) error {
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		if cfg.Password == "" {
			return fmt.Errorf("REDIS_URL %s: user %q without a password: want redis://user:password@host:port", shown, cfg.Username)
		}
	}
	return nil
}

// readRedisParams reads the query parameters of u into cfg, in name order: each at most once,
// cluster and ca_file only.
func readRedisParams(cfg *store.Config, u *url.URL, shown string) error {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fmt.Errorf("REDIS_URL %s: query: %w", shown, err)
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		vals := q[name]
		if len(vals) != 1 {
			return fmt.Errorf("REDIS_URL %s: parameter %s given %d times", shown, name, len(vals))
		}
		if err := readRedisParam(cfg, shown, name, vals[0]); err != nil {
			return err
		}
	}
	return nil
}

// readRedisParam reads the query parameter name=v into cfg.
func readRedisParam(cfg *store.Config, shown, name, v string) error {
	switch name {
	case "cluster":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("REDIS_URL %s: cluster=%q: want true or false", shown, v)
		}
		cfg.Cluster = b
	case "ca_file":
		if v == "" {
			return fmt.Errorf("REDIS_URL %s: ca_file is empty", shown)
		}
		if !cfg.TLS {
			return fmt.Errorf("REDIS_URL %s: ca_file needs TLS: use rediss://", shown)
		}
		cfg.CAFile = v
	default:
		return fmt.Errorf("REDIS_URL %s: unknown parameter %q: allowed are cluster and ca_file", shown, name)
	}
	return nil
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
