#!/usr/bin/env python3
"""Vesta's benchmark harness: measures the server against raw PostgreSQL and the HTTP ceiling
in the same run, on the same machine, and writes bench/results/<date>.md and .json.

    python3 bench/run.py --profile quick     # make bench       (100k Observations)
    python3 bench/run.py --profile full      # make bench-full  (1M and 10M Observations)

The machine is shared and noisy: the ratios to baselines measured in the same run are the
figures that count; absolute numbers are context. Nothing here is asserted by the tests.
"""
import argparse
import datetime
import glob
import http.client
import json
import os
import pathlib
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PROFILES = {
    "quick": {"sizes": [100_000], "seconds": 10, "patients": 1_000},
    "full": {"sizes": [1_000_000, 10_000_000], "seconds": 30, "patients": 10_000},
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)


def ensure_tools() -> None:
    missing = [tool for tool in ("wrk", "pgbench", "psql") if shutil.which(tool) is None]
    packages = {"wrk": "wrk", "pgbench": "postgresql-contrib", "psql": "postgresql-client"}
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing {missing}: sudo apt-get install -y {' '.join(packages[t] for t in missing)}")
    log(f"installing {missing}")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq"] + [packages[t] for t in missing], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The release `vesta serve` with its embedded PostgreSQL in a scratch data directory."""

    def __init__(self, workdir: pathlib.Path):
        self.data = workdir / "data"
        self.port = free_port()
        self.log = open(workdir / "vesta.log", "wb")
        self.process = subprocess.Popen(
            [str(ROOT / ".build/release/vesta"), "serve", "--port", str(self.port), "--data-dir", str(self.data),
             "--log-level", "warning", "--db-pool-size", "32", "--mappings-dir", str(ROOT / "mappings" / "vesta-bench-vitals")], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"vesta exited: {(workdir / 'vesta.log').read_text()}")
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit("vesta did not become ready")

    @property
    def psql_args(self) -> list:
        return ["-h", str(self.data / "socket"), "-p", "5432", "-U", "vesta", "-d", "vesta"]

    def sql(self, statement: str) -> str:
        return run(["psql", *self.psql_args, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", statement]).stdout.strip()

    def request(self, method: str, path: str, body: str | None = None) -> tuple:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request(method, path, body=body.encode() if body else None,
                           headers={"Content-Type": "application/fhir+json"})
        response = connection.getresponse()
        return response.status, response.read()

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)


class RSSSampler:
    """Peak server RSS while a workload runs."""

    def __init__(self, server: Server):
        self.server, self.peak, self.running = server, 0.0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.server.rss_mb())
            time.sleep(0.25)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return round(self.peak, 1)


def wrk(server: Server, script: str, args: list, connections: int, seconds: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(BENCH / "lua" / script),
               f"http://127.0.0.1:{server.port}", "--", *map(str, args)]
    sampler = RSSSampler(server)
    output = run(command).stdout
    rss = sampler.stop()
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line[len("BENCH_JSON "):])
    result["server_rss_mb"] = rss
    return result


def pgbench(server: Server, workdir: pathlib.Path, name: str, script: str, clients: int, seconds: int,
            rows_per_transaction: int = 1) -> dict:
    script_file = workdir / f"{name}.sql"
    script_file.write_text(script)
    prefix = workdir / f"pgbench-{name}"
    output = run(["pgbench", *server.psql_args[:6], "-n", "-c", str(clients), "-j", "2", "-T", str(seconds),
                  "-f", str(script_file), "-l", "--log-prefix", str(prefix), "vesta"]).stdout
    tps = float(re.search(r"tps = ([0-9.]+)", output).group(1))
    latencies = []
    for log_file in glob.glob(f"{prefix}*"):
        with open(log_file) as lines:
            latencies += [int(line.split()[2]) / 1000 for line in lines if line.strip()]
        os.remove(log_file)
    latencies.sort()
    return {"rps": round(tps * rows_per_transaction, 1), "transactions_per_s": tps,
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "p99_ms": percentile(latencies, 99)}


