-- POST transaction Bundles built from an NDJSON file of resources: every `size` consecutive lines
-- become one Bundle of `size` POST entries, sent round-robin from a per-thread offset, without a
-- Prefer header (the server's default return, as for post.lua). Each request creates `size`
-- resources; latency is per Bundle.
--
-- Plain mode: no fullUrl, nothing conditional. Conditional mode (as an EHR interface engine
-- sends results): each entry gets a fresh identifier and `ifNoneExist` on it, and its
-- `Patient/bench-pN` and `Device/bench-dN` references become conditional references on the
-- patient's MRN and the device's serial number, so a Bundle of 100 carries 100 create conditions
-- and up to 200 distinct conditional references, all resolved inside the transaction.
-- args: <ndjson file> <path, e.g. /fhir> <entries per Bundle> [limit per thread] [plain|conditional]
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local bundles, path, index, count_response, conditional, sent

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

-- The entry for one NDJSON line; `@@` stands for the per-request identifier prefix.
local function entry(line, number)
  local resource_type = line:match('"resourceType":%s*"([^"]+)"')
  if not conditional then
    return '{"resource":' .. line .. ',"request":{"method":"POST","url":"' .. resource_type .. '"}}'
  end
  local value = "@@-" .. number
  local resource = line
    :gsub('"reference":%s*"Patient/bench%-p(%d+)"', function(n)
      return string.format('"reference":"Patient?identifier=http://hospital.example.org/mrn|MRN%08d"', tonumber(n))
    end)
    :gsub('"reference":%s*"Device/bench%-d(%d+)"', function(n)
      return string.format('"reference":"Device?identifier=http://devices.example.org/serial|SN-%06d"', tonumber(n))
    end)
    :gsub("^{", '{"identifier":[{"system":"urn:bench:obs","value":"' .. value .. '"}],', 1)
  return '{"resource":' .. resource .. ',"request":{"method":"POST","url":"' .. resource_type
    .. '","ifNoneExist":"identifier=urn:bench:obs|' .. value .. '"}}'
end

function init(args)
  local lines = common.read_lines(args[1])
  path = args[2]
  local size = tonumber(args[3] or "100")
  conditional = args[5] == "conditional"
  bundles = {}
  for first = 1, #lines - size + 1, size do
    local entries = {}
    for i = first, first + size - 1 do entries[#entries + 1] = entry(lines[i], i - first) end
    bundles[#bundles + 1] = '{"resourceType":"Bundle","type":"transaction","entry":[' .. table.concat(entries, ",") .. ']}'
  end
  index = math.random(#bundles)
  count_response = common.limiter(tonumber(args[4] or "0"))
  sent = 0
end

function request()
  index = index % #bundles + 1
  local body = bundles[index]
  if conditional then
    -- New identifiers on every request (this run, this thread, this request): every entry creates.
    sent = sent + 1
    body = body:gsub("@@", os.time() .. "-" .. (thread_number or 0) .. "-" .. sent)
  end
  return wrk.format("POST", path, { ["Content-Type"] = "application/fhir+json" }, body)
end

function response(status)
  count_response()
end

done = common.report
