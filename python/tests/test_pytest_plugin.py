"""The pytest plugin (ttc.pytest_plugin) in a pytest run of its own (pytester), against the
session's ttcd and emulator agent: a marked kernel that validates passes, a kernel that does
not compile fails with its diagnostic, and a test may read the report."""
import os

import pytest

from farm import EXAMPLES, wait_for_devices

import ttc

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def importable_ttc(monkeypatch):
    # The inner pytest runs in a subprocess in a temp dir: it imports ttc from where we did.
    monkeypatch.setenv("PYTHONPATH", os.path.dirname(os.path.dirname(ttc.__file__)))


def test_marked_kernels_validate_on_the_farm(pytester, farm):
    with ttc.Client(server=farm.address) as c:
        wait_for_devices(c)
    broken = (EXAMPLES / "gemm_l1_sharded.py").read_text().replace('"grid": [2, 4]', '"grid": [3, 4]')
    pytester.path.joinpath("broken_kernel.py").write_text(broken)
    pytester.makepyfile(test_kernels=f'''
import pytest

@pytest.mark.ttc_validate("{EXAMPLES / "eltwise_add_256_bf16.py"}", seed=3)
def test_eltwise(ttc_report):
    assert ttc_report.passed
    assert min(o.pcc for o in ttc_report.outputs) > 0.999

@pytest.mark.ttc_validate("{EXAMPLES / "copy_loopback.py"}")
def test_copy_without_asking_for_the_report():
    pass

@pytest.mark.ttc_validate("broken_kernel.py")
def test_broken():
    pass

def test_client_fixture(ttc_client):
    assert ttc_client.compile("{EXAMPLES / "eltwise_add_256_bf16.py"}").success
''')
    result = pytester.runpytest_subprocess("-p", "ttc.pytest_plugin", "--ttc-server", farm.address, "-p",
                                           "no:cacheprovider", timeout=600)
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*broken_kernel.py: the kernel does not compile:*",
                                 "*broken_kernel.py:23:5: error: nd_shard coverage*"])


def test_the_report_fixture_needs_the_marker(pytester, farm):
    pytester.makepyfile(test_unmarked="def test_x(ttc_report):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "ttc.pytest_plugin", "--ttc-server", farm.address, "-p",
                                           "no:cacheprovider", timeout=120)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ttc_report needs @pytest.mark.ttc_validate(path)*"])
