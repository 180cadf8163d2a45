package leaderboard

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// History view (view=history): each asked hashtag's count per bucket of a rolling window.
//
//	GET /?view=history&hashtags=aws,golang&window=24h
//	{"leaderboard": "<name>", "view": "history", "window": "24h", "generated_at": "<RFC 3339 UTC>",
//	 "coverage": 1, "posts_read": 52, "posts_had": 52,
//	 "series": [{"hashtag": "aws",
//	             "points": [{"start": "<RFC 3339 UTC>", "count": 3, "estimate": 3}, ...]}, ...]}
//
// hashtags lists 1 to MaxHistoryHashtags hashtags, comma-separated (spaces around them are
// ignored), each normalised as everywhere (package hashtag: "#AWS" is "aws"); a series comes
// for each distinct one, in the order asked. window is 1h, 24h (the default) or 7d; every
// series has one point per bucket of that window (13, 25 or 29), oldest first, zeros included,
// and its counts add up to the hashtag's count in the window (store.History), its estimates
// to the hashtag's estimate there (coverage as in the top view). limit does not
// apply; board names the board as for the top (default the first, 404 for an unknown one), and
// "leaderboard" in the answer is its name; generated_at is when the window's shared read was
// made. Its cost in Redis is bounded per instance whatever the lists (history_cost.go,
// docs/SECURITY.md): a list of hashtags among the window's top 100 is answered from one shared
// read per board, window and cache period; other hashtags cost one ZMSCORE, and a read of
// their buckets when they are in the window, from a per-instance budget: past it, 429 with
// Retry-After. The answer has a weak ETag over the data.

// MaxHistoryHashtags is the most hashtags one history request may list.
const MaxHistoryHashtags = 25

// historyQuery completes q for view=history from the raw hashtags value (given says whether
// it was) and whether limit and window were given.
func historyQuery(q query, raw string, given, limitGiven, windowGiven bool) (query, error) {
	if limitGiven {
		return q, errors.New(`query parameter "limit" does not apply to view=history`)
	}
	q.limit = 0
	if !windowGiven {
		q.window = store.Day
	} else if q.window == store.All {
		return q, invalid("window", string(q.window), "view=history wants one of 1h, 24h, 7d")
	}
	if !given {
		return q, errors.New(`query parameter "hashtags" is required with view=history: up to ` +
			strconv.Itoa(MaxHistoryHashtags) + " comma-separated hashtags")
	}
	tags, err := parseHashtags(raw)
	if err != nil {
		return q, err
	}
	q.hashtags = tags
	return q, nil
}

// parseHashtags reads the hashtags parameter: 1 to MaxHistoryHashtags comma-separated
// hashtags, each normalised; it returns the distinct ones in the order given.
func parseHashtags(raw string) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, invalid("hashtags", "", "want up to "+strconv.Itoa(MaxHistoryHashtags)+" comma-separated hashtags")
	}
	if n := strings.Count(raw, ",") + 1; n > MaxHistoryHashtags {
		return nil, errors.New(`query parameter "hashtags" lists ` + strconv.Itoa(n) + " hashtags: at most " + strconv.Itoa(MaxHistoryHashtags))
	}
	var tags []string
	i := 0
	for t := range strings.SplitSeq(raw, ",") {
		i++
		t = strings.TrimSpace(t)
		if t == "" {
			return nil, errors.New(`query parameter "hashtags": hashtag ` + strconv.Itoa(i) + " is empty")
		}
		n, err := hashtag.Normalize(t)
		if err != nil {
			// The error quotes the tag, escaped and cut short (package hashtag).
			return nil, errors.New(`query parameter "hashtags": ` + err.Error())
		}
		if !slices.Contains(tags, n) {
			tags = append(tags, n)
		}
	}
	return tags, nil
}

// history returns the answer to a history request on board b (historySeries, history_cost.go);
// how is "hit", "shared" or "miss". A request over the instance's budget fails with a
// *busyError.
func (h *Handler) history(ctx context.Context, b *Named, w store.Window, tags []string) (*snapshot, string, error) {
	wait := func(done <-chan struct{}) error {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("wait for the history of %d hashtags in %s: %w", len(tags), w, ctx.Err())
		}
	}
	series, cov, at, how, err := h.historySeries(ctx, b, w, tags, wait)
	if err != nil {
		return nil, how, fmt.Errorf("history of %d hashtags in %s: %w", len(tags), w, err)
	}
	return encodeHistory(b.Name, w, series, cov, at), how, nil
}

