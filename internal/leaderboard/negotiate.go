package leaderboard

import (
	"strconv"
	"strings"
)

// prefersHTML reports whether an Accept header rates text/html strictly above
// application/json. Each media type gets the q-value of the most specific range that
// matches it (type/subtype over type/* over */*); a range with a malformed q is ignored; no
// Accept header, or a tie (curl's "*/*", fetch's default), means JSON.
func prefersHTML(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return false
	}
	ranges := parseAccept(accept)
	return quality(ranges, "text", "html") > quality(ranges, "application", "json")
}

type mediaRange struct {
	typ, sub string
	q        float64
}

func parseAccept(accept string) []mediaRange {
	var out []mediaRange
	for part := range strings.SplitSeq(accept, ",") {
		params := strings.Split(part, ";")
		typ, sub, ok := strings.Cut(strings.TrimSpace(params[0]), "/")
		if !ok {
			continue
		}
		typ, sub = strings.ToLower(strings.TrimSpace(typ)), strings.ToLower(strings.TrimSpace(sub))
		if typ == "" || sub == "" || (typ == "*" && sub != "*") {
			continue
		}
		r := mediaRange{typ: typ, sub: sub, q: 1}
		for _, p := range params[1:] {
			k, v, _ := strings.Cut(p, "=")
			if strings.ToLower(strings.TrimSpace(k)) != "q" {
				continue
			}
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || q < 0 || q > 1 || len(strings.TrimSpace(v)) > 5 {
				r.q = -1 // malformed: ignore the range
			} else {
				r.q = q
			}
		}
		if r.q >= 0 {
			out = append(out, r)
		}
	}
	return out
}

// quality is the q-value the ranges give typ/sub: that of the most specific matching range
// (the highest q among equally specific ones), or 0 when none matches.
func quality(ranges []mediaRange, typ, sub string) float64 {
	best, bestSpec := 0.0, -1
	for _, r := range ranges {
		spec := -1
		switch {
		case r.typ == typ && r.sub == sub:
			spec = 2
		case r.typ == typ && r.sub == "*":
			spec = 1
		case r.typ == "*" && r.sub == "*":
			spec = 0
		}
		if spec < 0 {
			continue
		}
		if spec > bestSpec || (spec == bestSpec && r.q > best) {
			best, bestSpec = r.q, spec
		}
	}
	return best
}

// etagMatches reports whether an If-None-Match header matches etag under weak comparison:
// "*" matches, and so does any listed tag whose opaque part equals etag's, W/ or not.
// A malformed list matches nothing.
func etagMatches(ifNoneMatch, etag string) bool {
	s := strings.TrimSpace(ifNoneMatch)
	if s == "" {
		return false
	}
	if s == "*" {
		return true
	}
	want := opaque(etag)
	for s != "" {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			break
		}
		s = strings.TrimPrefix(s, "W/")
		if !strings.HasPrefix(s, `"`) {
			return false
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return false
		}
		tag := s[:end+2]
		if tag == want {
			return true
		}
		s = s[end+2:]
		s = strings.TrimLeft(s, " \t")
		if s != "" && s[0] != ',' {
			return false
		}
	}
	return false
}

// opaque returns the quoted part of an entity tag, without any W/ prefix.
func opaque(etag string) string { return strings.TrimPrefix(etag, "W/") }