def percentile(sorted_values: list, p: float) -> float:
    if not sorted_values:
        return 0.0
    return round(sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))], 3)


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load(server: Server, data: pathlib.Path, count: int) -> dict:
    """Loads `count` Observations through the API (the fastest honest path the server offers).

    wrk's own clock would keep it running for its whole duration, so the row count is polled and
    wrk is ended with SIGINT (it still prints its report) once the target is stored.
    """
    already = int(server.sql("SELECT count(*) FROM r_observation"))
    wanted = count - already
    if wanted <= 0:
        return {"observations": already, "seconds": 0, "per_s": 0}
    command = ["wrk", "-t2", "-c64", "-d10h", "--timeout", "10s", "-s", str(BENCH / "lua" / "post.lua"),
               f"http://127.0.0.1:{server.port}", "--", str(data / "observations.ndjson"), "/fhir/Observation",
               str(wanted // 2 + 1)]
    started = time.monotonic()
    loader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while int(server.sql("SELECT count(*) FROM r_observation")) < count and loader.poll() is None:
        time.sleep(0.5)
    loader.send_signal(signal.SIGINT)
    output = loader.communicate(timeout=60)[0]
    seconds = time.monotonic() - started
    stored = int(server.sql("SELECT count(*) FROM r_observation"))
    report_line = next((line for line in output.splitlines() if line.startswith("BENCH_JSON ")), None)
    errors = json.loads(report_line[len("BENCH_JSON "):])["errors"] if report_line else {}
    log(f"loaded {stored - already} Observations in {seconds:.1f} s")
    server.sql("VACUUM ANALYZE")
    return {"observations": stored, "seconds": round(seconds, 1), "per_s": round((stored - already) / seconds, 1),
            "errors": errors}


def storage(server: Server) -> dict:
    row = server.sql("""
        SELECT (SELECT count(*) FROM r_observation),
               pg_total_relation_size('r_observation') + pg_total_relation_size('h_observation'),
               pg_total_relation_size('change_log'),
               (SELECT count(*) FROM change_log),
               (SELECT count(*) FROM change_log WHERE resource_type = 'Observation')""").split("|")
    observations, table_bytes, log_bytes, log_rows, observation_log_rows = map(int, row)
    log_share = log_bytes * observation_log_rows / max(log_rows, 1)
    return {"observations": observations,
            "bytes_per_observation": round(table_bytes / max(observations, 1)),
            "bytes_per_observation_with_change_log": round((table_bytes + log_share) / max(observations, 1))}


def machine_facts(server: Server) -> dict:
    memory = next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    settings = server.sql("SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings "
                          "WHERE name IN ('shared_buffers','synchronous_commit','fsync','wal_level','max_connections',"
                          "'work_mem','checkpoint_timeout','max_wal_size')")
    commit = run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT).stdout.strip()
    dirty = bool(run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT).stdout.strip())
    return {"cores": os.cpu_count(), "memory_gib": round(int(memory) / 1024 / 1024, 1), "cpu": cpu,
            "kernel": platform.release(), "postgres": server.sql("SHOW server_version"), "postgres_settings": settings,
            "swift": run(["swift", "--version"]).stdout.splitlines()[0], "wrk": "wrk -t2", "commit": commit + ("+dirty" if dirty else "")}


def measure(server: Server, workdir: pathlib.Path, data: pathlib.Path, seconds: int) -> dict:
    results = {}
    (workdir / "healthz.txt").write_text("/healthz\n")
    ids = server.sql("SELECT id FROM r_observation ORDER BY random() LIMIT 20000").split()
    (workdir / "read-paths.txt").write_text("".join(f"/fhir/Observation/{i}\n" for i in ids))
    bodies = server.sql("SELECT body::text FROM r_observation ORDER BY random() LIMIT 2000").splitlines()
    (workdir / "updates.ndjson").write_text("\n".join(bodies) + "\n")
    sample_body = bodies[0]
    keys = server.sql("SELECT min(key) || ' ' || max(key) FROM r_observation").split()

    server.sql("DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (LIKE r_observation INCLUDING ALL)")
    insert_one = ("\\set n random(1, 2000000000)\n"
                  "INSERT INTO bench_raw (id, version, last_updated, body) "
                  f"VALUES ('raw-' || :client_id || '-' || :n || '-' || random(), 1, now(), {sql_literal(sample_body)}::jsonb);\n")
    insert_many = ("INSERT INTO bench_raw (id, version, last_updated, body) "
                   f"SELECT 'raw-' || gen_random_uuid(), 1, now(), {sql_literal(sample_body)}::jsonb FROM generate_series(1, 100);\n")
    select_pk = f"\\set k random({keys[0]}, {keys[1]})\nSELECT coalesce(exact_text, body::text) FROM r_observation WHERE key = :k;\n"

    def step(name, function):
        log(name)
        results[name] = function()
        summary = {k: v for k, v in results[name].items() if k in ("rps", "p50_ms", "p99_ms", "server_rss_mb")}
        log(f"  {summary}")

    step("http_ceiling_healthz_c16", lambda: wrk(server, "get.lua", [workdir / "healthz.txt"], 16, seconds))
    step("raw_pk_select_c16", lambda: pgbench(server, workdir, "select", select_pk, 16, seconds))
    step("read_by_id_c16", lambda: wrk(server, "get.lua", [workdir / "read-paths.txt"], 16, seconds))
    step("raw_insert_single_c16", lambda: pgbench(server, workdir, "insert1", insert_one, 16, seconds))
    step("create_observation_c16", lambda: wrk(server, "post.lua", [data / "observations.ndjson", "/fhir/Observation"], 16, seconds))
    step("raw_insert_single_c64", lambda: pgbench(server, workdir, "insert1", insert_one, 64, seconds))
    step("create_observation_c64", lambda: wrk(server, "post.lua", [data / "observations.ndjson", "/fhir/Observation"], 64, seconds))
    step("update_observation_c16", lambda: wrk(server, "put.lua", [workdir / "updates.ndjson", "/fhir/Observation"], 16, seconds))
    step("raw_insert_multirow100_c16", lambda: pgbench(server, workdir, "insert100", insert_many, 16, seconds, 100))
    step("raw_copy", lambda: copy_baseline(server, workdir, sample_body))
    step("ingest_messages_c16", lambda: ingest(server, data))
    server.sql("DROP TABLE bench_raw")
    return results


