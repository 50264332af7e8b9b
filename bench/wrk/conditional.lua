-- B8: a conditional GET, as a browser revalidates a cached page: If-None-Match with the
-- page's ETag (args[1]), so every answer is 304 Not Modified.
local etag

function init(args)
  etag = args[1]
end

function request()
  return wrk.format("GET", nil, { ["If-None-Match"] = etag })
end
