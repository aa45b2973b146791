-- GET random paths from a file of paths (one per line). args: <paths file>
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local paths

function init(args)
  paths = common.read_lines(args[1])
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], { Accept = "application/fhir+json" })
end

done = common.report
