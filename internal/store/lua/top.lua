-- Reads the top n of a rolling window whose upkeep may be behind the clock; read-only (EVALSHA_RO).
-- KEYS[1] the precomputed set, KEYS[2] meta hash.
-- ARGV: n, then for a rolling window: prefix, window name, now, length, bucket.
-- Returns a flat list member, score, ... that holds the top n in (count desc, member asc) order, and
-- at most 2n+1 members: from the live buckets, the members above the n-th score and the first n
-- with that score in byte order; from the window set (upkeep caught up since the caller looked),
-- its top n+1 plus, when place n+1 ties with place n, the first n members with that score. The
-- caller sorts (count desc, member asc) and cuts to n.
local n = tonumber(ARGV[1])
local key, meta = KEYS[1], KEYS[2]

if ARGV[2] ~= nil then
  local prefix, name = ARGV[2], ARGV[3]
  local now, length, bucket = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
  local lo = math.floor((now - length) / bucket)
  local kept = tonumber(redis.call('HGET', meta, 'lo:' .. name))
  if kept == nil or kept < lo then
    -- Upkeep is behind the clock: sum the live buckets instead of the stale window.
    local hi = math.floor(now / bucket)
    local keys = {}
    for idx = lo, hi do
      keys[#keys + 1] = prefix .. 'b:' .. name .. ':' .. string.format('%d', idx)
    end
    local args = {'ZUNION', #keys}
    for _, k in ipairs(keys) do args[#args + 1] = k end
    args[#args + 1] = 'WITHSCORES'
    local union = redis.call(unpack(args)) -- ascending by score, then by member
    local total = #union / 2
    if total <= n then
      return union
    end
    local function score(p) return tonumber(union[2 * p]) end -- p: position, ascending
    -- The n-th highest is at position total-n+1. Members above its score are all kept; of the
    -- members with its score (one contiguous run, in byte order) the first n are kept, so the
    -- reply stays within 2n members however many hashtags tie.
    local nth = total - n + 1
    local boundary = score(nth)
    local out = {}
    for p = total, nth + 1, -1 do
      if score(p) > boundary then
        out[#out + 1] = union[2 * p - 1]
        out[#out + 1] = union[2 * p]
      end
    end
    local first = nth
    while first > 1 and score(first - 1) == boundary do first = first - 1 end
    for p = first, math.min(first + n - 1, total) do
      if score(p) ~= boundary then break end
      out[#out + 1] = union[2 * p - 1]
      out[#out + 1] = union[2 * p]
    end
    return out
  end
end

-- One more than asked: the tie query is needed only when place n+1 ties with place n.
local top = redis.call('ZREVRANGE', key, 0, n, 'WITHSCORES')
if #top == 2 * (n + 1) and top[2 * n] == top[2 * n + 2] then
  local last = top[2 * n]
  local ties = redis.call('ZRANGE', key, last, last, 'BYSCORE', 'LIMIT', 0, n, 'WITHSCORES')
  for j = 1, #ties do top[#top + 1] = ties[j] end
end
return top
