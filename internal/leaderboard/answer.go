package leaderboard

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// errorBody is the JSON answer of every 4xx and 5xx.
type errorBody struct {
	Error string `json:"error"`
}

func errorResponse(status int, msg string) events.LambdaFunctionURLResponse {
	b, err := json.Marshal(errorBody{Error: msg})
	if err != nil { // a struct of one string always marshals
		b = []byte(`{"error":"internal error"}`)
	}
	return events.LambdaFunctionURLResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":            "application/json; charset=utf-8",
			"Cache-Control":           "no-store",
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": apiCSP,
			"Referrer-Policy":         "no-referrer",
		},
		Body: string(b) + "\n",
	}
}

// answer is the JSON body of a read.
type answer struct {
	Leaderboard string       `json:"leaderboard"`
	View        string       `json:"view"`
	Window      store.Window `json:"window"`
	GeneratedAt string       `json:"generated_at"`
	Coverage    float64      `json:"coverage"`   // posts read ÷ posts X had in the window, 4 decimals
	PostsRead   int64        `json:"posts_read"` // posts read (recorded) in the window
	PostsHad    int64        `json:"posts_had"`  // posts X had for the board's query there
	Hashtags    any          `json:"hashtags"`   // []row or []trendRow, never nil: an empty board is []
	// NotConfigured (only when true): the board is empty because its ingest has no X API
	// credentials yet; the dashboard says how to set them.
	NotConfigured bool `json:"not_configured,omitempty"`
}

// row is one ranked hashtag of a top answer. Hashtag is the canonical form (the key of every
// lookup); Spelling is how it is shown: as most of its posts write it, or Hashtag where none
// is recorded.
type row struct {
	Rank     int    `json:"rank"`
	Hashtag  string `json:"hashtag"`
	Spelling string `json:"spelling"`
	Count    int64  `json:"count"`
	Estimate int64  `json:"estimate"`
	Margin   int64  `json:"margin"`
}

// trendRow is one ranked hashtag of a trending answer.
type trendRow struct {
	Rank     int     `json:"rank"`
	Hashtag  string  `json:"hashtag"`
	Spelling string  `json:"spelling"` // as in row
	Count    int64   `json:"count"`
	Estimate int64   `json:"estimate"`
	Margin   int64   `json:"margin"`
	Authors  int64   `json:"authors"`
	Baseline float64 `json:"baseline"`
	Score    float64 `json:"score"`
}

// spelling is the JSON "spelling" of a hashtag: its recorded spelling, or the hashtag itself.
func spelling(tag, recorded string) string {
	if recorded == "" {
		return tag
	}
	return recorded
}

// encode builds the cached answer of k (a view of a window of a board) for entries (the top
// view) or trends (the trending view) and the window's coverage c, read at t, and its ETag over
// the board name, the view, the window, the coverage and the ranked hashtags with their
// spellings and figures, but not generated_at. encoding/json escapes '<', '>' and '&' and replaces invalid
// UTF-8, so the body is valid UTF-8 and inert even if a browser sniffed it as HTML.
func encode(k cacheKey, entries []store.Row, trends []store.TrendRow, c store.Coverage, t time.Time, notConfigured bool) (*snapshot, error) {
	// The ETag covers the name, the view, the window, the coverage and each hashtag with its
	// figures, NUL-separated.
	tagged := make([]byte, 0, len(k.board)+len(k.view)+len(k.window)+40+(len(entries)+len(trends))*64)
	for _, s := range []string{k.board, k.view, string(k.window)} {
		tagged = append(append(tagged, s...), 0)
	}
	tagged = append(strconv.AppendInt(tagged, c.Read, 10), 0)
	tagged = append(strconv.AppendInt(tagged, c.Had, 10), 0)
	var hashtags any
	if k.view == viewTrending {
		rows := make([]trendRow, len(trends))
		for i, e := range trends {
			rows[i] = trendRow{Rank: i + 1, Hashtag: e.Hashtag, Spelling: spelling(e.Hashtag, e.Spelling), Count: e.Count,
				Estimate: e.Estimate, Margin: e.Margin, Authors: e.Authors, Baseline: e.Baseline, Score: e.Score}
			tagged = append(append(tagged, e.Hashtag...), 0)
			tagged = append(append(tagged, e.Spelling...), 0)
			tagged = append(strconv.AppendInt(tagged, e.Count, 10), 0)
			tagged = append(strconv.AppendInt(tagged, e.Estimate, 10), 0)
			tagged = append(strconv.AppendInt(tagged, e.Margin, 10), 0)
			tagged = append(strconv.AppendInt(tagged, e.Authors, 10), 0)
			tagged = append(strconv.AppendFloat(tagged, e.Baseline, 'g', -1, 64), 0)
			tagged = append(strconv.AppendFloat(tagged, e.Score, 'g', -1, 64), 0)
		}
		hashtags = rows
	} else {
		rows := make([]row, len(entries))
		for i, e := range entries {
			rows[i] = row{Rank: i + 1, Hashtag: e.Hashtag, Spelling: spelling(e.Hashtag, e.Spelling), Count: e.Count,
				Estimate: e.Estimate, Margin: e.Margin}
			tagged = append(append(tagged, e.Hashtag...), 0)
			tagged = append(append(tagged, e.Spelling...), 0)
			tagged = append(strconv.AppendInt(tagged, e.Count, 10), 0)
			tagged = append(strconv.AppendInt(tagged, e.Estimate, 10), 0)
			tagged = append(strconv.AppendInt(tagged, e.Margin, 10), 0)
		}
		hashtags = rows
	}
	if notConfigured {
		tagged = append(tagged, "not_configured"...)
	}
	digest := sha256.Sum256(tagged)
	etag := `W/"` + base64.RawURLEncoding.EncodeToString(digest[:18]) + `"`

	body, err := json.Marshal(answer{Leaderboard: k.board, View: k.view, Window: k.window, GeneratedAt: t.UTC().Format(time.RFC3339),
		Coverage: c.Ratio(), PostsRead: c.Read, PostsHad: max(c.Had, c.Read), Hashtags: hashtags,
		NotConfigured: notConfigured})
	if err != nil {
		return nil, fmt.Errorf("encode %s of %s: %w", k.view, k.window, err)
	}
	return &snapshot{body: string(body) + "\n", etag: etag}, nil
}
