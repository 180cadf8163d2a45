package xapitest

import (
	"bytes"
	"encoding/base64"
	"hash/fnv"
	"strconv"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

// Pagination tokens are opaque to clients: base64url("xapitest1|<last id
// sent>|<fingerprint>"). The fingerprint binds a token to the query and
// cursors of the first page, so a client that drops since_id (or changes the
// query) while paginating gets a 400, as a reminder that X requires the same
// parameters on every page.
func encodeToken(last uint64, fp string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("xapitest1|" + strconv.FormatUint(last, 10) + "|" + fp))
}

func decodeToken(tok, fp string) (uint64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	parts := bytes.Split(raw, []byte("|"))
	if len(parts) != 3 || string(parts[0]) != "xapitest1" || string(parts[2]) != fp {
		return 0, false
	}
	last, err := postid.Parse(string(parts[1]))
	if err != nil {
		return 0, false
	}
	return last, true
}

func fingerprint(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 36)
}
