-- wrk script for t/reload_load.t: cycles through requests to the JWT,
-- rate-limit and CORS locations, one request a connection, and counts
-- every response status, so that the 401s and 429s the test expects are
-- told apart from 5xx.  The tokens come from the environment.
--
--   wrk -t1 -c8 -d20s -s t/reload_load.lua http://127.0.0.1:PORT
--
-- Prints, at the end: "STATUS <code> <count>" lines, "ERRORS <kind> <n>"
-- lines (wrk's socket errors), and "TOTAL <n>".

local good = os.getenv("APISEC_GOOD")
local expired = os.getenv("APISEC_EXPIRED")
local forged = os.getenv("APISEC_FORGED")

local reqs = {}
local n = 0
counts = {}
local threads = {}

local function add(method, path, headers)
    headers["Connection"] = "close"
    table.insert(reqs, wrk.format(method, path, headers))
end

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    add("GET", "/jwt", { ["Authorization"] = "Bearer " .. good })       -- 200
    add("GET", "/jwt", { ["Authorization"] = "Bearer " .. expired })    -- 401
    add("GET", "/jwt", { ["Authorization"] = "Bearer " .. forged })     -- 401
    add("GET", "/jwt", {})                                              -- 401
    add("GET", "/limit", {})                                            -- 200/429
    add("OPTIONS", "/cors", { ["Origin"] = "https://app.example.com",
                              ["Access-Control-Request-Method"] = "GET",
                              ["Access-Control-Request-Headers"] = "authorization" })  -- 204
    add("GET", "/cors", { ["Origin"] = "https://app.example.com",
                          ["Authorization"] = "Bearer " .. good })       -- 200
    add("GET", "/cors", { ["Origin"] = "https://app.example.com" })     -- 401
end

function request()
    n = n + 1
    return reqs[(n % #reqs) + 1]
end

function response(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
    local all = {}
    for _, t in ipairs(threads) do
        local c = t:get("counts")
        for status, k in pairs(c) do
            all[status] = (all[status] or 0) + k
        end
    end
    for status, k in pairs(all) do
        io.write(string.format("STATUS %d %d\n", status, k))
    end
    local e = summary.errors
    io.write(string.format("ERRORS connect %d\nERRORS read %d\nERRORS write %d\n"
                           .. "ERRORS status %d\nERRORS timeout %d\n",
                           e.connect, e.read, e.write, e.status, e.timeout))
    io.write(string.format("TOTAL %d\n", summary.requests))
end
