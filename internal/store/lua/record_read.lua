-- Phase 1: check and read. wrong(key, want) (check.lua) is an error reply when key holds
-- another type.

local e = wrong(meta, 'hash') or wrong(all, 'zset') or wrong(seen, 'zset')
if e then return e end

-- Advance every window to now: subtract and delete the buckets that left it, or rebuild the
-- window from its live buckets when upkeep stopped for longer than the buckets' grace TTL or
-- more buckets left than the window has (so the work per window is bounded by its size).
local last = tonumber(redis.call('HGET', meta, 'at'))
local rebuild = (last == nil) or (now - last > grace)
for _, w in ipairs(wins) do
  e = wrong(w.key, 'zset')
  if e then return e end
  local lo = math.floor((now - w.length) / w.bucket)
  local live = math.floor(w.length / w.bucket) + 1
  local old = tonumber(redis.call('HGET', meta, 'lo:' .. w.name))
  w.old = old
  if rebuild or old == nil or lo - old > live then
    w.mode = 'rebuild'
    w.union = {}
    for idx = lo, math.floor(now / w.bucket) do
      local bk = bucket_key(w, idx)
      e = wrong(bk, 'zset')
      if e then return e end
      w.union[#w.union + 1] = bk
    end
  elseif lo > old then
    w.mode = 'advance'
    w.left = {} -- the buckets that left the window, with their members
    for idx = old, lo - 1 do
      local bk = bucket_key(w, idx)
      e = wrong(bk, 'zset')
      if e then return e end
      w.left[#w.left + 1] = {key = bk, members = redis.call('ZRANGE', bk, '0', '-1', 'WITHSCORES')}
    end
  else
    w.mode = 'keep'
    lo = old -- the clock went back: never move a window backwards
  end
  w.lo = lo
end

-- Trending: which author-hashtag pairs left each window (their newest bucket is older than
-- the window), and which hours enter and leave each baseline. The baseline of a window ends
-- with the last hour before the window's oldest bucket and is span hours long.
local first, old_min -- the oldest hour with a recorded post; the min authors the view was made with
local made, new_made  -- the newest hour whose authors per tag (hour_key) exist, before and after
local make = {}       -- -hour -> {tag -> authors}: the hours made in this call, from their pair sets
if #trend > 0 then
  first = tonumber(redis.call('HGET', meta, 't:first'))
  old_min = tonumber(redis.call('HGET', meta, 't:min'))
  made = tonumber(redis.call('HGET', meta, 't:made'))
end
for _, w in ipairs(trend) do
  w.pairs, w.authors = prefix .. 't:w:' .. w.name, prefix .. 't:a:' .. w.name
  w.base, w.view, w.figs = prefix .. 't:b:' .. w.name, prefix .. 't:v:' .. w.name, prefix .. 't:f:' .. w.name
  w.dirty, w.flag = prefix .. 't:d:' .. w.name, 't:full:' .. w.name
  e = wrong(w.pairs, 'zset') or wrong(w.authors, 'zset') or wrong(w.base, 'zset') or
    wrong(w.view, 'zset') or wrong(w.figs, 'hash') or wrong(w.dirty, 'set')
  if e then return e end
  -- Remake the whole view at the next settle (else rescore its tags and the dirty ones): a
  -- record since the last settle may have asked for it.
  w.flagged = redis.call('HEXISTS', meta, w.flag) == 1
  w.full = (old_min ~= min_authors)
  w.touched = {} -- the tags whose authors grew to min authors or more
  if w.mode ~= 'keep' then
    w.full = true
    w.leaving = redis.call('ZRANGEBYSCORE', w.pairs, '-inf', '(' .. fmt(w.lo))
  end
  w.bh = math.floor(w.lo * w.bucket / HOUR) - 1
  new_made = math.max(new_made or w.bh, w.bh)
end
-- An hour's authors per tag are counted from its pair set when the hour first enters a
-- baseline (the newest baseline hour is the 1h window's), and kept current from then on by
-- the posts that arrive late for it: a post in a newer hour only adds its pair.
if new_made ~= nil and made ~= nil and new_made < made then new_made = made end
if new_made ~= nil then
  for h = math.max((made or -math.huge) + 1, math.floor((now - retention) / HOUR)), new_made do
    e = wrong(pairs_key(h), 'set') or wrong(hour_key(h), 'zset')
    if e then return e end
    local authors = {}
    for _, pair in ipairs(redis.call('SMEMBERS', pairs_key(h))) do
      local tag = string.sub(pair, 9)
      authors[tag] = (authors[tag] or 0) + 1
    end
    make[-h] = authors
  end
end
-- hour_authors returns the members of hour_key(h) as a flat list, whether made now or before.
local function hour_authors(h)
  if not make[-h] then
    return redis.call('ZRANGE', hour_key(h), '0', '-1', 'WITHSCORES')
  end
  local out = {}
  for tag, k in pairs(make[-h]) do
    out[#out + 1] = tag
    out[#out + 1] = k
  end
  return out
end
-- hours_authors returns hour_authors of the hours from to to, or an error reply.
local function hours_authors(from, to)
  local out = {}
  for h = from, to do
    local err = wrong(hour_key(h), 'zset')
    if err then return nil, err end
    out[#out + 1] = hour_authors(h)
  end
  return out, nil
end
for _, w in ipairs(trend) do
  local bh = w.bh
  local old = tonumber(redis.call('HGET', meta, 't:bh:' .. w.name))
  if rebuild or old == nil or bh - old > span then
    w.bmode = 'rebuild'
    w.hours = {}
    for h = bh - span + 1, bh do
      local k = hour_key(h)
      e = wrong(k, 'zset')
      if e then return e end
      w.hours[#w.hours + 1] = k
    end
  elseif bh > old then
    w.bmode = 'advance'
    w.enter, e = hours_authors(old + 1, bh)
    if e then return e end
    w.leave, e = hours_authors(old - span + 1, bh - span)
    if e then return e end
  else
    w.bmode = 'keep'
    bh = old
  end
  if w.bmode ~= 'keep' then w.full = true end
  w.bh = bh
end

-- Which posts are new: not in the seen set (or only with a score the trim below removes), and
-- not earlier in this batch.
local oldest = now - retention
local new, dup, counted = 0, 0, 0
local fresh = {} -- id -> true for the new posts of this batch
local posts = {} -- the new posts: {id, created, author, first tag index, tag count}
local n = tonumber(ARGV[i])
i = i + 1
local ids, at = {}, i
for _ = 1, n do
  ids[#ids + 1] = ARGV[at]
  local m = ARGV[at + 4] -- tags written otherwise: mostly '0', and tonumber costs a strtod
  at = at + 5 + tonumber(ARGV[at + 3])
  if m ~= '0' then at = at + 2 * tonumber(m) end
end
-- A missing member's score is false (nil on miniredis, which leaves a hole: index by position).
local scores = {}
for j = 1, n, 500 do
  local r = redis.call('ZMSCORE', seen, unpack(ids, j, math.min(j + 499, n)))
  for k = 0, math.min(j + 499, n) - j do scores[j + k] = r[k + 1] end
end
for post = 1, n do
  local id, created, author, ntags = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], tonumber(ARGV[i + 3])
  local nspelled = ARGV[i + 4] == '0' and 0 or tonumber(ARGV[i + 4])
  i = i + 5
  local score = scores[post]
  if not fresh[id] and (not score or tonumber(score) < oldest) then
    fresh[id] = true
    new = new + 1
    posts[#posts + 1] = {id = id, created = created, at = ARGV[i - 4], author = author, first = i, ntags = ntags,
      nspelled = nspelled}
    if ntags > 0 then
      for _, w in ipairs(wins) do
        local idx = math.floor(created / w.bucket)
        if idx >= w.lo then
          e = wrong(bucket_key(w, idx), 'zset')
          if e then return e end
        end
      end
      if #trend > 0 then
        local h = math.floor(created / HOUR)
        e = wrong(pairs_key(h), 'set') or wrong(hour_key(h), 'zset')
        if e then return e end
      end
    end
  else
    dup = dup + 1
  end
  i = i + ntags + 2 * nspelled
end
