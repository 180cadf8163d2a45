// Package store owns the hashtag data model in Redis (Amazon MemoryDB in production): recording
// batches of posts exactly once, the all-time and rolling-window leaderboards, the trending
// views, the ingest checkpoint, the deployment's X API quota (the daily read budget and the
// rate-limit reset all boards share), the ACL access strings of the two Redis users, and the
// client constructor.
//
// # Keys
//
// Every key of one leaderboard starts with the Redis Cluster hash tag "{<name>}:", so all of
// them live in one hash slot and the Lua scripts below are legal on a cluster. Several
// leaderboards (different names) spread over the shards of one cluster. Every script is a file
// in lua/ (record.lua, had.lua, checkpoint.lua, quota.lua), embedded in the binary; check.lua
// (the type checks before a first write) and settle.lua (the estimate sets) are parts
// prepended to record.lua and had.lua.
//
//	{name}:all            ZSET  hashtag -> all-time count
//	{name}:w:<window>     ZSET  hashtag -> count inside the rolling window (precomputed)
//	{name}:b:<window>:<i> ZSET  hashtag -> count of posts created in bucket i of that window
//	{name}:meta           HASH  lo:<window> = oldest bucket index still summed; at = last upkeep
//	{name}:seen           ZSET  post id -> created_at (unix seconds); the exactly-once record
//	{name}:ckpt           HASH  ingest checkpoint: since_id, newest_id, until_id, version
//	{name}:t:...          the trending views (see Trending below)
//	{name}:x:unset        STRING Unix second of the last ingest run without X API credentials (setup.go)
//	{name}:c:..., e:...   posts read and had per slot and bucket, estimate sets (coverage.go)
//	{name}:sp:c           HASH  hashtag NUL spelling -> posts, for spellings other than the hashtag
//	                            itself; hashtag NUL -> their sum
//	{name}:sp:b           HASH  hashtag -> its shown spelling, when that is not the hashtag itself
//
// One set of keys belongs to the deployment, not to a board: the X API quota all boards share
// (Quota; QuotaPrefix lists them), under the hash tag "{x:quota}", which no board name can
// make. Only the writer reaches them.
//
// # Windows and buckets
//
//	window  bucket   live buckets
//	1h      5 min    13
//	24h     1 hour   25
//	7d      6 hours  29
//
// A post created at t falls in bucket floor(t/bucket) of each window. The window set is the sum
// of the buckets whose index is at least floor((now-window)/bucket): it holds every post created
// within the window and may hold posts up to one bucket older than the window, never more.
// Each record call first advances the windows, and so does Upkeep, which the writer runs at the
// start of every ingest run: buckets that left a window are subtracted from it and deleted (a
// window more than its own number of buckets behind is rebuilt instead, so one call's work is
// bounded). Every bucket also carries a TTL that ends a day after it leaves its window, and
// a window set expires a day after its oldest post could have left it (window + one bucket + a
// day after the last record or upkeep: 25 h 5 min for 1h, 8 d 6 h for 7d), so nothing grows when ingest
// stops. When upkeep has not run for longer than that day, the next record rebuilds each window
// from its live buckets instead of subtracting (ZUNIONSTORE over at most 29 sets).
//
// # Cluster
//
// The scripts declare the fixed keys (all, seen, meta) in KEYS and derive the bucket and window
// keys from the prefix: every one of them is in the same slot, which Redis 7, Valkey and MemoryDB
// accept. While a slot migrates key by key (online resharding), a script could see some of its
// undeclared keys already moved, so reshard a cluster with the ingest schedule paused.
//
// # Recording
//
// Record sends one batch (at most MaxBatch posts) as one Lua script call, one round trip. The
// script adds a post's id to the seen set and counts its hashtags only when the id was new, all
// in one atomic step: replaying a batch, or an overlapping one, changes no count. Redis does not
// roll a script back when a command in it fails, so the script first checks the type of every
// key it will touch and reads all it needs (upkeep state, the buckets to subtract, which ids are
// new), and writes only after that: a key of the wrong type fails the call with an error naming
// the key, and nothing is written (no seen id without its counts, no window left short).
// The seen set keeps ids for SeenRetention (the 7 days X recent search reaches back, plus an
// hour of clock slack) and is trimmed on every call, so memory stays bounded by one week of
// posts (about 100 bytes each, measured with MEMORY USAGE: size MemoryDB for it).
//
// Before the call, each post is checked in Go, deterministically:
//   - an id that is not a post id (package postid: one decimal spelling per id): the post is
//     skipped (RecordResult.Skipped), so no post is recorded under two ids;
//   - a zero created_at, or one older than SeenRetention: skipped, since it could not be
//     deduplicated against a later fetch of the same post;
//   - a created_at in the future: clamped to now;
//   - hashtags are normalised with package hashtag (NFC, lower case, deduplicated per post);
//     invalid ones (too long, control characters, ...) are dropped and counted in
//     RecordResult.RejectedHashtags; the rest of the post and of the batch is recorded.
//
// A post without hashtags is still recorded as seen, so it is counted once as new.
//
// # Spellings
//
// Rows show each hashtag as people write it most. The record script counts, for the new posts
// only (the same exactly-once guard as the counts), the spelling each post wrote each counted
// hashtag in (hashtag.Spelling of its first occurrence in the post): in sp:c the spellings other
// than the hashtag itself and their sum; the hashtag's own spelling has the rest of its all-time
// count (so posts counted before spellings were count as written that way). sp:b keeps the
// spelling with the most posts where that is not the hashtag itself: a spelling replaces the
// shown one when its count passes the shown one's after the batch (a tie keeps the shown one;
// two spellings new to a batch that tie go to the first written). The script reads the shown
// spellings of the batch's hashtags (one HMGET) before its first write; a batch whose hashtags
// are all written and shown as themselves costs nothing more, and the others one HMGET of their
// counts, one ZMSCORE of their all-time counts and one HSET, not a command per hashtag. Both
// hashes live as long as the all-time set (docs/DESIGN.md measures them). The spelling is for
// display only: the canonical hashtag is the key of every count and read.
//
// Top, TopEstimates, Trending and History answer each row's spelling (Entry.Spelling and the
// like: empty where it is the hashtag itself, or none is recorded, as for hashtags counted
// before spellings were). History reads its hashtags' spellings in its own pipeline. Top and
// Trending, whose hashtags come from the read itself, answer the spellings they read for the
// same window and n within SpellingRefresh (30 s) from memory, then read those of their previous
// answer's hashtags again in their pipeline; a hashtag new to the answer costs one more HMGET
// (Trending sends it with its coverage read). So a read of a top that keeps its hashtags stays
// one round trip, and sends no HMGET at all most of the time.
//
// # Reading
//
// Top reads one precomputed sorted set, for a rolling window in one pipeline with the HGET of
// its upkeep state. The order is count descending, then hashtag ascending in byte order, also
// for ties, which Redis returns in reverse byte order: a first read of the top n (ZREVRANGE of
// n+1) completes a tie at place n with the lexicographically first members with that count
// (ZRANGE BYSCORE LIMIT), one more round trip. Top remembers the count at place n and how many
// members were above it, per window and n, and from then on reads, in one round trip of about
// n members, the members above that count and the first ones with it; when the board moved so
// that these do not hold the top n, it reads the first way again. On a busy board, whose long
// tail ties at place n and whose counts move slowly, a read is one round trip.
//
// The writer advances the windows at the start of every ingest run (Upkeep), whether or not
// the run finds posts, and at every Record. Between two upkeeps a window's oldest bucket can
// leave it (every 5 minutes for 1h); a read that finds the upkeep behind the clock answers
// from one ZUNION instead: the window set minus the buckets that left it since, or, when
// ingest stopped for a window's length or more, the sum of its live buckets. So a read never
// returns counts older than the window plus one bucket. That ZUNION costs Redis time and a
// reply in proportion to the window's size (all its hashtags), not to n: callers bound how
// often it runs (the leaderboard reads each window at most once per cache period and
// instance), and make bench measures it against the all-time read.
//
// History reads a few hashtags' counts bucket by bucket (at most MaxHistory hashtags, for a
// rolling window): one pipeline of one ZMSCORE per live bucket with every hashtag, 13, 25 or 29
// commands, one round trip. The live buckets are the ones Top sums, so a hashtag's points add
// up to its count in the window as Top reads it. Its cost grows with hashtags x buckets (up to
// 2,900 scores), not with the window's size; make bench measures it against the top-10 read.
// Counts reads the same hashtags' counts in the window set, one ZMSCORE: a hashtag at 0 there
// has only zeros in History, so a caller need not read its buckets (the leaderboard bounds its
// history reads with it, docs/SECURITY.md).
//
// Reading needs only read commands: no script runs for a read, so the reader user has no
// scripting permission at all (see ReaderAccess).
//
// # Trending
//
// The 1h and 24h windows each have a trending view: the hashtags whose distinct authors in the
// window rose most above what the 7 days before the window lead to expect. The writer keeps its
// data as it records, in the same script call and only for the posts that are new, so replays,
// duplicate deliveries and concurrent runs change no figure, and settles the view at every
// upkeep (the start and the end of every ingest run); a read is one HGETALL.
//
//	{name}:t:p:<hour>     SET   author|tag pairs of the posts created in that hour
//	{name}:t:w:<window>   ZSET  author|tag -> newest bucket of the window holding the pair
//	{name}:t:a:<window>   ZSET  hashtag -> distinct authors in the window
//	{name}:t:h:<hour>     ZSET  hashtag -> distinct authors in that hour
//	{name}:t:b:<window>   ZSET  hashtag -> sum of t:h over the window's baseline hours
//	{name}:t:v:<window>   ZSET  hashtag -> score in hundredths: the view, its best 100
//	{name}:t:f:<window>   HASH  hashtag -> "score authors baseline count" for the view's members
//	{name}:t:d:<window>   SET   hashtags whose authors grew since the last upkeep (dirty)
//	{name}:meta           t:first (oldest hour with a post), t:bh:<window> (newest baseline
//	                      hour), t:made (newest hour whose t:h exists), t:min (min authors),
//	                      t:full:<window> (a record since the last upkeep asks for a new view)
//
// An author is X's author_id; a post without one (or with one that is not an X id) counts as an
// author of its own. A post with more than TrendingMaxHashtags (3) hashtags counts toward no
// trending figure (its hashtags still count in the top and history views): stuffing one post with
// many hashtags must not make each of them trend (docs/SECURITY.md). A pair is the author as 8
// bytes (the id, or the post id with the top bit set) followed by the hashtag. Recording a new post
// adds its pairs to the set of its hour (SADD says whether the author used the tag in that hour
// before) and to each window's pairs with its bucket (ZADD GT: the newest bucket wins; a pair is
// new to the window only when it was not there), and a pair new to a window adds one author to the
// hashtag. When a window's oldest bucket moves on, the pairs whose newest bucket left it are
// removed and their authors subtracted: the authors are exact over the same buckets as the counts,
// however late or out of order posts arrive, and one author counts once per hashtag however often
// it posts.
//
// Baselines are hourly. An hour's distinct authors per hashtag (t:h) are counted once from its
// pair set when the hour enters the first baseline, and kept current after that by the posts
// that arrive late for it (a post of a newer hour only adds its pair, which keeps recording
// fast). The baseline of a window is the 168 hours (7 days) that end with the last whole hour
// before the window's oldest bucket; t:b holds each hashtag's sum over them, kept by upkeep:
// an hour that enters is added and one that leaves is subtracted, tag by tag, so the work is
// that of the two hours, not of the week (after a pause longer than the grace day it is summed
// anew from the hours, ZUNIONSTORE of 168 sets).
//
// The expected authors of a hashtag in a window, its baseline b, is the mean of its hourly
// distinct authors over the baseline hours that have data, times the window's length in hours.
// The hours with data are those from the board's oldest recorded post on: with less than 7
// days of data the mean is over the hours there are (hours without posts count as zero), and
// with none (a board younger than its window) b is 0. For 24h, 24 times the hourly mean
// counts an author again in every hour it posts, so it overestimates the distinct authors a
// day usually has: the 24h view is conservative, a rise must beat that.
//
// A hashtag with a authors in the window is listed when a >= the min authors (default 5,
// WithTrendingMinAuthors) and a > b, with the score (a - b)² / max(b, 1), a chi-square-like
// statistic (a Poisson count's deviation from its mean, scaled by the mean, floored at 1 so
// that a tag new this week is ranked by its authors squared). b and the score are rounded to
// hundredths and stored as integers, so the order (score descending, then hashtag ascending in
// byte order) is exact and the figures shown are the ones ranked. The view keeps the best
// TrendingSize (100) in t:v, trimmed with Redis's own byte order for ties at the last place,
// and their figures, with their post count in the window, in t:f.
//
// A record does not touch the views: it adds the hashtags whose authors reached the min
// authors to the dirty set t:d, and notes in meta when a score may have fallen (a window's
// bucket left it, a baseline hour moved, a late post raised a baseline, the oldest hour with
// data moved, the min authors changed). Upkeep settles each view: it is made anew from every
// hashtag with at least the min authors (ZRANGEBYSCORE of t:a) when a score may have fallen,
// and otherwise rescores the view's members (their counts moved) and the dirty hashtags (a
// score only grows between two upkeeps, so a hashtag left out stays out unless its authors
// grew). Rescoring once per run, not once per batch, is most of what author tracking costs
// less (make bench). The view is as of the last upkeep, which ingest runs at the start and at
// the end of every run, and expires when its newest data has left the window.
//
// Per-author data lasts only as long as the buckets that need it: a pair set while a post of
// its hour can still be recorded (SeenRetention), a window's pairs a grace day after the
// window; t:h while a baseline can hold its hour; t:b two grace days. make bench measures it
// per post with MEMORY USAGE (BenchmarkTrendingMemory).
package store
