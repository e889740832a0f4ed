"""The bounded load test (issue 9), run by hand: `make load` (python -m bench.load).

A fresh PostgreSQL database with reference data, the demo accounts and generated cases; gunicorn
serving the app on loopback; locust driving partner pulls, triage loads, case creation and spends
for 60 seconds. Prints the figures (and writes bench/load-*.csv); errors make it exit non-zero."""

import argparse
import csv
import json
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

from bench.run import ROOT, VENV_BIN, database_url, sh

PORT = 5792


def serve(env, workers: int, threads: int):
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    sh(
        sys.executable,
        "-c",
        f"""
import http.client, time
for _ in range(100):
    try:
        c = http.client.HTTPConnection('127.0.0.1', {PORT}, timeout=2); c.request('GET', '/healthz')
        if c.getresponse().status == 200: break
    except OSError: pass
    time.sleep(0.2)
else: raise SystemExit('gunicorn did not start')""",
    )
    return process


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000, help="Generated cases behind the queues")
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    url = database_url("postgres", ROOT / "instance" / "unused.db", name="tasking_load")  # not make bench's
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FLASK_APP": "wsgi",
        "TASKING_ENV": "development",
        "DATABASE_POOL_SIZE": str(args.threads + 1),
    }
    flask = [str(VENV_BIN / "flask")]
    sh(*flask, "db", "upgrade", env=env)
    sh(*flask, "tasking", "seed", env=env)
    sh(*flask, "tasking", "demo", "--cases", "0", "--credentials", "instance/load-credentials.json", env=env)
    sh(*flask, "tasking", "generate", "--cases", str(args.cases), env=env, capture=True)
    accounts = json.loads((ROOT / "instance" / "load-credentials.json").read_text())
    tokens = {
        "manager": next(a["token"] for a in accounts if a["role"] == "area_manager" and a["areas"] == ["SW"]),
        "partners": [a["token"] for a in accounts if a["role"] == "partner"],
    }
    (ROOT / "instance" / "load-tokens.json").write_text(json.dumps(tokens))

    server = serve(env, args.workers, args.threads)
    prefix = ROOT / "bench" / "load"
    try:
        subprocess.run(
            [
                str(VENV_BIN / "locust"),
                "-f",
                "bench/locustfile.py",
                "--headless",
                "--only-summary",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--csv",
                str(prefix),
            ],
            cwd=ROOT,
            env={**env, "LOAD_TOKENS": "instance/load-tokens.json"},
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = list(csv.DictReader(stats))
    memory = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    print(
        f"\ncommand: python -m bench.load --cases {args.cases} --users {args.users} --seconds {args.seconds} "
        f"--workers {args.workers} --threads {args.threads}"
    )
    print(
        f"machine: {os.cpu_count()} cores, {memory:,} MB, {platform.platform()}, Python {platform.python_version()}; "
        "locust, gunicorn and PostgreSQL 15 on the same machine\n"
    )
    print("| requests | count | failures | per second | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.1f} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
    failures = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "Aggregated")
    if failures:
        raise SystemExit(f"{failures} failed requests: see {prefix}_failures.csv")


if __name__ == "__main__":
    main()