def ingest(server: Server, data: pathlib.Path, batches: int = 100) -> dict:
    """POSTs `batches` requests of 100 device messages at 16 connections (hourly SampledData and
    single-reading Quantity mappings): messages accepted durably per second, then messages turned
    into Observations per second until the workers drained the buffer."""
    count = "SELECT count(*), coalesce(sum(message_count), 0) FROM ingest_batch"
    before_batches, before_messages = map(int, server.sql(count).split("|"))
    command = ["wrk", "-t2", "-c16", "-d10h", "--timeout", "10s", "-s", str(BENCH / "lua" / "post.lua"),
               f"http://127.0.0.1:{server.port}", "--", str(data / "device-message-batches.ndjson"), "/ingest",
               str(batches // 2)]
    sampler = RSSSampler(server)
    started = time.monotonic()
    loader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while int(server.sql(count).split("|")[0]) - before_batches < batches and loader.poll() is None:
        time.sleep(0.05)
    loader.send_signal(signal.SIGINT)
    output = loader.communicate(timeout=60)[0]
    accepted_seconds = time.monotonic() - started
    while int(server.sql("SELECT count(*) FROM ingest_batch WHERE state = 'pending'")) > 0:
        time.sleep(0.2)
    drained_seconds = time.monotonic() - started
    rss = sampler.stop()
    messages = int(server.sql(count).split("|")[1]) - before_messages
    report = json.loads(next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))[len("BENCH_JSON "):])
    return {"rps": round(messages / accepted_seconds, 1), "p50_ms": report["p50_ms"], "p95_ms": report["p95_ms"],
            "p99_ms": report["p99_ms"], "server_rss_mb": rss, "errors": report["errors"], "messages": messages,
            "end_to_end_messages_per_s": round(messages / drained_seconds, 1),
            "dead_letters": int(server.sql("SELECT count(*) FROM ingest_dead_letter"))}


def copy_baseline(server: Server, workdir: pathlib.Path, body: str, rows: int = 100_000) -> dict:
    server.sql("DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (LIKE r_observation INCLUDING ALL)")
    escaped = body.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat()
    with open(workdir / "copy.tsv", "w") as tsv:
        for number in range(rows):
            tsv.write(f"copy-{number}\t1\t{stamp}\t{escaped}\n")
    started = time.monotonic()
    run(["psql", *server.psql_args, "-qX", "-v", "ON_ERROR_STOP=1", "-c",
         f"\\copy bench_copy (id, version, last_updated, body) FROM '{workdir / 'copy.tsv'}'"])
    seconds = time.monotonic() - started
    server.sql("DROP TABLE bench_copy")
    return {"rps": round(rows / seconds, 1), "rows": rows, "seconds": round(seconds, 2)}


RATIOS = [
    ("create Observation, 16 connections", "create_observation_c16", "raw_insert_single_c16", "≥ 60% of raw single-row insert"),
    ("create Observation, 64 connections", "create_observation_c64", "raw_insert_single_c64", "≥ 60% of raw single-row insert"),
    ("read by id", "read_by_id_c16", "http_ceiling_healthz_c16", "≥ 70% of the /healthz ceiling"),
    ("read by id vs raw PK select", "read_by_id_c16", "raw_pk_select_c16", "context"),
    ("update Observation vs raw single-row insert", "update_observation_c16", "raw_insert_single_c16", "context"),
    ("ingest: messages accepted vs raw COPY rows", "ingest_messages_c16", "raw_copy", "context"),
]
NOT_YET = [
    ("search shapes (RPM, identifier, name prefix, code+date)", "search issue #4"),
    ("transaction bundles of 100", "bundle issue #5 (raw multi-row baseline is measured)"),
    ("notification latency", "subscription issue #9"),
    ("encryption on vs off", "encryption issue #7"),
]


