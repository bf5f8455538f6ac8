"""ttc: the Python client of the ttc compile farm for Tenstorrent kernels.

    import ttc
    with ttc.Client() as farm:                       # TTC_SERVER, TTC_TOKEN, client.toml
        report = farm.submit("gemm.py", validate=True)
        print(report.passed, [o.pcc for o in report.outputs])

See ttc.client for the calls and docs/python.md for the settings and the pytest plugin.
"""
from ttc._version import __version__
from ttc.client import (Client, CompileError, CompileResult, Diagnostic, JobStatus, OutputReport, TtcError,
                        ValidationReport)

__all__ = ["Client", "CompileError", "CompileResult", "Diagnostic", "JobStatus", "OutputReport", "TtcError",
           "ValidationReport", "__version__"]
