"""ttc.Client: compile, lay out and validate TileLang kernels on a ttcd compile farm.

Every call is one gRPC call (or a stream, for a job's stages) to ttcd's Compiler and Cas
services (proto/ttc/v1/service.proto). A TileLang script is sent as text and compiled to a
request by ttcd's frontend (CompileRequest.script), so this package needs neither TileLang nor
ttc's compiler; the request, and so the action key, is the one `ttc-client submit` makes for the
same script. Thread-safety: a Client may be shared by threads (gRPC channels are thread-safe).
"""
import inspect
import json
import os
import re
import sys
import time

import grpc
from google.protobuf import json_format, text_format

from ttc import _settings
from ttc.v1 import jobs_pb2, request_pb2, service_pb2, service_pb2_grpc

_MAX_MESSAGE = 64 << 20
_LOC = re.compile(r"^(\d+):(\d+)$")
_FORMATTED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|note): (?P<msg>.*)$")
_REQUEST_SUFFIXES = (".textproto", ".txtpb", ".pbtxt", ".json", ".binpb")


class Diagnostic:
    """One diagnostic: `file` (the script's name, or None), `line`/`col` (1-based, None when the
    location is a request field path, which is then in `field`), severity ("error", "warning",
    "note"), `message` and `pass_name` (the pass that reported it, "frontend" for the script)."""

    def __init__(self, severity, message, file=None, line=None, col=None, field=None, pass_name=""):
        self.severity, self.message, self.file = severity, message, file
        self.line, self.col, self.field, self.pass_name = line, col, field, pass_name

    @classmethod
    def from_proto(cls, d, file):
        severity = {1: "error", 2: "warning", 3: "note"}.get(d.severity, "error")
        m = _LOC.match(d.location)
        if m:
            return cls(severity, d.message, file, int(m.group(1)), int(m.group(2)), pass_name=getattr(d, "pass"))
        return cls(severity, d.message, file, field=d.location or None, pass_name=getattr(d, "pass"))

    def __str__(self):
        where = self.file or "<request>"
        if self.line is not None:
            where = f"{where}:{self.line}:{self.col}"
        elif self.field:
            where = f"{where}: {self.field}"
        return f"{where}: {self.severity}: {self.message}"

    __repr__ = __str__


class TtcError(Exception):
    """A call ttcd refused or could not answer: `code` (grpc.StatusCode), `details` (ttcd's
    message) and `diagnostics` (for a script that does not compile to a request: the error with
    its file, line and col, parsed from the message)."""

    def __init__(self, code, details, diagnostics=()):
        self.code, self.details, self.diagnostics = code, details, list(diagnostics)
        super().__init__(f"{code.name}: {details}")

    @classmethod
    def from_rpc(cls, err):
        details = err.details() or ""
        diags = []
        first = details.splitlines()[0] if details else ""
        m = _FORMATTED.match(first)
        if m:
            diags.append(Diagnostic(m["severity"], m["msg"], m["file"], int(m["line"]), int(m["col"]), pass_name="frontend"))
        return cls(err.code(), details, diags)


class CompileError(TtcError):
    """The kernel has errors: the call succeeded, the compile did not. `result` is the
    CompileResult (its diagnostics say what and where)."""

    def __init__(self, result):
        self.result = result
        errors = [d for d in result.diagnostics if d.severity == "error"]
        lines = "\n".join(str(d) for d in errors) or "the compile failed"
        super().__init__(grpc.StatusCode.OK, lines, result.diagnostics)

    def __str__(self):
        return self.details


class CompileResult:
    """What one compile produced: `action_key` (64 hex), `key_parts` (dict: request_digest,
    compiler_build_id, pipeline, target_fingerprint: what `--explain-key` prints), `cache_hit`,
    `success`, `diagnostics` (list of Diagnostic), `files` (dict name -> bytes: reader.cpp,
    compute.cpp, writer.cpp, main.cpp, CMakeLists.txt, plan.json), `compile_micros` and
    `server_micros`."""

    def __init__(self, resp, file):
        self.action_key = resp.action_key.key
        self.key_parts = json_format.MessageToDict(resp.action_key, preserving_proto_field_name=True)
        self.cache_hit = resp.cache_hit
        self.success = resp.result.success
        self.diagnostics = [Diagnostic.from_proto(d, file) for d in resp.result.diagnostics]
        self.files = {f.path: f.data for f in resp.files}
        self.compile_micros = resp.result.compile_micros
        self.server_micros = resp.server_micros

    def write(self, directory):
        """Writes the files into `directory` (created); returns their paths."""
        os.makedirs(directory, exist_ok=True)
        paths = []
        for name, data in sorted(self.files.items()):
            path = os.path.join(directory, name)
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)  # never a half-written file under the real name
            paths.append(path)
        return paths

    def __repr__(self):
        return (f"CompileResult(action_key={self.action_key[:12]}..., cache_hit={self.cache_hit}, "
                f"success={self.success}, files={sorted(self.files)})")


