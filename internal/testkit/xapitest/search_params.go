package xapitest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

// tweetFields are the tweet.fields X accepts (from X's OpenAPI spec, with
// the v2.167 names note_post and edit_history_post_ids beside the older
// ones); the stand-in renders author_id, conversation_id, created_at,
// entities, lang, the note, possibly_sensitive and referenced_tweets, always
// sends id, text and the edit history, and accepts but omits the rest.
var tweetFields = []string{
	"article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
	"conversation_id", "created_at", "display_text_range", "edit_controls", "edit_history_post_ids",
	"edit_history_tweet_ids", "entities", "geo", "id", "in_reply_to_user_id", "lang", "media_metadata",
	"non_public_metrics", "note_post", "note_tweet", "organic_metrics", "possibly_sensitive",
	"promoted_metrics", "public_metrics", "referenced_tweets", "reply_settings", "scopes", "source",
	"suggested_source_links", "suggested_source_links_with_counts", "text", "withheld",
}

// fieldSynonyms maps X's v2.167 field names to the older ones the stand-in keys on.
var fieldSynonyms = map[string]string{"note_post": "note_tweet", "edit_history_post_ids": "edit_history_tweet_ids"}

// fieldsParams are the names of the post fields parameter: go-twitter's (and X's documented)
// tweet.fields, and post.fields of X's OpenAPI description v2.167.
var fieldsParams = []string{"tweet.fields", "post.fields"}

// searchParams are the parameters X's GET /2/tweets/search/recent accepts.
var searchParams = []string{
	"query", "start_time", "end_time", "since_id", "until_id", "max_results", "next_token",
	"pagination_token", "sort_order", "tweet.fields", "post.fields", "expansions", "media.fields",
	"poll.fields", "user.fields", "place.fields",
}

// sortOrders are the sort_order values X accepts; the stand-in serves recency only.
var sortOrders = []string{"recency", "relevancy"}

// parseSearch validates the request like X does and collects every error, in X's order.
func (s *Server) parseSearch(r *http.Request, now time.Time) (searchParamsParsed, []paramError) {
	q := r.URL.Query()
	var errs []paramError
	add := func(param, value, msg string) {
		errs = append(errs, paramError{Parameters: map[string][]string{param: {value}}, Message: msg})
	}
	var sp searchParamsParsed
	sp.query, sp.matcher = s.checkQuery(q, searchParams, &errs)
	sp.maxResults = parseMaxResults(q, add)
	sp.fields = parseFields(q, add)
	rejectUnmodelled(q, add)
	checkSortOrder(q, add)
	sp.since, sp.until = parseIDs(q, now, add)
	sp.start, sp.end = parseTimes(q, now, add)
	if (q.Get("since_id") != "" || q.Get("until_id") != "") && (q.Get("start_time") != "" || q.Get("end_time") != "") {
		errs = append(errs, paramError{Parameters: map[string][]string{}, Message: "Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or 'end_time'."})
	}
	sp.fingerprint = fingerprint(sp.query, q.Get("since_id"), q.Get("until_id"), q.Get("start_time"), q.Get("end_time"))
	sp.after = parseNextToken(q, sp.fingerprint, add)
	return sp, errs
}

// parseMaxResults returns max_results (10 to 100), 10 when it is absent or invalid.
func parseMaxResults(q url.Values, add func(param, value, msg string)) int {
	v := q.Get("max_results")
	if v == "" {
		return 10
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 10 || n > 100 {
		add("max_results", v, fmt.Sprintf("The `max_results` query parameter value [%s] is not between 10 and 100", v))
		return 10
	}
	return n
}

// parseFields returns the post fields asked for by tweet.fields or post.fields (each one of
// X's tweetFields), under the older names (fieldSynonyms).
func parseFields(q url.Values, add func(param, value, msg string)) map[string]bool {
	fields := map[string]bool{}
	for _, param := range fieldsParams {
		v := q.Get(param)
		if v == "" {
			continue
		}
		for _, f := range strings.Split(v, ",") {
			if !slices.Contains(tweetFields, f) {
				add(param, v, fmt.Sprintf("The `%s` query parameter value [%s] is not one of [%s]", param, f, strings.Join(tweetFields, ",")))
				continue
			}
			if old, ok := fieldSynonyms[f]; ok {
				f = old
			}
			fields[f] = true
		}
	}
	return fields
}

// rejectUnmodelled reports the parameters X accepts that the stand-in does not model.
func rejectUnmodelled(q url.Values, add func(param, value, msg string)) {
	for _, name := range []string{"expansions", "media.fields", "poll.fields", "user.fields", "place.fields"} {
		if v := q.Get(name); v != "" {
			add(name, v, fmt.Sprintf("xapitest: the `%s` parameter is not implemented by the X API stand-in", name))
		}
	}
}

// checkSortOrder accepts sort_order recency (results are always newest first), reports
// relevancy as not modelled and any other value with X's message.
func checkSortOrder(q url.Values, add func(param, value, msg string)) {
	switch v := q.Get("sort_order"); v {
	case "", "recency": // results are always newest first
	case "relevancy":
		add("sort_order", v, "xapitest: sort_order [relevancy] is not implemented by the X API stand-in (only recency)")
	default:
		add("sort_order", v, fmt.Sprintf("The `sort_order` query parameter value [%s] is not one of [%s]", v, strings.Join(sortOrders, ",")))
	}
}

// parseIDs returns since_id and until_id (0: absent or invalid); X refuses ids that are not
// numbers and ids at or below the first id of the 7-day window.
func parseIDs(q url.Values, now time.Time, add func(param, value, msg string)) (since, until uint64) {
	cutoff := now.Add(-Window)
	minID := postid.Make(cutoff, 0)
	minIDv, _ := postid.Parse(minID)
	for _, name := range []string{"since_id", "until_id"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		id, err := postid.Parse(v)
		if err != nil {
			add(name, v, fmt.Sprintf("The `%s` query parameter value [%s] does not match ^[0-9]{1,19}$", name, v))
			continue
		}
		if id <= minIDv {
			add(name, v, fmt.Sprintf("'%s' must be a tweet id created after %s. Please use a '%s' that is larger than %s",
				name, cutoff.UTC().Format("2006-01-02T15:04Z"), name, minID))
			continue
		}
		if name == "since_id" {
			since = id
		} else {
			until = id
		}
	}
	return since, until
}

// parseNextToken returns the last id sent of the page a next_token (or pagination_token) ends,
// 0 when there is none or it is not valid for the request with fingerprint fp.
func parseNextToken(q url.Values, fp string, add func(param, value, msg string)) uint64 {
	tokName, tok := "next_token", q.Get("next_token")
	if tok == "" {
		tokName, tok = "pagination_token", q.Get("pagination_token")
	}
	if tok == "" {
		return 0
	}
	after, ok := decodeToken(tok, fp)
	if !ok {
		add(tokName, tok, fmt.Sprintf("The `%s` query parameter value [%s] is not valid", tokName, tok))
	}
	return after
}
