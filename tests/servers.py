"""The real servers the suite runs against, from the environment scripts/test.sh sets up. A test whose
server is missing is skipped, and under CI=true that skip fails the run (tests/conftest.py)."""
from __future__ import annotations

import os
import shutil

import pytest


def postgres_url() -> str:
    return os.environ.get("MARKETPLACE_TEST_POSTGRES_URL") or pytest.skip(
        "MARKETPLACE_TEST_POSTGRES_URL is not set (scripts/postgres.sh start, then its url)")


def opensearch_url() -> str:
    return os.environ.get("MARKETPLACE_TEST_OPENSEARCH_URL") or pytest.skip(
        "MARKETPLACE_TEST_OPENSEARCH_URL is not set (scripts/opensearch.sh start, then its url)")


def opensearch_cluster_port() -> int:
    """The first HTTP port of the 3-node cluster the cluster fault test starts (scripts/opensearch.sh
    cluster): opt-in, since three more JVMs are much for a shared machine; .ci/run sets it."""
    port = os.environ.get("MARKETPLACE_TEST_CLUSTER_PORT") or pytest.skip(
        "MARKETPLACE_TEST_CLUSTER_PORT is not set (the first of three free HTTP ports, e.g. 9240)")
    return int(port)


def chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.exists(path) else pytest.skip(
        "Chromium is not installed (scripts/test.sh installs Debian's chromium)")
