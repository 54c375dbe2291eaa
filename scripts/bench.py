#!/usr/bin/env python3
"""`make bench`: seed PostgreSQL databases at each size (reused when already seeded), measure
the main pages per role and the issue-13 ratios, time the batch commands, write BENCHMARKS.md.

    .venv/bin/python scripts/bench.py                       # 10,000 and 100,000 cases
    .venv/bin/python scripts/bench.py --sizes 300 --fresh   # the smoke run CI does

Each size has its own database, `<--db>_<size>` (default mimamori_bench_10000 and
mimamori_bench_100000) on the server of BENCH_DATABASE_URL / DATABASE_URL, and its own audit
witness file under var/. A database that already holds the cases is not seeded again (the seed
time in the report is then the one recorded when it was seeded). Numbers are reported, never
asserted. The demo settings are used (keys from var/demo-keys.env) with DEBUG off.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadtest  # noqa: E402 - scripts/loadtest.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# Run a command in a fresh process and print its wall time, peak RSS (KB) and exit status.
PEAK = (
    "import resource, subprocess, sys, time; t = time.perf_counter();"
    " rc = subprocess.run(sys.argv[1:]).returncode;"
    " kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
    " print(f'@@ {time.perf_counter() - t:.2f} {kb} {rc}', file=sys.stderr)"
)
# Everything after this line in BENCHMARKS.md is kept from run to run (before/after notes).
KEPT = "<!-- kept: notes below survive make bench -->"
OPS = [
    ("verify_audit", ["verify_audit"]),
    ("rotate_field_keys", ["rotate_field_keys"]),
    ("run_reminders", ["run_reminders"]),
]


def url_for(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(server: str, name: str, fresh: bool) -> None:
    with psycopg.connect(url_for(server, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            # A new database starts a new chain: the old one's witness and seed record go.
            (VAR / f"bench-witness-{name}.log").unlink(missing_ok=True)
            (VAR / f"bench-seed-{name}.json").unlink(missing_ok=True)


def case_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        table = conn.execute("SELECT to_regclass('casework_case')").fetchone()[0]
        if table is None:
            return 0
        return conn.execute("SELECT count(*) FROM casework_case").fetchone()[0]


def env_for(url: str, name: str, debug: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="1" if debug else "0",
        MIMAMORI_AUDIT_WITNESS=str(VAR / f"bench-witness-{name}.log"),
    )
    return env


def measured(args: list[str], env: dict[str, str]) -> dict:
    """Wall time, peak resident memory (MB) and exit status of `manage.py <args>`."""
    command = [PYTHON, "-c", PEAK, PYTHON, "manage.py", *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    line = [x for x in done.stderr.splitlines() if x.startswith("@@ ")][-1].split()
    result = {"seconds": float(line[1]), "peak_mb": round(int(line[2]) / 1024), "rc": int(line[3])}
    result["tail"] = (done.stdout + done.stderr).strip().splitlines()[-3:]
    return result


def prepare(server: str, name: str, size: int, fresh: bool) -> dict:
    """The database at `size` cases, seeded only if it is not already; the seed's numbers."""
    ensure_database(server, name, fresh)
    url = url_for(server, name)
    record = VAR / f"bench-seed-{name}.json"
    env = env_for(url, name, debug=True)  # seeded as `make demo` would: DEBUG on
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)  # noqa: S603
    if case_count(url) >= size and record.exists():
        print(f"{name}: already seeded ({case_count(url)} cases), reused")
        return json.loads(record.read_text())
    print(f"{name}: seeding {size} cases …", flush=True)
    seed = measured(["seed_demo", "--cases", str(size)], env)
    seed["cases"] = size
    record.write_text(json.dumps(seed, ensure_ascii=False))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")  # as autovacuum would soon: measure a settled database
    print(f"{name}: seeded in {seed['seconds']:.0f} s, peak {seed['peak_mb']} MB", flush=True)
    return seed


