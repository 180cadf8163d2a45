package xapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	twitter "github.com/g8rswimmer/go-twitter/v2"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

// tweetFields are the tweet.fields FetchPage requests: those a Post is made
// of. note_tweet is not in go-twitter's TweetField constants; X accepts it
// and returns the full text and entities of long posts in it (X's OpenAPI
// description v2.167 calls the parameter post.fields and the object
// note_post; X's documentation still shows tweet.fields, which go-twitter
// sends, and the decoder reads either object name).
var tweetFields = []string{"author_id", "created_at", "entities", "note_tweet", "possibly_sensitive"}

// PageRequest selects one recent-search page. X rejects since_id/until_id
// combined with start_time, so FetchPage does too (ErrInvalidRequest).
type PageRequest struct {
	// SinceID: only posts with a larger id (exclusive).
	SinceID string
	// UntilID: only posts with a smaller id (exclusive).
	UntilID string
	// StartTime: only posts created at or after it (second granularity, UTC).
	StartTime time.Time
	// EndTime: only posts created before it (second granularity, UTC; X wants it at least 10
	// seconds before the request). Zero: up to now.
	EndTime time.Time
	// NextToken continues a result set; send the same SinceID/UntilID/
	// StartTime as for the first page.
	NextToken string
	// MaxResults is max_results, MinPageSize-MaxPageSize; 0 asks for the Source's page size
	// (MaxPageSize). X bills every post it returns: the caller asks for what its budget allows.
	MaxResults int
}

// Post is one search result.
type Post struct {
	// ID is the post id (always postid.Valid).
	ID string
	// CreatedAt is created_at in UTC; when X sent none or an unparsable
	// one, it is the time in the snowflake id (postid.Time).
	CreatedAt time.Time
	// AuthorID is author_id, the id of the post's author ("" when X sent
	// none).
	AuthorID string
	// Text is the long post's note text (note_post.text or note_tweet.text)
	// for long posts, else text.
	Text string
	// Hashtags are the raw tags (without '#', not normalised) from the
	// entities object describing Text: entities.hashtags[].tag, or for long
	// posts the note's entities.hashtags[].tag (the top-level entities of a
	// long post describe the truncated text, whose last tag may be cut).
	// Exact duplicates removed, first-appearance order. Empty when
	// HasEntities is false.
	Hashtags []string
	// HasEntities is false when X sent no entities object covering Text
	// (X omits entities for posts without any hashtag, mention, url or
	// cashtag, and for long posts the object that counts is the note's).
	// The caller then extracts hashtags from Text.
	HasEntities       bool
	PossiblySensitive bool
}

// SkippedPost is a data[] entry FetchPage could not turn into a Post.
type SkippedPost struct {
	Index int // position in data[]
	// ID is the entry's id field as sent when it is a string (may be empty
	// or not a post id: untrusted, cut it short before logging it).
	ID string
	// Reason says what is wrong with the entry: it names the field and the
	// JSON type found, never the entry's content.
	Reason string
}

// Problem is one entry of a 200 response's "errors" array (X's partial errors).
type Problem struct {
	Title, Detail, Type     string
	ResourceType, Parameter string
	Value                   string
}

// Page is one recent-search response.
type Page struct {
	// Posts in the order X sent them (newest first, normally).
	Posts []Post
	// Skipped lists data[] entries that were dropped: null entries, entries
	// that are not objects or have a field the app reads (id, text,
	// created_at, author_id, possibly_sensitive, entities.hashtags, the
	// note's text and entities) of the wrong JSON type, and entries whose id
	// is missing or not a post id (package postid). Posts with a bad
	// created_at string are kept (see Post.CreatedAt).
	// len(Posts) + len(Skipped) == len(data).
	Skipped []SkippedPost
	// NextToken is meta.next_token ("" on the last page).
	NextToken string
	// NewestID/OldestID are meta.newest_id/oldest_id, widened to cover every
	// post id in data[] (of Posts and of Skipped entries), so a checkpoint
	// taken from them moves past a skipped entry ("" when the page is empty).
	NewestID, OldestID string
	// PartialErrors are the "errors" X sent alongside a 200 (documented as
	// partial errors: the rest of the response is valid).
	PartialErrors []Problem
	// RateLimit holds the response's x-rate-limit-* headers (nil when X sent
	// not all three); see RateLimit.Exhausted.
	RateLimit *RateLimit
}

