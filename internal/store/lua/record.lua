-- Records one batch of posts exactly once and keeps the rolling windows up to date; with no
-- posts it only advances the windows (upkeep).
-- KEYS[1] all-time set, KEYS[2] seen set, KEYS[3] meta hash.
-- ARGV: prefix, now, seen retention, grace, window count, then per window: name, length, bucket;
--       then post count, then per post: id, created_at, tag count, tags...
-- Returns {new posts, duplicate posts, hashtags counted}.
--
-- A script is not rolled back when a command in it fails, so this one runs in two phases: it
-- first checks the type of every key it will touch and reads everything it needs (the upkeep
-- state, the buckets to subtract, whether each post was seen), and only then writes. A key of
-- the wrong type is reported by name before anything changed. Redis refuses an out-of-memory
-- script at its first write and lets a script that has written finish, so memory cannot cut
-- it in half either.
local all, seen, meta = KEYS[1], KEYS[2], KEYS[3]
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local retention = tonumber(ARGV[3])
local grace = tonumber(ARGV[4])
local nwin = tonumber(ARGV[5])

local wins = {}
local i = 6
for w = 1, nwin do
  wins[w] = {name = ARGV[i], length = tonumber(ARGV[i + 1]), bucket = tonumber(ARGV[i + 2])}
  wins[w].key = prefix .. 'w:' .. wins[w].name
  i = i + 3
end

local function bucket_key(w, idx)
  return prefix .. 'b:' .. w.name .. ':' .. string.format('%d', idx)
end

-- Phase 1: check and read. wrong(key, want) is an error reply when key holds another type.
local checked = {}
local function wrong(key, want)
  if checked[key] then return nil end
  checked[key] = true
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then
    return redis.error_reply('WRONGTYPE key ' .. key .. ' holds a ' .. t .. ', want a ' .. want ..
      ' (nothing was written)')
  end
  return nil
end

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
      w.left[#w.left + 1] = {key = bk, members = redis.call('ZRANGE', bk, 0, -1, 'WITHSCORES')}
    end
  else
    w.mode = 'keep'
    lo = old -- the clock went back: never move a window backwards
  end
  w.lo = lo
end

-- Which posts are new: not in the seen set (or only with a score the trim below removes), and
-- not earlier in this batch.
local oldest = now - retention
local new, dup, counted = 0, 0, 0
local fresh = {} -- id -> true for the new posts of this batch
local posts = {} -- the new posts: {id, created, first tag index, tag count}
local n = tonumber(ARGV[i])
i = i + 1
for _ = 1, n do
  local id, created, ntags = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  i = i + 3
  local score = redis.call('ZSCORE', seen, id)
  if not fresh[id] and (not score or tonumber(score) < oldest) then
    fresh[id] = true
    new = new + 1
    posts[#posts + 1] = {id = id, created = created, first = i, ntags = ntags}
    if ntags > 0 then
      for _, w in ipairs(wins) do
        local idx = math.floor(created / w.bucket)
        if idx >= w.lo then
          e = wrong(bucket_key(w, idx), 'zset')
          if e then return e end
        end
      end
    end
  else
    dup = dup + 1
  end
  i = i + ntags
end

-- Phase 2: write. Every key written below was checked above.
for _, w in ipairs(wins) do
  local field = 'lo:' .. w.name
  if w.mode == 'rebuild' then
    redis.call('ZUNIONSTORE', w.key, #w.union, unpack(w.union))
    if w.old ~= nil then
      -- Delete the buckets that left the window (those not already gone by their TTL): they
      -- lie between the old oldest bucket and the newest bucket the last upkeep could see.
      for idx = w.old, math.min(w.lo - 1, w.old + math.floor(w.length / w.bucket) + 1) do
        redis.call('DEL', bucket_key(w, idx))
      end
    end
    redis.call('HSET', meta, field, string.format('%d', w.lo))
  elseif w.mode == 'advance' then
    for _, b in ipairs(w.left) do
      for j = 1, #b.members, 2 do
        redis.call('ZINCRBY', w.key, -tonumber(b.members[j + 1]), b.members[j])
      end
      redis.call('DEL', b.key)
    end
    redis.call('ZREMRANGEBYSCORE', w.key, '-inf', 0)
    redis.call('HSET', meta, field, string.format('%d', w.lo))
  end
end
if last == nil or now > last then
  redis.call('HSET', meta, 'at', string.format('%d', now))
end

-- Forget ids that X recent search can no longer return.
redis.call('ZREMRANGEBYSCORE', seen, '-inf', '(' .. string.format('%d', oldest))

local touched = {}
for _, p in ipairs(posts) do
  redis.call('ZADD', seen, p.created, p.id)
  for t = p.first, p.first + p.ntags - 1 do
    local tag = ARGV[t]
    redis.call('ZINCRBY', all, 1, tag)
    for _, w in ipairs(wins) do
      local idx = math.floor(p.created / w.bucket)
      if idx >= w.lo then
        local bk = bucket_key(w, idx)
        redis.call('ZINCRBY', bk, 1, tag)
        redis.call('ZINCRBY', w.key, 1, tag)
        touched[bk] = (idx + 1) * w.bucket + w.length + grace
      end
    end
    counted = counted + 1
  end
end

-- TTLs are relative to the script's now, so they hold whatever the server's clock says.
for bk, at in pairs(touched) do
  redis.call('EXPIRE', bk, string.format('%d', at - now))
end
for _, w in ipairs(wins) do
  redis.call('EXPIRE', w.key, string.format('%d', w.length + w.bucket + grace))
end
redis.call('EXPIRE', seen, string.format('%d', retention + grace))
return {new, dup, counted}
