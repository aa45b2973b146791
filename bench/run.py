#!/usr/bin/env python3
"""Vesta's benchmark harness: measures the server against raw PostgreSQL and the HTTP ceiling
in the same run, on the same machine, and writes bench/results/<date>.md and .json.

    python3 bench/run.py --profile quick     # make bench       (100k Observations)
    python3 bench/run.py --profile full      # make bench-full  (1M and 10M Observations)

The machine is shared and noisy: the ratios to baselines measured in the same run are the
figures that count; absolute numbers are context. Nothing here is asserted by the tests.
"""
import argparse
import dataclasses
import datetime
import glob
import http.client
import json
import os
import pathlib
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing
import urllib.parse

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


def build_release() -> None:
    log("building the release server")
    run(["swift", "build", "-c", "release", "--product", "vesta"], cwd=ROOT)


def scratch_directory(prefix: str) -> pathlib.Path:
    """A fresh directory for a run's data and server, readable by the `postgres` user."""
    workdir = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    workdir.chmod(0o755)
    return workdir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """How a `vesta serve` is started: with encryption at rest (a key generated for the run) or
    without, and its audit mode (`--audit`)."""
    encrypted: bool = False
    audit: str = "immediate"

    @property
    def slug(self) -> str:
        return ("encrypted" if self.encrypted else "plain") + f"-audit-{self.audit}"

    def flags(self, master_key_file: pathlib.Path | None = None) -> list:
        key = ["--master-key-file", str(master_key_file or "<generated key>")] if self.encrypted else []
        return [*key, "--audit", self.audit]


class Server:
    """The release `vesta serve` with its embedded PostgreSQL in a scratch data directory, started
    as `config` says (`master_key_file` is the key of an encrypted one)."""

    def __init__(self, workdir: pathlib.Path, config: ServerConfig = ServerConfig(),
                 master_key_file: pathlib.Path | None = None):
        workdir.mkdir(exist_ok=True)
        self.config = config
        self.data = workdir / "data"
        self.port = free_port()
        self.log = open(workdir / "vesta.log", "wb")
        self.process = subprocess.Popen(
            [str(ROOT / ".build/release/vesta"), "serve", "--port", str(self.port), "--data-dir", str(self.data),
             "--log-level", "warning", "--db-pool-size", "32", "--mappings-dir", str(ROOT / "mappings" / "vesta-bench-vitals"),
             *config.flags(master_key_file)],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
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

    def cpu_seconds(self) -> float:
        """CPU time used so far by vesta and its PostgreSQL (`pg_ctl` detaches the postmaster, so
        both process trees)."""
        postmaster = int((self.data / "postgres" / "postmaster.pid").read_text().split()[0])
        return process_tree_cpu_seconds([self.process.pid, postmaster])

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)


def process_tree_cpu_seconds(roots: list) -> float:
    """User + system CPU time of the processes `roots` and all their descendants, with the time of
    children that already exited and were waited for."""
    parents, used = {}, {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as file:
                text = file.read()
        except OSError:
            continue
        pid = int(stat.split("/")[2])
        fields = text[text.rindex(")") + 2:].split()  # from field 3 (state) on: ppid, ... utime, stime, cutime, cstime
        parents[pid] = int(fields[1])
        used[pid] = sum(int(value) for value in fields[11:15])
    children = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    total, pending = 0, list(roots)
    while pending:
        pid = pending.pop()
        total += used.get(pid, 0)
        pending += children.get(pid, [])
    return total / os.sysconf("SC_CLK_TCK")


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
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(BENCH / "lua" / script),
               f"http://127.0.0.1:{server.port}", "--", *map(str, args)]
    sampler = RSSSampler(server)
    cpu = server.cpu_seconds()
    output = run(command).stdout
    cpu = server.cpu_seconds() - cpu
    rss = sampler.stop()
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line[len("BENCH_JSON "):])
    result["server_rss_mb"] = rss
    # Server and PostgreSQL CPU per request: less sensitive than the rate to what else the machine runs.
    result["server_cpu_ms_per_request"] = round(1000 * cpu / max(result["requests"], 1), 3)
    return result


BUNDLE_SIZE = 100


def conditional_entry(resource: dict, value: str) -> dict:
    """The entry lua/transaction.lua sends in conditional mode: a fresh identifier with `ifNoneExist`
    on it, and conditional references to the patient (by MRN) and the device (by serial number)."""
    resource = dict(resource, identifier=[{"system": "urn:bench:obs", "value": value}])
    patient_number = int(resource["subject"]["reference"].split("bench-p")[1])
    device_number = int(resource["device"]["reference"].split("bench-d")[1])
    resource["subject"] = {"reference": f"Patient?identifier=http://hospital.example.org/mrn|MRN{patient_number:08d}"}
    resource["device"] = {"reference": f"Device?identifier=http://devices.example.org/serial|SN-{device_number:06d}"}
    return {"resource": resource,
            "request": {"method": "POST", "url": "Observation", "ifNoneExist": f"identifier=urn:bench:obs|{value}"}}


def transaction_bundles(server: Server, data: pathlib.Path, connections: int, seconds: int, conditional: bool = False) -> dict:
    """POSTs transaction Bundles of BUNDLE_SIZE Observation POST entries (lua/transaction.lua builds
    them from the generated Observations): resources created per second; latency is per Bundle.
    `conditional`: each entry carries `ifNoneExist` and conditional Patient and Device references.
    One Bundle is posted first and its response checked: 200, a transaction-response, every entry 201
    (and, conditional, every reference resolved to the right patient)."""
    lines = (data / "observations.ndjson").read_text().splitlines()[:BUNDLE_SIZE]
    resources = [json.loads(line) for line in lines]
    entries = ([conditional_entry(resource, f"check-{number}") for number, resource in enumerate(resources)] if conditional
               else [{"resource": resource, "request": {"method": "POST", "url": "Observation"}} for resource in resources])
    bundle = json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries})
    before = int(server.sql("SELECT count(*) FROM r_observation"))
    status, body = server.request("POST", "/fhir", bundle)
    answer = json.loads(body) if status == 200 else {}
    created = [e for e in answer.get("entry", []) if e.get("response", {}).get("status", "").startswith("201")]
    stored = int(server.sql("SELECT count(*) FROM r_observation")) - before
    if status != 200 or answer.get("type") != "transaction-response" or len(created) != BUNDLE_SIZE or stored != BUNDLE_SIZE:
        sys.exit(f"transaction Bundle check failed: {status}, {len(created)} entries 201, {stored} rows stored: {body[:500]}")
    if conditional:
        location = created[0]["response"]["location"]  # Observation/<id>/_history/1
        _, stored_body = server.request("GET", "/fhir/" + location.split("/_history")[0])
        subject = json.loads(stored_body).get("subject", {}).get("reference")
        if subject != resources[0]["subject"]["reference"]:
            sys.exit(f"conditional transaction check failed: the first entry's subject is {subject}, not {resources[0]['subject']['reference']}")
    result = wrk(server, "transaction.lua", [data / "observations.ndjson", "/fhir", BUNDLE_SIZE, 0,
                                              "conditional" if conditional else "plain"], connections, seconds)
    result["requests_per_s"] = result["rps"]
    result["rps"] = round(result["rps"] * BUNDLE_SIZE, 1)
    result["entries_per_bundle"] = BUNDLE_SIZE
    result["response_bytes"] = len(body)
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


