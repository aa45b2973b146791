#!/usr/bin/env python3
"""Device ingestion end to end (issue 6): messages/s accepted durably and turned into
Observations, and POST → Observation latency at half that load, for hourly SampledData and for
one Observation per reading, next to raw PostgreSQL COPY of the same messages in the same run.

    python3 bench/ingest.py [--skip-build] [--devices 1000] [--rounds 800] [--seconds 30]

Writes bench/results/<date>-ingest.md and .json. Uses run.py's machinery (server, wrk, psql).
"""
import argparse
import datetime
import json
import pathlib
import random
import http.client
import shutil
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run as bench  # noqa: E402

# (LOINC, low, high, decimals) of the vesta-bench-vitals types each mapping shape uses.
SHAPES = {
    "hourly": ("hourly SampledData (heart rate, respiratory rate, SpO2: periodInterval 60)",
               [("8867-4", 50, 120, 0), ("9279-1", 10, 25, 0), ("59408-5", 90, 100, 0)]),
    "reading": ("one Observation per reading (body temperature, body weight: periodInterval 0, Quantity)",
                [("8310-5", 36.0, 38.5, 1), ("29463-7", 50.0, 120.0, 1)]),
}


def message_batches(path: pathlib.Path, shape: str, devices: int, rounds: int, start: datetime.datetime) -> int:
    """Batches of 100 messages: round r holds one reading of every device, 5 s after round r−1,
    device d's of type (d + r) mod (the shape's types), so every window keeps being merged into.
    Returns the number of messages."""
    rng = random.Random(13)
    types = SHAPES[shape][1]
    count = 0
    with open(path, "w") as out:
        for r in range(rounds):
            batch = []
            when = (start + datetime.timedelta(seconds=5 * r)).strftime("%Y-%m-%dT%H:%M:%SZ")
            for d in range(devices):
                code, low, high, decimals = types[(d + r) % len(types)]
                value = round(rng.uniform(low, high), decimals)
                batch.append({"deviceId": f"bench-d{d}", "type": code, "value": int(value) if decimals == 0 else value,
                              "measurementTime": when})
                if len(batch) == 100:
                    out.write(json.dumps(batch) + "\n")
                    count += len(batch)
                    batch = []
            if batch:
                out.write(json.dumps(batch) + "\n")
                count += len(batch)
    return count


def copy_messages(server: bench.Server, batches: pathlib.Path, workdir: pathlib.Path) -> dict:
    """Raw COPY of the same messages, one jsonb row each, into a scratch table."""
    server.sql("DROP TABLE IF EXISTS bench_messages; CREATE TABLE bench_messages (id bigserial PRIMARY KEY, message jsonb NOT NULL)")
    rows = 0
    with open(workdir / "messages.tsv", "w") as tsv:
        for line in batches.read_text().splitlines():
            for message in json.loads(line):
                tsv.write(json.dumps(message).replace("\\", "\\\\") + "\n")
                rows += 1
    started = time.monotonic()
    bench.run(["psql", *server.psql_args, "-qX", "-v", "ON_ERROR_STOP=1", "-c",
               f"\\copy bench_messages (message) FROM '{workdir / 'messages.tsv'}'"])
    seconds = time.monotonic() - started
    server.sql("DROP TABLE bench_messages")
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds, 1)}


