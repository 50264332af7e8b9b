-- B4: Telegram updates, each a /start from a new private chat; 10% are redeliveries of an
-- update this thread sent before (same update_id, same body). Args: secret round
local threads = {}
local secret, round
local sent = {}
distinct = 0  -- global: done() reads it with thread:get
local counter = 0
local base = 0

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  secret, round = args[1], tonumber(args[2])
  base = 1000000000 + round * 10000000 + index * 1000000
  math.randomseed(round * 100 + index)
end

local function update(id)
  return string.format('{"update_id":%d,"message":{"message_id":%d,"date":1764000000,' ..
    '"chat":{"id":%d,"type":"private","first_name":"B"},' ..
    '"from":{"id":%d,"is_bot":false,"first_name":"B","language_code":"en"},' ..
    '"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}', id, id % 1000000, id, id)
end

function request()
  local id
  if #sent > 0 and math.random() < 0.1 then
    id = sent[math.random(1, #sent)]
  else
    counter = counter + 1
    id = base + counter
    sent[#sent + 1] = id
    distinct = distinct + 1
  end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Telegram-Bot-Api-Secret-Token"] = secret,
  }, update(id))
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("distinct")
  end
  io.write(string.format("DISTINCT %d\n", total))
end