def report(results: dict, out: pathlib.Path) -> None:
    lines = [f"# Vesta benchmark — {results['started']} ({results['profile']} profile)", "",
             "Server, PostgreSQL and load generator share this machine; ratios to the baselines measured in this",
             "same run are the figures that count, absolute numbers are context.", "", "## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in results["machine"].items()]
    for size in results["sizes"]:
        measured = size["workloads"]
        lines += ["", f"## {size['observations']:,} Observations", "",
                  f"Loading: {size['load']['seconds']} s through `POST /fhir/Observation` at 64 connections "
                  f"({size['load']['per_s']:,} /s). Storage: {size['storage']['bytes_per_observation']:,} bytes per "
                  f"Observation in PostgreSQL ({size['storage']['bytes_per_observation_with_change_log']:,} with its change-log row).",
                  "", "| workload | rate /s | p50 ms | p95 ms | p99 ms | server RSS MB | errors |", "|---|---:|---:|---:|---:|---:|---:|"]
        for name, result in measured.items():
            errors = sum(result.get("errors", {}).values()) if isinstance(result.get("errors"), dict) else ""
            lines.append(f"| {name} | {result['rps']:,} | {result.get('p50_ms', '')} | {result.get('p95_ms', '')} | "
                         f"{result.get('p99_ms', '')} | {result.get('server_rss_mb', '')} | {errors} |")
        lines += ["", "| ratio | value | aim |", "|---|---:|---|"]
        for label, workload, baseline, aim in RATIOS:
            ratio = measured[workload]["rps"] / measured[baseline]["rps"]
            lines.append(f"| {label} | {ratio:.0%} | {aim} |")
        ingest_result = measured.get("ingest_messages_c16", {})
        if "end_to_end_messages_per_s" in ingest_result:
            lines.append(f"| ingest end to end (hourly SampledData + single readings) | "
                         f"{ingest_result['end_to_end_messages_per_s']:,} messages/s | ≥ 20,000 messages/s (hourly) |")
        peak = max(r.get("server_rss_mb", 0) for r in measured.values())
        lines.append(f"| peak server RSS under load | {peak} MB | ≤ 300 MB |")
    lines += ["", "## Not measured yet", ""] + [f"- {what}: needs {why}" for what, why in NOT_YET]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=PROFILES, default="quick")
    parser.add_argument("--seconds", type=int, help="duration of each measured workload")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")],
                        help="Observation counts to load and measure at, e.g. 1000000 (overrides the profile's)")
    args = parser.parse_args()
    profile = dict(PROFILES[args.profile])
    if args.sizes:
        profile["sizes"] = args.sizes
    seconds = args.seconds or profile["seconds"]
    ensure_tools()
    started = datetime.datetime.now(datetime.timezone.utc)
    if not args.skip_build:
        log("building the release server")
        build_started = time.monotonic()
        run(["swift", "build", "-c", "release", "--product", "vesta"], cwd=ROOT)
        log(f"built in {time.monotonic() - build_started:.0f} s")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="vesta-bench-"))
    workdir.chmod(0o755)
    data = workdir / "generated"
    log(f"generating data in {data}")
    run([sys.executable, str(BENCH / "generate.py"), "--patients", str(profile["patients"]), "--observations", "20000",
         "--out", str(data)])
    server = Server(workdir)
    try:
        for resource_file in ("patients.ndjson", "devices.ndjson"):
            for line in (data / resource_file).read_text().splitlines():
                resource = json.loads(line)
                status, body = server.request("PUT", f"/fhir/{resource['resourceType']}/{resource['id']}", line)
                if status not in (200, 201):
                    sys.exit(f"seeding failed: {status} {body[:300]}")
        results = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "profile": args.profile,
                   "seconds_per_workload": seconds, "machine": machine_facts(server), "sizes": []}
        for size in profile["sizes"]:
            log(f"loading up to {size:,} Observations")
            loaded = load(server, data, size)
            results["sizes"].append({"observations": size, "load": loaded,
                                     "workloads": measure(server, workdir, data, seconds), "storage": storage(server)})
        out = BENCH / "results" / started.strftime("%Y-%m-%d-%H%M")
        report(results, out)
        log(f"report: {out.with_suffix('.md')}")
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
