#!/usr/bin/env python3
"""Commit-to-notification latency of rest-hook Subscriptions (issue 9), on run.py's machinery:
the release server with its embedded PostgreSQL (started with --allow-private-endpoints, so a
receiver on 127.0.0.1 over http is allowed), seeded Patients and Devices, a few thousand
Observations preloaded, then, in one run:

  1. baseline: creates at a fixed rate (wrk, lua/paced_post.lua) with no Subscription;
  2. the same creates with a Subscription whose criteria match a known fraction of them;
  3. (--all) the same creates with a Subscription on every Observation;
  4. the same Observations as transaction Bundles of 100 at the same rate of writes (rate/100
     Bundles/s), with the Subscription of 2: the way to reach 1,000 writes/s on a machine whose
     single creates top out below it;
  5. device ingest driving the writes (POST /ingest batches at a fixed rate, hourly SampledData
     merges and single readings) with the Subscription of 2.

A threaded HTTP receiver records each notification's arrival, its X-Vesta-Event-Id and the
body's meta.lastUpdated (the write's time, stamped just before commit): latency = arrival −
lastUpdated. The server's subscription_event rows (committed_at, matched_at) split it into
commit → matched and matched → arrival, and its /metrics histogram is the cross-check.
Writes a report to bench/results/<date>-notifications.md and .json.

    python3 bench/notifications.py [--skip-build] [--rate 1000] [--seconds 25]
"""
import argparse
import dataclasses
import datetime
import http.server
import json
import os
import pathlib
import random
import re
import shutil
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402
import run as bench  # noqa: E402

HEART_RATE = "8867-4"
CRITERIA = f"Observation?code=http://loinc.org|{HEART_RATE}"
HEART_RATE_BODY = json.dumps({"code": {"coding": [{"system": "http://loinc.org", "code": HEART_RATE}]}})
LATENCY_METRIC = "vesta_subscription_notification_latency_seconds"
INGEST = "ingest, heart-rate Subscription"
BUNDLES = "transaction Bundles of 100, heart-rate Subscription"


@dataclasses.dataclass(frozen=True)
class NotifyingConfig(bench.ServerConfig):
    """run.py's server, allowed to deliver to a receiver on this machine over http."""

    def flags(self, master_key_file=None) -> list:
        return [*super().flags(master_key_file), "--allow-private-endpoints"]


class Receiver:
    """A threaded HTTP server on a loopback port: answers every POST 200 at once and keeps, per
    subscription, (event number, arrival epoch, body) of each notification."""

    def __init__(self):
        self.received, self.lock = {}, threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the server's HTTP client pools connections

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                subscription, _, number = (self.headers.get("X-Vesta-Event-Id") or "?:0").rpartition(":")
                with receiver.lock:
                    receiver.received.setdefault(subscription, []).append((int(number), arrived, body))

            def log_message(self, *args):
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.http.server_address[1]}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def of(self, subscription: str) -> list:
        with self.lock:
            return list(self.received.get(subscription, []))

    def stop(self) -> None:
        self.http.shutdown()


def epoch(instant: str) -> float:
    return datetime.datetime.fromisoformat(instant.replace("Z", "+00:00")).timestamp()


def subscribe(server: bench.Server, subscription: str, criteria: str, endpoint: str) -> int:
    """PUTs an active rest-hook Subscription with a payload; returns its change-log seq (the
    changes after it are matched)."""
    resource = {"resourceType": "Subscription", "id": subscription, "status": "requested", "reason": "bench/notifications.py",
                "criteria": criteria,
                "channel": {"type": "rest-hook", "endpoint": endpoint, "payload": "application/fhir+json"}}
    status, body = server.request("PUT", f"/fhir/Subscription/{subscription}", json.dumps(resource))
    if status not in (200, 201) or json.loads(body).get("status") != "active":
        sys.exit(f"Subscription/{subscription}: {status} {body[:500]}")
    return int(server.sql(f"SELECT max(seq) FROM change_log WHERE resource_type = 'Subscription' AND id = '{subscription}'"))


def last_seq(server: bench.Server) -> int:
    return int(server.sql("SELECT coalesce(max(seq), 0) FROM change_log"))


