#!/usr/bin/env python3
"""Soak test of a real daemon (issue 13): for DURATION seconds, a steady mix of work
(sessions launched every second that print lines and exit, a few long-lived ones, clients
polling health, the list and event pages, SSE followers coming and going), with the
daemon's RSS and fd count sampled every INTERVAL seconds into a CSV.

Run through scripts/soak.sh. Prints the samples' first, last, minimum and maximum, and the
slope of RSS over the second half (KiB per minute), and exits 1 if a request failed, a
session lost a line, or the daemon's fd count after the work is above what it was at the
start once the sessions ended.
"""
import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402  (the fake harness and the HTTP helpers)


async def run(args, sock, root, pid, csv_path):
    stats, copies = load.Stats(), {}
    start = time.monotonic()
    end = start + args.duration
    samples = []
    baseline = load.sample(pid)
    checked = {"sessions": 0, "lost": 0}
    live = []

    async def verify(sid, tag, lines):
        rows = await load.wait_all_ended(sock, [sid], time.monotonic() + lines * 0.1 + 120)
        if rows.get(sid) != "completed":
            stats.failed.append(f"{tag}: ended {rows.get(sid)}")
        if not load.check_lines(await load.read_log(sock, sid), tag, lines):
            checked["lost"] += 1
        for copy in copies.pop(sid, []):
            if not load.check_lines(copy, tag, lines):
                checked["lost"] += 1
        checked["sessions"] += 1
        # Archive, then sacrifice: the ledger and sessions/ must not grow without bound.
        await load.request(sock, "POST", f"/api/v1/sessions/{sid}/archive", "{}")
        await load.request(sock, "POST", f"/api/v1/sessions/{sid}/sacrifice", "{}")

    async def one_session(n):
        lines = random.choice([20, 100, 500])
        tag = f"k{n}"
        sid = await load.launch(sock, root, lines, tag, stats)
        if not sid:
            return
        followers = [load.follower(sock, sid, stats, copies) for _ in range(random.randint(0, 2))]
        await asyncio.gather(*followers)
        await verify(sid, tag, lines)

    n = 0
    next_sample = start
    with open(csv_path, "w") as csv:
        csv.write("seconds,rss_kib,fds,live_tasks\n")
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_sample:
                s = load.sample(pid)
                if s:
                    samples.append((now - start, *s))
                    csv.write(f"{now - start:.0f},{s[0]},{s[1]},{len(live)}\n")
                    csv.flush()
                next_sample += args.interval
            live = [t for t in live if not t.done()]
            if len(live) < args.concurrent:
                live.append(asyncio.create_task(one_session(n)))
                n += 1
            live.append(asyncio.create_task(load.client(sock, [], stats, n)))
            await asyncio.sleep(1.0 / args.rate)
        await asyncio.gather(*live)
    await asyncio.sleep(2)
    after = load.sample(pid)
    return stats, checked, samples, baseline, after


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--coven", default="build/release/coven")
    ap.add_argument("--duration", type=int, default=1800)
    ap.add_argument("--interval", type=float, default=10)
    ap.add_argument("--concurrent", type=int, default=20, help="sessions at once")
    ap.add_argument("--rate", type=float, default=5, help="client connections per second")
    ap.add_argument("--csv", default="soak.csv")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="coven-soak-")
    home, bindir, root = f"{tmp}/home", f"{tmp}/bin", f"{tmp}/project"
    for d in (home + "/adapters", bindir, root):
        os.makedirs(d)
    with open(f"{bindir}/loadgen", "w") as f:
        f.write(load.HARNESS)
    os.chmod(f"{bindir}/loadgen", 0o755)
    with open(f"{home}/adapters/loadgen.json", "w") as f:
        json.dump(load.MANIFEST, f)
    env = dict(os.environ, COVEN_HOME=home, PATH=f"{bindir}:{os.environ['PATH']}")
    coven = os.path.abspath(args.coven)
    subprocess.run([coven, "daemon", "start"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        pid = json.load(open(f"{home}/daemon.json"))["pid"]
        stats, checked, samples, base, after = asyncio.run(
            run(args, f"{home}/coven.sock", root, pid, os.path.abspath(args.csv)))
    finally:
        subprocess.run([coven, "daemon", "stop"], env=env, stdout=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    rss = [s[1] for s in samples]
    fds = [s[2] for s in samples]
    half = [s for s in samples if s[0] >= args.duration / 2]
    slope = 0.0
    if len(half) >= 2:
        xs = [s[0] / 60 for s in half]
        ys = [s[1] for s in half]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        den = sum((x - mx) ** 2 for x in xs) or 1
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den
    print(f"soak: {args.duration} s, {checked['sessions']} sessions verified, "
          f"{stats.ok} requests ok, {len(stats.failed)} failed, {checked['lost']} lost")
    print(f"daemon RSS KiB: start {base[0]}, first sample {rss[0]}, last {rss[-1]}, "
          f"min {min(rss)}, max {max(rss)}, slope over the second half {slope:+.1f} KiB/min")
    print(f"daemon fds: start {base[1]}, min {min(fds)}, max {max(fds)}, "
          f"after the work {after[1] if after else '?'}")
    print(f"samples: {args.csv}")
    for f in stats.failed[:10]:
        print("  failed:", f)
    ok = not stats.failed and not checked["lost"] and after and after[1] <= base[1]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
