-- POST bodies from an NDJSON file to one path, round-robin from a per-thread offset.
-- args: <ndjson file> <path> [limit per thread]
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local bodies, path, index, count_response

function init(args)
  bodies = common.read_lines(args[1])
  path = args[2]
  index = math.random(#bodies)
  count_response = common.limiter(tonumber(args[3] or "0"))
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", path, { ["Content-Type"] = "application/fhir+json" }, bodies[index])
end

function response(status)
  count_response()
end

done = common.report
