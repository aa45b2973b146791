"""The command line beside `serve`."""
import subprocess

from conftest import BINARY, ROOT


def test_migrate_applies_once_then_reports_up_to_date(workspace):
    data_dir = workspace / "migrate-only"
    first = subprocess.run([str(BINARY), "migrate", "--data-dir", str(data_dir), "--log-level", "error"],
                           cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("applied: 0001_change_log, 0002_resource_tables")
    second = subprocess.run([str(BINARY), "migrate", "--data-dir", str(data_dir), "--log-level", "error"],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "schema is up to date"
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "migrate must stop the cluster it started"


def test_help_lists_every_option():
    result = subprocess.run([str(BINARY), "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for option in ["--host", "--port", "--data-dir", "--database-url", "--base-url", "--max-body-size",
                   "--db-pool-size", "--log-level", "VESTA_DATABASE_URL", "VESTA_PORT", "--event-sink", "--event-sink-format",
                   "VESTA_EVENT_SINKS", "--subscription-event-retention-hours"]:
        assert option in result.stdout


def test_unreachable_database_url_fails_clearly(workspace):
    result = subprocess.run([str(BINARY), "migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "cannot reach PostgreSQL" in result.stderr or "no answer from PostgreSQL" in result.stderr, result.stderr


def test_serve_on_an_own_database_requires_a_key_or_an_explicit_opt_out():
    result = subprocess.run([str(BINARY), "serve", "--database-url", "postgres://nobody@127.0.0.1:1/none"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "encryption at rest is required with --database-url" in result.stderr, result.stderr
    opted_out = subprocess.run([str(BINARY), "serve", "--database-url", "postgres://nobody@127.0.0.1:1/none", "--insecure-no-encryption"],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert opted_out.returncode != 0
    assert "cannot reach PostgreSQL" in opted_out.stderr or "no answer from PostgreSQL" in opted_out.stderr, opted_out.stderr


def test_mappings_test_runs_the_debugger_offline(tmp_path):
    mapping = ROOT / "mappings" / "vesta-bench-vitals" / "devicecontent.json"
    message = ROOT / "mappings" / "vesta-bench-vitals" / "messages" / "heart-rate.json"
    good = subprocess.run([str(BINARY), "mappings", "test", str(mapping), str(message)],
                          capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert '"status": "normalized"' in good.stdout
    broken = tmp_path / "broken.json"
    broken.write_text('{"templateType": "CollectionContent",\n "template": [{"templateType": "Nope", "template": {}}]}')
    bad = subprocess.run([str(BINARY), "mappings", "test", str(broken), str(message)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert '"line": 2' in bad.stdout


def test_mappings_test_shows_observations_with_a_fhir_mapping():
    folder = ROOT / "mappings" / "json-path-basic"
    message = sorted((folder / "messages").iterdir())[0]
    result = subprocess.run([str(BINARY), "mappings", "test", str(folder / "devicecontent.json"),
                             "--fhir-mapping", str(folder / "fhirmapping.json"), str(message)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout[-500:] + result.stderr
    assert '"resourceType": "Observation"' in result.stdout
