package xapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	twitter "github.com/g8rswimmer/go-twitter/v2"
)

// X's granularities of recent counts that Counts asks for.
const (
	GranularityMinute = "minute"
	GranularityHour   = "hour"
)

// CountsRequest selects the span GET /2/tweets/counts/recent counts the Source's query in.
type CountsRequest struct {
	// Start is start_time (second granularity, UTC); zero: X's default, 7 days before the request.
	Start time.Time
	// End is end_time (second granularity, UTC; X wants it at least 10 seconds before the
	// request); zero: X's default, 30 seconds before the request.
	End time.Time
	// Granularity is "minute" or "hour" ("" is hour).
	Granularity string
}

// CountBucket is one bucket of X's answer: the posts matching the query created in [Start, End).
type CountBucket struct {
	Start, End time.Time
	Posts      int
}

// Counts is one recent-counts answer.
type Counts struct {
	// Buckets in X's order (oldest first). X aligns them to the granularity: the first starts at
	// the request's start_time and the last ends at its end_time.
	Buckets []CountBucket
	// Total is meta.total_tweet_count (meta.total_post_count); the sum of Buckets when X sent no
	// total.
	Total int
	// RateLimit holds the response's x-rate-limit-* headers (nil when X sent not all three).
	RateLimit *RateLimit
}

// wireCounts is a recent-counts 200 body under either generation of X's names: tweet_count and
// total_tweet_count (X's documentation, go-twitter) or post_count and total_post_count (X's
// OpenAPI description v2.167).
type wireCounts struct {
	Data []struct {
		Start      string `json:"start"`
		End        string `json:"end"`
		TweetCount *int   `json:"tweet_count"`
		PostCount  *int   `json:"post_count"`
	} `json:"data"`
	Meta *struct {
		TotalTweetCount *int `json:"total_tweet_count"`
		TotalPostCount  *int `json:"total_post_count"`
	} `json:"meta"`
}

// Counts asks X how many posts the Source's query had in a span (GET /2/tweets/counts/recent).
// X bills each request (about as much as one post). Failures are retried and classified as
// FetchPage's are (*Error with one of the Err* kinds).
func (s *Source) Counts(ctx context.Context, req CountsRequest) (Counts, error) {
	gran := req.Granularity
	if gran == "" {
		gran = GranularityHour
	}
	bad := func(msg string) error {
		return &Error{Op: "recent counts", Kind: ErrInvalidRequest, Messages: []string{msg}}
	}
	if gran != GranularityMinute && gran != GranularityHour {
		return Counts{}, bad(fmt.Sprintf("CountsRequest.Granularity is %q, want %q or %q", req.Granularity, GranularityMinute, GranularityHour))
	}
	start, end := req.Start.UTC().Truncate(time.Second), req.End.UTC().Truncate(time.Second)
	if !req.Start.IsZero() && !req.End.IsZero() && !start.Before(end) {
		return Counts{}, bad(fmt.Sprintf("CountsRequest.Start %s is not before CountsRequest.End %s",
			start.Format(time.RFC3339), end.Format(time.RFC3339)))
	}
	opts := twitter.TweetRecentCountsOpts{Granularity: twitter.Granularity(gran)}
	if !req.Start.IsZero() {
		opts.StartTime = start
	}
	if !req.End.IsZero() {
		opts.EndTime = end
	}
	var out Counts
	err := s.retrying(ctx, "x recent counts", func() *Error {
		var xe *Error
		out, xe = s.countsOnce(ctx, opts)
		s.boundResets(ctx, out.RateLimit, xe)
		return xe
	}, nil)
	if err != nil {
		return Counts{}, err
	}
	return out, nil
}

func (s *Source) countsOnce(ctx context.Context, opts twitter.TweetRecentCountsOpts) (Counts, *Error) {
	c := &capture{}
	if _, err := s.client.TweetRecentCounts(withCapture(ctx, c), s.query, opts); err != nil {
		xe := classify(ctx, err, c)
		xe.Op = "recent counts"
		return Counts{}, xe
	}
	if c.status == 0 {
		return Counts{}, &Error{Op: "recent counts", Kind: ErrMalformedResponse, Err: errors.New("response was not captured")}
	}
	counts, err := decodeCounts(c.body)
	rl, reset := rateLimitFromHeader(c.header)
	if err != nil {
		return Counts{}, &Error{Op: "recent counts", Kind: ErrMalformedResponse, StatusCode: c.status, Err: err, RateLimit: rl, ResetAt: reset}
	}
	counts.RateLimit = rl
	return counts, nil
}

// decodeCounts turns the body of a 200 recent-counts response into Counts. Every bucket must
// have RFC 3339 start and end times (start before end, buckets in order without overlap) and a
// count that is not negative, under either name; a body that breaks any of this is an error.
func decodeCounts(body []byte) (Counts, error) {
	var wc wireCounts
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&wc); err != nil {
		return Counts{}, fmt.Errorf("decode recent counts: %w", err)
	}
	if wc.Meta == nil {
		return Counts{}, errors.New("decode recent counts: no meta object")
	}
	var out Counts
	sum := 0
	for i, d := range wc.Data {
		start, err1 := time.Parse(time.RFC3339, d.Start)
		end, err2 := time.Parse(time.RFC3339, d.End)
		if err1 != nil || err2 != nil || !start.Before(end) {
			return Counts{}, fmt.Errorf("decode recent counts: data[%d]: start %q and end %q are not an RFC 3339 span", i, d.Start, d.End)
		}
		if n := len(out.Buckets); n > 0 && start.Before(out.Buckets[n-1].End) {
			return Counts{}, fmt.Errorf("decode recent counts: data[%d] starts at %s, before data[%d] ends", i, d.Start, n-1)
		}
		n := d.TweetCount
		if n == nil {
			n = d.PostCount
		}
		if n == nil || *n < 0 {
			return Counts{}, fmt.Errorf("decode recent counts: data[%d]: no tweet_count or post_count of 0 or more", i)
		}
		out.Buckets = append(out.Buckets, CountBucket{Start: start.UTC(), End: end.UTC(), Posts: *n})
		sum += *n
	}
	out.Total = sum
	for _, t := range []*int{wc.Meta.TotalTweetCount, wc.Meta.TotalPostCount} {
		if t != nil {
			if *t < 0 {
				return Counts{}, fmt.Errorf("decode recent counts: meta total %d is negative", *t)
			}
			out.Total = *t
			break
		}
	}
	return out, nil
}