def drained(server: bench.Server, after: int, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while int(server.sql(f"SELECT count(*) FROM ingest_batch WHERE id > {after} AND state = 'pending'")) > 0:
        if time.monotonic() > deadline:
            sys.exit("ingest did not drain")
        time.sleep(0.2)


def batch_figures(server: bench.Server, after: int) -> dict:
    """From the phase's batches in PostgreSQL: messages, the span from the first receipt to the
    last commit, and per batch receipt → Observations committed (`processed_at − received_at`)."""
    span = server.sql(f"SELECT sum(message_count), extract(epoch FROM max(processed_at) - min(received_at)), "
                      f"sum(created), sum(updated), sum(unchanged) FROM ingest_batch WHERE id > {after}").split("|")
    messages, seconds = int(span[0]), float(span[1])
    latencies = sorted(float(v) for v in server.sql(
        f"SELECT 1000 * extract(epoch FROM processed_at - received_at) FROM ingest_batch WHERE id > {after}").split())
    return {"messages": messages, "seconds": round(seconds, 2), "end_to_end_per_s": round(messages / seconds, 1),
            "observations": {"created": int(span[2]), "updated": int(span[3]), "unchanged": int(span[4])},
            "latency_ms": {"batches": len(latencies), "p50": round(bench.percentile(latencies, 50), 1),
                           "p99": round(bench.percentile(latencies, 99), 1), "max": round(latencies[-1], 1)}}


def history_rows(server: bench.Server) -> int:
    return int(server.sql("SELECT count(*) FROM h_observation"))


def post_all(server: bench.Server, batches: pathlib.Path, connections: int) -> dict:
    """POSTs every line of `batches` exactly once over `connections` keep-alive connections;
    returns the POST latencies' p50/p99 and the count of non-202 answers."""
    lines = [line for line in batches.read_text().splitlines() if line]
    position = iter(range(len(lines)))
    lock = threading.Lock()
    latencies, failures = [], []

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            sent = time.monotonic()
            connection.request("POST", "/ingest", body=lines[index].encode(), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            with lock:
                latencies.append(1000 * (time.monotonic() - sent))
                if response.status != 202:
                    failures.append(response.status)

    workers = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    latencies.sort()
    return {"post_p50_ms": round(bench.percentile(latencies, 50), 1), "post_p99_ms": round(bench.percentile(latencies, 99), 1),
            "refused": len(failures)}


def capacity(server: bench.Server, batches: pathlib.Path, connections: int) -> dict:
    """Every batch POSTed once as fast as the poster can, then the pipeline drained; the
    accepted rate is the messages over the span of their receipts."""
    after = int(server.sql("SELECT coalesce(max(id), 0) FROM ingest_batch"))
    history = history_rows(server)
    posted = post_all(server, batches, connections)
    drained(server, after)
    figures = batch_figures(server, after)
    received = float(server.sql(f"SELECT extract(epoch FROM max(received_at) - min(received_at)) FROM ingest_batch WHERE id > {after}"))
    figures["accepted_per_s"] = round(figures["messages"] / max(received, 0.001), 1)
    figures["history_versions"] = history_rows(server) - history
    figures.update(posted)
    return figures


def paced(server: bench.Server, batches: pathlib.Path, messages_per_s: float, seconds: int, connections: int) -> dict:
    """Batches POSTed at `messages_per_s` for `seconds`, then drained: latency under steady load."""
    after = int(server.sql("SELECT coalesce(max(id), 0) FROM ingest_batch"))
    post = bench.wrk(server, "paced_post.lua", [batches, "/ingest", messages_per_s / 200, "sequential"], connections, seconds)
    drained(server, after)
    figures = batch_figures(server, after)
    figures["target_per_s"] = round(messages_per_s, 1)
    figures["achieved_per_s"] = round(figures["messages"] / seconds, 1)
    figures["errors"] = post["errors"]
    return figures


def report(results: dict, out: pathlib.Path) -> None:
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [f"# Vesta ingest — {results['started']}", "",
             "Device messages through `POST /ingest` (batches of 100, JSON arrays) to stored Observations, with the "
             "`vesta-bench-vitals` mappings (issue 6). Server, PostgreSQL and wrk share this machine.", "",
             f"Server: `vesta serve {results['server_flags']}` (ingest flush: the default `--ingest-flush-ms` 1000). "
             f"{results['devices']:,} Devices, each linked to a Patient (identity `lookup`); one reading per device every 5 s "
             "of device time, the types taking turns.", "",
             "| shape | messages | accepted /s | end to end /s | raw COPY rows /s | end to end / COPY | receipt → commit p50 / p99 / max ms "
             "| Observations created / updated / unchanged | history versions | aim |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, phase in results["phases"].items():
        c = phase["capacity"]
        aim = "≥ 20,000 /s end to end" if name == "hourly" else "context"
        lines.append(f"| {SHAPES[name][0]}: all at once | {c['messages']:,} | {c['accepted_per_s']:,} | "
                     f"{c['end_to_end_per_s']:,} | {phase['copy']['rows_per_s']:,} | "
                     f"{100 * c['end_to_end_per_s'] / phase['copy']['rows_per_s']:.1f}% | "
                     f"{c['latency_ms']['p50']:,} / {c['latency_ms']['p99']:,} / {c['latency_ms']['max']:,} | "
                     f"{c['observations']['created']:,} / {c['observations']['updated']:,} / {c['observations']['unchanged']:,} | "
                     f"{c['history_versions']:,} | {aim} |")
        p = phase["paced"]
        aim = "p99 ≤ 2,000 ms at half of 20,000 /s" if name == "hourly" else "context"
        lines.append(f"| {SHAPES[name][0]}: paced at half the end-to-end rate ({p['target_per_s']:,} /s target, "
                     f"{p['achieved_per_s']:,} achieved) | {p['messages']:,} |  | {p['end_to_end_per_s']:,} |  |  | "
                     f"{p['latency_ms']['p50']:,} / {p['latency_ms']['p99']:,} / {p['latency_ms']['max']:,} | "
                     f"{p['observations']['created']:,} / {p['observations']['updated']:,} / {p['observations']['unchanged']:,} | "
                     f" | {aim} |")
    lines += ["",
              "Accepted = messages over the span of their batches' receipts (each batch posted once, over 16 "
              "keep-alive connections by a threaded Python client): durable in PostgreSQL when answered 202. End to end = messages over the span from the first batch's receipt to the last batch's "
              "commit of its Observations (`ingest_batch.received_at`, `processed_at`). Receipt → commit = "
              "`processed_at − received_at` per batch: the flush wait (batches younger than 1 s wait, so one write per "
              "Observation per interval), queueing behind earlier batches, and the processing; a commit is when the "
              "Observation is visible to reads and searches. The paced rows post at half the shape's end-to-end rate "
              "(`lua/paced_post.lua`). Raw COPY = the same messages, one jsonb row each, by `psql \\copy` into a table "
              "with a primary key. History versions = rows added to `h_observation` (the bound DESIGN §5 asks for).",
              "", "## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in results["machine"].items()]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=1000, help="Devices (with Patients) reporting")
    parser.add_argument("--rounds", type=int, default=800, help="readings per device in the hourly capacity phase")
    parser.add_argument("--reading-rounds", type=int, default=200, help="readings per device in the per-reading capacity phase")
    parser.add_argument("--seconds", type=int, default=30, help="duration of each paced phase")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--audit", choices=bench.AUDIT_MODES, default="immediate")
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    bench.ensure_tools()
    started = datetime.datetime.now(datetime.timezone.utc)
    if not args.skip_build:
        bench.build_release()
    workdir = bench.scratch_directory("vesta-ingest-")
    data = workdir / "generated"
    bench.run([sys.executable, str(bench.BENCH / "generate.py"), "--patients", str(args.devices), "--observations", "0",
               "--out", str(data)])
    config = bench.ServerConfig(audit=args.audit)
    server = None
    try:
        server = bench.Server(workdir, config)
        bench.log(f"seeding {args.devices} Patients and Devices")
        bench.seed(server, data)
        results = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "server_flags": " ".join(config.flags()),
                   "devices": args.devices, "machine": bench.machine_facts(server), "phases": {}}
        epoch = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
        for number, shape in enumerate(SHAPES):
            rounds = args.rounds if shape == "hourly" else args.reading_rounds
            # Each phase in device time of its own, so nothing merges into an earlier phase's Observations.
            all_at_once = workdir / f"{shape}-capacity.ndjson"
            message_batches(all_at_once, shape, args.devices, rounds, epoch + datetime.timedelta(days=2 * number))
            copy = copy_messages(server, all_at_once, workdir)
            bench.log(f"{shape}: posting {rounds * args.devices:,} messages at once")
            capacity_figures = capacity(server, all_at_once, args.connections)
            bench.log(f"{shape}: {capacity_figures['end_to_end_per_s']:,} messages/s end to end")
            half = capacity_figures["end_to_end_per_s"] / 2
            steady = workdir / f"{shape}-paced.ndjson"
            message_batches(steady, shape, args.devices, int(2 * half * args.seconds / args.devices) + 10,
                            epoch + datetime.timedelta(days=2 * number + 1))
            bench.log(f"{shape}: paced at {half:,.0f} messages/s for {args.seconds} s")
            results["phases"][shape] = {"copy": copy, "capacity": capacity_figures,
                                        "paced": paced(server, steady, half, args.seconds, args.connections)}
        results["dead_letters"] = int(server.sql("SELECT count(*) FROM ingest_dead_letter"))
        out = bench.BENCH / "results" / f"{started.strftime('%Y-%m-%d-%H%M')}-ingest"
        report(results, out)
        bench.log(f"report: {out.with_suffix('.md')}")
    finally:
        if server:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
