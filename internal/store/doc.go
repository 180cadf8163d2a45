// Package store owns the hashtag data model in Redis (Amazon MemoryDB in production): recording
// batches of posts exactly once, the all-time and rolling-window leaderboards (1h, 24h, 7d),
// the trending views, the spelling each hashtag is shown in, coverage and estimates of sampled
// boards, the ingest checkpoint, the deployment's X API quota (the daily read budget and the
// rate-limit reset all boards share), the ACL access strings of the two Redis users, and the
// client constructor.
//
// Every key of one board starts with the Redis Cluster hash tag "{<name>}:", so a board's keys
// share one slot and its Lua scripts are legal on a cluster; the quota's keys use "{x:quota}",
// which no board name can make. The key table, the windows' buckets and expiry, the trending
// arithmetic and what each read costs are in docs/DESIGN.md ("Data model"); coverage and
// estimates in docs/SAMPLING.md; each script's header lists the keys it reaches.
//
// Every write is a Lua script embedded from lua/: record.lua with its parts (record_*.lua,
// joined at load: parts.go), had.lua, checkpoint.lua and quota.lua; check.lua and settle.lua
// are prepended to record and had. Each has its KEYS and ARGV in its header. A script checks
// the type of every key it will touch and reads all it needs before its first write, since
// Redis does not roll a script back: a wrong-typed key fails the call with an error naming the
// key, and nothing is written. Record adds a post id to the seen set and counts the post only
// when the id was new, in the same atomic step, so replaying a batch changes no count.
//
// Reads (Top, History, Counts, Trending, Coverage) use read commands only, at most a pipeline
// or two, so the reader user runs no script at all (ReaderAccess). Upkeep, which ingest runs at
// the start and end of every run and on its own 5-minute schedule, moves the windows forward
// and settles the trending views; a read that finds it behind the clock still answers exactly
// for the window (one ZUNION).
package store
