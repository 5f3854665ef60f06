#!/usr/bin/env python3
"""elbow side by side with HAProxy and nginx, interleaved round by round.

Every figure is a median over rounds with min-max, and a median of per-round ratios to HAProxy
taken in the same run; a second HAProxy ("haproxy-b") is the A/A control: a difference smaller
than its spread is not a difference. Run through bench/run, which installs the tools.

Setup per proxy: two one-thread backends (elbow-test-backend on 127.0.0.2 and 127.0.0.3, same
port), round robin, keep-alive and reuse towards backends, active health checks every 5 s,
X-Forwarded-For/-Proto/-Port, no per-request logging, one worker thread. The load generator and
backends are pinned to CPU 0, the proxies to CPU 1.

TLS (unless --no-tls): one RSA-2048 certificate made with openssl at start, served by every
proxy on a second port with TLS 1.2/1.3 and the suites of ELBSecurityPolicy-TLS13-1-2-2021-06 in
its order, server preference, ALPN h2 and http/1.1; session caches and tickets at each proxy's
defaults.
"""

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
LOAD_CPU = "0"
PROXY_CPU = "1"

# What every proxy offers on its HTTPS port: ELBSecurityPolicy-TLS13-1-2-2021-06 (ALB guide,
# "Security policies"), in its order, the server's preference winning as on ALB.
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
TLS13_SUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
TLS12_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:"
                 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384")
TLS_NAME = "bench.example"


def make_certificate(workdir):
    """One self-signed RSA-2048 certificate for every proxy: cert.pem, key.pem, and both in
    one file for HAProxy's `crt`."""
    d = Path(workdir) / "tls"
    d.mkdir(exist_ok=True)
    cert, key, both = d / "cert.pem", d / "key.pem", d / "both.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "30",
                    "-subj", f"/CN={TLS_NAME}", "-addext", f"subjectAltName=DNS:{TLS_NAME}"], check=True, capture_output=True)
    both.write_text(cert.read_text() + key.read_text())
    return {"cert": cert, "key": key, "combined": both}


def free_port(ip="127.0.0.1"):
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def common_port():
    while True:
        p = free_port("127.0.0.2")
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.3", p))
            return p
        except OSError:
            continue


def wait_port(port, host="127.0.0.1", timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout}s")


def children_of(pid):
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                if ppid == pid:
                    kids.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return kids


def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children_of(p))
    return out


