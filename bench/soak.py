#!/usr/bin/env python3
"""Fault soak: a campaign sent through the sandbox's faults while herald is SIGKILLed and
restarted every few seconds, until a run finishes. Not a test: it prints figures.

    bench/soak.py                      # 20,000 recipients, kills every 2-5 s
    bench/soak.py --recipients 2000 --kill-min 0.5 --kill-max 1.5
    bench/soak.py --senders 3 --postgres   # three senders at once on one PostgreSQL journal

With --senders N (and a PostgreSQL journal: --postgres starts a throwaway server with
scripts/postgres.sh, --journal URL uses yours), N senders run the campaign at the same time,
each killed at random and restarted, until each has seen a run end by itself with nobody
pending or in flight; the runners' lease is --lease seconds (HERALD_LEASE).

The sandbox answers 10% of requests 500, 5% 429 with Retry-After, accepts then drops 2% and
accepts then never answers 1% (past herald's 2 s timeout); it records every message it
accepted. At the end the script checks, and prints:
  - duplicates: recipients the sandbox accepted more than once (must be 0);
  - lost: recipients whose journal state is neither sent nor unknown (must be 0);
  - mismatches: the report says `sent` but the sandbox did not accept exactly one message, or
    `unknown` with more than one (must be 0);
  - herald's peak resident memory per run (VmHWM), which must not grow with the audience.
Exit status 1 when any of the three counts is not 0.

Needs: cargo, python3. Builds herald in release mode.
"""

import argparse
import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "EAASandboxCloudApiToken"


def build() -> Path:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "herald"


