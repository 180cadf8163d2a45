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
