"""Fixtures of the Python client's tests (the processes: farm.py)."""
import pytest

from farm import BUILD_DIR, EXAMPLES, SOURCE_DIR, Farm, wait_for, wait_for_devices  # noqa: F401


@pytest.fixture(scope="session")
def farm():
    """A plaintext ttcd with one emulator agent and the web view's HTTP port."""
    f = Farm(http=True)
    f.agent, f.agent_log = f.start_agent()
    try:
        yield f
    finally:
        f.stop()


@pytest.fixture(scope="session")
def secure_farm():
    """A TLS ttcd that requires tokens (submit and admin), without agents."""
    f = Farm(tls=True, tokens=[("ci", "submit"), ("ops", "admin")])
    try:
        yield f
    finally:
        f.stop()