def write_path(server: str, name: str, quick: bool) -> dict | None:
    """The intake write path against the same rows by the plain ORM: the sealing benchmark
    (tests/intake/test_bench_sealing.py) in its own test database, its numbers read back."""
    out = VAR / f"bench-write-path-{name}.json"
    out.unlink(missing_ok=True)
    env = dict(os.environ, DATABASE_URL=url_for(server, f"{name}_writes"), BENCH_RESULTS=str(out))
    if quick:  # the smoke run: the code path, not the numbers
        env.setdefault("BENCH_SAVES", "20")
        env.setdefault("BENCH_PER_CLIENT", "3")
    command = [PYTHON, "-m", "pytest", "-m", "benchmark", "-p", "no:randomly"]
    command += ["tests/intake/test_bench_sealing.py", "--create-db"]
    subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
    return json.loads(out.read_text()) if out.exists() else None


def measure(server: str, name: str, args, ratios: bool, ops: bool) -> dict:
    runs = args.runs
    url = url_for(server, name)
    env = env_for(url, name)
    out = VAR / f"bench-pages-{name}.json"
    command = ["bench_pages", "--runs", str(runs), "--json", str(out)]
    subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *command, *(["--ratios"] if ratios else [])],
        env=env,
        cwd=ROOT,
        check=True,
    )
    result = json.loads(out.read_text())
    result["ops"] = {}
    if ratios:
        result["write_path"] = write_path(server, name, quick=args.load_seconds < 5)
        print(f"{name}: loopback load test …", flush=True)
        result["load"] = loadtest.run(
            python=PYTHON,
            env=env,
            admin_url=url_for(server, "postgres"),
            database_url=url,
            source=name,
            witness=VAR / f"bench-witness-{name}.log",
            seconds=args.load_seconds,
        )
    if ops:
        for label, command in OPS:
            print(f"{name}: {label} …", flush=True)
            result["ops"][label] = measured(command, env)
    return result


def growth(small: dict | None, large: dict | None) -> str:
    if not small or not large or not small.get("median_ms"):
        return "—"
    return f"{large['median_ms'] / small['median_ms']:.2f}×"


