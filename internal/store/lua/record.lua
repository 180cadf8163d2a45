-- Records one batch of posts exactly once and keeps the rolling windows up to date.
-- KEYS[1] all-time set, KEYS[2] seen set, KEYS[3] meta hash.
-- ARGV: prefix, now, seen retention, grace, window count, then per window: name, length, bucket;
--       then per post: id, created_at, tag count, tags...
-- Returns {new posts, duplicate posts, hashtags counted}.
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

-- Advance every window to now: subtract and delete the buckets that left it, or rebuild the
-- window from its live buckets when upkeep stopped for longer than the buckets' grace TTL.
local last = tonumber(redis.call('HGET', meta, 'at'))
local rebuild = (last == nil) or (now - last > grace)
for _, w in ipairs(wins) do
  local field = 'lo:' .. w.name
  local lo = math.floor((now - w.length) / w.bucket)
  local old = tonumber(redis.call('HGET', meta, field))
  if rebuild or old == nil then
    local hi = math.floor(now / w.bucket)
    local keys = {}
    for idx = lo, hi do keys[#keys + 1] = bucket_key(w, idx) end
    redis.call('ZUNIONSTORE', w.key, #keys, unpack(keys))
    if old ~= nil then
      -- Delete the buckets that left the window (those not already gone by their TTL): they
      -- lie between the old oldest bucket and the newest bucket the last upkeep could see.
      for idx = old, math.min(lo - 1, old + math.floor(w.length / w.bucket) + 1) do
        redis.call('DEL', bucket_key(w, idx))
      end
    end
    redis.call('HSET', meta, field, string.format('%d', lo))
  elseif lo > old then
    for idx = old, lo - 1 do
      local bk = bucket_key(w, idx)
      local members = redis.call('ZRANGE', bk, 0, -1, 'WITHSCORES')
      for j = 1, #members, 2 do
        redis.call('ZINCRBY', w.key, -tonumber(members[j + 1]), members[j])
      end
      redis.call('DEL', bk)
    end
    redis.call('ZREMRANGEBYSCORE', w.key, '-inf', 0)
    redis.call('HSET', meta, field, string.format('%d', lo))
  else
    lo = old -- the clock went back: never move a window backwards
  end
  w.lo = lo
end
if last == nil or now > last then
  redis.call('HSET', meta, 'at', string.format('%d', now))
end

-- Forget ids that X recent search can no longer return.
redis.call('ZREMRANGEBYSCORE', seen, '-inf', '(' .. string.format('%d', now - retention))

local new, dup, counted = 0, 0, 0
local touched = {}
local n = tonumber(ARGV[i])
i = i + 1
for _ = 1, n do
  local id, created, ntags = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  i = i + 3
  if redis.call('ZADD', seen, 'NX', created, id) == 1 then
    new = new + 1
    for t = i, i + ntags - 1 do
      local tag = ARGV[t]
      redis.call('ZINCRBY', all, 1, tag)
      for _, w in ipairs(wins) do
        local idx = math.floor(created / w.bucket)
        if idx >= w.lo then
          local bk = bucket_key(w, idx)
          redis.call('ZINCRBY', bk, 1, tag)
          redis.call('ZINCRBY', w.key, 1, tag)
          touched[bk] = (idx + 1) * w.bucket + w.length + grace
        end
      end
      counted = counted + 1
    end
  else
    dup = dup + 1
  end
  i = i + ntags
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
