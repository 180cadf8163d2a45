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
//	 "series": [{"hashtag": "aws", "points": [{"start": "<RFC 3339 UTC>", "count": 3}, ...]}, ...]}
//
// hashtags lists 1 to MaxHistoryHashtags hashtags, comma-separated (spaces around them are
// ignored), each normalised as everywhere (package hashtag: "#AWS" is "aws"); a series comes
// for each distinct one, in the order asked. window is 1h, 24h (the default) or 7d; every
// series has one point per bucket of that window (13, 25 or 29), oldest first, zeros included,
// and its counts add up to the hashtag's count in the window (store.History). limit does not
// apply. Each answer is one Redis round trip, kept in memory like the top (CacheTTL) under its
// window and hashtag list, at most maxHistoryAnswers of them, with a weak ETag over the data.

// MaxHistoryHashtags is the most hashtags one history request may list.
const MaxHistoryHashtags = store.MaxHistory

// maxHistoryAnswers bounds the history answers an instance keeps: each is at most 25 series of
// 29 points (about 40 KB of JSON), and a caller cycling hashtag lists must not grow memory.
const maxHistoryAnswers = 64

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

// historyKey identifies a history answer: the window and the hashtags in order.
type historyKey struct {
	window store.Window
	tags   string // NUL-separated
}

// history returns the answer to a history request, from the cache, a read in flight or a new
// read; how is "hit", "shared" or "miss".
func (h *Handler) history(ctx context.Context, w store.Window, tags []string) (*snapshot, string, error) {
	key := historyKey{w, strings.Join(tags, "\x00")}
	wait := func(done <-chan struct{}) error {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("wait for the history of %d hashtags in %s: %w", len(tags), w, ctx.Err())
		}
	}
	snap, how, err := h.histories.get(key, h.now, h.ttl, h.joined, wait, func() (*snapshot, error) {
		// As for the top (answer): the read serves every waiting request, so it is detached
		// from this request's cancellation and bounded by the call timeout.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.callTimeout(ctx))
		defer cancel()
		series, err := h.board.History(fctx, w, tags)
		if err != nil {
			return nil, err
		}
		return h.encodeHistory(w, series, h.now())
	})
	if err != nil {
		return nil, how, fmt.Errorf("history of %d hashtags in %s: %w", len(tags), w, err)
	}
	return snap, how, nil
}

// historyAnswer is the JSON body of a history read.
type historyAnswer struct {
	Leaderboard string       `json:"leaderboard"`
	View        string       `json:"view"`
	Window      store.Window `json:"window"`
	GeneratedAt string       `json:"generated_at"`
	Series      []seriesJSON `json:"series"`
}

type seriesJSON struct {
	Hashtag string      `json:"hashtag"`
	Points  []pointJSON `json:"points"`
}

type pointJSON struct {
	Start string `json:"start"`
	Count int64  `json:"count"`
}

// encodeHistory builds the answer for series read at t, and its weak ETag over the leaderboard
// name, the window and every point (start and count) but not generated_at.
func (h *Handler) encodeHistory(w store.Window, series []store.Series, t time.Time) (*snapshot, error) {
	tagged := make([]byte, 0, 64+len(series)*(32+30*24))
	tagged = append(append(append(append(tagged, h.name...), 0), viewHistory...), 0)
	tagged = append(append(tagged, w...), 0)
	// Every series has the same bucket starts: format each once.
	var starts []string
	var at []time.Time
	out := make([]seriesJSON, len(series))
	for i, s := range series {
		tagged = append(append(tagged, s.Hashtag...), 0)
		points := make([]pointJSON, len(s.Points))
		for j, p := range s.Points {
			if j == len(at) {
				at, starts = append(at, p.Start), append(starts, p.Start.UTC().Format(time.RFC3339))
			} else if !at[j].Equal(p.Start) {
				at[j], starts[j] = p.Start, p.Start.UTC().Format(time.RFC3339)
			}
			points[j] = pointJSON{Start: starts[j], Count: p.Count}
			tagged = strconv.AppendInt(tagged, p.Start.Unix(), 10)
			tagged = append(strconv.AppendInt(append(tagged, ':'), p.Count, 10), 0)
		}
		out[i] = seriesJSON{Hashtag: s.Hashtag, Points: points}
	}
	digest := sha256.Sum256(tagged)
	etag := `W/"` + base64.RawURLEncoding.EncodeToString(digest[:18]) + `"`
	body, err := json.Marshal(historyAnswer{Leaderboard: h.name, View: viewHistory, Window: w,
		GeneratedAt: t.UTC().Format(time.RFC3339), Series: out})
	if err != nil {
		return nil, fmt.Errorf("encode the history of %d hashtags in %s: %w", len(series), w, err)
	}
	return &snapshot{body: string(body) + "\n", etag: etag}, nil
}
