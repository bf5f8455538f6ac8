"""pytest plugin of the ttc client (registered through the `pytest11` entry point when the
package is installed; `-p ttc.pytest_plugin` otherwise).

Fixtures:
  ttc_client   a session-wide ttc.Client; settings as ttc-client's (TTC_SERVER, TTC_TOKEN,
               client.toml), overridden by --ttc-server and --ttc-token-file.
  ttc_report   the ValidationReport of the test's @pytest.mark.ttc_validate kernel.

Marker:
  @pytest.mark.ttc_validate(path, func=None, defines=None, seed=0, backend="emulator", arch="",
                            labels=None, timeout=1800, expect="PASSED")
  compiles and validates the kernel file `path` (relative to the test file's directory) on the
  farm before the test runs; the test fails, with the diagnostics or the validation report,
  unless the job's outcome is `expect`. The test body may check more through `ttc_report`
  (e.g. `assert min(o.pcc for o in ttc_report.outputs) > 0.999`).
"""
import pathlib

import pytest

import ttc

_MARKER = "ttc_validate"
_OPTIONS = ("func", "defines", "seed", "backend", "arch", "labels", "timeout", "revalidate", "target")


def pytest_addoption(parser):
    group = parser.getgroup("ttc", "ttc compile farm")
    group.addoption("--ttc-server", default=None, help="ttcd HOST:PORT [$TTC_SERVER, client.toml, 127.0.0.1:7878]")
    group.addoption("--ttc-token-file", default=None, help="file with the bearer token [$TTC_TOKEN, $TTC_TOKEN_FILE]")
    group.addoption("--ttc-tls-ca", default=None, help="PEM file of the CA that signed ttcd's certificate")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{_MARKER}(path, func=None, seed=0, backend='emulator', arch='', labels=None, timeout=1800, "
                   "expect='PASSED'): compile and validate the kernel file on the ttc farm; the test fails unless "
                   "the job's outcome is `expect`; the report is the ttc_report fixture")


def pytest_collection_modifyitems(session, config, items):
    # A marked test validates its kernel even when it does not ask for the report.
    for item in items:
        if item.get_closest_marker(_MARKER) is not None and "ttc_report" not in getattr(item, "fixturenames", ()):
            item.fixturenames.append("ttc_report")


@pytest.fixture(scope="session")
def ttc_client(pytestconfig):
    client = ttc.Client(server=pytestconfig.getoption("ttc_server"),
                        token_file=pytestconfig.getoption("ttc_token_file"),
                        tls_ca=pytestconfig.getoption("ttc_tls_ca"))
    yield client
    client.close()


@pytest.fixture
def ttc_report(request, ttc_client):
    marker = request.node.get_closest_marker(_MARKER)
    if marker is None or not marker.args:
        raise pytest.UsageError(f"{request.node.nodeid}: ttc_report needs @pytest.mark.{_MARKER}(path)")
    path = pathlib.Path(marker.args[0])
    if not path.is_absolute():
        path = pathlib.Path(request.node.fspath).parent / path
    unknown = set(marker.kwargs) - set(_OPTIONS) - {"expect"}
    if unknown:
        raise pytest.UsageError(f"{request.node.nodeid}: {_MARKER}: unknown argument(s) {sorted(unknown)}")
    kwargs = {k: v for k, v in marker.kwargs.items() if k in _OPTIONS}
    expect = marker.kwargs.get("expect", "PASSED")
    # A verdict other than `expect` fails the test itself (pytest_runtest_call), not its setup.
    report = None
    try:
        report = ttc_client.submit(str(path), validate=True, wait=True, **kwargs)
        if report.outcome != expect:
            request.node._ttc_failure = (f"{path}: validation {report.outcome} (expected {expect}): "
                                         f"{report.summary}\n{report.text}")
    except ttc.CompileError as e:
        request.node._ttc_failure = f"{path}: the kernel does not compile:\n{e.details}"
    except ttc.TtcError as e:
        request.node._ttc_failure = f"{path}: ttc: {e}"
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    failure = getattr(item, "_ttc_failure", None)
    if failure:
        pytest.fail(failure, pytrace=False)