def observation_writes(server: bench.Server, after: int, through: int, body_contains: str | None = None) -> dict:
    """Observation versions written (created or updated) in the change log seq window, optionally
    only those whose stored version contains `body_contains` (jsonb @>): count, and their rate
    over the span of their lastUpdated."""
    match = ""
    if body_contains:
        pattern = bench.sql_literal(body_contains) + "::jsonb"
        match = (f" AND EXISTS (SELECT 1 FROM r_observation r WHERE r.id = c.id AND r.version = c.version AND r.body @> {pattern}"
                 f" UNION ALL SELECT 1 FROM h_observation h WHERE h.id = c.id AND h.version = c.version AND h.body @> {pattern})")
    row = server.sql("SELECT count(*), count(*) FILTER (WHERE operation = 'U'), "
                     "coalesce(extract(epoch FROM max(recorded_at) - min(recorded_at)), 0) FROM change_log c "
                     f"WHERE resource_type = 'Observation' AND operation <> 'D' AND seq > {after} AND seq <= {through}{match}")
    count, updates, span = row.split("|")
    return {"count": int(count), "updates": int(updates), "span_s": round(float(span), 2),
            "per_s": round(int(count) / float(span), 1) if float(span) > 0 else 0.0}


def histogram(server: bench.Server) -> dict:
    """The server's notification latency histogram: {le: cumulative count}, with count and sum."""
    status, body = server.request("GET", "/metrics")
    figures = {"buckets": {}, "count": 0, "sum": 0.0}
    for line in body.decode().splitlines():
        if not line.startswith(LATENCY_METRIC):
            continue
        name, value = line.rsplit(" ", 1)
        if name.startswith(LATENCY_METRIC + "_bucket"):
            figures["buckets"][re.search(r'le="([^"]+)"', name).group(1)] = float(value)
        elif name.startswith(LATENCY_METRIC + "_count"):
            figures["count"] = float(value)
        elif name.startswith(LATENCY_METRIC + "_sum"):
            figures["sum"] = float(value)
    return figures


def histogram_delta(before: dict, after: dict) -> dict:
    """What the histogram gained in a phase: count, mean, and the bucket bounds of p50 and p99."""
    count = after["count"] - before["count"]
    buckets = sorted(((float("inf") if le == "+Inf" else float(le), n - before["buckets"].get(le, 0))
                      for le, n in after["buckets"].items()))

    def bound(p):
        return next((f"≤ {le * 1000:g} ms" for le, n in buckets if n >= p / 100 * count), "?") if count else "-"
    return {"count": int(count), "mean_ms": round(1000 * (after["sum"] - before["sum"]) / count, 1) if count else None,
            "p50_bucket": bound(50), "p99_bucket": bound(99)}


def spread(values: list) -> dict:
    ordered = sorted(values)
    return {"p50_ms": bench.percentile(ordered, 50), "p95_ms": bench.percentile(ordered, 95),
            "p99_ms": bench.percentile(ordered, 99), "max_ms": round(ordered[-1], 3) if ordered else 0.0}


def status_parameters(server: bench.Server, subscription: str) -> dict:
    status, body = server.request("GET", f"/fhir/Subscription/{subscription}/$status")
    parameters = json.loads(body).get("parameter", []) if status == 200 else []
    return {p["name"]: next((v for k, v in p.items() if k.startswith("value")), None) for p in parameters}


def notifications(server: bench.Server, receiver: Receiver, subscription: str, expected: int, load_ended: float,
                  drain_timeout: float) -> dict:
    """Waits until `expected` distinct events arrived (or `drain_timeout` s), then: received,
    duplicates, gaps, latency = arrival − lastUpdated, split at the server's matched_at."""
    deadline = time.monotonic() + drain_timeout
    while len({n for n, _, _ in receiver.of(subscription)}) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # anything beyond what was expected (a duplicate, a wrong match) has a moment to arrive
    received = sorted(receiver.of(subscription), key=lambda r: r[1])
    first = {}
    for number, arrived, body in received:
        first.setdefault(number, (arrived, body))
    numbers = set(first)
    gaps = (max(numbers) - len(numbers)) if numbers else 0
    server_rows = server.sql("SELECT number, extract(epoch FROM committed_at), extract(epoch FROM matched_at) "
                             f"FROM subscription_event WHERE subscription_id = '{subscription}'").splitlines()
    matched_at = {int(n): (float(c), float(m)) for n, c, m in (row.split("|") for row in server_rows)}
    total, to_match, to_arrival, stamp_differs, not_matching = [], [], [], 0, 0
    for number, (arrived, body) in first.items():
        resource = json.loads(body)
        written = epoch(resource["meta"]["lastUpdated"])
        codes = {c.get("code") for c in resource.get("code", {}).get("coding", [])}
        not_matching += subscription != "bench-all" and HEART_RATE not in codes
        total.append(1000 * (arrived - written))
        if number in matched_at:
            committed, matched = matched_at[number]
            stamp_differs += abs(committed - written) > 0.001
            to_match.append(1000 * (matched - committed))
            to_arrival.append(1000 * (arrived - matched))
    after_load = [arrived for arrived, _ in first.values() if arrived > load_ended]
    return {"expected": expected, "received": len(numbers), "deliveries": len(received),
            "duplicates": len(received) - len(numbers), "gaps": gaps, "not_matching_criteria": not_matching,
            "lastUpdated_differs_from_committed_at": stamp_differs,
            "arrived_after_load_ended": len(after_load),
            "drain_s": round(max(after_load) - load_ended, 1) if after_load else 0.0,
            "latency": spread(total), "commit_to_matched": spread(to_match), "matched_to_arrival": spread(to_arrival),
            "status": status_parameters(server, subscription)}


