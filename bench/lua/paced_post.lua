-- POST bodies from an NDJSON file to one path at a fixed rate, round-robin (like post.lua).
-- args: <ndjson file> <path> <requests per second for this thread> [sequential]
-- wrk has no rate limit: delay() hands each connection the thread's next free send slot (one
-- every 1/rate s), so the thread sends at `rate` while a connection is free for each slot; a
-- slot missed because every connection was busy is not made up later. wrk's latency counts from
-- the send, not from the slot. "sequential": thread n starts at n/threads of the file instead
-- of a random line, for wrk -t2 as run.py runs it (so the two streams stay apart).
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } vesta_timespec;
  int clock_gettime(int clock, vesta_timespec *now);
]]
local clock = ffi.new("vesta_timespec")
local bodies, path, index, interval_ms, next_slot

local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = 0
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

function init(args)
  bodies = common.read_lines(args[1])
  path = args[2]
  interval_ms = 1000 / tonumber(args[3])
  if args[4] == "sequential" then
    index = math.floor((thread_number or 0) * #bodies / 2)
  else
    index = math.random(#bodies)
  end
end

function delay()
  local now = now_ms()
  if next_slot == nil or next_slot < now then next_slot = now end
  local wait = next_slot - now
  next_slot = next_slot + interval_ms
  return math.floor(wait + 0.5)
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", path, { ["Content-Type"] = "application/fhir+json" }, bodies[index])
end

done = common.report
