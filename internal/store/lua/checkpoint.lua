-- Saves the ingest checkpoint with compare-and-set.
-- KEYS[1] checkpoint hash. ARGV: the version the caller read, since_id, newest_id, until_id,
-- and a since_id that may be left for a lower one (the repair of a since_id in the future; ''
-- for none): only when it is the stored one.
-- Returns the new version; -1 when another save came first, -2 when since_id would move
-- backwards. A call whose save already happened (go-redis retries a script whose reply timed
-- out) finds its own fields at the next version and returns that version instead of a conflict.
-- since_id values compare as numbers: by length, then bytewise, after dropping leading zeros.
local cur = redis.call('HMGET', KEYS[1], 'version', 'since_id', 'newest_id', 'until_id')
local v = cur[1] or '0'
if v ~= ARGV[1] then
  if tonumber(v) == tonumber(ARGV[1]) + 1 and cur[2] == ARGV[2] and cur[3] == ARGV[3] and cur[4] == ARGV[4] then
    return tonumber(v)
  end
  return -1
end
local function id(s) s = string.gsub(s or '', '^0+', '') return s end
local old, new = id(cur[2]), id(ARGV[2])
local repair = ARGV[5] ~= '' and cur[2] == ARGV[5]
if not repair and (#new < #old or (#new == #old and new < old)) then return -2 end
redis.call('HSET', KEYS[1], 'since_id', ARGV[2], 'newest_id', ARGV[3], 'until_id', ARGV[4])
return redis.call('HINCRBY', KEYS[1], 'version', 1)
