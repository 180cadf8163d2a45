// Package xapitest is an X API v2 stand-in for tests and the local runner:
// it speaks the real wire format of GET /2/tweets/search/recent and
// POST /oauth2/token over a corpus of posts that tests can grow while it
// runs, injects faults on demand and records every request. A *Server is an
// http.Handler (the local runner can serve it on a port); Start serves it on
// a loopback net/http/httptest server.
//
// # Recent search: what the stand-in honours
//
//   - Authorization: "Bearer <Options.BearerToken>", else 401 with X's body
//     {"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}.
//   - query: required, at most Options.MaxQueryLength (512) bytes, in the
//     operator subset documented in query.go (keywords, "phrases", #tag,
//     @user, is:retweet|reply|quote, has:hashtags|mentions|links, lang:xx,
//     negation, implicit AND, OR, parentheses). is:/has:/lang: need a
//     positive standalone term, as on X. Other operators get a 400 whose
//     message starts with "xapitest:". Options.MatchAll matches every post,
//     Options.MatchAllQuery every post for that one query.
//   - The clock (Options.Now): a post is searchable when
//     now-7d < created_at <= now. since_id/until_id at or below the id of
//     now-7d get X's 400 "'since_id' must be a tweet id created after
//     <cutoff, minute precision>. Please use a 'since_id' that is larger than
//     <min id>" (format as seen from X in 2026); start_time before now-7d
//     gets "Invalid 'start_time':'...'. 'start_time' must be on or after
//     ..."; end_time later than now-10s gets "... must be a minimum of 10
//     seconds prior to the request time.". since_id/until_id combined with
//     start_time/end_time gets "Invalid use of 'since_id' or 'until_id' in
//     conjunction with 'start_time' or 'end_time'." (reported from X in
//     2021-2022). ids must match ^[0-9]{1,19}$.
//   - since_id, until_id (exclusive), start_time (inclusive), end_time
//     (exclusive), max_results (10-100, default 10; otherwise X's "The
//     `max_results` query parameter value [5] is not between 10 and 100"),
//     next_token or pagination_token (opaque base64url; bound to the query
//     and cursors of the first page; anything else gets "The `next_token`
//     query parameter value [..] is not valid"), sort_order=recency
//     (relevancy gets a 400 "xapitest: ...", other values X's "The
//     `sort_order` query parameter value [x] is not one of
//     [recency,relevancy]"),
//     tweet.fields or post.fields (validated against X's list; author_id,
//     conversation_id, created_at, entities, lang, note_tweet (or
//     note_post), possibly_sensitive, referenced_tweets are rendered; id,
//     text and the edit history are always sent; other valid fields are
//     accepted and omitted). Unknown parameters get X's "The query parameter
//     [x] is not one of [...]".
//   - Field names of two generations (Options.Names): note_tweet and
//     edit_history_tweet_ids (TweetNames, the default, as X sends today), or
//     note_post and edit_history_post_ids (PostNames, X's OpenAPI
//     description v2.167). Requests may use either generation's names.
//     All parameter errors of a request are returned together in X's 400
//     shape {"errors":[{"parameters":{..},"message":..}],"title":"Invalid
//     Request","detail":"One or more parameters to your request was
//     invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}.
//   - Results newest first (by id); data omitted when nothing matched
//     ({"meta":{"result_count":0}}); meta has newest_id, oldest_id,
//     result_count and next_token only when more results exist.
//   - entities are parsed from the text (hashtags, cashtags, mentions, urls;
//     code-point indices; mentions carry no user id, urls are not shortened)
//     and omitted when there are none, like X; a long post (NoteText) gets
//     note_tweet (note_post) {text, entities} and a text truncated to 275
//     runes + "…".
//   - Hostile entries: any id Parse accepts is served (9223372036854775807,
//     a snowflake of 2080, with an explicit CreatedAt to be visible); a
//     Tweet's Override sends fields of the wrong type in an entry and Raw
//     sends any JSON as the whole entry.
//   - x-rate-limit-limit/-remaining/-reset on authenticated responses, as X
//     sends them (the requests left after this one; the reset in Unix
//     seconds): Options.RateLimit requests per Options.RateWindow (450 per
//     15 min); a request made at remaining 0 gets 429 with X's body, until
//     the window ends on the server clock.
//   - Billing: every request records the posts its answer held
//     (Request.Posts), and PostsServed sums them per UTC day: what X bills
//     at most.
//
// Not modelled: expansions and includes (400 "xapitest: ..."), the other
// *.fields parameters, relevancy ordering, public metrics, edits, user
// lookups, the index delay of real X (posts are searchable as soon as the
// clock reaches created_at), and X's exact wording of query syntax errors.
//
// # Recent counts
//
// GET /2/tweets/counts/recent counts the posts the same query matches (the same corpus, clock
// and 7-day window): query, start_time and end_time with search's checks and X's messages
// (start_time within the window, end_time at least 10 seconds before the request, start_time
// before end_time; all errors of a request in one 400), granularity minute, hour (default) or
// day. Defaults as on X: end_time 30 seconds before the request, start_time 7 days before it.
// data[] holds every bucket, zeros included, oldest first, the first starting at start_time,
// the last ending at end_time, the others aligned to the granularity ("start"/"end" as
// 2026-11-24T16:00:00.000Z); meta.total_tweet_count is their sum. Options.Names picks
// tweet_count/total_tweet_count (TweetNames) or post_count/total_post_count (PostNames). The
// endpoint has its own rate limit (Options.CountsRateLimit, 300 per window) and its own fault
// queue (InjectCountsFaults); since_id/until_id get a 400 "xapitest: ...".
//
// # Faults
//
// InjectFaults queues Fault values consumed one per search request: a status
// with X's body (429 with or without rate-limit headers, 500/502/503/504,
// 401/403), a raw body (any fixture), a truncated body (valid
// Content-Length) or a cut connection, a delay, an oversized page or body,
// oldest-first order, a spurious next_token.
//
// # Token endpoint
//
// POST /oauth2/token checks HTTP Basic auth of url-encoded
// Options.APIKey:Options.APISecret and a form body
// grant_type=client_credentials, answering {"token_type":"bearer",
// "access_token":Options.BearerToken}, or 403 with X's v1.1 error shape
// {"errors":[{"code":99,"label":"authenticity_token_error","message":"Unable
// to verify your credentials"}]}.
package xapitest