// encodeHistory builds the answer of board for series and the window's coverage c, read at t,
// and its weak ETag over the board name, the window, the coverage, the spellings and every
// point (start, count and estimate) but not generated_at. The body is
//
//	{"leaderboard":…,"view":"history","window":…,"generated_at":…,"coverage":…,"posts_read":…,
//	 "posts_had":…,"series":[{"hashtag":…,"spelling":…,"points":[{"start":…,"count":…,
//	 "estimate":…},…]},…]}
//
// written here rather than by encoding/json's reflection (up to 725 points per answer); the
// strings that come from outside (the name, the hashtags) are still encoded by encoding/json,
// so '<', '>' and '&' are escaped and invalid UTF-8 replaced, as in the top's answers
// (TestHistoryJSONIsEncodingJSON holds the two to the same bytes).
func encodeHistory(board string, w store.Window, series []store.Series, c store.Coverage, t time.Time) *snapshot {
	points := 0
	for _, s := range series {
		points += len(s.Points)
	}
	tagged := make([]byte, 0, 64+len(series)*32+points*20)
	tagged = append(append(append(append(tagged, board...), 0), viewHistory...), 0)
	tagged = append(append(tagged, w...), 0)
	tagged = append(strconv.AppendInt(tagged, c.Read, 10), 0)
	tagged = append(strconv.AppendInt(tagged, c.Had, 10), 0)
	body := make([]byte, 0, 160+len(series)*48+points*48)
	body = append(body, `{"leaderboard":`...)
	body = appendJSONString(body, board)
	body = append(body, `,"view":"`+viewHistory+`","window":`...)
	body = appendJSONString(body, string(w))
	body = append(body, `,"generated_at":"`...)
	body = t.UTC().AppendFormat(body, time.RFC3339)
	body = append(body, `","coverage":`...)
	body = strconv.AppendFloat(body, c.Ratio(), 'f', -1, 64)
	body = strconv.AppendInt(append(body, `,"posts_read":`...), c.Read, 10)
	body = strconv.AppendInt(append(body, `,"posts_had":`...), max(c.Had, c.Read), 10)
	body = append(body, `,"series":[`...)
	// Every series has the same bucket starts: format each once.
	var starts [][]byte
	var at []time.Time
	for i, s := range series {
		if i > 0 {
			body = append(body, ',')
		}
		tagged = append(append(tagged, s.Hashtag...), 0)
		tagged = append(append(tagged, s.Spelling...), 0)
		body = append(body, `{"hashtag":`...)
		body = appendJSONString(body, s.Hashtag)
		body = append(body, `,"spelling":`...)
		body = appendJSONString(body, spelling(s.Hashtag, s.Spelling))
		body = append(body, `,"points":[`...)
		for j, p := range s.Points {
			if j == len(at) {
				at, starts = append(at, p.Start), append(starts, p.Start.UTC().AppendFormat(nil, time.RFC3339))
			} else if !at[j].Equal(p.Start) {
				at[j], starts[j] = p.Start, p.Start.UTC().AppendFormat(nil, time.RFC3339)
			}
			if j > 0 {
				body = append(body, ',')
			}
			body = append(append(append(body, `{"start":"`...), starts[j]...), `","count":`...)
			body = strconv.AppendInt(body, p.Count, 10)
			body = append(strconv.AppendInt(append(body, `,"estimate":`...), p.Estimate, 10), '}')
			tagged = strconv.AppendInt(tagged, p.Start.Unix(), 10)
			tagged = strconv.AppendInt(append(tagged, ':'), p.Count, 10)
			tagged = append(strconv.AppendInt(append(tagged, ':'), p.Estimate, 10), 0)
		}
		body = append(body, "]}"...)
	}
	body = append(body, "]}\n"...)
	digest := sha256.Sum256(tagged)
	etag := `W/"` + base64.RawURLEncoding.EncodeToString(digest[:18]) + `"`
	return &snapshot{body: string(body), etag: etag}
}

// appendJSONString appends s as a JSON string, as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil { // a string always marshals
		return append(b, `""`...)
	}
	return append(b, q...)
}