class OutputReport:
    """One output buffer compared with the reference: buffer, dtype, elements, max_abs_err,
    max_rel_err, pcc, tolerance (the allowed max_abs_err), min_pcc, passed."""

    def __init__(self, d):
        self.buffer, self.dtype, self.elements = d.get("buffer"), d.get("dtype"), d.get("elements", 0)
        self.max_abs_err, self.max_rel_err = d.get("max_abs_err", 0.0), d.get("max_rel_err", 0.0)
        self.pcc, self.tolerance, self.min_pcc = d.get("pcc", 0.0), d.get("tolerance", 0.0), d.get("min_pcc", 0.0)
        self.passed = bool(d.get("pass", False))

    def __repr__(self):
        return (f"OutputReport({self.buffer}: max_abs_err={self.max_abs_err:.3g} max_rel_err={self.max_rel_err:.3g} "
                f"pcc={self.pcc:.6f} {'ok' if self.passed else 'MISMATCH'})")


class JobStatus:
    """A validation job as ttcd last reported it: id, stage ("CACHE_CHECK", "QUEUED",
    "EXECUTING", "COMPLETED"), outcome ("PASSED", "FAILED", "ERROR", "CANCELLED", or "" until
    completed), attempts, host (of the current or last attempt), progress (the agent's last
    message), history (list of (stage, at_ms, detail)) and `proto` (the ttc.v1.Job)."""

    def __init__(self, job):
        self.proto = job
        self.id = job.id
        self.stage = jobs_pb2.JobStage.Name(job.stage)
        self.outcome = jobs_pb2.JobOutcome.Name(job.result.outcome) if job.stage == jobs_pb2.COMPLETED else ""
        self.attempts = job.attempts
        self.host = job.lease.host_id or (job.hosts_tried[-1] if job.hosts_tried else "")
        self.progress = job.progress
        self.history = [(jobs_pb2.JobStage.Name(h.stage), h.at_ms, h.detail) for h in job.history]

    def __repr__(self):
        return f"JobStatus({self.id} {self.stage}{' ' + self.outcome if self.outcome else ''})"


class ValidationReport:
    """The verdict of a validation job: `passed`, `outcome`, `summary` (one line), `text` (the
    report as `ttc validate` prints it), `outputs` (list of OutputReport, from the report's
    JSON in the CAS), `backend`, `seed`, `cached` (a stored verdict answered), `error`, the
    `job` (JobStatus) and the `compile` (CompileResult)."""

    def __init__(self, job, compile_result, report_json):
        r = job.proto.result
        self.job, self.compile = job, compile_result
        self.outcome, self.passed = job.outcome, job.outcome == "PASSED"
        self.summary, self.text, self.cached = r.summary, r.report_text, r.cached
        data = json.loads(report_json) if report_json else {}
        self.outputs = [OutputReport(o) for o in data.get("outputs", [])]
        self.backend, self.seed, self.error = data.get("backend"), data.get("seed"), data.get("error")

    def __repr__(self):
        return f"ValidationReport({self.outcome}: {self.summary})"


def _source_of(obj):
    """(text, file name, func) of a kernel given as a Python object: a @T.prim_func, a
    @tilelang.jit function or a builder. The whole module is sent (its imports, sizes and
    annotate_tt_* calls are part of the kernel); `func` names the object in it."""
    target = inspect.unwrap(obj) if callable(obj) else obj
    name = getattr(target, "__name__", None)
    attrs = getattr(obj, "attrs", None)
    if name is None and attrs is not None and "global_symbol" in attrs:
        name = str(attrs["global_symbol"])
    path = None
    try:
        path = inspect.getsourcefile(target)
    except TypeError:
        module = sys.modules.get(getattr(target, "__module__", "") or "")
        path = getattr(module, "__file__", None)
    if not path or not os.path.isfile(path):
        raise TypeError(f"cannot find the source file of {obj!r}; pass the script's path or text")
    with open(path, encoding="utf-8") as f:
        return f.read(), path, name or ""