def write_report(path: Path, sizes: list[int], seeds: dict, runs: dict, args) -> None:
    small, large = sizes[0], sizes[-1]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `scripts/bench.py` (`make bench`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC:"
        f" {os.cpu_count()} cores, Python {platform.python_version()}, {runs[large]['server']}."
        f" {args.runs} repetitions per page. Numbers are reported, never asserted; a shared"
        " machine makes them noisy (compare within one run, not across runs).",
        "",
        "Server time is the Django test client in-process (middleware, view, template; no"
        " network, DEBUG off). Queries are counted on one request.",
        "",
        "## Ratios (issue 13), at the largest size, each measured in one run, interleaved",
        "",
        "| measure | this | baseline | ratio | goal |",
        "|---|---|---|---|---|",
    ]
    ratios = runs[large].get("ratios", {})
    if "dashboard_vs_sql" in ratios:
        r = ratios["dashboard_vs_sql"]
        lines.append(
            f"| supervisor dashboard vs the same aggregates in hand-written SQL | {r['a_ms']} ms"
            f" | {r['b_ms']} ms | {r['ratio']}× | ≤ 1.2× |"
        )
    if "scoped_vs_plain" in ratios:
        r = ratios["scoped_vs_plain"]
        lines.append(
            f"| caseworker's scoped case list (page 1 + count) vs plain FK | {r['a_ms']} ms"
            f" | {r['b_ms']} ms | {r['ratio']}× | ≤ 1.2× |"
        )
    if w := runs[large].get("write_path"):
        lines.append(
            f"| intake write path (abuse report + new child, history, sealing after commit)"
            f" vs the same {w['rows']} rows by the plain ORM | {w['intake_ms']} ms"
            f" | {w['plain_ms']} ms | {w['ratio']}× | ≤ 3× |"
        )
    pages_large = {(p["user"], p["page"]): p for p in runs[large]["pages"]}
    pages_small = {(p["user"], p["page"]): p for p in runs[small]["pages"]}
    worst = [
        (float(growth(pages_small.get(k), v)[:-1]), k)
        for k, v in pages_large.items()
        if growth(pages_small.get(k), v) != "—"
    ]
    if len(sizes) > 1 and worst:
        top, key = max(worst)
        lines.append(
            f"| slowest-growing page {key[1]} ({key[0]}), {large:,} vs {small:,} cases"
            f" | | | {top:.2f}× | ≤ 1.3× |"
        )
    lines += ["", "## Pages per role", ""]
    header = "| user | page |"
    rule = "|---|---|"
    for size in sizes:
        header += f" median ms ({size:,}) | p95 ms | queries |"
        rule += "---|---|---|"
    if len(sizes) > 1:
        header += " growth |"
        rule += "---|"
    lines += [header, rule]
    for key, page in pages_large.items():
        row = f"| {key[0]} | `{key[1]}` |"
        for size in sizes:
            p = {(x["user"], x["page"]): x for x in runs[size]["pages"]}.get(key, {})
            if p.get("status") == 200:
                row += f" {p['median_ms']} | {p['p95_ms']} | {p['queries']} |"
            else:
                row += f" HTTP {p.get('status', '—')} | | |"
        if len(sizes) > 1:
            row += f" {growth(pages_small.get(key), page)} |"
        lines.append(row)
    if load := runs[large].get("load"):
        lines += [
            "",
            f"## Loopback load test at {large:,} cases",
            "",
            f"gunicorn with config/gunicorn.conf.py ({load.pop('workers')} sync workers) on"
            f" 127.0.0.1, wrk for {args.load_seconds} s per scenario, on a copy of the database."
            " Throughput counts only the expected answers (200 for pages, the redirect to the"
            " new record for an intake POST).",
            "",
            "| scenario | connections | requests/s | p50 ms | p95 ms | vs login page"
            " | other answers |",
            "|---|---|---|---|---|---|---|",
        ]
        login = next(iter(load.values()))["rps"] or 1
        for label, r in load.items():
            lines.append(
                f"| {label} | {r['connections']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']}"
                f" | {r['rps'] / login:.3f}× | {r['bad'] + r['socket_errors']} |"
            )
    lines += ["", f"## Batch commands at {large:,} cases", ""]
    lines += ["| command | wall time s | peak memory MB | exit |", "|---|---|---|---|"]
    for label, r in runs[large].get("ops", {}).items():
        lines.append(f"| `{label}` | {r['seconds']} | {r['peak_mb']} | {r['rc']} |")
    lines += [
        "",
        "`rotate_field_keys` is timed with the keys unchanged: it scans every encrypted table"
        " and finds nothing to re-encrypt (a real rotation rewrites every value and is not run"
        " on the reused database).",
        "",
        "## Seeding (`seed_demo --cases N`, DEBUG on as in the demo)",
        "",
        "| cases | wall time s | peak memory MB | note |",
        "|---|---|---|---|",
    ]
    for size in sizes:
        s = seeds[size]
        lines.append(f"| {size:,} | {s['seconds']} | {s['peak_mb']} | {s.get('note', '')} |")
    kept = ""
    if path.exists() and KEPT in (old := path.read_text(encoding="utf-8")):
        kept = "\n" + KEPT + old.split(KEPT, 1)[1].rstrip() + "\n"
    path.write_text("\n".join(lines) + "\n" + kept, encoding="utf-8")
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--db", default="mimamori_bench")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--fresh", action="store_true", help="drop and seed again")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--load-seconds", type=int, default=15, help="wrk per scenario")
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    server = server or DEFAULT_SERVER
    sizes = sorted(int(s) for s in args.sizes.split(","))
    VAR.mkdir(exist_ok=True)
    seeds, runs = {}, {}
    started = time.monotonic()
    for size in sizes:
        name = f"{args.db}_{size}"
        seeds[size] = prepare(server, name, size, args.fresh)
        largest = size == sizes[-1]
        runs[size] = measure(server, name, args, ratios=largest, ops=largest)
        with psycopg.connect(url_for(server, name)) as conn:
            runs[size]["server"] = "PostgreSQL " + conn.info.parameter_status("server_version")
    write_report(Path(args.output), sizes, seeds, runs, args)
    print(f"bench: {time.monotonic() - started:.0f} s")
    failed = [label for label, r in runs[sizes[-1]]["ops"].items() if r["rc"]]
    if failed:  # times are never asserted; a command that fails (a broken chain) is a failure
        sys.exit(f"bench: {', '.join(failed)} failed (see {args.output})")


if __name__ == "__main__":
    main()