// FetchPage performs one recent search (GET /2/tweets/search/recent with
// max_results, sort_order=recency, tweet.fields=tweetFields and the
// request's cursors).
// Transient failures (5xx, 408, network errors, client timeouts, malformed
// bodies) are retried with exponential backoff and jitter, never sleeping
// past ctx's deadline. An answer over MaxResponseBytes is asked for again at
// once with max_results=10, the smallest page, so a run of very large posts
// (long posts packed with entities) costs more requests, not the page.
// Errors are *Error; see the Err* kinds. An x-rate-limit-reset further ahead than
// RateWindow (by Config.Now) is capped at RateWindow from now, with a warning, in the page's
// and the error's rate limit alike.
func (s *Source) FetchPage(ctx context.Context, req PageRequest) (Page, error) {
	if err := s.validate(req); err != nil {
		return Page{}, err
	}
	maxResults := s.maxResultsFor(req)
	var page Page
	err := s.retrying(ctx, "x recent search", func() *Error {
		var xe *Error
		page, xe = s.fetchOnce(ctx, req, maxResults)
		s.boundResets(ctx, page.RateLimit, xe)
		return xe
	}, func() bool {
		if maxResults <= smallPage {
			return false
		}
		s.log.WarnContext(ctx, "x recent search: answer over the size limit; asking for a smaller page",
			"max_results", smallPage, "limit_bytes", MaxResponseBytes)
		maxResults = smallPage
		return true
	})
	if err != nil {
		return Page{}, err
	}
	if len(page.PartialErrors) > 0 {
		s.log.WarnContext(ctx, "x recent search returned partial errors",
			"count", len(page.PartialErrors), "first_title", page.PartialErrors[0].Title, "first_detail", page.PartialErrors[0].Detail)
	}
	// The ingest handler logs one warning per page with the count and the first
	// reason; the details are for debugging, the id (untrusted) cut short.
	for _, sk := range page.Skipped {
		s.log.DebugContext(ctx, "x recent search: post skipped", "index", sk.Index, "id", truncateForError(sk.ID), "reason", sk.Reason)
	}
	return page, nil
}

func (s *Source) validate(req PageRequest) error {
	bad := func(msg string) error {
		return &Error{Op: "recent search", Kind: ErrInvalidRequest, Messages: []string{msg}}
	}
	for _, f := range []struct{ name, id string }{{"SinceID", req.SinceID}, {"UntilID", req.UntilID}} {
		if _, err := postid.Parse(f.id); f.id != "" && err != nil {
			return bad(fmt.Sprintf("PageRequest.%s: %v", f.name, err))
		}
	}
	if req.SinceID != "" && req.UntilID != "" {
		if c, _ := postid.Compare(req.SinceID, req.UntilID); c >= 0 { // both are valid ids here
			return bad(fmt.Sprintf("PageRequest.SinceID %s is not below PageRequest.UntilID %s", req.SinceID, req.UntilID))
		}
	}
	if err := checkMaxResults(req); err != nil {
		return bad(err.Error())
	}
	if !req.StartTime.IsZero() && !req.EndTime.IsZero() && !req.StartTime.Truncate(time.Second).Before(req.EndTime.Truncate(time.Second)) {
		return bad(fmt.Sprintf("PageRequest.StartTime %s is not before PageRequest.EndTime %s",
			req.StartTime.UTC().Format(time.RFC3339), req.EndTime.UTC().Format(time.RFC3339)))
	}
	if (req.SinceID != "" || req.UntilID != "") && (!req.StartTime.IsZero() || !req.EndTime.IsZero()) {
		return bad("PageRequest.StartTime/EndTime cannot be combined with SinceID/UntilID (X: Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or 'end_time')")
	}
	return nil
}

func (s *Source) fetchOnce(ctx context.Context, req PageRequest, maxResults int) (Page, *Error) {
	c := &capture{}
	opts := twitter.TweetRecentSearchOpts{
		TweetFields: s.fields,
		SortOrder:   twitter.TweetSearchSortOrderRecency, // newest first, which the sweeps rely on
		MaxResults:  maxResults,
		SinceID:     req.SinceID,
		UntilID:     req.UntilID,
		NextToken:   req.NextToken,
	}
	if !req.StartTime.IsZero() {
		// go-twitter formats with time.RFC3339 in the value's location; X
		// wants UTC "Z" at second granularity.
		opts.StartTime = req.StartTime.UTC().Truncate(time.Second)
	}
	if !req.EndTime.IsZero() {
		opts.EndTime = req.EndTime.UTC().Truncate(time.Second)
	}
	// go-twitter builds and sends the request, checks the status and
	// decodes error bodies; a 200's body is recorded by the transport and
	// decoded here, once, entry by entry (see captureTransport).
	if _, err := s.client.TweetRecentSearch(withCapture(ctx, c), s.query, opts); err != nil {
		return Page{}, classify(ctx, err, c)
	}
	if c.status == 0 {
		return Page{}, &Error{Op: "recent search", Kind: ErrMalformedResponse, Err: errors.New("response was not captured")}
	}
	page, err := decodePage(c.body)
	if err != nil {
		xe := &Error{Op: "recent search", Kind: ErrMalformedResponse, StatusCode: c.status, Err: err}
		xe.RateLimit, xe.ResetAt = rateLimitFromHeader(c.header)
		return Page{}, xe
	}
	page.RateLimit, _ = rateLimitFromHeader(c.header)
	return page, nil
}
