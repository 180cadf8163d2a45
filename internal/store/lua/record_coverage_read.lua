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
