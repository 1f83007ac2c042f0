"""Benchmark reports say which code they measured."""
import subprocess

from bench import common


def test_a_report_records_the_git_revision_it_measured(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=common.ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    report = common.write_report("example", "Example", "| a |").read_text(encoding="utf-8")
    assert f" at revision {head}" in report.splitlines()[2]
