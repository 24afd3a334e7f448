#!/usr/bin/env python3
"""What a kill leaves `unknown`: issue 19's scenario. A campaign goes through the sandbox
(30 ms latency, 10% 500s, 5% 429s with Retry-After, no accepted-then-dropped faults, so only
the kills make anyone `unknown`) while herald is SIGKILLed every 2-5 s and restarted, until a
run finishes. Not a test: it prints figures.

    bench/kill.py                                  # 20,000 recipients, concurrency 64
    bench/kill.py --herald /tmp/herald-before      # the same with another build

It prints how many recipients ended `unknown`, and how many of those the provider (the
sandbox's record of accepted messages) really has: the rest were claimed but never on the
wire, which `--retry-unknown` would have to resend blind. Also duplicates (recipients accepted
twice, must be 0).

Needs: cargo, python3. Builds herald in release mode unless --herald is given.
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
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "EAASandboxCloudApiToken"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipients", type=int, default=20_000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--kill-min", type=float, default=2.0)
    ap.add_argument("--kill-max", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--herald", help="the herald binary (default: a release build of this tree)")
    args = ap.parse_args()
    if args.herald:
        herald = Path(args.herald).resolve()
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        herald = ROOT / "target" / "release" / "herald"
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="herald-kill-"))
    sandbox = subprocess.Popen(
        [str(herald), "sandbox", "--port", "0", "--quiet", "--seed", str(args.seed), "--latency-ms", "30",
         "--fail-rate", "10%", "--throttle-rate", "5%", "--retry-after", "1", "--record", str(work / "accepted.jsonl")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base_url = next((m.group(1) for line in sandbox.stdout if (m := re.search(r"cloud_api\s+base_url (\S+)", line))), None)
    if base_url is None:
        raise SystemExit("the sandbox did not start")
    numbers = [f"+2547{10_000_000 + i:08d}" for i in range(args.recipients)]
    (work / "people.csv").write_text("phone,name\n" + "".join(f"{n},N{i}\n" for i, n in enumerate(numbers)))
    (work / "c.yaml").write_text(
        "version: 1\nid: kill\nprovider:\n  kind: cloud_api\n"
        f"  base_url: {base_url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\n"
        "recipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: \"Hi {{ name }}\"\n"
        f"delivery: {{ rate: {args.rate}/s, concurrency: {args.concurrency}, max_attempts: 10, "
        "max_failure_rate: 100%, breaker: 100% }\n")
    env = dict(os.environ, WA_TOKEN=TOKEN)
    env.pop("HERALD_JOURNAL", None)
    runs = kills = 0
    started = time.time()
    while True:
        runs += 1
        child = subprocess.Popen([str(herald), "send", "c.yaml", "--yes", "--quiet", "--report", f"out-{runs}"],
                                 cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            child.wait(timeout=rng.uniform(args.kill_min, args.kill_max))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait()
            kills += 1
            continue
        if child.returncode not in (0, 1):
            print(f"run {runs} exited {child.returncode}: {child.stderr.read()}", file=sys.stderr)
            return 1
        break
    elapsed = time.time() - started
    sandbox.send_signal(signal.SIGINT)
    sandbox.wait(timeout=10)
    report = subprocess.run([str(herald), "report", "c.yaml", "--format", "csv"], cwd=work, env=env,
                            capture_output=True, text=True, check=True).stdout
    rows = list(csv.DictReader(report.splitlines()))
    states = {row["phone"]: row["status"] for row in rows}
    accepted = Counter(json.loads(line)["recipient"] for line in open(work / "accepted.jsonl"))
    unknown = [n for n, s in states.items() if s == "unknown"]
    interrupted = sum(1 for row in rows if row["status"] == "unknown" and row.get("error_code") == "interrupted")
    received = sum(1 for n in unknown if accepted.get(n, 0) > 0)
    print(f"recipients     {args.recipients}, concurrency {args.concurrency}, rate {args.rate}/s")
    print(f"runs           {runs} ({kills} killed with SIGKILL), {elapsed:.1f} s")
    print(f"journal        {Counter(states.values())}")
    print(f"unknown        {len(unknown)} ({interrupted} interrupted)")
    print(f"  received     {received} (the provider accepted them)")
    print(f"  never sent   {len(unknown) - received}")
    print(f"duplicates     {sum(1 for c in accepted.values() if c > 1)}")
    print(f"work dir       {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
