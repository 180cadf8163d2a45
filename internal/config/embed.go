package config

import (
	"fmt"
	"regexp"
	"strings"
)

// EmbedOriginPattern is the regular expression (RE2 and Java syntax alike, unanchored) of one
// origin EMBED_ORIGINS may list: http or https, a DNS name or IPv4 address, optionally with a
// leading "*." for every subdomain, and an optional port 1-65535; no path, no trailing slash.
// Each becomes a CSP frame-ancestors source as written, so nothing else may pass: no space,
// quote, semicolon or comma that could end the source or the directive. The templates'
// EmbedOrigins parameter checks the same pattern (templatetest compares the two).
const EmbedOriginPattern = `https?://(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*` +
	`(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?`

// MaxEmbedOriginsBytes bounds EMBED_ORIGINS (the templates' MaxLength): its origins are
// sources in every widget answer's CSP header.
const MaxEmbedOriginsBytes = 1024

// EmbedOriginsPattern is the whole EMBED_ORIGINS value as the templates' EmbedOrigins
// parameter checks it (its AllowedPattern, verbatim): empty, or origins separated by commas,
// spaces around them allowed. ParseEmbedOrigins accepts the same values (up to
// MaxEmbedOriginsBytes).
const EmbedOriginsPattern = `^\s*(` + EmbedOriginPattern + `(\s*,\s*` + EmbedOriginPattern + `)*)?\s*$`

var embedOriginRE = regexp.MustCompile(`^` + EmbedOriginPattern + `$`)

// ParseEmbedOrigins reads EMBED_ORIGINS: the origins allowed to show the dashboard's embeddable
// widget (?embed=1) in a frame, comma-separated, spaces around commas allowed, e.g.
// "https://example.com, https://*.example.org". Empty: none may (the default).
func ParseEmbedOrigins(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	if len(v) > MaxEmbedOriginsBytes {
		return nil, fmt.Errorf("EMBED_ORIGINS: %d bytes, at most %d", len(v), MaxEmbedOriginsBytes)
	}
	var out []string
	for o := range strings.SplitSeq(v, ",") {
		o = strings.TrimSpace(o)
		if !embedOriginRE.MatchString(o) {
			shown := o
			if len(shown) > 80 {
				shown = shown[:80] + "..."
			}
			return nil, fmt.Errorf("EMBED_ORIGINS: %q is not an origin: want scheme://host[:port] with http or https, no path (e.g. https://example.com or https://*.example.com), comma-separated", shown)
		}
		out = append(out, o)
	}
	return out, nil
}
