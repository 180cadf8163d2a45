-- Spellings: the new counts, and the shown spelling of a hashtag moves to a spelling whose
-- count passed the shown one's (a tie keeps the shown one; new spellings are tried in the order
-- the batch first wrote them). No entry in sp_best: the hashtag itself.
if #spell_play > 0 then
  local counts, best_set, best_del = {}, {}, {}
  local function cur(f) return tonumber(spell_cur[f]) or 0 end
  for _, tag in ipairs(spell_play) do
    local x, shown = spell_x[tag], spell_best[tag]
    local others = cur(tag .. '\0')
    local added = 0
    for _, sp in ipairs(x and x.order or {}) do added = added + x.add[sp] end
    -- The hashtag's own spelling: its all-time count (this batch's posts included) less the others.
    local own = math.max(0, (tonumber(spell_all[tag]) or 0) + spell_n[tag] - others - added)
    local best, best_n = '', own
    if shown then best, best_n = shown, cur(tag .. '\0' .. shown) + (x and x.add[shown] or 0) end
    if shown and own > best_n then best, best_n = '', own end
    if x then
      for _, sp in ipairs(x.order) do
        local f = tag .. '\0' .. sp
        local c = cur(f) + x.add[sp]
        counts[#counts + 1] = f
        counts[#counts + 1] = fmt(c)
        if sp ~= best and c > best_n then best, best_n = sp, c end
      end
      counts[#counts + 1] = tag .. '\0'
      counts[#counts + 1] = fmt(others + added)
    end
    if best ~= (shown or '') then
      if best == '' then
        best_del[#best_del + 1] = tag
      else
        best_set[#best_set + 1] = tag
        best_set[#best_set + 1] = best
      end
    end
  end
  for j = 1, #counts, 1000 do
    redis.call('HSET', sp_count, unpack(counts, j, math.min(j + 999, #counts)))
  end
  for j = 1, #best_set, 1000 do
    redis.call('HSET', sp_best, unpack(best_set, j, math.min(j + 999, #best_set)))
  end
  for j = 1, #best_del, 1000 do
    redis.call('HDEL', sp_best, unpack(best_del, j, math.min(j + 999, #best_del)))
  end
end
