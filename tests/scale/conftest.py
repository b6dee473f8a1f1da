"""One cluster (tests/scale/cluster.py) for the whole module set: starting two Rasa servers
takes a minute, and the fault tests leave every service running again when they end."""
from __future__ import annotations

import pytest

from tests.scale import cluster as cluster_module


@pytest.fixture(scope="session")
def cluster():
    running = cluster_module.start()
    yield running
    running.stop_all()


@pytest.fixture
def healthy(cluster):
    """Every service of the cluster up when a test starts (an earlier fault test may have
    failed halfway)."""
    for name, service in cluster.services.items():
        if not service.running():
            cluster.start(name)
    return cluster