def cpu_ns(pids):
    """CPU time of every thread of `pids`, from /proc/<pid>/task/*/schedstat (ns on CPU)."""
    total = 0
    for p in pids:
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/schedstat") as f:
                    total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def rss_kib(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def pinned(cpu, cmd, **kw):
    return subprocess.Popen(["taskset", "-c", cpu] + cmd, **kw)


class Backends:
    def __init__(self):
        self.port = common_port()
        self.procs = []
        for ip, name in (("127.0.0.2", "a"), ("127.0.0.3", "b")):
            p = pinned(LOAD_CPU, [str(RELEASE / "elbow-test-backend"), "--listen", f"{ip}:{self.port}", "--name", name], stdout=subprocess.PIPE)
            p.stdout.readline()
            self.procs.append(p)

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()


class Proxy:
    name = "?"
    relays_tcp = False

    def __init__(self, workdir, backends, tls=None):
        self.workdir = workdir
        self.backends = backends
        self.port = free_port()
        self.tls = tls  # make_certificate()'s files, or None for no HTTPS port
        self.tls_port = free_port() if tls else None
        # A layer-4 listener over the same backends (elbow: an NLB TCP listener; HAProxy:
        # `mode tcp`); None for proxies measured without one.
        self.tcp_port = free_port() if self.relays_tcp else None
        self.proc = None

    def pids(self):
        return tree(self.proc.pid)

    def stop(self):
        if self.proc:
            for p in tree(self.proc.pid)[1:]:
                try:
                    os.kill(p, 9)
                except OSError:
                    pass
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def restart(self):
        """A fresh process on the same port, so memory figures start from the same state."""
        self.stop()
        self.start()


class Elbow(Proxy):
    name = "elbow"
    relays_tcp = True

    api_port = None

    def start(self):
        import boto3

        configured = self.api_port is not None
        if not configured:
            self.api_port = free_port()
        data = Path(self.workdir) / "elbow-data"
        self.proc = pinned(
            PROXY_CPU,
            [str(RELEASE / "elbow"), "serve", "--api-addr", f"127.0.0.1:{self.api_port}", "--data-dir", str(data), "--listen-addr", "127.0.0.1",
             "--worker-threads", "1", "--log-level", "warn"],
            stdout=subprocess.DEVNULL,
        )
        wait_port(self.api_port)
        kw = dict(endpoint_url=f"http://127.0.0.1:{self.api_port}", region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench")
        ec2 = boto3.client("ec2", **kw)
        elb = boto3.client("elbv2", **kw)
        if configured:
            # A restart restores everything from the store; wait for the health checks.
            tg = elb.describe_target_groups(Names=["bench"])["TargetGroups"][0]["TargetGroupArn"]
            if self.tls:
                wait_port(self.tls_port)
            if self.tcp_port:
                wait_port(self.tcp_port)
                self.wait_healthy(elb, elb.describe_target_groups(Names=["bench-tcp"])["TargetGroups"][0]["TargetGroupArn"])
            return self.wait_healthy(elb, tg)
        vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
        tg = elb.create_target_group(Name="bench", Protocol="HTTP", Port=self.backends.port, VpcId=vpc, TargetType="ip", HealthCheckPath="/status",
                                     HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.2"}, {"Id": "127.0.0.3"}])
        lb = elb.create_load_balancer(Name="bench", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=self.port, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        if self.tls:
            iam = boto3.client("iam", **kw)
            arn = iam.upload_server_certificate(ServerCertificateName="bench", CertificateBody=self.tls["cert"].read_text(),
                                                PrivateKey=self.tls["key"].read_text())["ServerCertificateMetadata"]["Arn"]
            elb.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=self.tls_port, Certificates=[{"CertificateArn": arn}], SslPolicy=SSL_POLICY,
                                DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
            wait_port(self.tls_port)
        # A Network Load Balancer's TCP listener relaying to a TCP group of the same backends
        # (health checked with TCP connects, NLB's default).
        nlb = elb.create_load_balancer(Name="bench-nlb", Type="network", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        tcp_tg = elb.create_target_group(Name="bench-tcp", Protocol="TCP", Port=self.backends.port, VpcId=vpc, TargetType="ip",
                                         HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=tcp_tg, Targets=[{"Id": "127.0.0.2"}, {"Id": "127.0.0.3"}])
        try:
            elb.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=self.tcp_port, DefaultActions=[{"Type": "forward", "TargetGroupArn": tcp_tg}])
        except elb.exceptions.ClientError as e:
            # A build whose API does not take NLB listeners: the TCP figures are HAProxy's alone.
            print(f"elbow refused the NLB TCP listener, no TCP relay figures for it: {e}", file=sys.stderr)
            self.tcp_port = None
        if self.tcp_port:
            wait_port(self.tcp_port)
            self.wait_healthy(elb, tcp_tg)
        self.wait_healthy(elb, tg)

    def rule_listeners(self, n):
        """Two more load balancers (the rule quota is per load balancer, and a target group
        belongs to one load balancer), each with a listener and a group of the same two
        backends: one listener with a single rule, one with `n`. Every rule has a
        distinct path prefix; a third have a host-header and a third an http-header condition
        too, and only the last rule of each listener matches the benchmark path
        `/svc-<n>/x`, the worst case for a matcher that scans rules in priority order.
        Returns (port with 1 rule, port with n rules)."""
        import boto3

        kw = dict(endpoint_url=f"http://127.0.0.1:{self.api_port}", region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench")
        ec2 = boto3.client("ec2", **kw)
        elb = boto3.client("elbv2", **kw)
        vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
        fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]

        def conditions(i):
            c = [{"Field": "path-pattern", "PathPatternConfig": {"Values": [f"/svc-{i}/*"]}}]
            if i % 3 == 1 and i != n:
                c.append({"Field": "host-header", "HostHeaderConfig": {"Values": [f"svc-{i}.example.com", "*.example.org"]}})
            elif i % 3 == 2 and i != n:
                c.append({"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Tenant", "Values": [f"t{i}"]}})
            return c

        ports = []
        for name, count in (("rules-1", 1), (f"rules-{n}", n)):
            tg = elb.create_target_group(Name=name, Protocol="HTTP", Port=self.backends.port, VpcId=vpc, TargetType="ip", HealthCheckPath="/status",
                                         HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
            elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.2"}, {"Id": "127.0.0.3"}])
            forward = [{"Type": "forward", "TargetGroupArn": tg}]
            lb = elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
            port = free_port()
            listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=port, DefaultActions=fixed)["Listeners"][0]["ListenerArn"]
            for i in range(n - count + 1, n + 1):
                elb.create_rule(ListenerArn=listener, Priority=i, Conditions=conditions(i), Actions=forward)
            ports.append(port)
            wait_port(port)
            self.wait_healthy(elb, tg)
        return ports

    def wait_healthy(self, elb, tg):
        deadline = time.time() + 30
        while time.time() < deadline:
            states = [d["TargetHealth"]["State"] for d in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]]
            if states == ["healthy", "healthy"]:
                return
            time.sleep(0.2)
        raise RuntimeError("elbow's targets did not become healthy")


class HAProxy(Proxy):
    relays_tcp = True

    def __init__(self, workdir, backends, tls=None, name="haproxy"):
        super().__init__(workdir, backends, tls)
        self.name = name

    def start(self):
        cfg = Path(self.workdir) / f"{self.name}.cfg"
        b = self.backends.port
        # HAProxy needs about two descriptors per connection and refuses to start beyond the limit.
        maxconn = (resource.getrlimit(resource.RLIMIT_NOFILE)[1] - 500) // 2
        tls_global = tls_frontend = ""
        if self.tls:
            # Session cache and tickets stay at HAProxy's defaults; server cipher preference is
            # HAProxy's default (no prefer-client-ciphers).
            tls_global = f"""    ssl-default-bind-ciphersuites {TLS13_SUITES}
    ssl-default-bind-ciphers {TLS12_CIPHERS}
    ssl-default-bind-options ssl-min-ver TLSv1.2
"""
            tls_frontend = f"""
frontend fe_tls
    bind 127.0.0.1:{self.tls_port} ssl crt {self.tls['combined']} alpn h2,http/1.1
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    http-request set-header X-Forwarded-Port %[dst_port]
    default_backend be
"""
        cfg.write_text(f"""global
    nbthread 1
    maxconn {maxconn}
    log stdout format raw local0 emerg
{tls_global}
defaults
    mode http
    timeout connect 10s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
    option http-keep-alive
    http-reuse always

frontend fe
    bind 127.0.0.1:{self.port}
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Port %[dst_port]
    default_backend be
{tls_frontend}
backend be
    balance roundrobin
    option httpchk GET /status
    server a 127.0.0.2:{b} check inter 5s
    server b 127.0.0.3:{b} check inter 5s

frontend fe_tcp
    mode tcp
    bind 127.0.0.1:{self.tcp_port}
    default_backend be_tcp

backend be_tcp
    mode tcp
    balance roundrobin
    server a 127.0.0.2:{b} check inter 5s
    server b 127.0.0.3:{b} check inter 5s
""")
        self.proc = pinned(PROXY_CPU, ["haproxy", "-f", str(cfg), "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        wait_port(self.tcp_port)
        if self.tls:
            wait_port(self.tls_port)


class Nginx(Proxy):
    name = "nginx"

    def start(self):
        d = Path(self.workdir) / "nginx"
        d.mkdir(exist_ok=True)
        b = self.backends.port
        cfg = d / "nginx.conf"
        location = """location / {
            proxy_pass http://be;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Port $server_port;
        }"""
        tls_server = ""
        if self.tls:
            # `http2 on;` exists from nginx 1.25.1; before, HTTP/2 is a `listen` parameter.
            listen = (f"listen 127.0.0.1:{self.tls_port} ssl;\n        http2 on;" if nginx_version() >= (1, 25, 1)
                      else f"listen 127.0.0.1:{self.tls_port} ssl http2;")
            # ssl_session_cache and ssl_session_tickets stay at nginx's defaults (no shared
            # cache, tickets on); the server's cipher order wins, as on ALB and HAProxy.
            tls_server = f"""
    server {{
        {listen}
        ssl_certificate {self.tls['cert']};
        ssl_certificate_key {self.tls['key']};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers {TLS12_CIPHERS};
        ssl_conf_command Ciphersuites {TLS13_SUITES};
        ssl_prefer_server_ciphers on;
        {location}
    }}"""
        cfg.write_text(f"""worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/error.log crit;
events {{ worker_connections 19000; }}
http {{
    access_log off;
    keepalive_timeout 60s;
    keepalive_requests 1000000;
    client_body_temp_path {d};
    proxy_temp_path {d};
    fastcgi_temp_path {d};
    uwsgi_temp_path {d};
    scgi_temp_path {d};
    upstream be {{
        server 127.0.0.2:{b};
        server 127.0.0.3:{b};
        keepalive 128;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        {location}
    }}{tls_server}
}}
""")
        self.proc = pinned(PROXY_CPU, ["nginx", "-c", str(cfg), "-p", str(d)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        if self.tls:
            wait_port(self.tls_port)


def nginx_version():
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    m = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def parse_latency(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n if unit == "ms" else n * 1000


def wrk(port, conns, seconds, close=False, path="/", scheme="http"):
    cmd = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency"]
    if close:
        cmd += ["-H", "Connection: close"]
    out = subprocess.run(cmd + [f"{scheme}://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    r = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "requests": int(re.search(r"(\d+) requests in", out).group(1))}
    for pct in ("50", "99"):
        r[f"p{pct}_ms"] = parse_latency(re.search(rf"^\s+{pct}(?:\.0+)?%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["errors"] = (int(errors.group(1)) if errors else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return r


def load_scenario(proxy, conns, seconds, close, port=None, path="/", scheme="http"):
    pids = proxy.pids()
    c0 = cpu_ns(pids)
    r = wrk(port or proxy.port, conns, seconds, close, path, scheme)
    r["cpu_us_per_req"] = (cpu_ns(pids) - c0) / 1000 / max(r["requests"], 1)
    return r


def measured(proxy, run):
    """`run()`'s figures plus the proxy's CPU µs per request and its CPU use (1.0 = one core
    busy for the whole run: the proxy, not the load generator, was the limit)."""
    pids = proxy.pids()
    c0, t0 = cpu_ns(pids), time.monotonic()
    r = run()
    cpu = cpu_ns(pids) - c0
    r["cpu_us_per_req"] = cpu / 1000 / max(r["requests"], 1)
    r["proxy_cpu_use"] = cpu / 1e9 / (time.monotonic() - t0)
    return r


def tls_handshakes(proxy, conns, seconds):
    """A new TCP connection and a full TLS handshake per request (bench/tlsload: wrk and
    h2load resume sessions across reconnects, see its main.rs)."""
    cmd = ["taskset", "-c", LOAD_CPU, str(RELEASE / "elbow-bench-tlsload"), "--addr", f"127.0.0.1:{proxy.tls_port}", "--sni", TLS_NAME,
           "--conns", str(conns), "--seconds", str(seconds)]
    return measured(proxy, lambda: json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout))


def h2load(proxy, clients, streams, seconds):
    """HTTP/2 over TLS (ALPN h2): `clients` connections with `streams` concurrent streams each."""
    cmd = ["taskset", "-c", LOAD_CPU, "h2load", "-t1", f"-c{clients}", f"-m{streams}", "-D", str(seconds), f"https://127.0.0.1:{proxy.tls_port}/"]

    def run():
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        # At the end of -D, streams in flight are dropped: "status codes" may count a few more
        # responses than "succeeded" (headers received, stream not finished); neither is an error.
        m = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", out)
        status = re.search(r"status codes: \d+ 2xx, \d+ 3xx, (\d+) 4xx, (\d+) 5xx", out)
        secs = float(re.search(r"finished in ([\d.]+)(ms|s),", out).group(1))
        if re.search(r"finished in [\d.]+ms,", out):
            secs /= 1000
        ok = int(m.group(1))
        facts = [re.search(rf"^{k}: (.+)$", out, re.M) for k in ("TLS Protocol", "Cipher", "Server Temp Key", "Application protocol")]
        return {"requests": ok, "rps": ok / secs if secs else 0.0,
                "errors": sum(int(m.group(i)) for i in (2, 3, 4)) + sum(int(x) for x in status.groups()),
                "negotiated": " ".join(f.group(1).strip() for f in facts if f)}
    return measured(proxy, run)


def openssl_facts(proxy):
    """What an OpenSSL 3 client without ALPN (as wrk is) negotiates, from `openssl s_client -brief`."""
    p = subprocess.run(["openssl", "s_client", "-brief", "-connect", f"127.0.0.1:{proxy.tls_port}", "-servername", TLS_NAME],
                       input="", capture_output=True, text=True, timeout=10)
    out = p.stdout + p.stderr
    get = lambda k: (re.search(rf"^{k}: (.+)$", out, re.M) or [None, "?"])[1].strip()
    return f"{get('Protocol version')} {get('Ciphersuite')} {get('Server Temp Key')}, signature {get('Signature type')}+{get('Hash used')}"


def idle_memory(proxy, n):
    """RSS per idle client connection, before and after one request on each."""
    pids = proxy.pids()
    helper = pinned(LOAD_CPU, [sys.executable, str(ROOT / "bench" / "idle_conns.py"), "127.0.0.1", str(proxy.port), str(n)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def step(cmd=None):
        if cmd:
            helper.stdin.write(cmd + "\n")
            helper.stdin.flush()
        line = helper.stdout.readline().strip()
        if not line.startswith("ok"):
            raise RuntimeError(f"idle_conns: {line}")
        time.sleep(1.0)
        return rss_kib(pids)

    base = rss_kib(pids)
    opened = step()
    after_request = step("request")
    helper.stdin.write("close\n")
    helper.stdin.flush()
    helper.wait()
    return {"idle_kib_per_conn": (opened - base) / n, "after_request_kib_per_conn": (after_request - base) / n}


METRICS = [
    ("keepalive", "rps", "keep-alive req/s (64 conns)", True),
    ("keepalive", "cpu_us_per_req", "keep-alive proxy CPU µs/req", False),
    ("keepalive", "p50_ms", "keep-alive p50 ms", False),
    ("keepalive", "p99_ms", "keep-alive p99 ms", False),
    ("newconn", "rps", "new connection per request: req/s", True),
    ("newconn", "cpu_us_per_req", "new connection per request: proxy CPU µs/req", False),
    ("tls_handshake", "rps", "TLS new handshake per request: handshakes/s", True),
    ("tls_handshake", "cpu_us_per_req", "TLS new handshake per request: proxy CPU µs/handshake", False),
    ("tls_keepalive", "rps", "TLS keep-alive req/s (64 conns)", True),
    ("tls_keepalive", "cpu_us_per_req", "TLS keep-alive proxy CPU µs/req", False),
    ("tls_keepalive", "p99_ms", "TLS keep-alive p99 ms", False),
    ("h2", "rps", "HTTP/2 over TLS req/s (16 conns × 10 streams)", True),
    ("h2", "cpu_us_per_req", "HTTP/2 over TLS proxy CPU µs/req", False),
    ("tcp_keepalive", "rps", "TCP relay, keep-alive req/s (64 conns)", True),
    ("tcp_keepalive", "cpu_us_per_req", "TCP relay, keep-alive proxy CPU µs/req", False),
    ("tcp_keepalive", "p99_ms", "TCP relay, keep-alive p99 ms", False),
    ("tcp_newconn", "rps", "TCP relay, new connection per request: req/s", True),
    ("tcp_newconn", "cpu_us_per_req", "TCP relay, new connection per request: proxy CPU µs/req", False),
    ("idle", "idle_kib_per_conn", "idle connection RSS KiB (before first request)", False),
    ("idle", "after_request_kib_per_conn", "idle connection RSS KiB (after one request)", False),
]


def summarise(results, names):
    rows = []
    for scenario, key, label, _higher in METRICS:
        row = {"metric": label, "scenario": scenario, "key": key, "proxies": {}}
        for n in names:
            vals = [r[n][scenario][key] for r in results if n in r and scenario in r[n]]
            if not vals:
                continue
            ratios = [r[n][scenario][key] / r["haproxy"][scenario][key] for r in results
                      if n in r and scenario in r[n] and r["haproxy"][scenario][key]]
            row["proxies"][n] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "values": vals,
                                 "ratio_median": statistics.median(ratios) if ratios else None,
                                 "ratio_min": min(ratios) if ratios else None, "ratio_max": max(ratios) if ratios else None}
        if row["proxies"]:
            rows.append(row)
    return rows


def markdown(rows, names):
    def fmt(x):
        return f"{x:.0f}" if x >= 100 else f"{x:.2f}"
    head = "| metric | " + " | ".join(names) + " |\n|---|" + "---|" * len(names) + "\n"
    lines = []
    for row in rows:
        cells = []
        for n in names:
            p = row["proxies"].get(n)
            if not p:
                cells.append("—")
                continue
            cell = f"{fmt(p['median'])} [{fmt(p['min'])}–{fmt(p['max'])}]"
            if n != "haproxy" and p["ratio_median"] is not None:
                cell += f" · ×{p['ratio_median']:.2f} [{p['ratio_min']:.2f}–{p['ratio_max']:.2f}]"
            cells.append(cell)
        lines.append(f"| {row['metric']} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def tls_summary(results, names, negotiated):
    """What each proxy negotiated with each client, and how busy the proxy was during the TLS
    runs (median share of one core: near 1.0 means the proxy, not the client, was the limit)."""
    if not negotiated:
        return ""
    lines = ["\nNegotiated (per proxy and client):\n"]
    for n in names:
        for client, facts in negotiated.get(n, {}).items():
            lines.append(f"- {n}, {client}: {facts}")
    use = []
    for n in names:
        cells = [f"{s} {statistics.median(r[n][s]['proxy_cpu_use'] for r in results):.2f}" for s in ("tls_handshake", "tls_keepalive", "h2")
                 if all(s in r.get(n, {}) for r in results)]
        if cells:
            use.append(f"{n}: " + ", ".join(cells))
    if use:
        lines.append("\nProxy CPU use during the TLS runs (median, 1.00 = one core busy): " + "; ".join(use))
    return "\n".join(lines) + "\n"


def rules_summary(results, n):
    """elbow with n rules against elbow with one, per round (same process, interleaved)."""
    rounds = [r["elbow-rules"] for r in results if "elbow-rules" in r]
    if not rounds:
        return ""
    lines = [f"\nListener rules: elbow with {n} rules against one rule (path of the last rule; keep-alive, {len(rounds)} rounds)\n",
             "| metric | 1 rule | " + f"{n} rules | ratio {n}/1 |", "|---|---|---|---|"]
    for key, label in (("rps", "req/s"), ("cpu_us_per_req", "proxy CPU µs/req"), ("p99_ms", "p99 ms")):
        one = [r["one"][key] for r in rounds]
        many = [r["many"][key] for r in rounds]
        ratios = [m / o for m, o in zip(many, one) if o]
        lines.append(f"| {label} | {statistics.median(one):.2f} | {statistics.median(many):.2f} | "
                     f"×{statistics.median(ratios):.3f} [{min(ratios):.3f}–{max(ratios):.3f}] |")
    return "\n".join(lines) + "\n"


def versions():
    def first(cmd):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
            return (p.stdout + p.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "not found"
    cpu = "unknown"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = next((l.split(":", 1)[1].strip() for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {"elbow": f"elbow {rev}", "haproxy": first(["haproxy", "-v"]), "nginx": first(["nginx", "-v"]), "wrk": first(["wrk", "--version"]),
            "kernel": platform.release(), "cpu": cpu, "cpus": os.cpu_count(), "memory": mem}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--seconds", type=int, default=5, help="duration of each load run")
    ap.add_argument("--conns", type=int, default=64, help="keep-alive connections")
    ap.add_argument("--idle", type=int, default=9000, help="idle connections for the memory figure (0 = skip)")
    ap.add_argument("--rules", type=int, default=1000, help="rules on the many-rules listener (0 = skip the rules figure)")
    ap.add_argument("--no-tls", action="store_true", help="skip the TLS figures (handshakes, TLS keep-alive, HTTP/2 over TLS)")
    ap.add_argument("--no-tcp", action="store_true", help="skip the TCP relay figures (elbow's NLB TCP listener, HAProxy mode tcp)")
    ap.add_argument("--tls-seconds", type=int, default=3, help="duration of each TLS load run (at most --seconds)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(args.out) / stamp
    out_dir.mkdir(parents=True, exist_ok=True)
    work = tempfile.mkdtemp(prefix="elbow-bench-")
    tls = None if args.no_tls else make_certificate(work)
    tls_seconds = min(args.tls_seconds, args.seconds)
    backends = Backends()
    proxies = [Elbow(work, backends, tls), HAProxy(work, backends, tls), Nginx(work, backends, tls), HAProxy(work, backends, tls, "haproxy-b")]
    names = [p.name for p in proxies]
    results = []
    negotiated = {}
    spent = {"plain": 0.0, "tcp": 0.0, "tls": 0.0, "rules": 0.0, "idle": 0.0}
    try:
        for p in proxies:
            p.start()
        elbow = proxies[0]
        rule_ports = elbow.rule_listeners(args.rules) if args.rules else None
        for p in proxies:  # warm-up
            wrk(p.port, args.conns, 2)
            if p.tcp_port and not args.no_tcp:
                wrk(p.tcp_port, args.conns, 1)
            if tls:
                wrk(p.tls_port, args.conns, 1, scheme="https")
                negotiated[p.name] = {"openssl client, no ALPN (as wrk)": openssl_facts(p)}
        for rnd in range(args.rounds):
            order = proxies[rnd % len(proxies):] + proxies[:rnd % len(proxies)]
            r = {}
            t0 = time.monotonic()
            for p in order:
                r[p.name] = {"keepalive": load_scenario(p, args.conns, args.seconds, False),
                             "newconn": load_scenario(p, args.conns, args.seconds, True)}
            spent["plain"] += time.monotonic() - t0
            if not args.no_tcp:
                # HTTP/1.1 through a layer-4 relay: the proxy copies bytes and picks a target per
                # connection (keep-alive: one target connection per client connection).
                t0 = time.monotonic()
                for p in order:
                    if p.tcp_port:
                        r[p.name]["tcp_keepalive"] = load_scenario(p, args.conns, args.seconds, False, p.tcp_port)
                        r[p.name]["tcp_newconn"] = load_scenario(p, args.conns, args.seconds, True, p.tcp_port)
                spent["tcp"] += time.monotonic() - t0
            if tls:
                t0 = time.monotonic()
                for p in order:
                    r[p.name]["tls_handshake"] = tls_handshakes(p, args.conns, tls_seconds)
                    r[p.name]["tls_keepalive"] = measured(p, lambda: wrk(p.tls_port, args.conns, tls_seconds, scheme="https"))
                    r[p.name]["h2"] = h2load(p, 16, 10, tls_seconds)
                    seen = negotiated[p.name]
                    seen.setdefault("tlsload (new handshakes)", r[p.name]["tls_handshake"].get("negotiated"))
                    seen.setdefault("h2load", r[p.name]["h2"].get("negotiated"))
                spent["tls"] += time.monotonic() - t0
            t0 = time.monotonic()
            if rule_ports:
                path = f"/svc-{args.rules}/x"
                pair = [("one", rule_ports[0]), ("many", rule_ports[1])]
                r["elbow-rules"] = {}
                for label, port in (pair if rnd % 2 == 0 else pair[::-1]):
                    r["elbow-rules"][label] = load_scenario(elbow, args.conns, args.seconds, False, port, path)
            spent["rules"] += time.monotonic() - t0
            t0 = time.monotonic()
            if args.idle:
                for p in order:
                    # Allocators and HAProxy's pools keep memory after connections close, so each
                    # proxy is measured as a fresh process.
                    p.restart()
                    r[p.name]["idle"] = idle_memory(p, args.idle)
            spent["idle"] += time.monotonic() - t0
            results.append(r)
            print(f"round {rnd + 1}/{args.rounds}: " + ", ".join(f"{n} {r[n]['keepalive']['rps']:.0f} req/s" for n in names), flush=True)
    finally:
        for p in proxies:
            p.stop()
        backends.stop()
        shutil.rmtree(work, ignore_errors=True)
    rows = summarise(results, names)
    meta = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "command": "bench/run " + " ".join(sys.argv[1:]),
            "rounds": args.rounds, "seconds": args.seconds, "tls_seconds": tls_seconds if tls else None, "conns": args.conns, "idle": args.idle,
            "seconds_spent": {k: round(v, 1) for k, v in spent.items()}, "negotiated": negotiated, "versions": versions()}
    (out_dir / "results.json").write_text(json.dumps({"meta": meta, "rounds": results, "summary": rows}, indent=2))
    table = markdown(rows, names)
    scenarios = ("keepalive", "newconn", "tcp_keepalive", "tcp_newconn", "tls_handshake", "tls_keepalive", "h2")
    errors = {n: sum(r[n][s]["errors"] for r in results for s in scenarios if s in r[n]) for n in names}
    text = (f"Run {meta['date']} · {args.rounds} rounds × {args.seconds} s" + (f" (TLS runs {tls_seconds} s)" if tls else "") +
            f" · {meta['versions']['cpu']} ({meta['versions']['cpus']} CPUs)\n\n"
            "Each cell: median [min–max] over rounds · ×ratio to HAProxy: median [min–max] of per-round ratios.\n\n" + table +
            "\nErrors (non-2xx + socket errors) over all runs: " + ", ".join(f"{n} {e}" for n, e in errors.items()) + "\n" +
            tls_summary(results, names, negotiated) + rules_summary(results, args.rules) +
            "\nTime spent: " + ", ".join(f"{k} {v:.0f} s" for k, v in spent.items()) + "\n")
    (out_dir / "results.md").write_text(text)
    print()
    print(text)
    print(f"raw results: {out_dir}/results.json")


if __name__ == "__main__":
    main()
