#!/usr/bin/env python3
"""brisk against nginx, fasthttp and Go's net/http, side by side.

Run through `./bazelw run //bench:compare` (which passes the binaries). Each
server runs alone on core 0 (one thread / worker / GOMAXPROCS=1), the load
generator alone on core 1. Every scenario runs RUNS times, servers
interleaved within a run, and the medians are reported. Writes
bench/RESULTS.md (the "Servers" and "Clients" sections) and bench/results.svg
in the workspace. Peers that are not installed are listed as skipped.

Usage: compare.py --hello BIN --load BIN --bench-dir DIR --out-dir DIR
                  [--runs 3] [--seconds 5]
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "scripts"))
import idle_conns  # noqa: E402

PORTS = {"brisk": 18480, "fasthttp": 18481, "net/http": 18482, "nginx": 18483,
         "brisk coroutine": 18484, "brisk suspend": 18485}
# helloserver --handler for each brisk variant (coroutine_compare.py).
BRISK_HANDLERS = {"brisk": "sync", "brisk coroutine": "coroutine",
                  "brisk suspend": "suspend"}
# The same servers over TLS listen here (PORTS + TLS_PORT_OFFSET).
TLS_PORT_OFFSET = 100
TICKS = os.sysconf("SC_CLK_TCK")


def wait_port(port, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def go_build(src_dir, out, work):
    if not shutil.which("go") or not os.path.isdir(
            "/usr/share/gocode/src/github.com/valyala/fasthttp"):
        return None
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
               GOCACHE=os.path.join(work, "gocache"), HOME=work)
    r = subprocess.run(["go", "build", "-o", out, "."], cwd=src_dir, env=env,
                       capture_output=True, text=True)
    return out if r.returncode == 0 else None


def process_tree(pid):
    """`pid` and its children (nginx's worker, say)."""
    out = [pid]
    try:
        kids = subprocess.run(["pgrep", "-P", str(pid)],
                              capture_output=True, text=True).stdout
        out += [int(x) for x in kids.split()]
    except OSError:
        pass
    return out


def cpu_ticks(pids, user=True, kernel=True):
    """utime + stime of `pids` (or either alone), in clock ticks."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) if user else 0) + (
                int(fields[12]) if kernel else 0)
        except OSError:
            pass
    return total


def write_nginx_conf(d, http_body, connections=20000):
    """nginx.conf in `d`: one worker in the foreground, no access log,
    every temp path in `d`, `http_body` inside http {}; returns its path."""
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "nginx.conf")
    with open(path, "w") as f:
        f.write(f"""worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections {connections}; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d};
  uwsgi_temp_path {d}; scgi_temp_path {d};
{http_body}
}}
""")
    return path


class Servers:
    """Starts and stops the servers, each pinned to core 0."""

    def __init__(self, args, work, tls=None):
        self.args = args
        self.work = work
        self.tls = tls  # (cert, key) PEM paths: the servers speak HTTPS
        self.procs = {}
        self.skipped = {}
        peers = os.path.join(args.bench_dir, "peers")
        self.fasthttp = go_build(os.path.join(peers, "fasthttp_hello"),
                                 os.path.join(work, "fasthttp_hello"), work)
        self.nethttp = go_build(os.path.join(peers, "nethttp_hello"),
                                os.path.join(work, "nethttp_hello"), work)
        self.nginx = shutil.which("nginx") or (
            "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

    def port(self, name):
        return PORTS[name] + (TLS_PORT_OFFSET if self.tls else 0)

    def command(self, name):
        addr = f"127.0.0.1:{self.port(name)}"
        tls_flags = ([f"--tls-cert={self.tls[0]}", f"--tls-key={self.tls[1]}"]
                     if self.tls else [])
        if name in BRISK_HANDLERS:
            return [self.args.hello, f"--addr={addr}", "--threads=1",
                    f"--handler={BRISK_HANDLERS[name]}"] + tls_flags, {}
        if name == "fasthttp":
            return ([self.fasthttp, f"--addr={addr}"] + tls_flags
                    if self.fasthttp else None), {"GOMAXPROCS": "1"}
        if name == "net/http":
            return ([self.nethttp, f"--addr={addr}"] + tls_flags
                    if self.nethttp else None), {"GOMAXPROCS": "1"}
        if name == "nginx":
            if not self.nginx:
                return None, {}
            d = os.path.join(self.work, "nginx-tls" if self.tls else "nginx")
            # TLS 1.3 as the others (nginx 1.22 offers only up to 1.2
            # unless told).
            listen = (f"{addr} ssl;\n    ssl_protocols TLSv1.2 TLSv1.3;\n"
                      f"    ssl_certificate {self.tls[0]};\n"
                      f"    ssl_certificate_key {self.tls[1]}"
                      if self.tls else addr)
            conf = write_nginx_conf(d, f"""  server {{
    listen {listen};
    location / {{ default_type text/plain; return 200 "Hello, World!"; }}
  }}""")
            return [self.nginx, "-c", conf, "-p", d], {}
        return None, {}

    def start(self, name):
        cmd, env = self.command(name)
        if cmd is None:
            self.skipped[name] = "not installed"
            return False
        p = subprocess.Popen(["taskset", "-c", "0"] + cmd,
                             env=dict(os.environ, **env),
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        if not wait_port(self.port(name)):
            p.kill()
            self.skipped[name] = "did not start"
            return False
        self.procs[name] = p
        return True

    def stop(self, name):
        p = self.procs.pop(name, None)
        if p:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def restart(self, name):
        self.stop(name)
        return self.start(name)

    def pids(self, name):
        return process_tree(self.procs[name].pid)

    def cpu_ticks(self, name):
        return cpu_ticks(self.pids(name))

    def rss_kib(self, name):
        total = 0
        for pid in self.pids(name):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)


def parse_wrk(out):
    m = re.search(r"(\d+) requests in", out)
    reqs = int(m.group(1)) if m else 0
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else 0.0
    return reqs, float(rps.group(1)) if rps else 0.0, p99_ms


def wrk(port, conns, secs, lua=None, close=False, https=False):
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{conns}", f"-d{secs}s",
           "--latency"]
    if lua:
        cmd += ["-s", lua]
    if close:
        cmd += ["-H", "Connection: close"]
    cmd.append(f"{'https' if https else 'http'}://127.0.0.1:{port}/")
    r = subprocess.run(cmd, capture_output=True, text=True)
    return parse_wrk(r.stdout)


def measure(servers, name, secs, warm, **kw):
    """One wrk run against `name` (after a 1 s warm-up if `warm`):
    (requests/s, p99 ms or None, server CPU µs per request or None)."""
    https = servers.tls is not None
    if warm:
        wrk(servers.port(name), kw["conns"], 1, https=https)
    t0 = servers.cpu_ticks(name)
    reqs, rps, p99 = wrk(servers.port(name), secs=secs, https=https, **kw)
    t1 = servers.cpu_ticks(name)
    cpu = (t1 - t0) / TICKS * 1e6 / reqs if reqs else None
    return rps, p99 or None, cpu


def idle_bytes_per_conn(servers, name, n):
    before, after = idle_conns.measure(servers.port(name), n,
                                       lambda: servers.rss_kib(name),
                                       tls=servers.tls is not None)
    return (after - before) * 1024 / n


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hello", required=True)
    ap.add_argument("--load", required=True)
    ap.add_argument("--bench-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--idle-conns", type=int, default=5000)
    ap.add_argument("--idle-tls-conns", type=int, default=1000)
    ap.add_argument("--only", choices=["servers", "clients", "https"],
                    help="measure one side only, or only the servers' "
                    "HTTPS rows")
    ap.add_argument("--stdout", action="store_true",
                    help="print the tables instead of writing RESULTS.md")
    args = ap.parse_args()
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (min(hard, args.idle_conns + 500), hard))
    except (ValueError, OSError):
        pass
    if not shutil.which("wrk") or not shutil.which("taskset"):
        sys.exit("compare: wrk and taskset are needed (./bazelw installs them)")
    started = time.time()
    work = tempfile.mkdtemp(prefix="brisk-bench-")
    servers = Servers(args, work)
    names = ["brisk", "fasthttp", "net/http", "nginx"]
    if args.only == "clients":
        names = ["nginx"]  # the target of the generators
    live = [n for n in names if servers.start(n)]
    # The same servers over TLS (a throwaway ECDSA P-256 certificate, as
    # most sites serve today).
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    tls_servers = None
    if subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
             "/CN=localhost", "-keyout", key, "-out", cert],
            capture_output=True).returncode == 0:
        tls_servers = Servers(args, work, tls=(cert, key))
        live_tls = [n for n in live if tls_servers.start(n)]
    do_servers = args.only != "clients"
    do_clients = args.only not in ("servers", "https")
    do_clear = args.only != "https"
    lua = os.path.join(args.bench_dir, "scripts", "pipeline16.lua")
    scenarios = [
        ("keep-alive, 64 connections", dict(conns=64)),
        ("keep-alive, 256 connections", dict(conns=256)),
        ("pipelined 16 deep, 64 connections", dict(conns=64, lua=lua)),
        ("new connection per request, 64 connections",
         dict(conns=64, close=True)),
    ]
    tls_scenarios = [
        ("HTTPS keep-alive, 64 connections", dict(conns=64)),
        ("HTTPS new connection per request (session resumed), 16 connections",
         dict(conns=16, close=True)),
    ] if tls_servers else []
    results = {}  # (scenario, server) -> list of (rps, p99, cpu_us)
    idle = {n: [] for n in live}
    idle_tls = {n: [] for n in live}
    try:
        for run in range(args.runs if do_servers else 0):
            sides = [(servers, scenarios, live)] if do_clear else []
            if tls_servers:
                sides.append((tls_servers, tls_scenarios, live_tls))
            for side, side_scenarios, side_live in sides:
                for title, kw in side_scenarios:
                    for name in side_live:
                        rps, p99, cpu = measure(side, name, args.seconds,
                                                run == 0, **kw)
                        results.setdefault((title, name), []).append(
                            (rps, p99, cpu))
                        print(f"run {run + 1} {title} {name}: {rps:.0f} "
                              f"req/s, {fmt(cpu, '.2f')} us/req",
                              file=sys.stderr)
            for name in live if do_clear else []:
                # A fresh process: RSS never shrinks after load.
                if servers.restart(name):
                    idle[name].append(
                        idle_bytes_per_conn(servers, name, args.idle_conns))
            for name in live_tls if tls_servers else []:
                if tls_servers.restart(name):
                    idle_tls[name].append(idle_bytes_per_conn(
                        tls_servers, name, args.idle_tls_conns))
                    print(f"run {run + 1} idle TLS {name}: "
                          f"{fmt(idle_tls[name][-1])} bytes/conn",
                          file=sys.stderr)
        # Clients against nginx.
        clients = {}
        if do_clients and "nginx" in live:
            port = PORTS["nginx"]
            fh_client = go_build(
                os.path.join(args.bench_dir, "peers", "fasthttp_client"),
                os.path.join(work, "fasthttp_client"), work)
            for run in range(args.runs):
                _, rps, p99 = wrk(port, 64, args.seconds)
                clients.setdefault("wrk", []).append((rps, p99))
                out = subprocess.run(
                    ["taskset", "-c", "1", args.load, "-t", "1", "-c", "64",
                     "-d", f"{args.seconds}s", "--json",
                     f"http://127.0.0.1:{port}/"],
                    capture_output=True, text=True).stdout
                j = json.loads(out)
                clients.setdefault("brisk load", []).append(
                    (j["requests_per_sec"], j["latency_ms"]["p99"]))
                if fh_client:
                    out = subprocess.run(
                        ["taskset", "-c", "1", fh_client, "-addr",
                         f"127.0.0.1:{port}", "-c", "64", "-d",
                         f"{args.seconds}s"],
                        env=dict(os.environ, GOMAXPROCS="1"),
                        capture_output=True, text=True).stdout
                    j = json.loads(out)
                    clients.setdefault("fasthttp client", []).append(
                        (j["requests_per_sec"], None))
            if not fh_client:
                clients["fasthttp client"] = None
            # Over TLS, against the same nginx with TLS.
            if tls_servers and "nginx" in live_tls:
                tport = tls_servers.port("nginx")
                for run in range(args.runs):
                    _, rps, p99 = wrk(tport, 64, args.seconds, https=True)
                    clients.setdefault("wrk https", []).append((rps, p99))
                    out = subprocess.run(
                        ["taskset", "-c", "1", args.load, "-t", "1", "-c",
                         "64", "-d", f"{args.seconds}s", "--json", "-k",
                         f"https://127.0.0.1:{tport}/"],
                        capture_output=True, text=True).stdout
                    j = json.loads(out)
                    clients.setdefault("brisk load https", []).append(
                        (j["requests_per_sec"], j["latency_ms"]["p99"]))
    finally:
        servers.stop_all()
        if tls_servers:
            tls_servers.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.time() - started
    write_results(args, live, servers.skipped,
                  (scenarios if do_clear else []) + tls_scenarios,
                  results, (idle, idle_tls),
                  clients if "nginx" in live else {}, elapsed)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def fmt(v, spec=".0f", suffix=""):
    return "—" if v is None else f"{v:{spec}}{suffix}"


def write_results(args, live, skipped, scenarios, results, idle_both,
                  clients, elapsed):
    idle, idle_tls = idle_both
    lines = [
        "<!-- servers:begin (written by ./bazelw run //bench:compare) -->",
        "## Servers",
        "",
        f"{datetime.date.today().isoformat()}, {cpu_model()}, "
        f"{os.cpu_count()} cores. Each server alone on core 0 with one "
        "thread/worker (`taskset -c 0`; Go with `GOMAXPROCS=1`), `wrk -t1` "
        f"alone on core 1; {args.seconds} s per run, {args.runs} runs "
        "interleaved, medians. CPU per request = (utime + stime of the "
        "server, after − before) / requests. Took "
        f"{elapsed / 60:.1f} min.",
        "",
        "Load commands (URL = the server's `http://127.0.0.1:PORT/`): "
        f"`taskset -c 1 wrk -t1 -c64 -d{args.seconds}s --latency URL` "
        "(keep-alive; `-c256` for 256), the same with "
        "`-s bench/scripts/pipeline16.lua` (pipelined) or "
        "`-H \"Connection: close\"` (new connection per request); HTTPS: "
        "the same servers with a throwaway ECDSA P-256 certificate "
        "(`--tls-cert/--tls-key`; nginx `listen ... ssl`), wrk on "
        "`https://127.0.0.1:PORT+100/` (with `Connection: close` wrk resumes "
        "its session: an abbreviated TLS 1.3 handshake per request, as a "
        "returning browser makes); clients: "
        f"`taskset -c 1 load -t 1 -c 64 -d {args.seconds}s --json URL`, "
        "`taskset -c 1 fasthttp_client -addr HOST:PORT -c 64 "
        f"-d {args.seconds}s` (`GOMAXPROCS=1`).",
        "",
        "| scenario | server | requests/s | p99 ms | CPU µs/request | "
        "requests/s vs nginx | CPU vs nginx |",
        "|---|---|---|---|---|---|---|",
    ]
    chart = []
    for title, _ in scenarios:
        base = results.get((title, "nginx"))
        base_rps = median([r[0] for r in base]) if base else None
        base_cpu = median([r[2] for r in base]) if base else None
        for name in ["brisk", "fasthttp", "net/http", "nginx"]:
            if name not in live:
                lines.append(f"| {title} | {name} | skipped ({skipped.get(name, '?')}) | | | | |")
                continue
            rows = results.get((title, name))
            if not rows:
                continue  # this side was not measured (--only clients)
            rps = median([r[0] for r in rows])
            p99 = median([r[1] for r in rows])
            cpu = median([r[2] for r in rows])
            r_rps = rps / base_rps if base_rps else None
            r_cpu = cpu / base_cpu if (base_cpu and cpu) else None
            lines.append(
                f"| {title} | {'**brisk**' if name == 'brisk' else name} | "
                f"{fmt(rps)} | {fmt(p99, '.2f')} | {fmt(cpu, '.2f')} | "
                f"{fmt(r_rps, '.2f', 'x')} | {fmt(r_cpu, '.2f', 'x')} |")
            chart.append((title, name, rps))
    lines += [
        "",
        "p99 is wrk's; wrk reports none (—) for 16-deep pipelined batches at "
        "these rates.",
        "",
        "| idle keep-alive connections (each made one request; fresh "
        f"process) | RSS bytes per connection ({args.idle_conns}) | "
        f"per TLS connection ({args.idle_tls_conns}) | TLS vs nginx |",
        "|---|---|---|---|",
    ]
    base_tls = median(idle_tls.get("nginx") or [])
    for name in ["brisk", "fasthttp", "net/http", "nginx"]:
        if name in live:
            t = median(idle_tls.get(name) or [])
            lines.append(
                f"| {name} | {fmt(median(idle[name]))} | {fmt(t)} | "
                f"{fmt(t / base_tls if (t and base_tls) else None, '.2f', 'x')} |")
        else:
            lines.append(f"| {name} | skipped ({skipped.get(name, '?')}) | | |")
    lines += ["", "## Clients", "",
              "Against the nginx above (one worker on core 0), each generator "
              "alone on core 1, one thread, 64 connections; the https rows "
              "against the same nginx with TLS (`load -k`), compared with "
              "`wrk https`.", "",
              "| generator | requests/s | p99 ms | vs wrk |", "|---|---|---|---|"]
    base = median([r[0] for r in clients.get("wrk") or []]) if clients else None
    base_tls = (median([r[0] for r in clients.get("wrk https") or []])
                if clients else None)
    for name in ["wrk", "brisk load", "fasthttp client", "wrk https",
                 "brisk load https"]:
        rows = clients.get(name) if clients else None
        if not rows:
            lines.append(f"| {name} | skipped (peer not installed) | | |")
            continue
        rps = median([r[0] for r in rows])
        p99 = median([r[1] for r in rows])
        b = base_tls if name.endswith("https") else base
        lines.append(f"| {name} | {fmt(rps)} | {fmt(p99, '.2f')} | "
                     f"{fmt(rps / b if b else None, '.2f', 'x')} |")
        chart.append(("clients vs nginx", name, rps))
    lines += ["", "Commands: `./bazelw run //bench:compare` (this section, "
              "and `bench/results.svg`); `./bazelw run //bench:micro` (the "
              "Microbenchmarks section).", "", "![results](results.svg)",
              "<!-- servers:end -->", ""]
    if args.stdout:
        split = lines.index("## Clients")
        part = {"servers": lines[1:split], "https": lines[1:split],
                "clients": lines[split:-4],
                None: lines[1:-2]}[args.only]
        print("\n".join(part))
        return
    path = os.path.join(args.out_dir, "RESULTS.md")
    replace_section(path, "servers", "\n".join(lines))
    write_svg(os.path.join(args.out_dir, "results.svg"), chart)
    print(f"wrote {path} and results.svg", file=sys.stderr)


def replace_section(path, name, text):
    """Replaces the <!-- name:begin --> ... <!-- name:end --> block."""
    old = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    begin = re.compile(rf"<!-- {name}:begin.*?<!-- {name}:end -->\n?", re.S)
    if begin.search(old):
        new = begin.sub(lambda _: text, old)
    else:
        header = "" if old else "# brisk benchmark results\n\nMethod: [README.md](README.md).\n\n"
        new = header + old + ("\n" if old and not old.endswith("\n") else "") + text
    with open(path, "w") as f:
        f.write(new)


def write_svg(path, chart):
    """Horizontal bars: requests/s per scenario and server."""
    colors = {"brisk": "#c0392b", "fasthttp": "#2980b9", "net/http": "#7f8c8d",
              "nginx": "#27ae60", "wrk": "#27ae60", "brisk load": "#c0392b",
              "fasthttp client": "#2980b9"}
    groups = []
    for title, name, rps in chart:
        if not groups or groups[-1][0] != title:
            groups.append((title, []))
        groups[-1][1].append((name, rps or 0))
    bar, gap, left, width = 18, 26, 330, 420
    height = sum(len(g[1]) * bar + gap for g in groups) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 120}" '
           f'height="{height}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-weight="bold">requests/s (medians; '
           f'servers on one core, generator on the other)</text>']
    y = 40
    for title, bars in groups:
        top = max(r for _, r in bars) or 1
        out.append(f'<text x="10" y="{y + 12}" font-weight="bold">{title}</text>')
        y += 16
        for name, rps in bars:
            w = width * rps / top
            out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{name}</text>')
            out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 4}" '
                       f'fill="{colors.get(name, "#999")}"/>')
            out.append(f'<text x="{left + w + 4:.1f}" y="{y + 12}">{rps:,.0f}</text>')
            y += bar
        y += gap - 16
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