class Client:
    """A connection to ttcd. Settings as ttc-client's (ttc._settings): `server` HOST:PORT,
    `tls` (None: by address), `tls_ca`/`tls_cert`/`tls_key` PEM files, `token` or `token_file`,
    `config` (client.toml path; None: the default one). `timeout` is each call's deadline in
    seconds. Raises ValueError for unusable settings (unreadable PEM or token file)."""

    def __init__(self, server=None, tls=None, token=None, *, token_file=None, tls_ca=None, tls_cert=None,
                 tls_key=None, config=None, timeout=120.0):
        self.settings = _settings.Settings(server, tls, tls_ca, tls_cert, tls_key, token, token_file, config)
        self.timeout = timeout
        options = [("grpc.max_receive_message_length", _MAX_MESSAGE), ("grpc.max_send_message_length", _MAX_MESSAGE)]
        s = self.settings
        if s.tls:
            def pem(path):
                if not path:
                    return None
                try:
                    with open(path, "rb") as f:
                        return f.read()
                except OSError as e:
                    raise ValueError(f"{path}: {e.strerror}") from None
            creds = grpc.ssl_channel_credentials(pem(s.tls_ca), pem(s.tls_key), pem(s.tls_cert))
            self._channel = grpc.secure_channel(s.server, creds, options)
        else:
            self._channel = grpc.insecure_channel(s.server, options)
        self._metadata = [("authorization", f"Bearer {s.token}")] if s.token else []
        self._compiler = service_pb2_grpc.CompilerStub(self._channel)
        self._cas = service_pb2_grpc.CasStub(self._channel)

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, method, request, timeout=None):
        try:
            return method(request, timeout=timeout or self.timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            raise TtcError.from_rpc(e) from None

    # -- requests -------------------------------------------------------------------------
    def _compile_request(self, source, func=None, defines=None, target=None, file_name=None):
        """(CompileRequest, file name for diagnostics) of `source`: a path (str or PathLike) to
        a TileLang script (.py) or a request file (.textproto, .json, .binpb), a script's text,
        or a Python kernel object (see _source_of)."""
        req = service_pb2.CompileRequest(inline_files=True, target_override=target or "")
        text = None
        if isinstance(source, (bytes, bytearray)):
            source = source.decode("utf-8")
        if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source
                                                and len(source) < 4096 and os.path.isfile(source)):
            path = os.fspath(source)
            if path.endswith(_REQUEST_SUFFIXES):
                req.request.CopyFrom(_read_request_file(path))
                return req, file_name or path
            with open(path, encoding="utf-8") as f:
                text = f.read()
            file_name = file_name or path
        elif isinstance(source, str):
            text = source
            file_name = file_name or "<script>"
        else:
            text, path, name = _source_of(source)
            file_name, func = file_name or path, func or name
        req.script.text = text
        req.script.file_name = file_name
        req.script.func = func or ""
        req.script.defines.extend(defines or [])
        return req, file_name

    def compile(self, source, *, func=None, defines=None, target=None, file_name=None, skip_cache=False,
                check=True, timeout=None):
        """Compiles `source` (a path, a script's text, or a kernel object) through ttcd's action
        cache. `func`/`defines` as ttc-client's --func/--define; `target` a preset overriding the
        script's. Returns a CompileResult; raises CompileError when the kernel has errors (with
        check) and TtcError when the call fails (e.g. INVALID_ARGUMENT with the line:col of a
        script's syntax error, UNAUTHENTICATED for a refused token)."""
        req, file_name = self._compile_request(source, func, defines, target, file_name)
        req.skip_cache_lookup = skip_cache
        result = CompileResult(self._call(self._compiler.Compile, req, timeout), file_name)
        if check and not result.success:
            raise CompileError(result)
        return result

    def layout(self, source, *, func=None, defines=None, target=None, file_name=None, timeout=None):
        """The layout attributes ttc infers for `source` (what `ttc compile --emit=attrs`
        prints) as a dict: buffer layouts, circular buffers, partition, core ranges, runtime
        args. Raises CompileError when the kernel's layout has errors, TtcError as compile()."""
        req, file_name = self._compile_request(source, func, defines, target, file_name)
        resp = self._call(self._compiler.InferLayout, req, timeout)
        if not resp.success:
            fake = service_pb2.CompileResponse(action_key=resp.action_key)
            fake.result.diagnostics.extend(resp.diagnostics)
            raise CompileError(CompileResult(fake, file_name))
        return json.loads(resp.attributes_json)

    def submit(self, source, *, validate=True, wait=True, on_update=None, func=None, defines=None, target=None,
               file_name=None, arch="", labels=None, seed=0, priority=0, backend="emulator", revalidate=False,
               timeout=1800.0):
        """Compiles `source` and, with `validate`, queues a validation job on a device of
        `backend` ("emulator" or "metalium"), `arch` and `labels`. With `wait`, streams the
        job's changes to `on_update(JobStatus)` until it completes and returns its
        ValidationReport (within `timeout` seconds; ttcd going away meanwhile is retried). Without
        `wait` returns the JobStatus; without `validate`, the CompileResult. Raises CompileError
        when the kernel does not compile (no job is queued) and TtcError as compile()."""
        req, file_name = self._compile_request(source, func, defines, target, file_name)
        sub = service_pb2.SubmitRequest(compile=req, validate=validate, arch=arch, seed=seed, priority=priority,
                                        backend=backend, revalidate=revalidate)
        sub.labels.update(labels or {})
        resp = self._call(self._compiler.Submit, sub, min(timeout, self.timeout))
        result = CompileResult(resp.compile, file_name)
        if not result.success:
            raise CompileError(result)
        if not validate:
            return result
        job = JobStatus(resp.job)
        if not wait:
            return job
        job = self.wait(job.id, on_update=on_update, timeout=timeout)
        return ValidationReport(job, result, self._report_json(job.proto))

    def wait(self, job_id, *, on_update=None, timeout=1800.0):
        """Watches job `job_id` until COMPLETED, calling on_update(JobStatus) on every change;
        returns the final JobStatus. Reconnects while ttcd is away (UNAVAILABLE), within
        `timeout` seconds in all; TtcError(DEADLINE_EXCEEDED) past it."""
        deadline = time.monotonic() + timeout
        delay = 0.2
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TtcError(grpc.StatusCode.DEADLINE_EXCEEDED, f"job {job_id} did not complete within {timeout} s")
            try:
                for job in self._compiler.WatchJob(service_pb2.JobRef(job_id=job_id), timeout=left,
                                                   metadata=self._metadata):
                    status = JobStatus(job)
                    if on_update:
                        on_update(status)
                    if status.stage == "COMPLETED":
                        return status
            except grpc.RpcError as e:
                if e.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                    raise TtcError.from_rpc(e) from None
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 5.0)

    def _report_json(self, job):
        d = job.result.report_digest
        if not d.hash:
            return None
        resp = self._call(self._cas.BatchReadBlobs, service_pb2.BatchReadBlobsRequest(digests=[d]))
        for r in resp.responses:
            if r.status.code == 0:
                return r.data.decode("utf-8")
        return None

    # -- the farm -------------------------------------------------------------------------
    def job(self, job_id):
        """The job's JobStatus now (TtcError NOT_FOUND for an unknown job or another's)."""
        return JobStatus(self._call(self._compiler.GetJob, service_pb2.JobRef(job_id=job_id)))

    def jobs(self, stage=None):
        """Jobs this token may see, as JobStatus, optionally of one stage ("QUEUED", ...)."""
        req = service_pb2.ListJobsRequest(stage=jobs_pb2.JobStage.Value(stage) if stage else 0)
        return [JobStatus(j) for j in self._call(self._compiler.ListJobs, req).jobs]

    def devices(self):
        """The fleet's devices as dicts (host_id, device_id, arch, backend, health, busy, ...)."""
        resp = self._call(self._compiler.ListDevices, service_pb2.ListDevicesRequest())
        return [json_format.MessageToDict(d, preserving_proto_field_name=True) for d in resp.devices]

    def stats(self):
        """The daemon's counters (ttc.v1.Stats) as a dict; needs the admin role."""
        resp = self._call(self._compiler.GetStats, service_pb2.GetStatsRequest())
        return json_format.MessageToDict(resp, preserving_proto_field_name=True)


def _read_request_file(path):
    req = request_pb2.KernelRequest()
    try:
        if path.endswith(".binpb"):
            with open(path, "rb") as f:
                req.ParseFromString(f.read())
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if path.endswith(".json"):
                json_format.Parse(text, req)
            else:
                text_format.Parse(text, req)
    except (json_format.ParseError, text_format.ParseError) as e:
        raise ValueError(f"{path}: {e}") from None
    return req
