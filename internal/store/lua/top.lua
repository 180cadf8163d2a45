-- Reads the top n of a rolling window whose upkeep may be behind the clock; read-only (EVALSHA_RO).
-- KEYS[1] the precomputed set, KEYS[2] meta hash.
-- ARGV: n, then for a rolling window: prefix, window name, now, length, bucket.
-- Returns a flat list member, score, ...: the top n+1 by score plus, where the n-th score is tied
-- with the next, the first n members with that score in byte order. The caller sorts (count desc, member asc)
-- and cuts to n.
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
    local union = redis.call(unpack(args)) -- ascending by score
    local out = {}
    local boundary = nil
    for j = #union - 1, 1, -2 do
      local score = tonumber(union[j + 1])
      if #out >= 2 * n and score < boundary then break end
      out[#out + 1] = union[j]
      out[#out + 1] = union[j + 1]
      if #out == 2 * n then boundary = score end
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
