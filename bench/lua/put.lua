-- PUT random resources from an NDJSON file of complete resources (with ids) to [type]/[id].
-- args: <ndjson file> <base path, e.g. /fhir/Observation>
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local bodies, ids, base

function init(args)
  bodies = common.read_lines(args[1])
  base = args[2]
  ids = {}
  for i, body in ipairs(bodies) do ids[i] = body:match('"id":%s*"([^"]+)"') end
end

function request()
  local i = math.random(#bodies)
  return wrk.format("PUT", base .. "/" .. ids[i], { ["Content-Type"] = "application/fhir+json" }, bodies[i])
end

done = common.report
