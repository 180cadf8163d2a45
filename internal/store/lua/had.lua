-- Sets what X had for the board's query in 5-minute slots (SetHad, coverage.go), moves the
-- effective had of the live buckets that hold them (per slot the larger of had and read) and
-- their totals (meta c:E:<window>), and remakes the estimate sets (settle.lua, prepended).
-- KEYS[1] meta hash.
-- ARGV: prefix, now, seen retention, grace, window count, then per window: name, length,
--       bucket; then slot count, then per slot: slot index, posts X had.
-- Returns the number of slots set.
-- Like record.lua it checks every key's type and reads before it writes.
local meta = KEYS[1]
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local retention = tonumber(ARGV[3])
local grace = tonumber(ARGV[4])
local nwin = tonumber(ARGV[5])
local SLOT, DAY = 300, 86400
local function fmt(x) return string.format('%d', x) end

local e = wrong(meta, 'hash')
if e then return e end
local wins = {}
local i = 6
for w = 1, nwin do
  local win = {name = ARGV[i], length = tonumber(ARGV[i + 1]), bucket = tonumber(ARGV[i + 2])}
  win.cov, win.est = prefix .. 'c:' .. win.name, prefix .. 'e:' .. win.name
  win.bkey, win.ttl = prefix .. 'b:' .. win.name .. ':', win.length + win.bucket + grace
  e = wrong(win.cov, 'hash') or wrong(win.est, 'zset')
  if e then return e end
  -- The oldest bucket whose fields the hash keeps: the window's last upkeep, else the clock.
  win.lo = tonumber(redis.call('HGET', meta, 'lo:' .. win.name)) or
    math.floor((now - win.length) / win.bucket)
  win.hi = math.floor(now / win.bucket)
  wins[w] = win
  i = i + 3
end

e = wrong(prefix .. 'e:all', 'zset')
if e then return e end

local n = tonumber(ARGV[i])
i = i + 1
local slots = {}
for j = 1, n do
  local s = {slot = tonumber(ARGV[i]), text = ARGV[i], had = tonumber(ARGV[i + 1])}
  i = i + 2
  s.day = prefix .. 'c:d:' .. fmt(math.floor(s.slot * SLOT / DAY))
  e = wrong(s.day, 'hash')
  if e then return e end
  local v = redis.call('HMGET', s.day, 'r:' .. s.text, 'h:' .. s.text)
  local r, old = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  s.de = math.max(s.had, r) - math.max(old, r)
  slots[j] = s
end

for _, s in ipairs(slots) do
  redis.call('HSET', s.day, 'h:' .. s.text, fmt(s.had))
  local day = math.floor(s.slot * SLOT / DAY)
  redis.call('EXPIRE', s.day, fmt((day + 1) * DAY + retention + grace - now))
  if s.de ~= 0 then
    for _, w in ipairs(wins) do
      local idx = math.floor(s.slot * SLOT / w.bucket)
      if idx >= w.lo and idx <= w.hi then
        redis.call('HINCRBY', w.cov, 'e:' .. fmt(idx), fmt(s.de))
        redis.call('HINCRBY', meta, 'c:E:' .. w.name, fmt(s.de))
        redis.call('EXPIRE', w.cov, fmt(w.length + w.bucket + grace))
      end
    end
  end
end
-- The board was sampled: its upkeeps scale the trending figures by coverage from now on.
redis.call('HSET', meta, 'c:had', '1')
settle_estimates(wins, prefix .. 'all', prefix .. 'e:all')
return n
