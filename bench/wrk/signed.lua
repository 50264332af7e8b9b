-- B5: pre-signed Slack requests, one per line: timestamp<TAB>signature<TAB>retry-num<TAB>body.
-- Thread k sends lines k, k+T, k+2T, ... (T threads), each once, then starts over.
-- Args: file threads
local threads = {}
local lines = {}
local position, step

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    lines[#lines + 1] = line
  end
  step = tonumber(args[2])
  position = index + 1
end

function request()
  local line = lines[position]
  position = position + step
  if position > #lines then position = index + 1 end
  local timestamp, signature, retry, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Slack-Request-Timestamp"] = timestamp,
    ["X-Slack-Signature"] = signature,
  }
  if retry ~= "0" then
    headers["X-Slack-Retry-Num"] = retry
    headers["X-Slack-Retry-Reason"] = "http_timeout"
  end
  return wrk.format("POST", nil, headers, body)
end
