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
