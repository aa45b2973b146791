-- POST transaction Bundles built from an NDJSON file of resources: every `size` consecutive lines
-- become one Bundle of `size` POST entries (no fullUrl, nothing conditional), sent round-robin
-- from a per-thread offset, without a Prefer header (the server's default return, as for
-- post.lua). Each request creates `size` resources; latency is per Bundle.
-- args: <ndjson file> <path, e.g. /fhir> <entries per Bundle> [limit per thread]
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local bundles, path, index, count_response

function init(args)
  local lines = common.read_lines(args[1])
  path = args[2]
  local size = tonumber(args[3] or "100")
  bundles = {}
  for first = 1, #lines - size + 1, size do
    local entries = {}
    for i = first, first + size - 1 do
      local resource_type = lines[i]:match('"resourceType":%s*"([^"]+)"')
      entries[#entries + 1] = '{"resource":' .. lines[i] .. ',"request":{"method":"POST","url":"' .. resource_type .. '"}}'
    end
    bundles[#bundles + 1] = '{"resourceType":"Bundle","type":"transaction","entry":[' .. table.concat(entries, ",") .. ']}'
  end
  index = math.random(#bundles)
  count_response = common.limiter(tonumber(args[4] or "0"))
end

function request()
  index = index % #bundles + 1
  return wrk.format("POST", path, { ["Content-Type"] = "application/fhir+json" }, bundles[index])
end

function response(status)
  count_response()
end

done = common.report