# Quiet before a phase: every AuditEvent chained and no ingest batch pending. (run.py's AUDIT_SETTLED also
# wants no statement running, which the matcher's transaction every 50 ms rarely allows for 2 s.)
SETTLED = ("SELECT (SELECT count(*) FROM audit_chain) >= (SELECT count(*) FROM r_auditevent) "
           "AND NOT EXISTS (SELECT 1 FROM ingest_batch WHERE state = 'pending')")


def settle(server: bench.Server) -> None:
    bench.log(f"  settled (audit chained, ingest drained) in {bench.wait_until(server, SETTLED, hold=1)} s")


def phase(server: bench.Server, receiver: Receiver, name: str, subscription: str | None, criteria: str | None,
          drive, body_contains: str | None, drain_timeout: float, after_drive=None) -> dict:
    """One measured phase: subscribe (unless a baseline), drive the writes, count the Observation
    versions written and those the criteria match, collect the notifications, unsubscribe."""
    bench.log(name)
    settle(server)
    metrics_before = histogram(server)
    start = subscribe(server, subscription, criteria, receiver.endpoint) if subscription else last_seq(server)
    load = drive()
    load_ended = time.time()
    if after_drive:
        after_drive()
    end = last_seq(server)
    result = {"criteria": criteria, "load": load, "load_1m": round(os.getloadavg()[0], 2),
              "writes": observation_writes(server, start, end)}
    if subscription:
        matching = observation_writes(server, start, end, body_contains)
        result["matching_writes"] = matching
        result["notifications"] = notifications(server, receiver, subscription, matching["count"], load_ended, drain_timeout)
        result["server_histogram"] = histogram_delta(metrics_before, histogram(server))
        server.request("DELETE", f"/fhir/Subscription/{subscription}")
    summary = {"writes/s": result["writes"]["per_s"], "wrk": {k: load.get(k) for k in ("rps", "p50_ms", "p99_ms")}}
    if subscription:
        n = result["notifications"]
        summary |= {k: n[k] for k in ("expected", "received", "duplicates", "gaps")} | {"latency": n["latency"]}
    bench.log(f"  {summary}")
    return result


def ingest_batches(path: pathlib.Path, patients: int, rounds: int, start: datetime.datetime) -> float:
    """Device-message batches of 100 for the ingest phase, written once per run: round r holds one
    reading of every device 5 s after round r−1, device d's of type (d + r) mod 5 (the 5 the
    vesta-bench-vitals mapping knows), so every second of load carries every type and the hourly
    SampledData series are merged into rather than re-sent. Returns the heart-rate fraction."""
    rng = random.Random(9)
    vitals = [v for v in generate.VITALS if v[0] != "85354-9"]
    lines, heart = [], 0
    for r in range(rounds):
        messages = []
        for d in range(patients):
            code, _, _, _, low, high, decimals = vitals[(d + r) % len(vitals)]
            heart += code == HEART_RATE
            value = round(rng.uniform(low, high), decimals)
            messages.append({"deviceId": f"bench-d{d}", "type": code, "value": int(value) if decimals == 0 else value,
                             "measurementTime": (start + datetime.timedelta(seconds=5 * r)).strftime("%Y-%m-%dT%H:%M:%SZ")})
        lines += [json.dumps(messages[i:i + 100]) for i in range(0, len(messages), 100)]
    path.write_text("\n".join(lines) + "\n")
    return heart / (rounds * patients)


def ingest_drained(server: bench.Server) -> None:
    while int(server.sql("SELECT count(*) FROM ingest_batch WHERE state = 'pending'")) > 0:
        time.sleep(0.2)


def ingest_receipt_to_commit(server: bench.Server, after_batch: int) -> dict:
    """Per ingest batch of the phase: processed_at − received_at (the flush policy and the workers)."""
    rows = server.sql("SELECT 1000 * extract(epoch FROM processed_at - received_at) FROM ingest_batch "
                      f"WHERE id > {after_batch} AND processed_at IS NOT NULL").split()
    return {"batches": len(rows), **spread([float(v) for v in rows])}


