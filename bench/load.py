#!/usr/bin/env python3
"""Load test of a real daemon (issue 13, item 5): CLIENTS concurrent client connections
while SESSIONS sessions stream output and others launch and exit.

Run through bench/load.sh, which builds the release binary and prints the figures that
docs/benchmarks.md quotes. Everything runs in a temporary COVEN_HOME with a fake harness
(`loadgen`, a bash loop that prints numbered lines), so no agent or account is needed.

What it checks, and prints (exit 1 if a check fails):
- every request is answered 2xx (health, list, events pages, launches), none fails or is
  refused; SSE followers (part of CLIENTS) each read one session's live stream to its end;
- no byte is lost: every streaming session's log, read back through /events?raw=true,
  holds each of its numbered lines exactly once and in order, and so does every follower's
  copy of the stream;
- daemon memory: RSS and fd count sampled every 0.5 s (before, peak, after).
"""
import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HARNESS = r"""#!/bin/bash
# loadgen -- "<lines> <tag>": prints <lines> numbered lines, one every 20 ms, then exits.
[ "$1" = -- ] && shift
set -- $1
exec 3<> <(:)
for ((i = 1; i <= $1; i++)); do
  printf 'L%06d %s\n' "$i" "$2"
  read -r -t 0.02 -u 3 || true
done
"""

MANIFEST = {
    "id": "loadgen",
    "label": "load generator",
    "executable": "loadgen",
    "argv": ["loadgen", "--", "{prompt}"],
    "installHint": "bench/load.py writes it",
    "passThrough": False,
}


class Stats:
    def __init__(self):
        self.ok = 0
        self.failed = []
        self.latencies = []

    def record(self, what, status, started):
        self.latencies.append(time.monotonic() - started)
        if 200 <= status < 300:
            self.ok += 1
        else:
            self.failed.append(f"{what}: {status}")


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def request(sock, method, target, body=None, reader_writer=None):
    """One request; on a fresh connection unless reader_writer is given (keep-alive)."""
    own = reader_writer is None
    if own:
        reader_writer = await asyncio.open_unix_connection(sock)
    reader, writer = reader_writer
    data = body.encode() if body is not None else b""
    head = f"{method} {target} HTTP/1.1\r\nHost: coven\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    if own:
        head += "Connection: close\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()
    status, payload = await read_response(reader)
    if own:
        writer.close()
    return status, payload


def output_of(records):
    out = []
    for r in records:
        if r.get("kind") != "output":
            continue
        p = r.get("payload_json")
        if isinstance(p, str):
            p = json.loads(p)
        out.append(p.get("data", ""))
    return "".join(out)


def check_lines(text, tag, lines):
    want = "".join(f"L{i:06d} {tag}\r\n" for i in range(1, lines + 1))
    return text == want


async def read_log(sock, sid):
    text, after = [], 0
    while True:
        status, body = await request(
            sock, "GET", f"/api/v1/events?sessionId={sid}&afterSeq={after}&limit=1000&raw=true")
        if status != 200:
            raise RuntimeError(f"events {sid}: {status}")
        page = json.loads(body)
        text.append(output_of(page["events"]))
        if not page["events"] or not page["hasMore"]:
            return "".join(text)
        after = page["events"][-1]["seq"]


