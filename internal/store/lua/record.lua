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
-- The trending keys and their rules are described in the store's package comment.
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

-- Spellings (the store's package comment): sp:c counts the posts per hashtag and spelling other
-- than the hashtag itself (field tag NUL spelling) and their sum (field tag NUL); the hashtag's
-- own spelling has the rest of its all-time count. sp:b holds the shown spelling where it is
-- not the hashtag itself. A batch whose hashtags are all written as themselves and shown so
-- reads one HMGET here and writes nothing.
local sp_count, sp_best = prefix .. 'sp:c', prefix .. 'sp:b'
local spell_x, spell_occ = {}, {} -- tag -> {add, order} of its other spellings; every tag of the new posts
for _, p in ipairs(posts) do
  local first = p.first
  for t = first, first + p.ntags - 1 do spell_occ[#spell_occ + 1] = ARGV[t] end
  for k = first + p.ntags, first + p.ntags + 2 * p.nspelled - 1, 2 do
    local tag, s = ARGV[first + tonumber(ARGV[k]) - 1], ARGV[k + 1]
    local x = spell_x[tag]
    if not x then
      x = {add = {}, order = {}}
      spell_x[tag] = x
    end
    if not x.add[s] then
      x.add[s] = 0
      x.order[#x.order + 1] = s
    end
    x.add[s] = x.add[s] + 1
  end
end
-- The hashtags that need more (spell_play: written or shown otherwise than themselves), their
-- posts in the batch, shown spellings, counts and all-time counts.
local spell_play, spell_n, spell_best, spell_cur, spell_all = {}, {}, {}, {}, {}
if #spell_occ > 0 then
  e = wrong(sp_count, 'hash') or wrong(sp_best, 'hash')
  if e then return e end
  -- hmget reads the values of fields of key into out (none where there is none); of members
  -- of a sorted set, their scores, with zset.
  local function hmget(key, fields, out, zset)
    for j = 1, #fields, 500 do
      local last_j = math.min(j + 499, #fields)
      local r
      if zset then
        r = redis.call('ZMSCORE', key, unpack(fields, j, last_j))
      else
        r = redis.call('HMGET', key, unpack(fields, j, last_j))
      end
      for k = 0, last_j - j do
        if r[k + 1] then out[fields[j + k]] = r[k + 1] end
      end
    end
  end
  hmget(sp_best, spell_occ, spell_best) -- a repeated tag is asked again: no set to build
  for _, tag in ipairs(spell_occ) do
    if spell_best[tag] or spell_x[tag] then
      local c = spell_n[tag]
      if not c then
        c = 0
        spell_play[#spell_play + 1] = tag
      end
      spell_n[tag] = c + 1
    end
  end
  local fields = {}
  for _, tag in ipairs(spell_play) do
    local best, x = spell_best[tag], spell_x[tag]
    fields[#fields + 1] = tag .. '\0'
    if best then fields[#fields + 1] = tag .. '\0' .. best end
    for _, sp in ipairs(x and x.order or {}) do
      if sp ~= best then fields[#fields + 1] = tag .. '\0' .. sp end
    end
  end
  if #spell_play > 0 then
    hmget(sp_count, fields, spell_cur)
    hmget(all, spell_play, spell_all, true)
  end
end

-- Coverage (coverage.go): per 5-minute slot the posts read and, from SetHad, what X had there
-- (c:d:<day>, fields r:<slot> and h:<slot>); per live bucket of each window the posts read and
-- the effective had, the sum over the bucket's slots of the larger of had and read (c:<window>,
-- fields r:<idx> and e:<idx>); meta field c:read, the posts read all time. A new post counts
-- once, with or without hashtags.
local SLOT = 300
local cov = {} -- the slots of the new posts: {slot, day = key, n = new posts, de = effective had added}
local ever_sampled = false
if coverage then
  local by_slot, days = {}, {}
  for _, p in ipairs(posts) do
    local s = math.floor(p.created / SLOT)
    local c = by_slot[-s]
    if not c then
      c = {slot = s, n = 0, day = key('c:d:', math.floor(s * SLOT / 86400))}
      by_slot[-s] = c
      cov[#cov + 1] = c
      days[c.day] = days[c.day] or {}
      table.insert(days[c.day], c)
    end
    c.n = c.n + 1
  end
  -- meta also keeps each window's totals over its live buckets (c:R:<window>, c:E:<window>):
  -- the buckets that leave are subtracted, or on a rebuild the live ones summed.
  e = wrong(prefix .. 'e:all', 'zset')
  if e then return e end
  for _, w in ipairs(wins) do
    w.cov, w.est = prefix .. 'c:' .. w.name, prefix .. 'e:' .. w.name
    e = wrong(w.cov, 'hash') or wrong(w.est, 'zset')
    if e then return e end
    w.gone, w.dr, w.de = {}, 0, 0
    if w.mode == 'advance' then
      for idx = w.old, w.lo - 1 do
        w.gone[#w.gone + 1] = 'r:' .. fmt(idx)
        w.gone[#w.gone + 1] = 'e:' .. fmt(idx)
      end
      local v = redis.call('HMGET', w.cov, unpack(w.gone))
      for j = 1, #w.gone, 2 do
        w.dr, w.de = w.dr - (tonumber(v[j]) or 0), w.de - (tonumber(v[j + 1]) or 0)
      end
    elseif w.mode == 'rebuild' then
      local all_fields = redis.call('HGETALL', w.cov)
      w.total = {0, 0}
      for j = 1, #all_fields, 2 do
        local f = all_fields[j]
        do
          local idx = tonumber(string.sub(f, 3))
          if idx == nil or idx < w.lo then
            w.gone[#w.gone + 1] = f
          elseif string.sub(f, 1, 1) == 'r' then
            w.total[1] = w.total[1] + tonumber(all_fields[j + 1])
          else
            w.total[2] = w.total[2] + tonumber(all_fields[j + 1])
          end
        end
      end
    end
  end
  -- A settle scales the trending figures by the baselines' coverage: their days' slots (on a
  -- board that SetHad ever sampled: elsewhere every factor is 1).
  ever_sampled = redis.call('HEXISTS', meta, 'c:had') == 1
  for _, w in ipairs(trend) do
    w.cov_days = {}
    if n == 0 and ever_sampled then
      for d = math.floor((w.bh - span + 1) * HOUR / 86400), math.floor(w.bh * HOUR / 86400) do
        local k = key('c:d:', d)
        e = wrong(k, 'hash')
        if e then return e end
        w.cov_days[#w.cov_days + 1] = k
      end
    end
  end
  for day, list in pairs(days) do
    e = wrong(day, 'hash')
    if e then return e end
    local fields = {}
    for _, c in ipairs(list) do
      fields[#fields + 1] = 'r:' .. fmt(c.slot)
      fields[#fields + 1] = 'h:' .. fmt(c.slot)
    end
    local v = redis.call('HMGET', day, unpack(fields))
    for j, c in ipairs(list) do
      local r, h = tonumber(v[2 * j - 1]) or 0, tonumber(v[2 * j]) or 0
      c.de = math.max(h, r + c.n) - math.max(h, r)
    end
  end
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

-- Spellings: the new counts, and the shown spelling of a hashtag moves to a spelling whose
-- count passed the shown one's (a tie keeps the shown one; new spellings are tried in the order
-- the batch first wrote them). No entry in sp_best: the hashtag itself.
if #spell_play > 0 then
  local counts, best_set, best_del = {}, {}, {}
  local function cur(f) return tonumber(spell_cur[f]) or 0 end
  for _, tag in ipairs(spell_play) do
    local x, shown = spell_x[tag], spell_best[tag]
    local others = cur(tag .. '\0')
    local added = 0
    for _, sp in ipairs(x and x.order or {}) do added = added + x.add[sp] end
    -- The hashtag's own spelling: its all-time count (this batch's posts included) less the others.
    local own = math.max(0, (tonumber(spell_all[tag]) or 0) + spell_n[tag] - others - added)
    local best, best_n = '', own
    if shown then best, best_n = shown, cur(tag .. '\0' .. shown) + (x and x.add[shown] or 0) end
    if shown and own > best_n then best, best_n = '', own end
    if x then
      for _, sp in ipairs(x.order) do
        local f = tag .. '\0' .. sp
        local c = cur(f) + x.add[sp]
        counts[#counts + 1] = f
        counts[#counts + 1] = fmt(c)
        if sp ~= best and c > best_n then best, best_n = sp, c end
      end
      counts[#counts + 1] = tag .. '\0'
      counts[#counts + 1] = fmt(others + added)
    end
    if best ~= (shown or '') then
      if best == '' then
        best_del[#best_del + 1] = tag
      else
        best_set[#best_set + 1] = tag
        best_set[#best_set + 1] = best
      end
    end
  end
  for j = 1, #counts, 1000 do
    redis.call('HSET', sp_count, unpack(counts, j, math.min(j + 999, #counts)))
  end
  for j = 1, #best_set, 1000 do
    redis.call('HSET', sp_best, unpack(best_set, j, math.min(j + 999, #best_set)))
  end
  for j = 1, #best_del, 1000 do
    redis.call('HDEL', sp_best, unpack(best_del, j, math.min(j + 999, #best_del)))
  end
end

-- Coverage: the new posts read per slot and per live bucket of each window; the fields of the
-- buckets that left a window go with them.
if coverage and #posts > 0 then redis.call('HINCRBY', meta, 'c:read', fmt(#posts)) end
for _, c in ipairs(cov) do
  redis.call('HINCRBY', c.day, 'r:' .. fmt(c.slot), fmt(c.n))
  local day = math.floor(c.slot * SLOT / 86400)
  redis.call('EXPIRE', c.day, fmt((day + 1) * 86400 + retention + grace - now))
end
for _, w in ipairs(coverage and wins or {}) do
  local add, order = {}, {}
  for _, c in ipairs(cov) do
    local idx = math.floor(c.slot * SLOT / w.bucket)
    if idx >= w.lo then
      local a = add[-idx]
      if not a then
        a = {idx = idx, r = 0, e = 0}
        add[-idx] = a
        order[#order + 1] = a
      end
      a.r, a.e = a.r + c.n, a.e + c.de
    end
  end
  for _, a in ipairs(order) do
    redis.call('HINCRBY', w.cov, 'r:' .. idx_text(a.idx), fmt(a.r))
    if a.e ~= 0 then redis.call('HINCRBY', w.cov, 'e:' .. idx_text(a.idx), fmt(a.e)) end
    w.dr, w.de = w.dr + a.r, w.de + a.e
  end
  if w.total then
    redis.call('HSET', meta, 'c:R:' .. w.name, fmt(w.total[1] + w.dr), 'c:E:' .. w.name, fmt(w.total[2] + w.de))
  else
    if w.dr ~= 0 then redis.call('HINCRBY', meta, 'c:R:' .. w.name, fmt(w.dr)) end
    if w.de ~= 0 then redis.call('HINCRBY', meta, 'c:E:' .. w.name, fmt(w.de)) end
  end
  local gone = w.gone
  for j = 1, #gone, 1000 do
    redis.call('HDEL', w.cov, unpack(gone, j, math.min(j + 999, #gone)))
  end
  redis.call('EXPIRE', w.cov, fmt(w.length + w.bucket + grace))
end
-- Upkeep (a call without posts) remakes the estimate sets that Top ranks sampled windows by.
if coverage and n == 0 then
  for _, w in ipairs(wins) do
    w.hi, w.bkey, w.ttl = math.floor(now / w.bucket), prefix .. w.bkind, w.length + w.bucket + grace
  end
  settle_estimates(wins, all, prefix .. 'e:all')
end
-- trend_factors sets, at a settle, each trending window's coverage factors: w.fw over its live
-- buckets (meta's totals), w.fb over its baseline hours (the slots of w.cov_days, checked in
-- phase 1); a view with a factor other than 1 is made anew (its scores may fall).
local function trend_factors()
  local function factor(r, e)
    if e > r and r > 0 then return e / r end
    return 1
  end
  for _, w in ipairs(trend) do
    local v = redis.call('HMGET', meta, 'c:R:' .. w.name, 'c:E:' .. w.name)
    w.fw = factor(tonumber(v[1]) or 0, tonumber(v[2]) or 0)
    local first_slot, last_slot = (w.bh - span + 1) * HOUR / SLOT, (w.bh + 1) * HOUR / SLOT - 1
    local r, e = 0, 0
    for _, day in ipairs(w.cov_days) do
      local f = redis.call('HGETALL', day)
      local got = {}
      for j = 1, #f, 2 do got[f[j]] = tonumber(f[j + 1]) end
      for name, x in pairs(got) do
        local slot = tonumber(string.sub(name, 3))
        if string.sub(name, 1, 2) == 'r:' and slot and slot >= first_slot and slot <= last_slot then
          r = r + x
          e = e + math.max(x, got['h:' .. string.sub(name, 3)] or 0)
        end
      end
    end
    w.fb = factor(r, e)
    if w.fw ~= 1 or w.fb ~= 1 then w.full = true end
  end
end

-- TTLs are relative to the script's now, so they hold whatever the server's clock says.
for bk, at in pairs(touched) do
  redis.call('EXPIRE', bk, fmt(at - now))
end
for _, w in ipairs(wins) do
  redis.call('EXPIRE', w.key, fmt(w.length + w.bucket + grace))
end
redis.call('EXPIRE', seen, fmt(retention + grace))

if #trend == 0 then
  return {new, dup, counted}
end

-- The trending view of a window: a sorted set of tag -> score in hundredths, kept to the cap
-- best, and a hash of tag -> "score authors baseline count" (score and baseline in
-- hundredths) for exactly its members, the one key a read needs.

-- mscore returns the scores of tags in key, 0 for a missing member (ZMSCORE in chunks).
local function mscore(key, tags)
  local out = {}
  for j = 1, #tags, 500 do
    local r = redis.call('ZMSCORE', key, unpack(tags, j, math.min(j + 499, #tags)))
    for k = 0, math.min(j + 499, #tags) - j do
      out[j + k] = tonumber(r[k + 1]) or 0
    end
  end
  return out
end

-- figures computes the figures of tags: authors, baseline and score (both in hundredths), and
-- whether the tag is listed. The baseline is the mean of the distinct authors per hour over
-- the baseline hours with data, times the window's length in hours.
-- The authors and the baseline are scaled by their hours' coverage (w.fw, w.fb: had / read,
-- 1 where everything was read), so a window sampled more thinly than its baseline compares
-- like with like.
local function figures(w, tags, nhours)
  local a, sum = mscore(w.authors, tags), mscore(w.base, tags)
  local out = {}
  for j, tag in ipairs(tags) do
    local b = 0
    if nhours > 0 then b = math.floor(sum[j] * (w.fb or 1) * w.length * 100 / (HOUR * nhours) + 0.5) end
    local as = math.floor(a[j] * (w.fw or 1) + 0.5)
    local d = as * 100 - b
    local s = 0
    if d > 0 then s = math.floor(d * d / math.max(b, 100) + 0.5) end
    out[j] = {tag = tag, a = as, b = b, s = s, listed = a[j] >= min_authors and d > 0}
  end
  return out
end

-- trim keeps the cap best of the view (score descending, then tag ascending in byte order:
-- Redis orders tied members by bytes) and returns the tags it removed.
local function trim(view)
  if redis.call('ZCARD', view) <= cap then return {} end
  local s = redis.call('ZREVRANGE', view, fmt(cap - 1), fmt(cap - 1), 'WITHSCORES')[2]
  local above = redis.call('ZCOUNT', view, '(' .. s, '+inf')
  local gone = redis.call('ZRANGEBYSCORE', view, '-inf', '(' .. s)
  local ties = redis.call('ZRANGEBYSCORE', view, s, s)
  for j = cap - above + 1, #ties do gone[#gone + 1] = ties[j] end
  for j = 1, #gone, 500 do
    redis.call('ZREM', view, unpack(gone, j, math.min(j + 499, #gone)))
  end
  return gone
end

-- save_figures writes the figures of the listed tags that trim kept, with their counts in the window.
local function save_figures(w, figs, gone)
  local out = {}
  for _, tag in ipairs(gone) do out[tag] = true end
  local kept, tags = {}, {}
  for _, f in ipairs(figs) do
    if not out[f.tag] then
      kept[#kept + 1] = f
      tags[#tags + 1] = f.tag
    end
  end
  local count = mscore(w.key, tags)
  local args = {}
  for j, f in ipairs(kept) do
    args[#args + 1] = f.tag
    args[#args + 1] = fmt(f.s) .. ' ' .. fmt(f.a) .. ' ' .. fmt(f.b) .. ' ' .. fmt(count[j])
  end
  for j = 1, #args, 1000 do
    redis.call('HSET', w.figs, unpack(args, j, math.min(j + 999, #args)))
  end
end

local function zadd(view, args)
  for j = 1, #args, 1000 do
    redis.call('ZADD', view, unpack(args, j, math.min(j + 999, #args)))
  end
end

-- rebuild_view scores every tag with at least min authors and keeps the best.
local function rebuild_view(w, nhours)
  local figs = figures(w, redis.call('ZRANGEBYSCORE', w.authors, fmt(min_authors), '+inf'), nhours)
  local listed = {}
  for _, f in ipairs(figs) do
    if f.listed then listed[#listed + 1] = f end
  end
  table.sort(listed, function(x, y) return x.s > y.s end)
  -- The cap best and every tag tied with the last of them: trim picks among those by bytes.
  local keep = math.min(cap, #listed)
  while keep > 0 and keep < #listed and listed[keep + 1].s == listed[keep].s do keep = keep + 1 end
  local args, best = {}, {}
  for j = 1, keep do
    best[j] = listed[j]
    args[#args + 1] = fmt(listed[j].s)
    args[#args + 1] = listed[j].tag
  end
  redis.call('DEL', w.view, w.figs)
  zadd(w.view, args)
  save_figures(w, best, trim(w.view))
end

-- refresh_view rescores the view's own tags (their counts moved) and the dirty ones (their
-- authors grew since the last settle). Unless a view is flagged to be remade (its window or
-- baseline moved, a late post raised a baseline, the min authors changed), a tag's score only
-- grows between two settles, so the view's lowest score only grows and a tag left out of it
-- stays out unless its own authors grew: it is then in the dirty set.
local function refresh_view(w, nhours)
  local cur = redis.call('ZRANGE', w.view, '0', '-1', 'WITHSCORES')
  local score = {}
  for j = 1, #cur, 2 do score[cur[j]] = tonumber(cur[j + 1]) end
  local size, lowest = #cur / 2, tonumber(cur[2])
  local tags, dirty = redis.call('SMEMBERS', w.dirty), {}
  for _, tag in ipairs(tags) do dirty[tag] = true end
  for j = 1, #cur, 2 do
    if not dirty[cur[j]] then tags[#tags + 1] = cur[j] end
  end
  if #tags == 0 then return end
  local args, put = {}, {}
  for _, f in ipairs(figures(w, tags, nhours)) do
    if score[f.tag] and not f.listed then
      return rebuild_view(w, nhours) -- cannot happen between settles; never leave it wrong
    end
    if f.listed and (score[f.tag] or size < cap or f.s >= lowest) then
      if score[f.tag] ~= f.s then
        args[#args + 1] = fmt(f.s)
        args[#args + 1] = f.tag
      end
      put[#put + 1] = f
    end
  end
  zadd(w.view, args)
  local gone = trim(w.view)
  for j = 1, #gone, 500 do
    redis.call('HDEL', w.figs, unpack(gone, j, math.min(j + 499, #gone)))
  end
  save_figures(w, put, gone)
end

if new_first ~= first then
  redis.call('HSET', meta, 't:first', fmt(new_first))
  for _, w in ipairs(trend) do w.full = true end
end
if old_min ~= min_authors then
  redis.call('HSET', meta, 't:min', fmt(min_authors))
end
-- A record only notes what its views need: the tags whose authors grew (the dirty set) and
-- whether a view must be remade. The views are settled by upkeep (a call without posts), which
-- ingest runs at the start and at the end of every run: a view is as of the last settle.
local settle = (n == 0)
local longest = 0
if settle and coverage and ever_sampled then trend_factors() end
for _, w in ipairs(trend) do
  if settle then
    local nhours = 0
    if new_first ~= nil then
      nhours = math.max(0, w.bh - math.max(new_first, w.bh - span + 1) + 1)
    end
    if w.full or w.flagged then rebuild_view(w, nhours) else refresh_view(w, nhours) end
    redis.call('DEL', w.dirty)
    if w.flagged then redis.call('HDEL', meta, w.flag) end
    -- The view lasts as long as its newest data stays in the window.
    redis.call('EXPIRE', w.view, fmt(w.length + w.bucket))
    redis.call('EXPIRE', w.figs, fmt(w.length + w.bucket))
  else
    if w.full and not w.flagged then redis.call('HSET', meta, w.flag, '1') end
    local dirty = {}
    for tag in pairs(w.touched) do dirty[#dirty + 1] = tag end
    for j = 1, #dirty, 1000 do
      redis.call('SADD', w.dirty, unpack(dirty, j, math.min(j + 999, #dirty)))
    end
    if #dirty > 0 then redis.call('EXPIRE', w.dirty, fmt(w.length + w.bucket + grace)) end
  end
  redis.call('EXPIRE', w.pairs, fmt(w.length + w.bucket + grace))
  redis.call('EXPIRE', w.authors, fmt(w.length + w.bucket + grace))
  redis.call('EXPIRE', w.base, fmt(2 * grace))
  longest = math.max(longest, w.length)
end
-- A pair set is kept while a post of its hour can still be recorded; an hour's authors while
-- a baseline may still hold the hour.
for nh in pairs(hours) do
  local h = -nh
  redis.call('EXPIRE', pairs_key(h), fmt((h + 1) * HOUR + retention - now))
  redis.call('EXPIRE', hour_key(h), fmt((h + span + 1) * HOUR + longest + grace - now))
end
return {new, dup, counted}