def report(results: dict, out: pathlib.Path) -> None:
    phases = results["phases"]
    lines = [f"# Vesta notification latency — {results['started']}", "",
             "Commit-to-notification latency of a rest-hook Subscription with `payload: application/fhir+json` (issue 9), "
             "measured by `bench/notifications.py`. Server, PostgreSQL, wrk and the receiver share this machine.", "",
             f"Server: `vesta serve {results['server_flags']}` (ingest flush: the default `--ingest-flush-ms` 1000). "
             f"Data: {results['patients']:,} Patients with a Device each, {results['preloaded']:,} Observations preloaded. "
             f"Each phase: {results['seconds']} s at a target of {results['rate']:,} writes/s, {results['connections']} connections "
             "(`lua/paced_post.lua`: each wrk thread hands out send slots 1/rate apart; a slot missed while every connection "
             "is busy is not made up, so the achieved rate shows when the server cannot keep up). "
             "Latency = receiver arrival − the notified version's `meta.lastUpdated` (stamped just before the write's commit), "
             "first arrival of each event; commit → matched and matched → arrival split it at the server's "
             "`subscription_event.matched_at`.", "",
             f"Criteria `{CRITERIA}` match {results['heart_rate_fraction']['create']:.1%} of the create bodies (shuffled, so "
             f"steadily) and {results['heart_rate_fraction']['ingest']:.1%} of the ingest messages.", "",
             "| phase | writes/s achieved (target) | request p50 / p99 ms | notifications expected / received / duplicates / gaps "
             "| latency p50 / p95 / p99 / max ms | commit → matched p50 / p99 ms | matched → arrival p50 / p99 ms "
             "| drain after load s | server histogram: n, mean, p50, p99 | load 1m |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for name, p in phases.items():
        load = p["load"]
        create = f"{load['p50_ms']} / {load['p99_ms']}" if "p50_ms" in load else ""  # per request: per Bundle for Bundles
        writes = f"{p['writes']['per_s']:,} ({results['rate']:,})"
        if "notifications" in p:
            n, h = p["notifications"], p["server_histogram"]
            lat, m, a = n["latency"], n["commit_to_matched"], n["matched_to_arrival"]
            lines.append(f"| {name} | {writes} | {create} | {n['expected']:,} / {n['received']:,} / {n['duplicates']} / {n['gaps']} | "
                         f"{lat['p50_ms']:.1f} / {lat['p95_ms']:.1f} / {lat['p99_ms']:.1f} / {lat['max_ms']:.1f} | "
                         f"{m['p50_ms']:.1f} / {m['p99_ms']:.1f} | {a['p50_ms']:.1f} / {a['p99_ms']:.1f} | {n['drain_s']} | "
                         f"{h['count']:,}, {h['mean_ms']} ms, {h['p50_bucket']}, {h['p99_bucket']} | {p['load_1m']} |")
        else:
            lines.append(f"| {name} | {writes} | {create} | (no Subscription) |  |  |  |  |  | {p['load_1m']} |")
    lines += ["", "Writes/s = Observation versions in the change log during the phase over the span of their `lastUpdated`; "
              "for the create phases wrk's own rate is in the JSON (`load.rps`). Expected = those versions whose stored body "
              "has the criteria's code (counted in SQL, independently of the matcher). Server histogram = what "
              f"`{LATENCY_METRIC}` gained in the phase (commit to the subscriber's 2xx; p50/p99 as bucket bounds)."]
    if INGEST in phases:
        ingest, r = phases[INGEST], phases[INGEST]["receipt_to_commit"]
        lines += ["", f"Ingest: {ingest['load']['rps']:,} batches of 100 messages/s accepted; "
                  f"{ingest['writes']['count']:,} Observation versions written "
                  f"({ingest['writes']['updates']:,} of them merges into hourly SampledData). Receipt → commit "
                  f"per batch (`ingest_batch.processed_at − received_at`, the flush policy and the workers, not notification): "
                  f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, max {r['max_ms']:.0f} ms over {r['batches']} batches. "
                  "The notification latency above starts at the Observation's commit."]
    lines += ["", "## Machine", ""] + [f"- {key}: {value}" for key, value in results["machine"].items()]
    if results.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {note}" for note in results["notes"]]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=1000, help="target writes/s (creates/s; ingest: messages/s)")
    parser.add_argument("--seconds", type=int, default=25, help="duration of each phase's load")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--patients", type=int, default=500, help="Patients and Devices seeded (ingest: devices reporting)")
    parser.add_argument("--preload", type=int, default=5000, help="Observations loaded before the phases")
    parser.add_argument("--all", action="store_true", help="also a phase with a Subscription on every Observation")
    parser.add_argument("--drain-timeout", type=float, default=120, help="seconds to wait for a phase's notifications after its load")
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    bench.ensure_tools()
    started = datetime.datetime.now(datetime.timezone.utc)
    if not args.skip_build:
        bench.build_release()
    workdir = bench.scratch_directory("vesta-notify-")
    data = workdir / "generated"
    bench.run([sys.executable, str(bench.BENCH / "generate.py"), "--patients", str(args.patients),
               "--observations", str(max(20_000, 24 * args.patients)), "--out", str(data)])
    # Shuffled, so the criteria's share of the creates is steady (the generator writes each code in runs).
    bodies = (data / "observations.ndjson").read_text().splitlines()
    random.Random(5).shuffle(bodies)
    (workdir / "creates.ndjson").write_text("\n".join(bodies) + "\n")
    with open(workdir / "bundles.ndjson", "w") as bundles:
        for first in range(0, len(bodies) - 99, 100):
            entries = [{"resource": json.loads(line), "request": {"method": "POST", "url": "Observation"}} for line in bodies[first:first + 100]]
            bundles.write(json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries}) + "\n")
    create_fraction = sum(f'"code": "{HEART_RATE}"' in line for line in bodies) / len(bodies)
    batches_per_s = args.rate / 100
    rounds = int(2 * args.seconds * args.rate / args.patients) + 10  # each of wrk's 2 threads starts half-way apart
    ingest_fraction = ingest_batches(workdir / "ingest.ndjson", args.patients, rounds,
                                     datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc))
    receiver = Receiver()
    config = NotifyingConfig()
    server = None
    try:
        bench.log(f"starting vesta serve {' '.join(config.flags())}; receiver at {receiver.endpoint}")
        server = bench.Server(workdir, config)
        bench.log(f"seeding {args.patients} Patients and Devices, preloading {args.preload:,} Observations")
        bench.seed(server, data)
        bench.load(server, data, args.preload)
        results = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "server_flags": " ".join(config.flags()),
                   "rate": args.rate, "seconds": args.seconds, "connections": args.connections, "patients": args.patients,
                   "preloaded": int(server.sql("SELECT count(*) FROM r_observation")),
                   "heart_rate_fraction": {"create": round(create_fraction, 4), "ingest": round(ingest_fraction, 4)},
                   "machine": bench.machine_facts(server), "phases": {}}
        phases = results["phases"]

        def creates():
            return bench.wrk(server, "paced_post.lua", [workdir / "creates.ndjson", "/fhir/Observation", args.rate / 2],
                             args.connections, args.seconds)

        phases["baseline: creates, no Subscription"] = phase(server, receiver, "baseline: creates, no Subscription", None, None,
                                                            creates, None, args.drain_timeout)
        phases["creates, heart-rate Subscription"] = phase(server, receiver, "creates, heart-rate Subscription", "bench-hr",
                                                          CRITERIA, creates, HEART_RATE_BODY, args.drain_timeout)
        if args.all:
            phases["creates, Subscription on every Observation"] = phase(
                server, receiver, "creates, Subscription on every Observation", "bench-all", "Observation", creates, "{}",
                args.drain_timeout)

        def bundles():
            return bench.wrk(server, "paced_post.lua", [workdir / "bundles.ndjson", "/fhir", args.rate / 200],
                             args.connections, args.seconds)

        phases[BUNDLES] = phase(server, receiver, BUNDLES, "bench-bundles", CRITERIA, bundles, HEART_RATE_BODY, args.drain_timeout)
        first_batch = int(server.sql("SELECT coalesce(max(id), 0) FROM ingest_batch"))

        def ingest():
            return bench.wrk(server, "paced_post.lua", [workdir / "ingest.ndjson", "/ingest", batches_per_s / 2, "sequential"],
                             args.connections, args.seconds)

        phases[INGEST] = phase(server, receiver, INGEST, "bench-ingest", CRITERIA, ingest,
                                 HEART_RATE_BODY, args.drain_timeout, after_drive=lambda: ingest_drained(server))
        phases[INGEST]["receipt_to_commit"] = ingest_receipt_to_commit(server, first_batch)
        phases[INGEST]["dead_letters"] = int(server.sql("SELECT count(*) FROM ingest_dead_letter"))
        out = bench.BENCH / "results" / f"{started.strftime('%Y-%m-%d-%H%M')}-notifications"
        report(results, out)
        bench.log(f"report: {out.with_suffix('.md')}")
    finally:
        if server:
            server.stop()
        receiver.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
