#!/usr/bin/python3
"""Helper of bench/run: cases, nginx.conf, checks, the callgrind client, the
summary.  bench/run is the entry point; see bench/README.md.

  bench.py prepare   --tmp DIR [--module SO] [--only RE] ...
  bench.py check     --tmp DIR [--port N]
  bench.py wrk       --tmp DIR --round R --case C [--worker PID] -- wrk ...
  bench.py callgrind --tmp DIR --pid PID --kind full|stock ...
  bench.py summary   --tmp DIR --results DIR
"""

import argparse
import datetime
import glob
import hashlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time

QUIET = 0.1                 # CPUs used by other processes: a round below is clean
BASELINE = "plain"          # short name of the baseline case (00-plain)
PLACEHOLDERS = ("@ROOT@", "@BENCH@", "@CASES@", "@TMP@")


def die(msg, code=2):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(code)


def load(tmp):
    with open(os.path.join(tmp, "manifest.json")) as f:
        return json.load(f)


def save(tmp, name, obj):
    path = os.path.join(tmp, name)
    with open(path + ".new", "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(path + ".new", path)


# ---------------------------------------------------------------- cases

def parse_expect(text, where):
    text = text.strip().lower()
    if re.fullmatch(r"[1-5]xx", text):
        return text
    if re.fullmatch(r"[1-5][0-9][0-9]", text):
        return int(text)
    die("%s: bad \"# expect:\" value \"%s\" (a status, or 2xx)" % (where, text))


def status_ok(status, expect):
    if isinstance(expect, int):
        return status == expect
    return str(status)[0] == expect[0]


def expect_is_success(expect):
    """wrk only tells "Non-2xx or 3xx responses": a 2xx/3xx expectation means
    that count must be 0, a 4xx/5xx one that it must equal the total."""
    return str(expect)[0] in "23"


def read_header_lines(lines, where):
    headers = []
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            die("%s:%d: not a \"Name: value\" header line: %r" % (where, n, line))
        headers.append([name, value.strip()])
    return headers


def subst(text, env):
    for key in PLACEHOLDERS:
        text = text.replace(key, env[key])
    return text


def parse_case(path, env, port):
    stem = os.path.basename(path)[:-len(".conf")]
    m = re.fullmatch(r"(\d+)-([A-Za-z0-9_.-]+)", stem)
    if not m:
        die("%s: case files are named NN-name.conf" % path)
    short = m.group(2)
    base = path[:-len(".conf")]
    with open(path) as f:
        text = f.read()

    case = {
        "stem": stem, "name": short, "file": os.path.relpath(path, env["@ROOT@"]),
        "uri": "/" + short, "method": "GET", "body": None, "expect": "2xx",
        "expect_headers": [], "headers": [], "http": [], "skip": None,
        "main": [], "requires": [], "baseline": None, "floor": None,
        "cg_n": None,
    }
    for line in text.splitlines():
        mm = re.match(r"\s*#\s*(http|main|requires|expect|expect-header|uri|method|body"
                      r"|baseline|floor|cg-n)"
                      r"\s*:\s?(.*)$", line)
        if not mm:
            continue
        key, val = mm.group(1), mm.group(2).rstrip()
        if key == "http":
            case["http"].append(val)
        elif key == "main":
            case["main"].append(subst(val, env))
        elif key == "requires":
            case["requires"].append(subst(val.strip(), env))
        elif key == "expect":
            case["expect"] = parse_expect(val, path)
        elif key == "expect-header":
            name, sep, value = val.partition(":")
            case["expect_headers"].append([name.strip(), value.strip() if sep else None])
        elif key == "uri":
            case["uri"] = val.strip()
        elif key == "method":
            case["method"] = val.strip().upper()
        elif key == "body":
            case["body"] = val
        elif key == "baseline":
            case["baseline"] = val.strip()
        elif key == "floor":
            f = subst(val, env).split()
            if len(f) != 3:
                die("%s: \"# floor: ALG KEY TOKENS\"" % path)
            case["floor"] = f
        elif key == "cg-n":
            n = [int(x) for x in val.split()]
            if len(n) != 2 or not 0 < n[0] < n[1]:
                die("%s: \"# cg-n: N1 N2\", N1 < N2" % path)
            case["cg_n"] = n

    if os.path.exists(base + ".http"):
        with open(base + ".http") as f:
            case["http"].append(f.read().rstrip("\n"))
    case["http"] = [subst(h, env) for h in case["http"]]
    case["location"] = subst(text.rstrip("\n"), env)
    if not case["uri"].startswith("/"):
        die("%s: \"# uri:\" must start with /" % path)

    if os.path.exists(base + ".headers"):
        with open(base + ".headers") as f:
            case["headers"] += read_header_lines(f.readlines(), base + ".headers")

    case["needs_module"] = "apisec_" in case["location"] + "\n".join(case["http"])
    case["script"] = base + ".sh" if os.path.exists(base + ".sh") else None
    case["cycle"] = base + ".cycle" if os.path.exists(base + ".cycle") else None
    case["cycle_len"] = 0
    return case


def read_cycle(case):
    """NN-name.cycle, or $BENCH_TMP/NN-name.cycle written by NN-name.sh: one
    header line a request, used in turn (every request a distinct token...)."""
    with open(case["cycle"]) as f:
        lines = read_header_lines(f.readlines(), case["cycle"])
    if not lines:
        die("%s: no header lines" % case["cycle"])
    return lines


def cycle_lua(case, lines):
    """wrk: the requests are formatted once, in init, and sent in turn."""
    names = sorted({k.lower() for k, _ in lines})
    fixed = [(k, v) for k, v in case["headers"] if k.lower() not in names]
    out = ["local fixed = {"]
    out += ["  [%s] = %s," % (lua_str(k), lua_str(v)) for k, v in fixed]
    out += ["}", "local path = %s" % lua_str(case["cycle"]),
            "local reqs, n = {}, 0",
            "init = function(args)",
            "  for line in io.lines(path) do",
            "    local k, v = line:match(\"^([^:#%s][^:]*):%s*(.-)%s*$\")",
            "    if k then",
            "      local h = {}",
            "      for fk, fv in pairs(fixed) do h[fk] = fv end",
            "      h[k] = v",
            "      n = n + 1",
            "      reqs[n] = wrk.format(%s, nil, h, %s)" % (
                lua_str(case["method"]),
                lua_str(case["body"]) if case["body"] is not None else "nil"),
            "    end",
            "  end",
            "end",
            "local i = 0",
            "request = function()",
            "  i = i % n + 1",
            "  return reqs[i]",
            "end"]
    return out


def run_case_script(case, env, port):
    """NN-name.sh prints header lines at run time (a freshly minted token...)."""
    e = dict(os.environ)
    e.update({"BENCH_ROOT": env["@ROOT@"], "BENCH_DIR": env["@BENCH@"],
              "BENCH_CASES": env["@CASES@"], "BENCH_TMP": env["@TMP@"],
              "BENCH_CASE": case["stem"], "BENCH_PORT": str(port)})
    p = subprocess.run(["bash", case["script"]], cwd=env["@ROOT@"], env=e,
                       capture_output=True, text=True)
    if p.returncode != 0:
        die("%s failed (exit %d):\n%s" % (case["script"], p.returncode, p.stderr))
    case["headers"] += read_header_lines(p.stdout.splitlines(), case["script"])


def lua_str(s):
    out = []
    for ch in s.encode():
        c = chr(ch)
        if c in "\\\"":
            out.append("\\" + c)
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append("\\%03d" % ch)
    return '"' + "".join(out) + '"'


def nginx_conf(cases, port, tmp, module):
    lines = []
    if module:
        lines.append("load_module %s;" % module)
    for c in cases:                     # "# main:" lines, each once
        for m in c["main"]:
            if m not in lines:
                lines.append(m)
    lines += [
        "worker_processes 1;",
        "pid %s/nginx.pid;" % tmp,
        "error_log %s/error.log;" % tmp,
        "worker_rlimit_nofile 4096;",
        "",
        "events {",
        "    worker_connections 1024;",
        "}",
        "",
        "http {",
        "    access_log off;",
        "    default_type application/octet-stream;",
        "    keepalive_requests 1000000;",
        "    keepalive_timeout 300s;",
    ]
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        lines.append("    %s_temp_path %s/%s_temp;" % (d, tmp, d))
    for c in cases:
        if c["http"]:
            lines.append("")
            lines.append("    # http-level config of %s" % c["stem"])
            for h in c["http"]:
                lines += ["    " + x for x in h.splitlines()]
    lines += [
        "",
        "    server {",
        "        listen 127.0.0.1:%d;" % port,
        "        server_name localhost;",
    ]
    for c in cases:
        lines.append("")
        lines.append("        # %s" % c["file"])
        lines += [("        " + x).rstrip() for x in c["location"].splitlines()]
    lines += ["    }", "}", ""]
    return "\n".join(lines)


def copy_module(module, tmp):
    """nginx loads a private copy: "make" rewrites build/*.so in place (cp),
    which would crash an nginx that has the file mapped, mid-run."""
    dst = os.path.join(tmp, os.path.basename(module))
    for _ in range(10):
        st0 = os.stat(module)
        with open(module, "rb") as f:
            data = f.read()
        st1 = os.stat(module)
        stable = (st0.st_mtime_ns, st0.st_size) == (st1.st_mtime_ns, st1.st_size)
        if stable and st1.st_size == len(data) and time.time() - st1.st_mtime > 1.0:
            break
        time.sleep(1.0)                 # being written: wait for the build
    else:
        die("%s keeps changing; is a build running?" % module)
    with open(dst, "wb") as f:
        f.write(data)
    info = {"path": module, "sha256": hashlib.sha256(data).hexdigest()[:12],
            "mtime": st1.st_mtime}
    return dst, info


def cmd_prepare(a):
    root = os.path.abspath(a.root)
    bench = os.path.join(root, "bench")
    casedir = os.path.abspath(a.cases) if a.cases else os.path.join(bench, "cases")
    tmp = os.path.abspath(a.tmp)
    env = {"@ROOT@": root, "@BENCH@": bench, "@CASES@": casedir, "@TMP@": tmp}

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()

    module = os.path.abspath(a.module) if a.module else ""
    module_ok = bool(module) and os.path.isfile(module) and not a.no_module
    only = re.compile(a.only) if a.only else None

    cases, notes = [], []
    for path in sorted(glob.glob(os.path.join(casedir, "*.conf"))):
        c = parse_case(path, env, port)
        if only and c["name"] != BASELINE and not only.search(c["stem"]):
            continue
        missing = [r for r in c["requires"] if not os.path.exists(r)]
        if missing:
            notes.append("skipped %s: %s not found" % (c["stem"], ", ".join(missing)))
            continue
        if c["needs_module"] and not module_ok:
            why = ("--no-module" if a.no_module else
                   "module not found at %s (run make, or MODULE=path)" %
                   (module or "build/ngx_http_apisec_module.so"))
            notes.append("skipped %s: %s" % (c["stem"], why))
            continue
        cases.append(c)
    if not cases:
        die("no cases selected")
    for c in cases:
        if c["script"]:
            run_case_script(c, env, port)
        gen = os.path.join(tmp, c["stem"] + ".cycle")
        if os.path.exists(gen):
            c["cycle"] = gen
        if c["cycle"]:
            c["cycle_len"] = len(read_cycle(c))

    use_module = module_ok and any(c["needs_module"] for c in cases)
    loaded, module_info = "", None
    if use_module:
        loaded, module_info = copy_module(module, tmp)
    os.makedirs(os.path.join(tmp, "lua"), exist_ok=True)
    for c in cases:
        lua = ["wrk.method = %s" % lua_str(c["method"])]
        for k, v in c["headers"]:
            lua.append("wrk.headers[%s] = %s" % (lua_str(k), lua_str(v)))
        if c["body"] is not None:
            lua.append("wrk.body = %s" % lua_str(c["body"]))
        if c["cycle"]:
            lua += cycle_lua(c, read_cycle(c))
        c["lua"] = os.path.join(tmp, "lua", c["stem"] + ".lua")
        with open(c["lua"], "w") as f:
            f.write("\n".join(lua) + "\n")

    with open(os.path.join(tmp, "nginx.conf"), "w") as f:
        f.write(nginx_conf(cases, port, tmp, loaded))
    stock = [c for c in cases if not c["needs_module"]]
    have_stock_conf = use_module and any(c["name"] == BASELINE for c in stock)
    if have_stock_conf:
        with open(os.path.join(tmp, "nginx-stock.conf"), "w") as f:
            f.write(nginx_conf(stock, port, tmp, ""))

    man = {"port": port, "root": root, "tmp": tmp, "cases": cases, "notes": notes,
           "module": module if use_module else "", "module_info": module_info,
           "stock_conf": have_stock_conf}
    save(tmp, "manifest.json", man)
    with open(os.path.join(tmp, "cases.tsv"), "w") as f:
        for c in cases:
            f.write("%s\t%s\t%s\n" % (c["stem"], c["uri"], c["lua"]))
    for n in notes:
        print("bench: " + n)
    print("bench: %d case(s): %s%s" % (len(cases), " ".join(c["stem"] for c in cases),
                                      "  [module loaded]" if use_module else ""))
    with open(os.path.join(tmp, "port"), "w") as f:
        f.write("%d\n" % port)


# ---------------------------------------------------------------- check (curl)

def cmd_check(a):
    man = load(a.tmp)
    port = a.port or man["port"]
    bad = 0
    for c in man["cases"]:
        hdr = os.path.join(a.tmp, "check-%s.headers" % c["stem"])
        cmd = ["curl", "-sS", "-o", "/dev/null", "-D", hdr, "-w", "%{http_code}",
               "--max-time", "10", "-X", c["method"]]
        headers = c["headers"]
        if c.get("cycle"):
            first = read_cycle(c)[0]
            headers = [h for h in headers if h[0].lower() != first[0].lower()]
            headers.append(first)
        for k, v in headers:
            cmd += ["-H", "%s: %s" % (k, v)]
        if c["body"] is not None:
            cmd += ["--data-binary", c["body"]]
        cmd.append("http://127.0.0.1:%d%s" % (port, c["uri"]))
        p = subprocess.run(cmd, capture_output=True, text=True)
        problems = []
        status = p.stdout.strip()
        if p.returncode != 0:
            problems.append("curl failed: " + p.stderr.strip())
        elif not status.isdigit() or not status_ok(int(status), c["expect"]):
            problems.append("status %s, expected %s" % (status, c["expect"]))
        else:
            got = {}
            with open(hdr, errors="replace", newline="") as f:
                for line in f.read().split("\r\n")[1:]:
                    k, sep, v = line.partition(":")
                    if sep:
                        got.setdefault(k.strip().lower(), []).append(v.strip())
            for name, value in c["expect_headers"]:
                vals = got.get(name.lower())
                if not vals:
                    problems.append("no %s header" % name)
                elif value is not None and value not in vals:
                    problems.append("%s: %s, expected %s" % (name, vals, value))
        print("check %-20s %-5s %s  %s" % (c["stem"], c["method"], status or "---",
                                           "; ".join(problems) if problems else "ok"))
        bad += bool(problems)
    if bad:
        die("%d case(s) failed the check; see above (and %s/error.log)" % (bad, a.tmp), 1)


# ---------------------------------------------------------------- wrk output

def parse_wrk(text):
    r = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["socket_errors"] = sum(map(int, m.groups())) if m else 0
    m = re.search(r"Latency\s+([\d.]+)(us|ms|s)", text)
    if m:
        r["latency_avg_us"] = float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
    return r


def proc_cpu(pid):
    """utime + stime of a process, in clock ticks (0 if it is gone)."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            fields = f.read().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return 0


def cmd_wrk(a):
    """Run one wrk (the command after --), parse and check its output, and
    measure how much CPU other processes took meanwhile: all busy CPU time
    minus wrk's and the nginx worker's."""
    man = load(a.tmp)
    c = next(x for x in man["cases"] if x["stem"] == a.case)
    hz = os.sysconf("SC_CLK_TCK")
    b0, _ = cpu_jiffies()
    w0 = sum(proc_cpu(w) for w in a.worker)
    t0 = time.monotonic()
    p = subprocess.Popen(a.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = p.stdout.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    t1 = time.monotonic()
    b1, _ = cpu_jiffies()
    w1 = sum(proc_cpu(w) for w in a.worker)
    ours = ru.ru_utime + ru.ru_stime + (w1 - w0) / hz
    other = max(0.0, ((b1 - b0) / hz - ours) / (t1 - t0))
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)

    r = parse_wrk(text)
    problems = []
    if os.waitstatus_to_exitcode(status) != 0:
        problems.append("wrk failed:\n" + text)
    elif "rps" not in r or "requests" not in r:
        problems.append("could not parse wrk output:\n" + text)
    elif expect_is_success(c["expect"]):
        if r["non2xx"]:
            problems.append("%d responses not 2xx/3xx" % r["non2xx"])
    elif r["non2xx"] != r["requests"]:
        problems.append("%d of %d responses 2xx/3xx, expected %s" %
                        (r["requests"] - r["non2xx"], r["requests"], c["expect"]))
    r.update({"case": a.case, "round": a.round, "problems": problems,
              "other_cpus": round(other, 3),
              "ours_cpus": round(ours / (t1 - t0), 3)})
    if a.worker and r.get("requests"):
        # the worker's CPU time a request (user + system): unlike req/s,
        # hardly changed by what else runs on the machine
        r["worker_us"] = round((w1 - w0) / hz / r["requests"] * 1e6, 3)
    if a.round != "warmup":
        with open(os.path.join(a.tmp, "wrk.jsonl"), "a") as f:
            f.write(json.dumps(r) + "\n")
    print("  %-7s %-22s %10s req/s   other load %.2f CPU%s%s" % (
        a.round, a.case, "%.0f" % r["rps"] if "rps" in r else "?", other,
        "  (%d socket errors)" % r["socket_errors"] if r.get("socket_errors") else "",
        "  FAIL: " + "; ".join(problems) if problems else ""))
    return 1 if problems else 0


# ---------------------------------------------------------------- callgrind

class Client:
    """Exact request counts on one keep-alive connection."""

    def __init__(self, port, case):
        self.port, self.case = port, case
        self.sock, self.buf = None, b""
        variants = [None]
        if case.get("cycle"):
            variants = read_cycle(case)
        self.reqs = []
        for var in variants:
            headers = case["headers"]
            if var:
                headers = [h for h in headers if h[0].lower() != var[0].lower()]
                headers = headers + [var]
            lines = ["%s %s HTTP/1.1" % (case["method"], case["uri"]),
                     "Host: localhost"]
            lines += ["%s: %s" % (k, v) for k, v in headers]
            body = (case["body"] or "").encode()
            if case["body"] is not None:
                lines.append("Content-Length: %d" % len(body))
            self.reqs.append(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        self.next = 0
        self.reconnects = 0

    def connect(self):
        self.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise ConnectionError("connection closed by nginx")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def one(self):
        if self.sock is None:
            self.connect()
            self.reconnects += 1
        self.sock.sendall(self.reqs[self.next])
        self.next = (self.next + 1) % len(self.reqs)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        h = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            h[k.strip().lower()] = v.strip().lower()
        if self.case["method"] == "HEAD" or status in (204, 304) or status < 200:
            pass
        elif "chunked" in h.get("transfer-encoding", ""):
            while True:
                size = int(self._line().split(b";")[0], 16)
                self._take(size + 2)
                if size == 0:
                    break
        elif "content-length" in h:
            self._take(int(h["content-length"]))
        else:                                   # body until close
            while True:
                try:
                    self._fill()
                except ConnectionError:
                    break
            h["connection"] = "close"
        if h.get("connection") == "close":
            self.close()
        if not status_ok(status, self.case["expect"]):
            raise RuntimeError("%s: status %d, expected %s" %
                               (self.case["stem"], status, self.case["expect"]))

    def run(self, n):
        for _ in range(n):
            self.one()


class Callgrind:
    def __init__(self, pid, outdir):
        self.pid, self.outdir = str(pid), outdir

    def _ctl(self, opt):
        p = subprocess.run(["callgrind_control", opt, self.pid],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0 or "OK" not in p.stdout:
            die("callgrind_control %s %s failed: %s%s" % (opt, self.pid, p.stdout, p.stderr), 1)

    def zero(self):
        self._ctl("-z")

    def dump(self):
        before = set(os.listdir(self.outdir))
        self._ctl("-d")
        new = sorted(set(os.listdir(self.outdir)) - before)
        if len(new) != 1:
            die("callgrind dump: expected one new file in %s, got %s" % (self.outdir, new), 1)
        path = os.path.join(self.outdir, new[0])
        total = None
        with open(path) as f:
            for line in f:
                if line.startswith(("totals:", "summary:")):
                    total = int(line.split()[1])
                    if line.startswith("totals:"):
                        break
        os.unlink(path)
        if total is None:
            die("no totals in " + path, 1)
        return total


def cmd_callgrind(a):
    man = load(a.tmp)
    port = man["port"]
    cg = Callgrind(a.pid, a.outdir)
    cases = man["cases"]
    if a.kind == "stock":
        cases = [c for c in cases if c["name"] == BASELINE]
    out = {}
    for c in cases:
        cl = Client(port, c)
        n1, n2 = c.get("cg_n") or (a.n1, a.n2)
        if a.n1 < n1:                   # asked for less than the case's own
            n1, n2 = a.n1, a.n2
        try:
            cl.connect()
            cl.run(a.warmup)
            time.sleep(a.settle)
            totals = {n1: [], n2: []}
            for _ in range(a.reps):
                for n in (n1, n2):
                    cg.zero()
                    cl.run(n)
                    time.sleep(a.settle)     # nginx back in epoll_wait
                    totals[n].append(cg.dump())
        except (OSError, ConnectionError, RuntimeError) as e:
            die("callgrind client, %s: %s" % (c["stem"], e), 1)
        finally:
            cl.close()
        i1, i2 = min(totals[n1]), min(totals[n2])
        per = (i2 - i1) / (n2 - n1)
        # every (rep) pair on its own, to show how repeatable the figure is
        pairs = [(y - x) / (n2 - n1) for x, y in zip(totals[n1], totals[n2])]
        key = c["stem"] if a.kind == "full" else c["stem"] + "/stock"
        out[key] = {"instr_per_req": per, "totals": {str(k): v for k, v in totals.items()},
                    "pairs": pairs, "reconnects": cl.reconnects,
                    "n1": n1, "n2": n2, "reps": a.reps}
        print("  callgrind %-26s %10.1f instr/request  (pairs: %s)" % (
            key, per, ", ".join("%.1f" % p for p in pairs)))
        time.sleep(a.settle)
    path = os.path.join(a.tmp, "callgrind.json")
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
    old.update(out)
    save(a.tmp, "callgrind.json", old)


# ---------------------------------------------------------------- floor

def cmd_floor(a):
    """bench/verify_floor.c for every "# floor:" of the selected cases: ns a
    verification natively, instructions under callgrind (one dump a way of
    verifying, CALLGRIND_DUMP_STATS_AT around N calls)."""
    man = load(a.tmp)
    floors = {}
    for c in man["cases"]:
        if c.get("floor"):
            floors[c["floor"][0]] = c["floor"]
    out = {}
    outdir = os.path.join(a.tmp, "cg-floor")
    os.makedirs(outdir, exist_ok=True)
    for alg, (_, key, tokens) in sorted(floors.items()):
        res = {}
        if a.ns:
            p = subprocess.run(["taskset", "-c", "0", a.bin, alg, key, tokens, "2000", "ns"]
                               if a.pin else [a.bin, alg, key, tokens, "2000", "ns"],
                               capture_output=True, text=True)
            if p.returncode != 0:
                die("verify_floor %s failed: %s" % (alg, p.stderr), 1)
            for line in p.stdout.splitlines():
                f = line.split()
                res.setdefault(f[1], {})["ns"] = float(f[3])
        if a.cg:
            for old in os.listdir(outdir):
                os.unlink(os.path.join(outdir, old))
            out_file = os.path.join(outdir, "cg.out")
            p = subprocess.run(["valgrind", "--tool=callgrind", "-q",
                                "--callgrind-out-file=" + out_file,
                                a.bin, alg, key, tokens, str(a.n), "cg"],
                               capture_output=True, text=True)
            if p.returncode != 0:
                die("verify_floor %s under callgrind failed: %s" % (alg, p.stderr), 1)
            for name in os.listdir(outdir):
                desc, total = None, None
                with open(os.path.join(outdir, name)) as f:
                    for line in f:
                        if line.startswith("desc: Trigger: Client Request: floor "):
                            desc = line.split()[5:8]
                        elif line.startswith(("totals:", "summary:")):
                            total = int(line.split()[1])
                if desc and total is not None:
                    res.setdefault(desc[1], {})["ir"] = total / int(desc[2])
        ranked = sorted(res, key=lambda v: (res[v].get("ir", float("inf")),
                                            res[v].get("ns", float("inf"))))
        out[alg] = {"ways": res, "best": ranked[0] if ranked else None}
        print("  floor %-6s %s" % (alg, ", ".join(
            "%s %s%s" % (v, "%.0f Ir" % res[v]["ir"] if "ir" in res[v] else "",
                         " %.0f ns" % res[v]["ns"] if "ns" in res[v] else "")
            for v in ranked)))
    save(a.tmp, "floor.json", out)


# ---------------------------------------------------------------- summary

def fmt_int(x):
    return "{:,.0f}".format(x)


def cpu_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]                              # idle + iowait
    return sum(v[:8]) - idle, os.sysconf("SC_CLK_TCK")


def busy_cpus(seconds=1.0):
    b0, hz = cpu_jiffies()
    t0 = time.monotonic()
    time.sleep(seconds)
    b1, _ = cpu_jiffies()
    return (b1 - b0) / hz / (time.monotonic() - t0)


def cmd_busy(a):
    """How many CPUs other processes keep busy, over one second; with
    --wait S, first wait up to S seconds for that to drop below 0.1."""
    deadline = time.monotonic() + a.wait
    b = busy_cpus()
    while b >= 0.1 and time.monotonic() < deadline:
        b = busy_cpus()
    print("%.2f" % b)


def cmd_summary(a):
    man = load(a.tmp)
    wrk = {}
    wrk_problems = []
    path = os.path.join(a.tmp, "wrk.jsonl")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                wrk.setdefault(r["case"], []).append(r)
                for p in r["problems"]:
                    wrk_problems.append("%s round %s: %s" % (r["case"], r["round"], p))
    cg = {}
    path = os.path.join(a.tmp, "callgrind.json")
    if os.path.exists(path):
        with open(path) as f:
            cg = json.load(f)

    base = next((c["stem"] for c in man["cases"] if c["name"] == BASELINE), None)
    rows = []
    for c in man["cases"]:
        rows.append((c["stem"], c))
        if c["name"] == BASELINE and c["stem"] + "/stock" in cg:
            rows.append((c["stem"] + "/stock", c))

    def rps_stats(stem):
        """Over the clean rounds (other processes below QUIET CPU) when there
        is one, else over all rounds."""
        runs = [r for r in wrk.get(stem, []) if "rps" in r]
        if not runs:
            return None
        clean = [r for r in runs if r.get("other_cpus", 0.0) < QUIET]
        use = clean or runs
        v = [r["rps"] for r in use]
        us = [r["worker_us"] for r in use if "worker_us" in r]
        return {"median": statistics.median(v), "min": min(v), "max": max(v),
                "worker_us": statistics.median(us) if us else None,
                "used": [r["round"] for r in use], "clean": len(clean), "rounds": len(runs),
                "all": [r["rps"] for r in runs],
                "other": [r.get("other_cpus", 0.0) for r in runs]}

    base_rps = rps_stats(base) if base else None
    base_cg = cg.get(base, {}).get("instr_per_req") if base else None

    floor = {}
    path = os.path.join(a.tmp, "floor.json")
    if os.path.exists(path):
        with open(path) as f:
            floor = json.load(f)

    def floor_of(alg):
        """The cheapest way of verifying ALG: (name, ir, ns), None if unmeasured."""
        fl = floor.get(alg)
        if not fl or not fl.get("best"):
            return None
        w = fl["ways"][fl["best"]]
        return fl["best"], w.get("ir"), w.get("ns")

    # after the last case of an algorithm, a row for its floor
    last_of, group = {}, {}
    for key, c in rows:
        if c.get("floor"):
            group[c.get("baseline") or key] = c["floor"][0]
    for key, c in rows:
        alg = group.get(c.get("baseline") or "")
        if alg:
            last_of[alg] = key
    with_floor = []
    for key, c in rows:
        with_floor.append((key, c))
        for alg, k in last_of.items():
            if k == key and floor_of(alg):
                with_floor.append(("floor " + alg, c))
    rows = with_floor

    hdr = ("case", "expect", "req/s median", "min", "max", "vs plain", "clean",
           "instr/req", "extra vs plain", "extra vs hdr", "x floor",
           "worker us/req")
    table = []
    data = {}
    for key, c in rows:
        if key.startswith("floor "):
            alg = key[6:]
            name, fir, fns = floor_of(alg)
            bl = c.get("baseline")
            bst = rps_stats(bl) if bl else None
            c = next(cc for kk, cc in rows if cc.get("floor") and cc["floor"][0] == alg)
            bir = cg.get(bl, {}).get("instr_per_req") if bl else None
            rate = 1.0 / (1.0 / bst["median"] + fns * 1e-9) if bst and fns else None
            table.append((
                "  %s (OpenSSL: %s)" % (key, name), "",
                fmt_int(rate) if rate else "-", "", "",
                "%.3f" % (rate / base_rps["median"]) if rate and base_rps else "-", "",
                fmt_int(bir + fir) if bir is not None and fir else "-",
                "", "+%.0f" % fir if fir else "-", "1.00" if fir else "-",
                "+%.2f" % (fns / 1000.0) if fns else ""))
            data[key] = {"floor": floor.get(alg), "rate": rate, "wrk": None,
                         "callgrind": None}
            continue
        stock = key.endswith("/stock")
        label = (c["stem"] + " (module not loaded)") if stock else c["stem"]
        st = None if stock else rps_stats(key)
        ipr = cg.get(key, {}).get("instr_per_req")
        ratio = st["median"] / base_rps["median"] if st and base_rps else None
        extra = ipr - base_cg if ipr is not None and base_cg is not None else None
        if extra is None or key == base:
            extra_s = "-" if key != base or ipr is None else "(baseline)"
        else:
            extra_s = "%+.0f (%+.1f%%)" % (extra, 100.0 * extra / base_cg)
        bl = None if stock else c.get("baseline")
        bir = cg.get(bl, {}).get("instr_per_req") if bl else None
        xhdr = ipr - bir if ipr is not None and bir is not None else None
        fl = floor_of(c["floor"][0]) if not stock and c.get("floor") else None
        xfloor = xhdr / fl[1] if xhdr is not None and fl and fl[1] else None
        table.append((
            label, str(c["expect"]),
            fmt_int(st["median"]) if st else "-",
            fmt_int(st["min"]) if st else "-",
            fmt_int(st["max"]) if st else "-",
            "%.3f" % ratio if ratio is not None else "-",
            "%d/%d" % (st["clean"], st["rounds"]) if st else "-",
            fmt_int(ipr) if ipr is not None else "-",
            extra_s,
            "%+.0f" % xhdr if xhdr is not None else "",
            "%.2f" % xfloor if xfloor is not None else "",
            "%.2f" % st["worker_us"] if st and st.get("worker_us") else ""))
        data[key] = {"wrk": st, "ratio": ratio, "instr_per_req": ipr, "extra": extra,
                     "extra_vs_baseline": xhdr, "x_floor": xfloor,
                     "callgrind": cg.get(key)}

    # drop the columns of a measurement that did not run
    keep = [0, 1]
    if wrk:
        keep += [2, 3, 4, 5, 6]
        if any(r[11] for r in table):
            keep += [11]
    if cg:
        keep += [7, 8]
        if any(r[9] for r in table):
            keep += [9, 10]
    hdr = [hdr[i] for i in keep]
    table = [[r[i] for i in keep] for r in table]
    widths = [max(len(str(r[i])) for r in [hdr] + table) for i in range(len(hdr))]
    left = {0, 1}

    def line(r):
        return "  ".join(str(v).ljust(widths[i]) if i in left else str(v).rjust(widths[i])
                         for i, v in enumerate(r)).rstrip()

    meta = json.loads(os.environ.get("BENCH_META", "{}"))
    out = []
    out.append("apisec bench  %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
    out.append("  nginx:     %s" % meta.get("nginx", "?"))
    if man["module"]:
        mi = man["module_info"]
        out.append("  module:    %s (sha256 %s, built %s)" % (
            os.path.relpath(mi["path"], man["root"]), mi["sha256"],
            datetime.datetime.fromtimestamp(mi["mtime"]).strftime("%Y-%m-%d %H:%M:%S")))
    else:
        out.append("  module:    not loaded")
    if meta.get("git"):
        out.append("  source:    git %s" % meta["git"])
    if meta.get("wrk"):
        out.append("  wrk:       %s" % meta["wrk"])
        out.append("  machine:   %s CPUs, %s of them busy with other work before the run" % (
            meta.get("cpus", "?"), meta.get("busy", "?")))
    if meta.get("callgrind"):
        out.append("  callgrind: %s" % meta["callgrind"])
    out.append("")
    out.append(line(hdr))
    out.append(line(["-" * w for w in widths]))
    for r in table:
        out.append(line(r))
    notes = list(man["notes"])
    try:
        if meta.get("wrk") and float(meta.get("busy", 0)) >= QUIET:
            notes.append("the machine was busy before the run (%s CPUs); instr/req "
                         "are not affected by that" % meta["busy"])
    except ValueError:
        pass
    spread = ["%s %.0f%%" % (k, 100.0 * (d["wrk"]["max"] - d["wrk"]["min"]) / d["wrk"]["median"])
              for k, d in data.items() if d["wrk"] and d["wrk"]["median"] and
              (d["wrk"]["max"] - d["wrk"]["min"]) / d["wrk"]["median"] > 0.05]
    if spread:
        notes.append("req/s (max - min) / median above 5%%: %s" % ", ".join(spread))
    runs = [r for rs in wrk.values() for r in rs]
    busy = [r.get("other_cpus", 0.0) for r in runs if r.get("other_cpus", 0.0) >= QUIET]
    if busy:
        dirty = [k for k, d in data.items() if d["wrk"] and not d["wrk"]["clean"]]
        notes.append("other processes took %.1f CPU or more during %d of %d wrk rounds "
                     "(up to %.2f); req/s are over the clean rounds only (column \"clean\")"
                     % (QUIET, len(busy), len(runs), max(busy)))
        if dirty:
            notes.append("no clean round for %s: those req/s are over all rounds and "
                         "unreliable; rerun on a quiet machine, or with --wait-quiet 60"
                         % ", ".join(dirty))
    for key, d in data.items():
        cgd = d["callgrind"]
        if cgd and cgd["pairs"] and max(cgd["pairs"]) - min(cgd["pairs"]) > \
                max(30.0, 0.005 * cgd["instr_per_req"]):
            notes.append("%s: callgrind pairs disagree by %.0f instr/request" % (
                key, max(cgd["pairs"]) - min(cgd["pairs"])))
        if cgd and cgd.get("reconnects"):
            notes.append("%s: nginx closed the keep-alive connection %d time(s); "
                         "the reconnects are counted" % (key, cgd["reconnects"]))
    errs = sum(r.get("socket_errors", 0) for rs in wrk.values() for r in rs)
    if errs:
        notes.append("wrk reported %d socket errors in all" % errs)
    for alg, fl in sorted(floor.items()):
        notes.append("floor %s, each way OpenSSL verifies (bench/verify_floor.c): %s" % (
            alg, ", ".join("%s %s" % (w, " ".join(x for x in (
                fmt_int(v["ir"]) + " Ir" if "ir" in v else "",
                "%.0f ns" % v["ns"] if "ns" in v else "") if x))
                for w, v in sorted(fl["ways"].items(),
                                   key=lambda i: i[1].get("ir", i[1].get("ns", 0))))))
    notes += wrk_problems
    if notes:
        out.append("")
        out += ["note: " + n for n in notes]
    text = "\n".join(out) + "\n"
    print(text, end="")
    if a.results:
        os.makedirs(a.results, exist_ok=True)
        with open(os.path.join(a.results, "latest.txt"), "w") as f:
            f.write(text)
        save(a.results, "latest.json", {"meta": meta, "cases": data,
                                        "wrk_rounds": wrk, "notes": notes})
    return 1 if wrk_problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("prepare")
    p.add_argument("--root", required=True)
    p.add_argument("--tmp", required=True)
    p.add_argument("--module", default="")
    p.add_argument("--no-module", action="store_true")
    p.add_argument("--only", default="")
    p.add_argument("--cases", default="")

    p = sub.add_parser("check")
    p.add_argument("--tmp", required=True)
    p.add_argument("--port", type=int, default=0)

    p = sub.add_parser("wrk")
    p.add_argument("--tmp", required=True)
    p.add_argument("--round", required=True)
    p.add_argument("--case", required=True)
    p.add_argument("--worker", action="append", default=[])
    p.add_argument("--out", default="")
    p.add_argument("command", nargs="+")

    p = sub.add_parser("callgrind")
    p.add_argument("--tmp", required=True)
    p.add_argument("--pid", required=True)
    p.add_argument("--outdir", required=True)
    p.add_argument("--kind", choices=("full", "stock"), default="full")
    p.add_argument("--n1", type=int, default=200)
    p.add_argument("--n2", type=int, default=1200)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--settle", type=float, default=0.1)

    p = sub.add_parser("floor")
    p.add_argument("--tmp", required=True)
    p.add_argument("--bin", required=True)
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--ns", action="store_true")
    p.add_argument("--cg", action="store_true")
    p.add_argument("--pin", action="store_true")

    p = sub.add_parser("busy")
    p.add_argument("--wait", type=float, default=0.0)

    p = sub.add_parser("summary")
    p.add_argument("--tmp", required=True)
    p.add_argument("--results", default="")

    a = ap.parse_args()
    if a.cmd == "callgrind" and a.n2 <= a.n1:
        die("--n2 must be larger than --n1")
    return {"prepare": cmd_prepare, "check": cmd_check, "wrk": cmd_wrk,
            "callgrind": cmd_callgrind, "summary": cmd_summary, "busy": cmd_busy,
            "floor": cmd_floor}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
