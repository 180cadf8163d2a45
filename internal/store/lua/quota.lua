-- The deployment's X API quota, shared by every board (see quota.go).
-- KEYS[1] the UTC day's counter of posts read, KEYS[2] the rate-limit reset (Unix seconds),
-- KEYS[3] the grant's key (its posts until it is settled).
-- ARGV[1] 'reserve' or 'settle', ARGV[2] now (Unix seconds), ARGV[3] the counter's TTL (seconds),
-- then
--   reserve: budget (0: no limit), want, least.
--     Returns {posts granted, posts read today, blocked until}. Nothing is granted while the
--     reset lies ahead (blocked until is then that time), nor when fewer than least posts of
--     the budget remain; otherwise min(want, what remains) is added to the counter at once,
--     so runs in parallel never reserve more than the budget between them; the grant's key
--     then holds the posts granted (TTL as the counter's).
--   settle: posts to give back (negative: posts to add), block until (0: none).
--     Returns the posts read today. The give-back applies once per grant: only while the
--     grant's key exists, which it deletes, so a settle sent again (go-redis resends a script
--     whose reply came late) changes nothing. A block later than the stored one replaces it.
-- Every value is checked before the first write: a key holding something else fails the call
-- with its name, and nothing is written.
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
-- X's rate-limit window (xapi.RateWindow, store.MaxBlockAhead): a reset further ahead is no
-- reset X meant (one in milliseconds, saved by a version that believed it), so it blocks
-- nothing, and a settle replaces it; a block asked for further ahead is cut to the window.
local max_ahead = 900

local function int(key)
  local v = redis.call('GET', key)
  if not v then return 0 end
  local n = tonumber(v)
  if not n then return nil, redis.error_reply('key ' .. key .. ' holds ' .. string.sub(v, 1, 40) .. ', want an integer (nothing was written)') end
  return n
end

local read, e = int(KEYS[1])
if e then return e end
local reset
reset, e = int(KEYS[2])
if e then return e end

if ARGV[1] == 'reserve' then
  local budget, want, least = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
  if reset > now and reset <= now + max_ahead then return {0, read, reset} end
  local n = want
  if budget > 0 and budget - read < n then n = budget - read end
  if n < least then return {0, read, 0} end
  read = redis.call('INCRBY', KEYS[1], n)
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('SET', KEYS[3], n, 'EX', ttl)
  return {n, read, 0}
end

local back, block = tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('DEL', KEYS[3]) == 1 and back ~= 0 and (back < 0 or redis.call('EXISTS', KEYS[1]) == 1) then
  read = redis.call('DECRBY', KEYS[1], back)
  redis.call('EXPIRE', KEYS[1], ttl)
end
if block > now + max_ahead then block = now + max_ahead end
if block > now and (block > reset or reset > now + max_ahead) then
  redis.call('SET', KEYS[2], string.format('%d', block), 'EX', block - now + 60)
end
return read
