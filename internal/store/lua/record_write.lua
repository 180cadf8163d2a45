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
    redis.call('HSET', meta, field, fmt(w.lo))
  elseif w.mode == 'advance' then
    for _, b in ipairs(w.left) do
      for j = 1, #b.members, 2 do
        redis.call('ZINCRBY', w.key, fmt(-tonumber(b.members[j + 1])), b.members[j])
      end
      redis.call('DEL', b.key)
    end
    redis.call('ZREMRANGEBYSCORE', w.key, '-inf', '0')
    redis.call('HSET', meta, field, fmt(w.lo))
  end
end
if last == nil or now > last then
  redis.call('HSET', meta, 'at', fmt(now))
end

-- Trending upkeep: the hours that reach the baselines get their authors per tag; the pairs
-- that left a window no longer count as its authors; the hours that entered or left a baseline
-- are added to or subtracted from it (or it is summed anew from its hours when upkeep stopped,
-- like the windows).
local hours = {} -- -hour -> true: the hours whose trending keys were written
for nh, authors in pairs(make) do
  local h = -nh
  local args = {}
  for tag, k in pairs(authors) do
    args[#args + 1] = fmt(k)
    args[#args + 1] = tag
  end
  for j = 1, #args, 1000 do
    redis.call('ZADD', hour_key(h), unpack(args, j, math.min(j + 999, #args)))
  end
  hours[nh] = true
end
if new_made ~= made then
  redis.call('HSET', meta, 't:made', fmt(new_made))
end
for _, w in ipairs(trend) do
  if w.leaving and #w.leaving > 0 then
    local gone = {}
    for _, pair in ipairs(w.leaving) do
      local tag = string.sub(pair, 9)
      gone[tag] = (gone[tag] or 0) + 1
    end
    redis.call('ZREMRANGEBYSCORE', w.pairs, '-inf', '(' .. fmt(w.lo))
    for tag, k in pairs(gone) do
      redis.call('ZINCRBY', w.authors, fmt(-k), tag)
    end
    redis.call('ZREMRANGEBYSCORE', w.authors, '-inf', '0')
  end
  if w.bmode == 'rebuild' then
    redis.call('ZUNIONSTORE', w.base, #w.hours, unpack(w.hours))
  elseif w.bmode == 'advance' then
    local delta = {}
    for sign, list in pairs({[1] = w.enter, [-1] = w.leave}) do
      for _, m in ipairs(list) do
        for j = 1, #m, 2 do
          delta[m[j]] = (delta[m[j]] or 0) + sign * tonumber(m[j + 1])
        end
      end
    end
    for tag, d in pairs(delta) do
      if d ~= 0 then redis.call('ZINCRBY', w.base, fmt(d), tag) end
    end
    redis.call('ZREMRANGEBYSCORE', w.base, '-inf', '0')
  end
  if w.bmode ~= 'keep' then
    redis.call('HSET', meta, 't:bh:' .. w.name, fmt(w.bh))
  end
end

-- Forget ids that X recent search can no longer return.
redis.call('ZREMRANGEBYSCORE', seen, '-inf', '(' .. fmt(oldest))

local touched = {}
local new_first = first
local members = {}
for _, p in ipairs(posts) do
  members[#members + 1] = p.at
  members[#members + 1] = p.id
end
for j = 1, #members, 1000 do
  redis.call('ZADD', seen, unpack(members, j, math.min(j + 999, #members)))
end
for _, p in ipairs(posts) do
  local h = math.floor(p.created / HOUR)
  if new_first == nil or h < new_first then new_first = h end
  for t = p.first, p.first + p.ntags - 1 do
    local tag = ARGV[t]
    redis.call('ZINCRBY', all, '1', tag)
    for _, w in ipairs(wins) do
      local idx = math.floor(p.created / w.bucket)
      if idx >= w.lo then
        local bk = bucket_key(w, idx)
        redis.call('ZINCRBY', bk, '1', tag)
        redis.call('ZINCRBY', w.key, '1', tag)
        touched[bk] = (idx + 1) * w.bucket + w.length + grace
      end
    end
    counted = counted + 1
    if #trend > 0 and p.author ~= '' then -- no author: a stuffed post (store.TrendingMaxHashtags)
      -- The pair counts once per hour (its authors, and the baselines that hold that hour)
      -- and once per window, however often the author uses the tag.
      local pair = p.author .. tag
      local hour_new = redis.call('SADD', pairs_key(h), pair) == 1
      if hour_new and h <= new_made then
        redis.call('ZINCRBY', hour_key(h), '1', tag) -- a late post for an hour already made
        for _, w in ipairs(trend) do
          if h <= w.bh and h > w.bh - span then
            redis.call('ZINCRBY', w.base, '1', tag) -- a late post inside the baseline
            w.full = true
          end
        end
      end
      hours[-h] = true
      for _, w in ipairs(trend) do
        local idx = math.floor(p.created / w.bucket)
        -- A pair not new in its hour is already in an hourly window with this hour or later.
        if idx >= w.lo and (hour_new or w.bucket ~= HOUR) then
          if redis.call('ZADD', w.pairs, 'GT', idx_text(idx), pair) == 1 then
            if tonumber(redis.call('ZINCRBY', w.authors, '1', tag)) >= min_authors then
              w.touched[tag] = true
            end
          end
        end
      end
    end
  end
end
