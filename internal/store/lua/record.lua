-- Records one batch of posts exactly once and keeps the rolling windows and the trending data
-- up to date; with no posts it only advances them and settles the trending views (upkeep).
-- KEYS[1] all-time set, KEYS[2] seen set, KEYS[3] meta hash.
-- ARGV: prefix, now, seen retention, grace, window count, then per window: name, length,
--       bucket, trending (1 or 0); then min authors, baseline hours, view size; then coverage
--       (1: count the posts read, 0: not, the benchmark's reference); then post count, then
--       per post: id, created_at, author (8 bytes, or empty: the post does not count toward
--       trending), tag count n, count m of the tags written otherwise than themselves, the n
--       tags, then m pairs: a tag's place among the n (from 1) and its spelling as written.
-- Returns {new posts, duplicate posts, hashtags counted}.
--
-- A script is not rolled back when a command in it fails, so this one runs in two phases: it
-- first checks the type of every key it will touch and reads everything it needs (the upkeep
-- state, the buckets to subtract, the pairs and hours that leave the trending windows and
-- baselines, whether each post was seen), and only then writes. A key of the wrong type is
-- reported by name before anything changed. Redis refuses an out-of-memory script at its first
-- write and lets a script that has written finish, so memory cannot cut it in half either.
-- The keys and their rules are described in docs/DESIGN.md ("Data model").
--
-- The script is this file and its parts, joined in this order at load (store.go, recordParts):
-- record.lua (the arguments and helpers), record_read.lua (phase 1: the windows, the trending
-- data, which posts are new), record_spelling_read.lua, record_coverage_read.lua, then
-- record_write.lua (phase 2: the windows, the trending upkeep, the seen set and the counts),
-- record_spelling_write.lua, record_coverage_write.lua and record_finish.lua (the TTLs and the
-- trending views). check.lua and settle.lua come before it; one Lua chunk, so the parts share
-- their locals.
local all, seen, meta = KEYS[1], KEYS[2], KEYS[3]
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local retention = tonumber(ARGV[3])
local grace = tonumber(ARGV[4])
local nwin = tonumber(ARGV[5])
local HOUR = 3600

-- Every number is passed to redis.call as text, made here or taken from ARGV: Redis 7.0 turns a
-- Lua number argument into text with snprintf("%.17g"), which costs a good part of a ZINCRBY
-- (a seventh of a batch's instructions went there, callgrind). fmt is whole numbers only.
local function fmt(x) return string.format('%d', x) end
-- idx_text is fmt for a bucket number, made once per number and call (a batch's posts fall in
-- few buckets).
local idx_texts = {}
local function idx_text(x)
  local t = idx_texts[-x]
  if not t then
    t = fmt(x)
    idx_texts[-x] = t
  end
  return t
end

local wins, trend = {}, {} -- every rolling window; those with a trending view
local i = 6
for w = 1, nwin do
  wins[w] = {name = ARGV[i], length = tonumber(ARGV[i + 1]), bucket = tonumber(ARGV[i + 2])}
  wins[w].key = prefix .. 'w:' .. wins[w].name
  wins[w].bkind = 'b:' .. wins[w].name .. ':'
  if ARGV[i + 3] == '1' then trend[#trend + 1] = wins[w] end
  i = i + 4
end
local min_authors, span, cap = tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
local coverage = ARGV[i + 3] == '1'
i = i + 4

-- Tables keyed by a bucket or hour number use its negation: the Lua of miniredis (gopher-lua)
-- keeps a positive integer key in an array part that it fills with nils up to that key.

-- Key names, made once per call: a batch's posts fall in few buckets.
local keys = {}
local function key(kind, idx)
  local k = keys[kind]
  if not k then
    k = {}
    keys[kind] = k
  end
  local name = k[-idx]
  if not name then
    name = prefix .. kind .. fmt(idx)
    k[-idx] = name
  end
  return name
end
local function bucket_key(w, idx) return key(w.bkind, idx) end
local function pairs_key(h) return key('t:p:', h) end -- SET author..tag of hour h
local function hour_key(h) return key('t:h:', h) end  -- ZSET tag -> authors in hour h