def start_sandbox(herald: Path, work: Path, seed: int):
    proc = subprocess.Popen(
        [str(herald), "sandbox", "--port", "0", "--quiet", "--seed", str(seed),
         "--fail-rate", "10%", "--throttle-rate", "5%", "--retry-after", "1",
         "--drop-rate", "2%", "--hang-rate", "1%", "--record", str(work / "accepted.jsonl")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        m = re.search(r"cloud_api\s+base_url (\S+)", line)
        if m:
            return proc, m.group(1)
    raise SystemExit("the sandbox did not start")


def peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sender(herald: Path, work: Path, env: dict, name: str, rng: random.Random, args, tally: dict) -> None:
    """Runs `herald send` until a run ends by itself with nobody left pending or in flight,
    killing it at random moments; counts runs, kills and peak memory into `tally`."""
    lock = tally["lock"]
    while True:
        with lock:
            tally["runs"] += 1
            run = tally["runs"]
        child = subprocess.Popen([str(herald), "send", "c.yaml", "--yes", "--quiet", "--report", f"out-{name}-{run}"],
                                 cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline, peak = time.time() + rng.uniform(args.kill_min, args.kill_max), 0
        while child.poll() is None and time.time() < deadline:
            peak = max(peak, peak_rss_kb(child.pid))
            time.sleep(0.05)
        with lock:
            tally["peaks"].append(peak)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            child.wait()
            with lock:
                tally["kills"] += 1
            continue
        if child.returncode not in (0, 1):
            tally["errors"].append(f"run {run} exited {child.returncode}: {child.stderr.read()}")
            return
        if args.senders == 1:
            return
        status = subprocess.run([str(herald), "status", "c.yaml", "--format", "json"], cwd=work, env=env,
                                capture_output=True, text=True)
        counts = json.loads(status.stdout)["counts"]
        if counts["pending"] == 0 and counts["in_flight"] == 0:
            return
        time.sleep(0.5)  # others are sending, or a killed run's lease has not run out yet


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipients", type=int, default=20_000)
    ap.add_argument("--kill-min", type=float, default=2.0)
    ap.add_argument("--kill-max", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--senders", type=int, default=1)
    ap.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL for the journal")
    ap.add_argument("--journal", help="the journal (a path or a postgres:// URL)")
    ap.add_argument("--lease", type=int, default=5, help="the runners' lease in seconds (HERALD_LEASE)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    herald = build()
    work = Path(tempfile.mkdtemp(prefix="herald-soak-"))
    journal, pg_dir = args.journal, None
    if args.postgres:
        pg_dir = f"/tmp/herald-soak-pg.{os.getpid()}"
        journal = subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "start", "55434"], check=True,
                                 capture_output=True, text=True, env=dict(os.environ, HERALD_PG_DIR=pg_dir)).stdout.strip()
    if args.senders > 1 and not (journal or "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("several senders need a PostgreSQL journal: --postgres or --journal postgres://…")
    sandbox, base_url = start_sandbox(herald, work, args.seed)
    numbers = [f"+2547{10_000_000 + i:08d}" for i in range(args.recipients)]
    with open(work / "people.csv", "w") as f:
        f.write("phone,name\n" + "".join(f"{n},N{i}\n" for i, n in enumerate(numbers)))
    (work / "c.yaml").write_text(
        "version: 1\nid: soak\nprovider:\n  kind: cloud_api\n"
        f"  base_url: {base_url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\n"
        "recipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: \"Hi {{ name }}\"\n"
        "delivery: { rate: 2000/s, concurrency: 32, timeout: 2s, max_attempts: 10, "
        "max_failure_rate: 100%, breaker: 100% }\n")
    env = dict(os.environ, WA_TOKEN=TOKEN, HERALD_LEASE=str(args.lease))
    env.pop("HERALD_JOURNAL", None)
    if journal:
        env["HERALD_JOURNAL"] = journal
    tally = {"lock": threading.Lock(), "runs": 0, "kills": 0, "peaks": [], "errors": []}
    started = time.time()
    threads = [threading.Thread(target=sender, args=(herald, work, env, str(i), random.Random(rng.random()), args, tally))
               for i in range(args.senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if tally["errors"]:
        print("\n".join(tally["errors"]), file=sys.stderr)
        return 1
    runs, kills, peaks = tally["runs"], tally["kills"], tally["peaks"]
    elapsed = time.time() - started
    sandbox.send_signal(signal.SIGINT)
    sandbox.wait(timeout=10)
    report = subprocess.run([str(herald), "report", "c.yaml", "--format", "csv"], cwd=work, env=env,
                            capture_output=True, text=True, check=True).stdout
    states = {row["phone"]: row["status"] for row in csv.DictReader(report.splitlines())}
    accepted = Counter(json.loads(line)["recipient"] for line in open(work / "accepted.jsonl"))
    duplicates = sum(1 for n in accepted.values() if n > 1)
    lost = sum(1 for n in numbers if states.get(n) not in ("sent", "unknown"))
    mismatches = sum(1 for n, s in states.items()
                     if (s == "sent" and accepted.get(n, 0) != 1) or (s == "unknown" and accepted.get(n, 0) > 1))
    status = Counter(states.values())
    if pg_dir:
        subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "stop"], env=dict(os.environ, HERALD_PG_DIR=pg_dir))
    print(f"recipients     {args.recipients}")
    print(f"senders        {args.senders} at once, journal {'PostgreSQL' if journal and journal.startswith('postgres') else 'SQLite'}")
    print(f"runs           {runs} ({kills} killed with SIGKILL), {elapsed:.1f} s")
    print(f"journal        sent {status['sent']}, unknown {status['unknown']}, other {lost}")
    print(f"sandbox        accepted {sum(accepted.values())} messages for {len(accepted)} recipients")
    print(f"duplicates     {duplicates}")
    print(f"lost           {lost}")
    print(f"mismatches     {mismatches}")
    print(f"peak RSS       max {max(peaks) / 1024:.1f} MB, median {sorted(peaks)[len(peaks) // 2] / 1024:.1f} MB per run")
    print(f"work dir       {work}")
    return 0 if duplicates == lost == mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
