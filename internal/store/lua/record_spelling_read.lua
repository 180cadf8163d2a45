-- Spellings (docs/DESIGN.md): sp:c counts the posts per hashtag and spelling other
-- than the hashtag itself (field tag NUL spelling) and their sum (field tag NUL); the hashtag's
-- own spelling has the rest of its all-time count. sp:b holds the shown spelling where it is
-- not the hashtag itself. A batch whose hashtags are all written as themselves and shown so
-- reads one HMGET here and writes nothing.
local sp_count, sp_best = prefix .. 'sp:c', prefix .. 'sp:b'
local spell_x, spell_occ = {}, {} -- tag -> {add, order} of its other spellings; every tag of the new posts
for _, p in ipairs(posts) do
  local first = p.first
  for t = first, first + p.ntags - 1 do spell_occ[#spell_occ + 1] = ARGV[t] end
  for k = first + p.ntags, first + p.ntags + 2 * p.nspelled - 1, 2 do
    local tag, s = ARGV[first + tonumber(ARGV[k]) - 1], ARGV[k + 1]
    local x = spell_x[tag]
    if not x then
      x = {add = {}, order = {}}
      spell_x[tag] = x
    end
    if not x.add[s] then
      x.add[s] = 0
      x.order[#x.order + 1] = s
    end
    x.add[s] = x.add[s] + 1
  end
end
-- The hashtags that need more (spell_play: written or shown otherwise than themselves), their
-- posts in the batch, shown spellings, counts and all-time counts.
local spell_play, spell_n, spell_best, spell_cur, spell_all = {}, {}, {}, {}, {}
if #spell_occ > 0 then
  e = wrong(sp_count, 'hash') or wrong(sp_best, 'hash')
  if e then return e end
  -- hmget reads the values of fields of key into out (none where there is none); of members
  -- of a sorted set, their scores, with zset.
  local function hmget(key, fields, out, zset)
    for j = 1, #fields, 500 do
      local last_j = math.min(j + 499, #fields)
      local r
      if zset then
        r = redis.call('ZMSCORE', key, unpack(fields, j, last_j))
      else
        r = redis.call('HMGET', key, unpack(fields, j, last_j))
      end
      for k = 0, last_j - j do
        if r[k + 1] then out[fields[j + k]] = r[k + 1] end
      end
    end
  end
  hmget(sp_best, spell_occ, spell_best) -- a repeated tag is asked again: no set to build
  for _, tag in ipairs(spell_occ) do
    if spell_best[tag] or spell_x[tag] then
      local c = spell_n[tag]
      if not c then
        c = 0
        spell_play[#spell_play + 1] = tag
      end
      spell_n[tag] = c + 1
    end
  end
  local fields = {}
  for _, tag in ipairs(spell_play) do
    local best, x = spell_best[tag], spell_x[tag]
    fields[#fields + 1] = tag .. '\0'
    if best then fields[#fields + 1] = tag .. '\0' .. best end
    for _, sp in ipairs(x and x.order or {}) do
      if sp ~= best then fields[#fields + 1] = tag .. '\0' .. sp end
    end
  end
  if #spell_play > 0 then
    hmget(sp_count, fields, spell_cur)
    hmget(all, spell_play, spell_all, true)
  end
end
