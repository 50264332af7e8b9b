-- B1: POST the input form as a browser does, with the CSRF token and session cookie of one
-- GET and a fresh 32-hex submission_key per request, so each POST stores one new input.
-- Args: token cookie bodies-file (one url-encoded form body per line: varied texts).
local token, cookie
local bodies = {}

function init(args)
  token, cookie = args[1], args[2]
  for line in io.lines(args[3]) do
    bodies[#bodies + 1] = line
  end
  math.randomseed(os.time() * 1000 + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000))
end

local hex = "0123456789abcdef"
local function key()
  local out = {}
  for i = 1, 32 do
    local n = math.random(1, 16)
    out[i] = hex:sub(n, n)
  end
  return table.concat(out)
end

function request()
  local body = bodies[math.random(1, #bodies)]
  local data = body .. "&csrf_token=" .. token .. "&submission_key=" .. key()
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, data)
end
