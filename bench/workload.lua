-- The benchmark's wrk script. Arguments (after `--`): <users file> <mode> [list query] [think]
--   users file: one user a line, "<user id> <token> <task id>,<task id>,..." (written by run.mjs)
--   mode "mix":  60 % list, 15 % get, 10 % create, 10 % update, 5 % toggle
--   mode "list", "get", "create", "update", "toggle": that operation alone (list with the list
--                query, e.g. "?limit=20"; update is a PUT of title and priority)
--   mode "idle": one list request a connection, then the connection is held open and quiet
--   think: "<min ms>-<max ms>", each connection waits that long (uniformly) before each request;
--          in mode "idle", "<connections per thread>" (the first request is spread over 1 s)
-- Every request goes to the next user of the file (a different user and token each time);
-- done() prints one line "BENCH_RESULT <json>" with the figures run.mjs reads.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

-- Per-thread state (each wrk thread runs its own copy of this script).
local users = {}
local mode = "mix"
local list_query = ""
local think_min, think_max = 0, 0
local idle_connections = 0
local next_user = 1
statuses = {}
operations = {}

local function split(text, separator)
  local parts = {}
  for part in string.gmatch(text, "[^" .. separator .. "]+") do
    table.insert(parts, part)
  end
  return parts
end

local delays = 0

local function think()
  if mode == "idle" then
    delays = delays + 1
    if delays <= idle_connections then return math.random(0, 1000) end
    return 3600 * 1000
  end
  return math.random(think_min, think_max)
end

function init(args)
  mode = args[2] or "mix"
  list_query = args[3] or ""
  if mode == "idle" then
    idle_connections = tonumber(args[4])
  elseif args[4] and args[4] ~= "" then
    local bounds = split(args[4], "-")
    think_min, think_max = tonumber(bounds[1]), tonumber(bounds[2])
  end
  -- wrk looks for delay() after init(): without it the loop stays closed (the next request as
  -- soon as a response is in).
  if mode == "idle" or think_max > 0 then delay = think end
  local file = assert(io.open(args[1], "r"))
  local host = "Host: " .. wrk.host .. ":" .. wrk.port .. "\r\n"
  for line in file:lines() do
    local fields = split(line, " ")
    local ids = split(fields[3] or "", ",")
    table.insert(users, {
      base = "/api/" .. fields[1] .. "/tasks",
      headers = host .. "Authorization: Bearer " .. fields[2] .. "\r\n",
      ids = ids
    })
  end
  file:close()
  -- Threads start at different users so they do not move in step.
  next_user = (thread_index * 7919) % #users + 1
  math.randomseed(1000 + thread_index)
end

local function raw(method, path, headers, body)
  if body == nil then
    return method .. " " .. path .. " HTTP/1.1\r\n" .. headers .. "\r\n"
  end
  return method .. " " .. path .. " HTTP/1.1\r\n" .. headers ..
    "Content-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

local priorities = { "low", "medium", "high" }
local counter = 0

local function operation()
  local roll = math.random(100)
  if roll <= 60 then return "list" end
  if roll <= 75 then return "get" end
  if roll <= 85 then return "create" end
  if roll <= 95 then return "update" end
  return "toggle"
end

function request()
  local user = users[next_user]
  next_user = next_user % #users + 1
  local op = mode == "idle" and "list" or mode == "mix" and operation() or mode
  operations[op] = (operations[op] or 0) + 1
  counter = counter + 1
  if op == "list" then
    return raw("GET", user.base .. list_query, user.headers)
  end
  if op == "create" then
    local body = '{"title":"bench task ' .. counter .. '","priority":"' .. priorities[counter % 3 + 1] ..
      '","tags":["bench","t' .. (counter % 10) .. '"]}'
    return raw("POST", user.base, user.headers, body)
  end
  local path = user.base .. "/" .. user.ids[math.random(#user.ids)]
  if op == "get" then
    return raw("GET", path, user.headers)
  end
  if op == "update" then
    local body = '{"title":"updated ' .. counter .. '","priority":"' .. priorities[counter % 3 + 1] .. '"}'
    return raw("PUT", path, user.headers, body)
  end
  return raw("PATCH", path .. "/complete", user.headers)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    statuses[status] = (statuses[status] or 0) + 1
  end
end

local function json_counts(counts)
  local parts = {}
  for key, value in pairs(counts) do
    table.insert(parts, '"' .. tostring(key) .. '":' .. value)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local non2xx, ops = {}, {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      non2xx[status] = (non2xx[status] or 0) + count
    end
    for op, count in pairs(thread:get("operations") or {}) do
      ops[op] = (ops[op] or 0) + count
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%f},"non2xx":%s,"operations":%s}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    json_counts(non2xx), json_counts(ops)))
end