async def follower(sock, sid, stats, copies):
    started = time.monotonic()
    reader, writer = await asyncio.open_unix_connection(sock, limit=1 << 22)
    writer.write(f"GET /api/v1/sessions/{sid}/stream?afterSeq=0&raw=true HTTP/1.1\r\n"
                 "Host: coven\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split()[1])
    stats.record("stream", status, started)
    if status != 200:
        writer.close()
        return
    records, data = [], []
    while True:
        line = await reader.readline()
        if not line:
            break
        if line.startswith(b"data: "):
            records.append(json.loads(line[6:]))
        if records and records[-1].get("kind") == "exit":
            break
    writer.close()
    copies.setdefault(sid, []).append(output_of(records))


async def client(sock, ids, stats, n):
    rw = await asyncio.open_unix_connection(sock)
    try:
        for k in range(5):
            kind = (n + k) % (3 if ids else 2)
            started = time.monotonic()
            if kind == 0:
                status, _ = await request(sock, "GET", "/api/v1/health", reader_writer=rw)
            elif kind == 1:
                status, _ = await request(sock, "GET", "/api/v1/sessions", reader_writer=rw)
            else:
                sid = ids[(n + k) % len(ids)]
                status, _ = await request(
                    sock, "GET", f"/api/v1/events?sessionId={sid}&limit=100", reader_writer=rw)
            stats.record(["health", "list", "events"][kind], status, started)
    except (OSError, asyncio.IncompleteReadError, ValueError) as e:
        stats.failed.append(f"client {n}: {e!r}")
    finally:
        rw[1].close()


async def launch(sock, root, lines, tag, stats):
    started = time.monotonic()
    body = json.dumps({"projectRoot": root, "harness": "loadgen", "prompt": f"{lines} {tag}",
                       "title": tag})
    try:
        status, payload = await request(sock, "POST", "/api/v1/sessions", body)
    except (OSError, asyncio.IncompleteReadError) as e:
        stats.failed.append(f"launch {tag}: {e!r}")
        return None
    stats.record("launch", status, started)
    return json.loads(payload)["id"] if status == 201 else None


def sample(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, StopIteration):
        return None


async def sampler(pid, samples, stop):
    while not stop.is_set():
        s = sample(pid)
        if s:
            samples.append(s)
        await asyncio.sleep(0.5)


async def wait_all_ended(sock, ids, deadline):
    while time.monotonic() < deadline:
        status, body = await request(sock, "GET", "/api/v1/sessions")
        rows = {r["id"]: r["status"] for r in json.loads(body)}
        if all(rows.get(i) not in (None, "running") for i in ids):
            return rows
        await asyncio.sleep(1)
    raise RuntimeError("sessions still running at the deadline")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else 0


async def main_async(args, sock, root, pid):
    stats, copies, samples, stop = Stats(), {}, [], asyncio.Event()
    before = sample(pid)
    sampling = asyncio.create_task(sampler(pid, samples, stop))
    t0 = time.monotonic()
    ids = await asyncio.gather(*(launch(sock, root, args.lines, f"s{i}", stats)
                                 for i in range(args.sessions)))
    streaming = [(i, sid) for i, sid in enumerate(ids) if sid]
    sids = [sid for _, sid in streaming]
    launched = time.monotonic() - t0
    followers = min(args.followers, args.clients)
    tasks = [follower(sock, sids[i % len(sids)], stats, copies) for i in range(followers)]
    tasks += [client(sock, sids, stats, n) for n in range(args.clients - followers)]
    # Churn: short sessions that launch and exit while the load runs.
    churn = [launch(sock, root, 5, f"c{i}", stats) for i in range(args.churn)]
    t1 = time.monotonic()
    results = await asyncio.gather(*tasks, *churn)
    load_time = time.monotonic() - t1
    churn_ids = [r for r in results[len(tasks):] if r]
    await wait_all_ended(sock, sids + churn_ids, time.monotonic() + args.lines * 0.1 + 120)
    lost = []
    for i, sid in streaming:
        if not check_lines(await read_log(sock, sid), f"s{i}", args.lines):
            lost.append(f"log of s{i}")
        for copy in copies.get(sid, []):
            if not check_lines(copy, f"s{i}", args.lines):
                lost.append(f"stream copy of s{i}")
    stop.set()
    await sampling
    after = sample(pid)
    peak = max(s[0] for s in samples) if samples else 0
    peak_fds = max(s[1] for s in samples) if samples else 0
    print(f"sessions streaming: {len(streaming)}/{args.sessions} launched in {launched:.1f} s, "
          f"{args.lines} lines each; churn launches: {len(churn_ids)}/{args.churn}")
    print(f"client connections: {args.clients} ({followers} SSE followers), "
          f"{stats.ok} requests ok, {len(stats.failed)} failed, load phase {load_time:.1f} s")
    print(f"latency p50 {percentile(stats.latencies, 0.5):.1f} ms, "
          f"p99 {percentile(stats.latencies, 0.99):.1f} ms (followers: to the stream's head)")
    print(f"lost: {len(lost)} ({', '.join(lost[:5])})")
    print(f"daemon RSS KiB before/peak/after: {before[0]}/{peak}/{after[0] if after else '?'}; "
          f"fds before/peak/after: {before[1]}/{peak_fds}/{after[1] if after else '?'}")
    for f in stats.failed[:10]:
        print("  failed:", f)
    return 0 if not stats.failed and not lost and len(streaming) == args.sessions else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--coven", default="build/release/coven")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--followers", type=int, default=200)
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--churn", type=int, default=20)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    tmp = tempfile.mkdtemp(prefix="coven-load-")
    home, bindir, root = f"{tmp}/home", f"{tmp}/bin", f"{tmp}/project"
    for d in (home + "/adapters", bindir, root):
        os.makedirs(d)
    with open(f"{bindir}/loadgen", "w") as f:
        f.write(HARNESS)
    os.chmod(f"{bindir}/loadgen", 0o755)
    with open(f"{home}/adapters/loadgen.json", "w") as f:
        json.dump(MANIFEST, f)
    env = dict(os.environ, COVEN_HOME=home, PATH=f"{bindir}:{os.environ['PATH']}")
    coven = os.path.abspath(args.coven)
    subprocess.run([coven, "daemon", "start"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        pid = json.load(open(f"{home}/daemon.json"))["pid"]
        rc = asyncio.run(main_async(args, f"{home}/coven.sock", root, pid))
        log = open(f"{home}/daemon.log").read()
        for line in log.splitlines():
            if "limit" in line or "busy" in line or "descriptors" in line:
                print("daemon.log:", line)
    finally:
        subprocess.run([coven, "daemon", "stop"], env=env, stdout=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(rc)


if __name__ == "__main__":
    main()
