package config

import (
	"fmt"
	"net"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// embedLabel is one DNS label of an embed origin's host.
const embedLabel = `[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?`

// embedPort is an optional port 1-65535, without leading zeros.
const embedPort = `(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?`

// EmbedOriginPattern is the regular expression (RE2 and Java syntax alike, unanchored) of one
// origin EMBED_ORIGINS may list, as far as a pattern can say it: https, a DNS name of at least
// two labels or an IPv4 address, optionally with a leading "*." for every subdomain of such a
// name (so never "*." over one label: a whole top-level domain), and an optional port 1-65535;
// no path, no trailing slash. Each becomes a CSP frame-ancestors source as written, so nothing
// else may pass: no space, quote, semicolon or comma that could end the source or the
// directive. ParseEmbedOrigins also refuses a host, or a wildcard's domain, that is a public
// suffix (https://*.co.uk, https://*.github.io), which no pattern can tell. The templates'
// EmbedOrigins parameter checks the same pattern (templatetest compares the two).
const EmbedOriginPattern = `https://(\*\.)?` + embedLabel + `(\.` + embedLabel + `)+` + embedPort

// MaxEmbedOriginsBytes bounds EMBED_ORIGINS (the templates' MaxLength): its origins are
// sources in every widget answer's CSP header.
const MaxEmbedOriginsBytes = 1024

// EmbedOriginsPattern is the whole EMBED_ORIGINS value as the templates' EmbedOrigins
// parameter checks it (its AllowedPattern, verbatim): empty, or origins separated by commas,
// spaces around them allowed. ParseEmbedOrigins accepts no value it refuses.
const EmbedOriginsPattern = `^\s*(` + EmbedOriginPattern + `(\s*,\s*` + EmbedOriginPattern + `)*)?\s*$`

var (
	embedOriginRE = regexp.MustCompile(`^` + EmbedOriginPattern + `$`)
	// oneLabelRE is an origin (or a wildcard) on a host of one label: https://com, https://*.com.
	oneLabelRE = regexp.MustCompile(`^https://(\*\.)?` + embedLabel + embedPort + `$`)
	// loopbackOriginRE is an origin on the local machine, which only the local app accepts.
	loopbackOriginRE = regexp.MustCompile(`^https?://(localhost|127\.0\.0\.1)` + embedPort + `$`)
)

// ParseEmbedOrigins reads EMBED_ORIGINS: the origins allowed to show the dashboard's embeddable
// widget (?embed=1) in a frame, comma-separated, spaces around commas allowed, e.g.
// "https://example.com, https://*.example.org". Empty: none may (the default). Every origin is
// https (a page served over http can be changed on its way, frame included), and neither an
// origin's host nor a wildcard's domain is a public suffix (golang.org/x/net/publicsuffix: com,
// co.uk, github.io), which would let every site under it frame the widget.
func ParseEmbedOrigins(v string) ([]string, error) { return parseEmbedOrigins(v, false) }

// ParseLocalEmbedOrigins is ParseEmbedOrigins for the local app (make run), which also accepts
// http and https origins on the local machine (localhost, 127.0.0.1, any port) for a page
// embedding the widget during development. The deployed function never accepts them.
func ParseLocalEmbedOrigins(v string) ([]string, error) { return parseEmbedOrigins(v, true) }

// CheckLocalEmbedOrigin says why the one origin o may not frame the widget as ParseLocalEmbedOrigins
// reads it (nil when it may), in an error that names no variable: for the leaderboard handler,
// which checks the origins it is given again.
func CheckLocalEmbedOrigin(o string) error {
	if loopbackOriginRE.MatchString(o) {
		return nil
	}
	return checkEmbedOrigin(o)
}

func parseEmbedOrigins(v string, loopback bool) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	if len(v) > MaxEmbedOriginsBytes {
		return nil, fmt.Errorf("EMBED_ORIGINS: %d bytes, at most %d", len(v), MaxEmbedOriginsBytes)
	}
	var out []string
	for o := range strings.SplitSeq(v, ",") {
		o = strings.TrimSpace(o)
		if !(loopback && loopbackOriginRE.MatchString(o)) {
			if err := checkEmbedOrigin(o); err != nil {
				return nil, fmt.Errorf("EMBED_ORIGINS: %w", err)
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// checkEmbedOrigin says why origin o may not frame the widget (nil when it may).
func checkEmbedOrigin(o string) error {
	shown := o
	if len(shown) > 80 {
		shown = shown[:80] + "..."
	}
	if !embedOriginRE.MatchString(o) {
		switch {
		case strings.HasPrefix(o, "http://"):
			return fmt.Errorf("%q is not https: only https origins may frame the widget", shown)
		case oneLabelRE.MatchString(o):
			return fmt.Errorf("%q is a whole top-level domain or a name of one label, not a site: name a domain of your own (e.g. https://example.com)", shown)
		}
		return fmt.Errorf("%q is not an origin: want https://host[:port], a name of two labels or more, no path "+
			"(e.g. https://example.com or https://*.example.com), comma-separated", shown)
	}
	host := strings.TrimPrefix(o, "https://")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	domain, wildcard := strings.CutPrefix(host, "*.")
	labels := strings.Split(domain, ".")
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" { // a numeric top label
		if ip := net.ParseIP(domain); ip == nil || ip.To4() == nil || len(labels) != 4 || wildcard {
			return fmt.Errorf("%q: a host ending in a number must be an IPv4 address, without a wildcard", shown)
		}
		return nil
	}
	if _, err := publicsuffix.EffectiveTLDPlusOne(domain); err != nil {
		suffix, _ := publicsuffix.PublicSuffix(domain)
		if wildcard {
			return fmt.Errorf("%q covers every site under the public suffix %s: name a domain of your own (e.g. https://*.example.%s)", shown, suffix, suffix)
		}
		return fmt.Errorf("%q is the public suffix %s, not a site: name a domain of your own (e.g. https://example.%s)", shown, suffix, suffix)
	}
	return nil
}