def load(server: Server, data: pathlib.Path, count: int, via: str = "create") -> dict:
    """Loads `count` Observations through the API: `create` POSTs them one by one at 64
    connections, `transaction` POSTs transaction Bundles of 100 at 16 connections (faster; the
    rows' lastUpdated then spans a shorter time, so each `_lastUpdated` minute holds more rows).

    wrk's own clock would keep it running for its whole duration, so the row count is polled and
    wrk is ended with SIGINT (it still prints its report) once the target is stored.
    """
    already = int(server.sql("SELECT count(*) FROM r_observation"))
    wanted = count - already
    if wanted <= 0:
        return {"observations": already, "seconds": 0, "per_s": 0, "via": via}
    if via == "transaction":
        connections, script, args = 16, "transaction.lua", ["/fhir", BUNDLE_SIZE, wanted // (2 * BUNDLE_SIZE) + 1]
    else:
        connections, script, args = 64, "post.lua", ["/fhir/Observation", wanted // 2 + 1]
    command = ["wrk", "-t2", f"-c{connections}", "-d10h", "--timeout", "30s", "-s", str(BENCH / "lua" / script),
               f"http://127.0.0.1:{server.port}", "--", str(data / "observations.ndjson"), *map(str, args)]
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
            "errors": errors, "via": via}


# True while the server has no audit work in hand: the hash chainer (a background service of
# `vesta serve`) has chained every record and no statement of the server's is running (a buffered
# flush of many records is one long transaction). Held for 2 s, longer than the buffered flush's
# 1 s interval, so records still queued in the server have been flushed.
AUDIT_SETTLED = ("SELECT (SELECT count(*) FROM audit_chain) >= (SELECT count(*) FROM r_auditevent) AND NOT EXISTS "
                 "(SELECT 1 FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
                 "AND state <> 'idle')")


def wait_until(server: Server, condition: str, hold: float = 2, timeout: float = 600) -> float:
    """Polls the SQL `condition` until it has been true for `hold` seconds; returns the seconds it
    took (hold included)."""
    started = time.monotonic()
    since = None
    while True:
        now = time.monotonic()
        if server.sql(condition) == "t":
            since = since or now
            if now - since >= hold:
                return round(now - started, 1)
        else:
            since = None
        if now - started > timeout:
            sys.exit(f"{server.config.slug}: not true for {hold} s within {timeout:.0f} s: {condition}")
        time.sleep(0.2)


SEARCH_INDEX_TABLES = ("sp_token", "sp_string", "sp_date", "sp_number", "sp_quantity", "sp_reference", "sp_uri")


def index_rows(server: Server, resource_table: str, index_tables=SEARCH_INDEX_TABLES) -> int:
    """Search index rows keyed by the resources of `resource_table`."""
    return int(server.sql("SELECT " + " + ".join(f"(SELECT count(*) FROM {t} JOIN {resource_table} r USING (key))"
                                                 for t in index_tables)))


def storage(server: Server) -> dict:
    row = server.sql("""
        SELECT (SELECT count(*) FROM r_observation),
               pg_total_relation_size('r_observation') + pg_total_relation_size('h_observation'),
               pg_total_relation_size('change_log'),
               (SELECT count(*) FROM change_log),
               (SELECT count(*) FROM change_log WHERE resource_type = 'Observation'),
               (SELECT round(avg(pg_column_size(body))) FROM r_observation)""").split("|")
    observations, table_bytes, log_bytes, log_rows, observation_log_rows, body_bytes = map(int, row)
    log_share = log_bytes * observation_log_rows / max(log_rows, 1)
    # Search index rows written with each Observation (every sp_* row keyed by an Observation, and
    # its observation_timeline rows); sizes are whole tables, so they include the few Patients and Devices.
    plain_rows = int(server.sql("SELECT count(*) FROM observation_timeline")) + index_rows(server, "r_observation")
    blind_rows = index_rows(server, "r_observation", ["sp_blind"])
    index_bytes = int(server.sql("""
        SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relkind = 'r'
           AND (c.relname LIKE 'sp\\_%' OR c.relname = 'observation_timeline')"""))
    return {"observations": observations,
            "index_rows_per_observation": round((plain_rows + blind_rows) / max(observations, 1), 1),
            "blind_index_rows_per_observation": round(blind_rows / max(observations, 1), 1),
            "index_bytes_per_observation": round(index_bytes / max(observations, 1)),
            "body_bytes_per_observation": body_bytes,
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


def timed(name: str, function) -> dict:
    """Runs one workload; logs its summary and notes the 1-minute load average when it ended."""
    log(name)
    result = function()
    result["load_1m"] = round(os.getloadavg()[0], 2)
    summary = {k: v for k, v in result.items() if k in ("rps", "p50_ms", "p99_ms", "server_rss_mb", "load_1m")}
    log(f"  {summary}")
    return result


def write_read_paths(server: Server, file: pathlib.Path) -> None:
    """20,000 random `GET /fhir/Observation/{id}` paths of stored Observations."""
    ids = server.sql("SELECT id FROM r_observation ORDER BY random() LIMIT 20000").split()
    file.write_text("".join(f"/fhir/Observation/{i}\n" for i in ids))


def measure(server: Server, workdir: pathlib.Path, data: pathlib.Path, seconds: int, patients: int,
            explain_stem: pathlib.Path, reads_only: bool = False) -> dict:
    """Every workload beside its baselines; with `reads_only`, only /healthz, read by id and the
    searches (nothing that adds data, so a large size stays the size it was loaded to)."""
    results = {}
    (workdir / "healthz.txt").write_text("/healthz\n")
    write_read_paths(server, workdir / "read-paths.txt")
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
        results[name] = timed(name, function)

    step("http_ceiling_healthz_c16", lambda: wrk(server, "get.lua", [workdir / "healthz.txt"], 16, seconds))
    step("raw_pk_select_c16", lambda: pgbench(server, workdir, "select", select_pk, 16, seconds))
    step("read_by_id_c16", lambda: wrk(server, "get.lua", [workdir / "read-paths.txt"], 16, seconds))
    explain_files = search_workloads(server, workdir, patients, seconds, explain_stem, step)
    if reads_only:
        server.sql("DROP TABLE bench_raw")
        return results, explain_files
    step("raw_insert_single_c16", lambda: pgbench(server, workdir, "insert1", insert_one, 16, seconds))
    step("create_observation_c16", lambda: wrk(server, "post.lua", [data / "observations.ndjson", "/fhir/Observation"], 16, seconds))
    step("raw_insert_single_c64", lambda: pgbench(server, workdir, "insert1", insert_one, 64, seconds))
    step("create_observation_c64", lambda: wrk(server, "post.lua", [data / "observations.ndjson", "/fhir/Observation"], 64, seconds))
    step("update_observation_c16", lambda: wrk(server, "put.lua", [workdir / "updates.ndjson", "/fhir/Observation"], 16, seconds))
    step("raw_insert_multirow100_c16", lambda: pgbench(server, workdir, "insert100", insert_many, 16, seconds, 100))
    step("transaction_100_observations_c16", lambda: transaction_bundles(server, data, 16, seconds))
    step("transaction_100_conditional_c16", lambda: transaction_bundles(server, data, 16, seconds, conditional=True))
    step("raw_copy", lambda: copy_baseline(server, workdir, sample_body))
    step("ingest_messages_c16", lambda: ingest(server, data))
    server.sql("DROP TABLE bench_raw")
    return results, explain_files


def iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


LOG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] ", re.M)


def captured_statements(server: Server, method: str, path: str) -> list:
    """The statements (SQL, {placeholder: literal}) the server ran for one request, read from
    PostgreSQL's log with log_min_duration_statement = 0 switched on for that request only."""
    log_file = server.data / "postgres.log"
    server.sql("ALTER SYSTEM SET log_min_duration_statement = 0")
    server.sql("SELECT pg_reload_conf()")
    time.sleep(0.5)
    offset = log_file.stat().st_size
    status, body = server.request(method, path)
    time.sleep(0.5)
    server.sql("ALTER SYSTEM RESET log_min_duration_statement")
    server.sql("SELECT pg_reload_conf()")
    if status != 200:
        sys.exit(f"{path}: {status} {body[:300]}")
    with open(log_file, "rb") as log_text:
        log_text.seek(offset)
        text = log_text.read().decode(errors="replace")
    starts = [match.start() for match in LOG_ENTRY.finditer(text)] + [len(text)]
    entries = [LOG_ENTRY.sub("", text[a:b], count=1).strip() for a, b in zip(starts, starts[1:])]
    statements = []
    for index, entry in enumerate(entries):
        found = re.search(r"execute [^:]*: (.*)", entry, re.S)
        if not found or "pg_reload_conf" in entry or "ALTER SYSTEM" in entry:
            continue
        parameters = {}
        if index + 1 < len(entries) and entries[index + 1].startswith("DETAIL:  parameters:"):
            for number, literal in re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')", entries[index + 1]):
                parameters[int(number)] = literal
        statements.append((found.group(1).strip(), parameters))
    return statements


def substitute(sql: str, parameters: dict) -> str:
    return re.sub(r"\$(\d+)\b", lambda match: parameters.get(int(match.group(1)), match.group(0)), sql)


def explain(server: Server, path: str, runs: int = 2) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the search statement the server runs for `path`, with the
    request's own bind values in place of the placeholders; the first and the last of `runs`."""
    statements = [s for s in captured_statements(server, "GET", path) if "WITH page AS" in s[0]]
    if not statements:
        return f"-- GET {path}: no search statement captured\n"
    sql, parameters = statements[0]
    literal_sql = substitute(sql, parameters)
    plans = [run(["psql", *server.psql_args, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c",
                  f"EXPLAIN (ANALYZE, BUFFERS) {literal_sql}"]).stdout.rstrip() for _ in range(runs)]
    binds = ", ".join(f"${n} = {v}" for n, v in sorted(parameters.items()))
    return (f"-- GET {path}\n-- statement as the server sent it:\n{sql}\n-- binds: {binds}\n\n"
            f"-- EXPLAIN (ANALYZE, BUFFERS), first run:\n{plans[0]}\n\n-- run {runs}:\n{plans[-1]}\n")


def quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def rpm_path(patient: int, code: str, since: int) -> str:
    return f"/fhir/Observation?patient=bench-p{patient}&code={quote(code)}&date=ge{iso(since)}&_sort=-date&_count=10"


def search_shapes(server: Server, patients: int) -> tuple:
    """The search shapes measured, as {name: a function giving one random query path} (seeded, so
    the same data gives the same queries), with the LOINC codes and the span (t0, t1) of the
    readings' times (epoch seconds) they draw from."""
    sys.path.insert(0, str(BENCH))
    import generate
    rng = random.Random(11)
    codes = [f"http://loinc.org|{vital[0]}" for vital in generate.VITALS]
    t0, t1 = (int(float(v)) for v in server.sql(
        "SELECT extract(epoch FROM min(lo)), extract(epoch FROM max(lo)) FROM observation_timeline WHERE lo > '-infinity'").split("|"))
    u0, u1 = (int(float(v)) for v in server.sql(
        "SELECT extract(epoch FROM min(last_updated)), extract(epoch FROM max(last_updated)) FROM r_observation").split("|"))
    shapes = {
        "rpm_query_c16": lambda: rpm_path(rng.randrange(patients), rng.choice(codes), rng.randint(t0, t1)),
        "search_patient_identifier_c16": lambda: "/fhir/Patient?identifier="
        + quote(f"http://hospital.example.org/mrn|MRN{rng.randrange(patients):08d}"),
        "search_patient_name_prefix_c16": lambda: "/fhir/Patient?name="
        + quote(rng.choice(generate.FAMILY + generate.GIVEN)[:3].lower()) + "&_count=10",
        "search_observation_code_date_c16": lambda: f"/fhir/Observation?code={quote(rng.choice(codes))}"
        f"&date=ge{iso(rng.randint(t0, t1))}&_count=10",
        "search_observation_last_updated_c16": lambda: (lambda a: f"/fhir/Observation?_lastUpdated=ge{iso(a)}"
                                                        f"&_lastUpdated=lt{iso(a + 60)}&_count=10")(rng.randint(u0, max(u0, u1 - 60))),
    }
    return shapes, codes, (t0, t1)


def write_search_paths(workdir: pathlib.Path, shapes: dict) -> dict:
    """<workdir>/<name>.txt with 20,000 random queries of each shape; returns the first of each."""
    first = {}
    for name, make in shapes.items():
        paths = [make() for _ in range(20_000)]
        (workdir / f"{name}.txt").write_text("\n".join(paths) + "\n")
        first[name] = paths[0]
    return first


def search_workloads(server: Server, workdir: pathlib.Path, patients: int, seconds: int, explain_stem: pathlib.Path,
                     step) -> dict:
    """The RPM query (one patient's newest readings of one code since a time) against the same
    query as hand-written SQL through pgbench, and other common search shapes, each at 16
    connections, with EXPLAIN (ANALYZE, BUFFERS) of the SQL the server runs for each."""
    shapes, codes, (t0, t1) = search_shapes(server, patients)
    explains = {}
    for name, path in write_search_paths(workdir, shapes).items():
        status, body = server.request("GET", path)
        entries = json.loads(body).get("entry", []) if status == 200 else []
        log(f"{name}: e.g. {path} -> {status}, {len(entries)} entries")
        explains[name] = explain(server, path)

    # The same RPM query as SQL, the way one would write it by hand, and the statement the server
    # sends with its binds as pgbench variables, both at the same concurrency.
    code_array = "(ARRAY[" + ", ".join(sql_literal(code) for code in codes) + "])[:c]"
    subject = "('Patient/bench-p' || CAST(:p AS text))"
    variables = f"\\set p random(0, {patients - 1})\n\\set c random(1, {len(codes)})\n\\set t random({t0}, {t1})\n"
    raw_rpm = (variables + "SELECT r.id, coalesce(r.exact_text, r.body::text) FROM observation_timeline tl "
               "JOIN r_observation r ON r.key = tl.key "
               f"WHERE tl.subject = {subject} AND tl.code = {code_array} AND tl.hi > to_timestamp(:t) AND NOT r.deleted "
               "ORDER BY tl.hi DESC, tl.key DESC LIMIT 10;\n")
    sample_patient, sample_code, sample_since = 0, codes[0], (t0 + t1) // 2
    statements = [s for s in captured_statements(server, "GET", rpm_path(sample_patient, sample_code, sample_since)) if "WITH page AS" in s[0]]
    server_sql, parameters = statements[0]
    roles = {}
    for number, literal in parameters.items():
        value = literal[1:-1].replace("''", "'") if literal != "NULL" else None
        if value == f"Patient/bench-p{sample_patient}":
            roles[number] = subject
        elif value == sample_code:
            roles[number] = code_array
        elif value and re.fullmatch(r"\d{4}-\d\d-\d\dT[0-9:.]+Z", value):
            offset = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() - sample_since
            roles[number] = f"to_timestamp(:t + {offset:g})"
        else:
            roles[number] = literal
    server_rpm = variables + " ".join(substitute(server_sql, roles).split()) + ";\n"

    step("rpm_query_c16", lambda: wrk(server, "get.lua", [workdir / "rpm_query_c16.txt"], 16, seconds))
    # One client: the query's own latency, without queueing behind 15 others on two cores.
    step("rpm_query_c1", lambda: wrk(server, "get.lua", [workdir / "rpm_query_c16.txt"], 1, seconds))
    step("raw_rpm_select_c16", lambda: pgbench(server, workdir, "rpm", raw_rpm, 16, seconds))
    step("raw_rpm_server_sql_c16", lambda: pgbench(server, workdir, "rpm_server", server_rpm, 16, seconds))
    for name in shapes:
        if name != "rpm_query_c16":
            step(name, lambda name=name: wrk(server, "get.lua", [workdir / f"{name}.txt"], 16, seconds))

    size = int(server.sql("SELECT count(*) FROM r_observation"))
    timeline_rows = server.sql("SELECT count(*) FROM observation_timeline")
    timeline_size = server.sql("SELECT pg_size_pretty(pg_total_relation_size('observation_timeline'))")
    rpm_file = explain_stem.with_name(f"{explain_stem.name}-rpm-explain-{size}.txt")
    rpm_file.write_text(
        f"-- RPM query at {size:,} Observations, {patients:,} patients, {len(codes)} codes\n"
        f"-- observation_timeline: {timeline_rows} rows, {timeline_size} with indexes\n\n"
        + explains["rpm_query_c16"]
        + f"\n-- hand-written baseline (pgbench script raw_rpm_select_c16):\n{raw_rpm}\n"
        + f"-- the server's statement as pgbench ran it (raw_rpm_server_sql_c16):\n{server_rpm}")
    shapes_file = explain_stem.with_name(f"{explain_stem.name}-search-explain-{size}.txt")
    shapes_file.write_text("\n\n".join(explains[name] for name in shapes if name != "rpm_query_c16"))
    return {"rpm_explain": rpm_file.name, "search_explain": shapes_file.name}


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


def seed(server: Server, data: pathlib.Path) -> None:
    """PUTs the generated Patients and Devices (fixed ids, so every server holds the same ones)."""
    for resource_file in ("patients.ndjson", "devices.ndjson"):
        for line in (data / resource_file).read_text().splitlines():
            resource = json.loads(line)
            status, body = server.request("PUT", f"/fhir/{resource['resourceType']}/{resource['id']}", line)
            if status not in (200, 201):
                sys.exit(f"seeding failed: {status} {body[:300]}")


def check_sealed(server: Server, data: pathlib.Path) -> None:
    """The encrypted server must encrypt: a Patient reads back with its name, while its stored
    row holds `_sealed` and not the name."""
    patient = json.loads((data / "patients.ndjson").read_text().splitlines()[0])
    family = patient["name"][0]["family"]
    status, body = server.request("GET", f"/fhir/Patient/{patient['id']}")
    stored = server.sql(f"SELECT body::text FROM r_patient WHERE id = {sql_literal(patient['id'])}")
    if status != 200 or family not in body.decode() or '"_sealed"' not in stored or family in stored:
        sys.exit(f"encryption check failed: GET Patient/{patient['id']} -> {status} {body[:300]}; stored: {stored[:300]}")


def patient_storage(server: Server) -> dict:
    patients = int(server.sql("SELECT count(*) FROM r_patient"))
    blind_rows = index_rows(server, "r_patient", ["sp_blind"])
    return {"patients": patients,
            "body_bytes_per_patient": int(server.sql("SELECT round(avg(pg_column_size(body))) FROM r_patient")),
            "index_rows_per_patient": round((index_rows(server, "r_patient") + blind_rows) / max(patients, 1), 1),
            "blind_index_rows_per_patient": round(blind_rows / max(patients, 1), 1)}


def encryption_details(servers: dict) -> dict:
    """Bytes and index rows per Observation and per Patient on each side, after loading."""
    return {"storage": {side: storage(server) for side, server in servers.items()},
            "patient_storage": {side: patient_storage(server) for side, server in servers.items()}}


def encryption_details_report(result: dict) -> list:
    stored, patients = result["storage"], result["patient_storage"]
    rows = [("Observations stored", "observations", stored), ("bytes per Observation (tables)", "bytes_per_observation", stored),
            ("bytes per Observation body (`pg_column_size`)", "body_bytes_per_observation", stored),
            ("search index rows per Observation (of which blind)", None, stored),
            ("search index bytes per Observation", "index_bytes_per_observation", stored),
            ("bytes per Patient body (`pg_column_size`)", "body_bytes_per_patient", patients),
            ("search index rows per Patient (of which blind)", None, patients)]
    lines = ["", "| storage, measured after loading | plain | encrypted |", "|---|---:|---:|"]
    for label, key, source in rows:
        if key:
            values = [f"{source[side][key]:,}" for side in ("plain", "encrypted")]
        else:
            kind = "observation" if source is stored else "patient"
            values = [f"{source[side][f'index_rows_per_{kind}']} ({source[side][f'blind_index_rows_per_{kind}']})"
                      for side in ("plain", "encrypted")]
        lines.append(f"| {label} | {values[0]} | {values[1]} |")
    return lines


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Servers started differently (the sides), holding the same data loaded the same way, measured
    on the same workloads interleaved in one run (see `compare`). `sides(main)` gives {side:
    ServerConfig} from the main server's config; the first side is the baseline the others are
    divided by, and a side whose config is the main server's runs on the main server."""
    key: str                      # the result's key in the report's JSON, and its work folder
    title: str
    about: str                    # the report's sentence on what differs between the sides
    sides: typing.Callable
    workloads: list               # [(workload name, label)]
    aim: float                    # each side's rate should be ≥ aim × the baseline's
    counts: dict = dataclasses.field(default_factory=dict)  # {label: SQL count}: its growth per request, per run
    settled: str | None = None    # SQL true once a run's work is done: waited for (2 s held) after each run, in its CPU time
    details: typing.Callable | None = None         # {side: server} -> dict, measured after loading
    details_report: typing.Callable | None = None  # that dict -> report lines


COMPARISONS = {
    "encryption": Comparison(
        key="encryption", title="Encryption at rest: off vs on",
        about="`encrypted` is started with `--master-key-file` (a key generated for the run). The generated Observations "
              "hold nothing the encryption policy seals, so they are stored as written and their rows measure the "
              "encrypted path's overhead; Patients are sealed and their searches go through blind terms.",
        sides=lambda main: {"plain": main, "encrypted": dataclasses.replace(main, encrypted=True)},
        workloads=[
            ("http_ceiling_healthz_c16", "`GET /healthz` (nothing encrypted: shows the noise between the two)"),
            ("read_by_id_c16", "read Observation by id"),
            ("rpm_query_c16", "RPM search"),
            ("search_patient_identifier_c16", "`Patient?identifier=` (blind terms when encrypted)"),
            ("search_patient_name_prefix_c16", "`Patient?name=` prefix (blind terms when encrypted)"),
            ("create_observation_c16", "create Observation, 16 connections"),
        ],
        aim=0.85, details=encryption_details, details_report=encryption_details_report),
    "audit": Comparison(
        key="audit", title="Audit log: off vs immediate vs buffered",
        about="The sides differ only in `--audit`: `off` records nothing; `immediate` and `buffered` record each write in "
              "the write's own statement, and each read and search in an AuditEvent that `immediate` commits before "
              "answering and `buffered` queues and commits about once a second. After each run the harness waits until the server has had no "
              "statement running and the hash chainer nothing left to chain for 2 s (so buffered records are "
              "flushed; the wait is `settle_s` in the JSON), and counts that time's CPU in the run's; AuditEvent rows "
              "are counted in `r_auditevent` before and after.",
        sides=lambda main: {mode: dataclasses.replace(main, audit=mode) for mode in ("off", "immediate", "buffered")},
        workloads=[
            ("http_ceiling_healthz_c16", "`GET /healthz` (not audited: shows the noise between the sides)"),
            ("read_by_id_c16", "read Observation by id"),
            ("rpm_query_c16", "RPM search"),
            ("create_observation_c16", "create Observation, 16 connections"),
        ],
        aim=0.90, counts={"AuditEvent rows": "SELECT count(*) FROM r_auditevent"}, settled=AUDIT_SETTLED),
}


def mean_of(runs: list) -> dict:
    """Repeated runs of one workload as one: the mean of each figure (of the percentiles too, an
    approximation), the peak RSS and all errors."""
    merged = {key: round(statistics.mean(run[key] for run in runs), 1 if key == "rps" else 3)
              for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms_per_request", "load_1m")}
    merged["server_rss_mb"] = max(run["server_rss_mb"] for run in runs)
    merged["errors"] = {kind: sum(run["errors"][kind] for run in runs) for kind in runs[0]["errors"]}
    if "settle_s" in runs[0]:
        merged["settle_s"] = round(statistics.mean(run["settle_s"] for run in runs), 1)
    if "per_request" in runs[0]:
        merged["per_request"] = {label: round(statistics.mean(run["per_request"][label] for run in runs), 3)
                                 for label in runs[0]["per_request"]}
    return merged


def interleaved(sides: list, number: int) -> list:
    """The order of workload `number`'s runs: the sides rotated by `number`, then the same backwards
    (A B B A; A B C C B A, then B C A A C B, ...). Every side's mean position is the same, so a
    steady drift in the machine's load favours none, and which side goes first changes."""
    shift = number % len(sides)
    order = sides[shift:] + sides[:shift]
    return order + order[::-1]


def compare(comparison: Comparison, servers: dict, workdir: pathlib.Path, data: pathlib.Path, seconds: int,
            patients: int) -> dict:
    """`comparison`'s workloads against each of its sides ({side: Server}, baseline first), each
    workload run twice per side in `interleaved` order; a side's figures are the mean of its two
    runs. All sides get the same search queries; creates come last, since they add rows."""
    folder = workdir / comparison.key
    folder.mkdir(exist_ok=True)
    sides, baseline = list(servers), list(servers)[0]
    (folder / "healthz.txt").write_text("/healthz\n")
    first = write_search_paths(folder, search_shapes(servers[baseline], patients)[0])
    checks = {}
    for side, server in servers.items():
        write_read_paths(server, folder / f"read-paths-{side}.txt")
        for name, path in first.items():
            status, body = server.request("GET", path)
            if status != 200:
                sys.exit(f"{side}: GET {path} -> {status} {body[:300]}")
            checks.setdefault(name, {})[side] = len(json.loads(body).get("entry", []))
    log(f"entries for the first query of each shape: {checks}")

    def workload(name: str, side: str) -> dict:
        server = servers[side]
        before = {label: int(server.sql(sql)) for label, sql in comparison.counts.items()}
        cpu = server.cpu_seconds()
        if name == "create_observation_c16":
            result = wrk(server, "post.lua", [data / "observations.ndjson", "/fhir/Observation"], 16, seconds)
        else:
            paths = {"http_ceiling_healthz_c16": "healthz.txt", "read_by_id_c16": f"read-paths-{side}.txt"}.get(name, f"{name}.txt")
            result = wrk(server, "get.lua", [folder / paths], 16, seconds)
        if comparison.settled:
            result["settle_s"] = wait_until(server, comparison.settled)
            result["server_cpu_ms_per_request"] = round(1000 * (server.cpu_seconds() - cpu) / max(result["requests"], 1), 3)
        if comparison.counts:
            result["per_request"] = {label: round((int(server.sql(sql)) - before[label]) / max(result["requests"], 1), 3)
                                     for label, sql in comparison.counts.items()}
        return result

    results = {}
    for number, (name, _) in enumerate(comparison.workloads):
        order = interleaved(sides, number)
        runs = {side: [] for side in sides}
        for position, side in enumerate(order):
            runs[side].append(timed(f"{name} ({side}, run {position + 1} of {len(order)})", lambda: workload(name, side)))
        merged = {side: mean_of(runs[side]) for side in sides}
        base = merged[baseline]
        results[name] = {"sides": merged, "runs": runs, "order": order,
                         "ratios": {side: round(merged[side]["rps"] / base["rps"], 3) for side in sides[1:]},
                         "cpu_ratios": {side: round(merged[side]["server_cpu_ms_per_request"]
                                                    / max(base["server_cpu_ms_per_request"], 1e-9), 3) for side in sides[1:]}}
    return {"workloads": results, "first_query_entries": checks}


RATIOS = [
    ("create Observation, 16 connections", "create_observation_c16", "raw_insert_single_c16", "≥ 60% of raw single-row insert"),
    ("create Observation, 64 connections", "create_observation_c64", "raw_insert_single_c64", "≥ 60% of raw single-row insert"),
    ("read by id", "read_by_id_c16", "http_ceiling_healthz_c16", "≥ 70% of the /healthz ceiling"),
    ("read by id vs raw PK select", "read_by_id_c16", "raw_pk_select_c16", "context"),
    ("update Observation vs raw single-row insert", "update_observation_c16", "raw_insert_single_c16", "context"),
    ("transaction Bundles of 100 Observations vs raw 100-row multi-row insert (rows/s)", "transaction_100_observations_c16",
     "raw_insert_multirow100_c16", "≥ 50% of raw multi-row insert"),
    ("transaction Bundles of 100 with ifNoneExist and conditional references vs plain ones (rows/s)",
     "transaction_100_conditional_c16", "transaction_100_observations_c16", "context"),
    ("ingest: messages accepted vs raw COPY rows", "ingest_messages_c16", "raw_copy", "context"),
    ("RPM query vs the same query as hand-written SQL", "rpm_query_c16", "raw_rpm_select_c16", "context"),
    ("RPM query vs the server's own SQL through pgbench", "rpm_query_c16", "raw_rpm_server_sql_c16", "context"),
    ("server's RPM SQL vs hand-written SQL (both pgbench)", "raw_rpm_server_sql_c16", "raw_rpm_select_c16", "context"),
    ("RPM query vs the /healthz ceiling", "rpm_query_c16", "http_ceiling_healthz_c16", "context"),
    ("Patient by identifier vs /healthz", "search_patient_identifier_c16", "http_ceiling_healthz_c16", "context"),
    ("Patient name prefix vs /healthz", "search_patient_name_prefix_c16", "http_ceiling_healthz_c16", "context"),
    ("Observation code + date vs /healthz", "search_observation_code_date_c16", "http_ceiling_healthz_c16", "context"),
    ("Observation _lastUpdated range vs /healthz", "search_observation_last_updated_c16", "http_ceiling_healthz_c16", "context"),
]
NOT_YET = [
    ("notification latency", "`bench/notifications.py` measures it, in a report of its own", None),
    ("encryption on vs off", "run with `--compare-encryption`", "encryption"),
    ("audit log on vs off", "run with `--compare-audit`", "audit"),
]
AUDIT_MODES = {
    "immediate": "each read's and search's AuditEvent committed before the response, each write's in the write's own "
                 "statement (the default since the audit log, issue 8)",
    "buffered": "reads' and searches' AuditEvents committed within about a second, each write's in the write's own statement",
    "off": "no AuditEvents written",
}


def comparison_report(comparison: Comparison, result: dict) -> list:
    sides = list(result["servers"])
    baseline = sides[0]
    counted = list(comparison.counts)
    settled = bool(comparison.settled)
    lines = ["", f"### {comparison.title}", "",
             "Each side is a server of its own with a fresh data directory (the side started like the main server is the "
             "main server): " + ", ".join(f"{side} = `{flags}`" for side, flags in result["servers"].items())
             + ". All hold the same Patients, Devices and generated Observations, loaded the same way, one side after the "
             f"other. Each workload ran at 16 connections {2 * len(sides)} times, twice per side, in an order that reads the "
             "same backwards (A B B A; A B C C B A) and rotates between workloads, so a steady drift in the machine's load "
             "favours no side; each figure is the mean of a side's two runs (for p50/p99 and the load average, the mean of "
             "the two runs' values). CPU = CPU time of the server and its PostgreSQL per request, which what else runs on "
             "the machine disturbs less than the rate. " + comparison.about
             + f" Aim: every side's rate ≥ {comparison.aim:.0%} of `{baseline}`'s (≤ {1 - comparison.aim:.0%} cost).", "",
             f"| workload | side | rate /s | rate / {baseline} | p50 / p99 ms | CPU ms/request | CPU / {baseline} | "
             + "".join(f"{label} per request | " for label in counted) + ("wait after run s | " if settled else "")
             + "errors | load 1m |",
             "|---|---|---:|---:|---:|---:|---:|" + "---:|" * (len(counted) + settled) + "---:|---:|"]
    for name, label in comparison.workloads:
        measured = result["workloads"][name]
        for side in sides:
            figures = measured["sides"][side]
            if side == baseline:
                ratio = cpu_ratio = "(baseline)"
            else:
                ratio = f"{measured['ratios'][side]:.0%}" + (" (below aim)" if measured["ratios"][side] < comparison.aim else "")
                cpu_ratio = f"{measured['cpu_ratios'][side]:.0%}"
            counts = "".join(f"{figures['per_request'][label]} | " for label in counted)
            counts += f"{figures['settle_s']} | " if settled else ""
            lines.append(f"| {label if side == sides[0] else ''} | {side} | {figures['rps']:,} | {ratio} | "
                         f"{figures['p50_ms']} / {figures['p99_ms']} | {figures['server_cpu_ms_per_request']} | {cpu_ratio} | "
                         f"{counts}{sum(figures['errors'].values())} | {figures['load_1m']} |")
    loads = result["load"]
    for side in sides:
        ratio = "(baseline)" if side == baseline else f"{loads[side]['per_s'] / loads[baseline]['per_s']:.0%}"
        lines.append(f"| {'loading (not interleaved: one side after the other)' if side == baseline else ''} | {side} | "
                     f"{loads[side]['per_s']:,} | {ratio} |  |  |  | " + " | " * (len(counted) + settled) + f" | {loads[side]['load_1m']} |")
    lines += ["", "Run order: " + "; ".join(f"{name}: {' '.join(result['workloads'][name]['order'])}"
                                           for name, _ in comparison.workloads) + "."]
    lines += ["", "The first query of each search shape found "
              + ", ".join(f"{name}: {' / '.join(str(counts[side]) for side in sides)}"
                          for name, counts in result["first_query_entries"].items())
              + f" entries ({' / '.join(sides)})."]
    if comparison.details_report:
        lines += comparison.details_report(result)
    return lines


def report(results: dict, out: pathlib.Path) -> None:
    lines = [f"# Vesta benchmark — {results['started']} ({results['profile']} profile)", "",
             "Server, PostgreSQL and load generator share this machine; ratios to the baselines measured in this",
             "same run are the figures that count, absolute numbers are context.", "",
             f"Server: `vesta serve {results['server']['flags']}`: {AUDIT_MODES[results['server']['audit']]}. Reports from "
             "before the audit log (up to 2026-11-22-2114) ran servers that wrote no AuditEvents, so their read, search and "
             "write figures are not comparable with these unless the server is `--audit off`.", "", "## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in results["machine"].items()]
    for size in results["sizes"]:
        measured = size["workloads"]
        lines += ["", f"## {size['observations']:,} Observations", "",
                  f"Loading: {size['load']['seconds']} s through "
                  + ("transaction Bundles of 100 (`POST /fhir`) at 16 connections " if size["load"].get("via") == "transaction"
                     else "`POST /fhir/Observation` at 64 connections ")
                  + f"({size['load']['per_s']:,} /s). Storage: {size['storage']['bytes_per_observation']:,} bytes per "
                  f"Observation in PostgreSQL ({size['storage']['bytes_per_observation_with_change_log']:,} with its change-log row)"
                  + (f", plus {size['storage']['index_bytes_per_observation']:,} bytes of search index "
                     f"({size['storage']['index_rows_per_observation']} index rows per Observation)."
                     if "index_bytes_per_observation" in size["storage"] else "."),
                  "", "| workload | rate /s | p50 ms | p95 ms | p99 ms | server RSS MB | errors | load 1m |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, result in measured.items():
            errors = sum(result.get("errors", {}).values()) if isinstance(result.get("errors"), dict) else ""
            lines.append(f"| {name} | {result['rps']:,} | {result.get('p50_ms', '')} | {result.get('p95_ms', '')} | "
                         f"{result.get('p99_ms', '')} | {result.get('server_rss_mb', '')} | {errors} | {result.get('load_1m', '')} |")
        lines += ["", "| ratio | value | aim |", "|---|---:|---|"]
        for label, workload, baseline, aim in RATIOS:
            if workload not in measured or baseline not in measured:
                continue
            ratio = measured[workload]["rps"] / measured[baseline]["rps"]
            lines.append(f"| {label} | {ratio:.0%} | {aim} |" if ratio >= 0.1 else f"| {label} | {ratio:.2%} | {aim} |")
        ingest_result = measured.get("ingest_messages_c16", {})
        if "end_to_end_messages_per_s" in ingest_result:
            lines.append(f"| ingest end to end (hourly SampledData + single readings) | "
                         f"{ingest_result['end_to_end_messages_per_s']:,} messages/s | ≥ 20,000 messages/s (hourly) |")
        if "rpm_query_c16" in measured:
            lines.append(f"| RPM query p99, 16 connections ({size['observations']:,} Observations) | {measured['rpm_query_c16']['p99_ms']} ms | "
                         "< 20 ms at 10M, flat from 1M to 10M |")
        if "rpm_query_c1" in measured:
            lines.append(f"| RPM query p50 / p99, one client ({size['observations']:,} Observations) | "
                         f"{measured['rpm_query_c1']['p50_ms']} / {measured['rpm_query_c1']['p99_ms']} ms | "
                         "< 20 ms at 10M, flat from 1M to 10M |")
        if measured:
            peak = max(r.get("server_rss_mb", 0) for r in measured.values())
            lines.append(f"| peak server RSS under load | {peak} MB | ≤ 300 MB |")
        if size.get("explain"):
            lines += ["", "Search: each path file holds 20,000 random queries; RPM = `GET /fhir/Observation?patient=P&code=http://loinc.org|C"
                      "&date=geT&_sort=-date&_count=10` (random patient, one of the 6 codes, T uniform over the generated readings). "
                      "`raw_rpm_select_c16` is the same query as hand-written SQL (`ORDER BY tl.hi DESC, tl.key DESC LIMIT 10`, bodies "
                      "returned); `raw_rpm_server_sql_c16` is the statement the server sends, captured from the PostgreSQL log, with "
                      "its binds as pgbench variables. EXPLAIN (ANALYZE, BUFFERS) of the server's statements: "
                      f"[{size['explain']['rpm_explain']}]({size['explain']['rpm_explain']}) (RPM), "
                      f"[{size['explain']['search_explain']}]({size['explain']['search_explain']}) (other shapes)."]
        if "transaction_100_observations_c16" in measured:
            bundle = measured["transaction_100_observations_c16"]
            lines += ["", f"Transaction Bundles: `transaction_100_observations_c16` POSTs `transaction` Bundles of {bundle['entries_per_bundle']} "
                      "Observation POST entries (built by `lua/transaction.lua` from the generated Observations; no fullUrl, "
                      "no conditions, no Prefer header) at 16 connections; its rate is Observations created per second "
                      f"({bundle['requests_per_s']:,} Bundles/s), its latencies are per Bundle. Its baseline `raw_insert_multirow100_c16` "
                      "is pgbench inserting 100 rows per statement into a copy of `r_observation` (rows/s, latencies per statement)."]
            if "transaction_100_conditional_c16" in measured:
                lines += ["", "`transaction_100_conditional_c16` sends the same Bundles as an EHR interface engine would: each entry "
                          "with a fresh identifier and `ifNoneExist` on it, its Patient and Device references conditional "
                          "(`Patient?identifier=<MRN>`, `Device?identifier=<serial>`), so each Bundle carries 100 create conditions "
                          "and 200 conditional references, resolved inside the transaction (one check Bundle is posted first and its "
                          "first Observation's subject read back)."]
        for key, comparison in COMPARISONS.items():
            if key in size:
                lines += comparison_report(comparison, size[key])
    not_yet = [(what, why) for what, why, key in NOT_YET if not any(key in size for size in results["sizes"])]
    lines += ["", "## Not measured yet", ""] + [f"- {what}: {why}" for what, why in not_yet]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=PROFILES, default="quick")
    parser.add_argument("--seconds", type=int, help="duration of each measured workload")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--load", choices=["create", "transaction"], default="create",
                        help="how the Observations are loaded: one POST each at 64 connections (default), "
                             "or transaction Bundles of 100 at 16 connections")
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")],
                        help="Observation counts to load and measure at, e.g. 1000000 (overrides the profile's)")
    parser.add_argument("--audit", choices=AUDIT_MODES, default="immediate",
                        help="the main server's audit mode (`vesta serve --audit`; default immediate, the server's default)")
    parser.add_argument("--compare-encryption", action="store_true",
                        help="also run a second server with encryption at rest on (fresh data directory, generated key), "
                             "load it the same way, and measure create, read and searches against both before the other workloads")
    parser.add_argument("--compare-audit", action="store_true",
                        help="also run servers with --audit off and buffered beside immediate (each with a fresh data directory), "
                             "load them the same way, and measure /healthz, read, RPM search and create against all three "
                             "before the other workloads")
    parser.add_argument("--reads-only", action="store_true",
                        help="measure only /healthz, read by id and the searches (no writes): for the large sizes")
    parser.add_argument("--comparisons-only", action="store_true",
                        help="with --compare-encryption or --compare-audit: measure only the comparison, not the other workloads")
    args = parser.parse_args()
    profile = dict(PROFILES[args.profile])
    if args.sizes:
        profile["sizes"] = args.sizes
    seconds = args.seconds or profile["seconds"]
    ensure_tools()
    started = datetime.datetime.now(datetime.timezone.utc)
    if not args.skip_build:
        build_started = time.monotonic()
        build_release()
        log(f"built in {time.monotonic() - build_started:.0f} s")
    workdir = scratch_directory("vesta-bench-")
    data = workdir / "generated"
    log(f"generating data in {data}")
    run([sys.executable, str(BENCH / "generate.py"), "--patients", str(profile["patients"]), "--observations",
         # Enough distinct readings that every patient has each of the 6 codes at 4 times.
         str(max(20_000, profile["patients"] * 24)),
         "--out", str(data)])
    main_config = ServerConfig(audit=args.audit)
    comparisons = [COMPARISONS[key] for key, wanted in (("encryption", args.compare_encryption), ("audit", args.compare_audit))
                   if wanted]
    # Every server the run needs, once: the main one, and the other sides of the comparisons.
    configs = [main_config] + [config for comparison in comparisons for config in comparison.sides(main_config).values()]
    configs = list(dict.fromkeys(configs))
    key_file = None
    if any(config.encrypted for config in configs):
        key_file = workdir / "master.key"
        key_file.write_text(secrets.token_hex(32) + "\n")
        key_file.chmod(0o600)
    servers = {}
    try:
        for config in configs:
            log(f"starting vesta serve {' '.join(config.flags())}")
            servers[config] = Server(workdir if config == main_config else workdir / config.slug, config, key_file)
        for config, each in servers.items():
            log(f"seeding Patients and Devices ({config.slug})")
            seed(each, data)
            if config.encrypted:
                check_sealed(each, data)
        server = servers[main_config]
        results = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "profile": args.profile,
                   "seconds_per_workload": seconds, "machine": machine_facts(server),
                   "server": {"flags": " ".join(main_config.flags()), "audit": main_config.audit}, "sizes": []}
        out = BENCH / "results" / started.strftime("%Y-%m-%d-%H%M")
        for size in profile["sizes"]:
            loads = {}
            for config, each in servers.items():
                log(f"loading up to {size:,} Observations ({config.slug})")
                loads[config] = load(each, data, size, args.load)
                loads[config]["load_1m"] = round(os.getloadavg()[0], 2)
            for config, each in servers.items():
                log(f"waiting for the audit chainer ({config.slug}): {wait_until(each, AUDIT_SETTLED)} s")
            compared = {}
            for comparison in comparisons:
                sides = comparison.sides(main_config)
                by_side = {side: servers[config] for side, config in sides.items()}
                details = comparison.details(by_side) if comparison.details else {}
                compared[comparison.key] = {
                    "servers": {side: " ".join(config.flags()) for side, config in sides.items()},
                    "load": {side: loads[config] for side, config in sides.items()},
                    **compare(comparison, by_side, workdir, data, seconds, profile["patients"]), **details}
            workloads, explain_files = ({}, []) if args.comparisons_only and comparisons else \
                measure(server, workdir, data, seconds, profile["patients"], out, reads_only=args.reads_only)
            results["sizes"].append({"observations": size, "load": loads[main_config], "workloads": workloads,
                                     "explain": explain_files, "storage": storage(server)} | compared)
        report(results, out)
        log(f"report: {out.with_suffix('.md')}")
    finally:
        for each in servers.values():
            each.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
