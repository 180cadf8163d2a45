-- wrong(key, want) is nil when key is missing or holds a want ('hash', 'zset', ...), else the
-- error reply naming key and both types: the scripts check every key this way before their
-- first write, so a wrong type fails the call with nothing written. Each key is asked once per
-- call. It is prepended to record.lua and had.lua (store.go, coverage.go).
local checked = {}
local function wrong(key, want)
  if checked[key] then return nil end
  checked[key] = true
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then
    return redis.error_reply('WRONGTYPE key ' .. key .. ' holds a ' .. t .. ', want a ' .. want ..
      ' (nothing was written)')
  end
  return nil
end

