-- settle_estimates remakes the estimate sets from the windows' coverage (coverage.go): it is
-- prepended to record.lua, which runs it at every upkeep, and to had.lua. For each window w
-- (name, bucket, lo and hi its live buckets, bkey the prefix of its bucket keys, cov its
-- coverage hash, est its estimate set, ttl): when a live bucket had more posts than were read,
-- est = sum over the live buckets of count x factor (had / read where had > read and read > 0,
-- else 1), else est is deleted (Top then needs none). For All (all_key, all_est): the
-- all-time counts plus count x (factor - 1) over the sampled buckets of the last window given
-- (7d). The caller has checked the types of cov, est and all_est.
local function settle_estimates(wins, all_key, all_est)
  local function num(x) return string.format('%.17g', x) end
  local last
  for _, w in ipairs(wins) do
    local fields = {}
    for idx = w.lo, w.hi do
      fields[#fields + 1] = 'r:' .. string.format('%d', idx)
      fields[#fields + 1] = 'e:' .. string.format('%d', idx)
    end
    local v = redis.call('HMGET', w.cov, unpack(fields))
    local args, weights, any = {w.est, 0}, {'WEIGHTS'}, false
    w.surplus = {}
    for j = 0, w.hi - w.lo do
      local r, e = tonumber(v[2 * j + 1]) or 0, tonumber(v[2 * j + 2]) or 0
      local f = 1
      if e > r then
        any = true
        if r > 0 then f = e / r end
      end
      local key = w.bkey .. string.format('%d', w.lo + j)
      args[#args + 1] = key
      weights[#weights + 1] = num(f)
      if f > 1 then w.surplus[#w.surplus + 1] = {key, num(f - 1)} end
    end
    if any then
      args[2] = #args - 2
      for _, x in ipairs(weights) do args[#args + 1] = x end
      redis.call('ZUNIONSTORE', unpack(args))
      redis.call('EXPIRE', w.est, string.format('%d', w.ttl))
    else
      redis.call('DEL', w.est)
    end
    last = w
  end
  if last == nil or #last.surplus == 0 then
    redis.call('DEL', all_est)
    return
  end
  local args, weights = {all_est, 1 + #last.surplus, all_key}, {'WEIGHTS', '1'}
  for _, s in ipairs(last.surplus) do
    args[#args + 1] = s[1]
    weights[#weights + 1] = s[2]
  end
  for _, x in ipairs(weights) do args[#args + 1] = x end
  redis.call('ZUNIONSTORE', unpack(args))
  redis.call('EXPIRE', all_est, string.format('%d', last.ttl))
end

