"""ttc.Client against a real ttcd and emulator agent (conftest.py): compiles through the action
cache, errors with their line:col, layouts, a validated GEMM, TLS with tokens, and settings."""
import json
import subprocess
import sys
import types

import grpc
import pytest

import ttc
from farm import BUILD_DIR, EXAMPLES, wait_for_devices

GEMM = EXAMPLES / "gemm_1024_bf16_block128.py"
ELTWISE = EXAMPLES / "eltwise_add_256_bf16.py"

SYNTAX_ERROR = """import tilelang.language as T

@T.prim_func
def broken(A: T.Buffer((64, 64), "bfloat16")):
    with T.Kernel(2, 2) as (bx, by):
        T.copy(A[by * 32, bx * 32] A)
"""


@pytest.fixture
def client(farm):
    with ttc.Client(server=farm.address) as c:
        yield c


def test_compile_is_a_miss_then_a_hit_with_the_same_key_and_files(client):
    text = ELTWISE.read_text() + "\n# a comment changes no request\n"
    first = client.compile(text, file_name="eltwise.py", skip_cache=True)
    assert first.success and not first.cache_hit
    assert len(first.action_key) == 64
    assert sorted(first.files) == ["CMakeLists.txt", "compute.cpp", "main.cpp", "plan.json", "reader.cpp", "writer.cpp"]
    assert b"kernel_main" in first.files["reader.cpp"]
    second = client.compile(ELTWISE)
    assert second.cache_hit
    assert second.action_key == first.action_key
    assert second.files == first.files
    assert set(second.key_parts) >= {"request_digest", "compiler_build_id", "pipeline", "target_fingerprint"}


def test_a_script_compiles_to_the_request_ttc_client_sends(client, farm):
    # The same script through ttc-client (its own frontend) and through ttcd's: one action key.
    out = subprocess.run([str(BUILD_DIR / "client" / "ttc-client"), "--server", farm.address, "submit", str(ELTWISE),
                          "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    key = json.loads(out.stdout)["action_key"]["key"]
    assert client.compile(ELTWISE).action_key == key


def test_a_syntax_error_is_an_exception_with_its_line_and_col(client):
    with pytest.raises(ttc.TtcError) as err:
        client.compile(SYNTAX_ERROR, file_name="broken.py")
    e = err.value
    assert e.code == grpc.StatusCode.INVALID_ARGUMENT
    assert len(e.diagnostics) == 1
    d = e.diagnostics[0]
    assert (d.file, d.line, d.severity) == ("broken.py", 6, "error")
    assert d.col == 36, e.details
    assert "broken.py:6:36: error:" in e.details
    assert "T.copy(A[by * 32, bx * 32] A)" in e.details  # the source line, with a caret under it


def test_a_kernel_error_is_a_compile_error_with_diagnostics(client):
    # Parses, but its L1 shard grid leaves empty shards: InferTTLayout rejects the layout, at
    # the "A" key of annotate_tt_layout's dict.
    bad = (EXAMPLES / "gemm_l1_sharded.py").read_text().replace('"grid": [2, 4]', '"grid": [3, 4]')
    assert '"grid": [3, 4]' in bad
    with pytest.raises(ttc.CompileError) as err:
        client.compile(bad, file_name="bad_layout.py")
    errors = [d for d in err.value.diagnostics if d.severity == "error"]
    assert errors, err.value.details
    d = errors[0]
    assert (d.file, d.line, d.col) == ("bad_layout.py", 23, 5)
    assert "leaves empty shards" in d.message
    assert not err.value.result.success and not err.value.result.files


def test_layout_returns_the_inferred_attributes(client):
    attrs = client.layout(GEMM)
    assert isinstance(attrs, dict)
    text = json.dumps(attrs)
    for word in ("A", "B", "C", "interleaved"):
        assert word in text


def test_a_request_file_is_read_with_protobufs_text_format(client):
    result = client.compile(EXAMPLES / "gemm_1024_bf16_block128.textproto")
    assert result.success
    assert result.action_key == client.compile(GEMM).action_key  # the script and its request file agree


def test_a_kernel_object_is_sent_with_its_module(client, tmp_path, monkeypatch):
    # Without TileLang installed, a stand-in `tilelang.language` whose prim_func returns the
    # function lets the example be imported; the client reads the module's file with inspect.
    fake = types.ModuleType("tilelang")
    lang = types.ModuleType("tilelang.language")
    lang.prim_func = lambda f: f
    lang.Buffer = lambda *a, **k: None
    fake.language = lang
    monkeypatch.setitem(sys.modules, "tilelang", fake)
    monkeypatch.setitem(sys.modules, "tilelang.language", lang)
    path = tmp_path / "gemm_kernel.py"
    path.write_text(GEMM.read_text())
    monkeypatch.syspath_prepend(str(tmp_path))
    import gemm_kernel  # noqa: E402
    result = client.compile(gemm_kernel.gemm)
    assert result.action_key == client.compile(GEMM).action_key


def test_a_validated_gemm_streams_its_stages_and_returns_the_report(client):
    wait_for_devices(client)
    seen = []
    report = client.submit(GEMM, validate=True, seed=7, on_update=lambda job: seen.append(job.stage))
    assert report.passed, report.text
    assert report.outcome == "PASSED"
    assert seen[-1] == "COMPLETED"
    assert "QUEUED" in seen or "EXECUTING" in seen or report.cached
    [c] = report.outputs
    assert c.buffer == "C" and c.passed
    assert c.pcc > 0.999
    assert 0 <= c.max_abs_err <= c.tolerance
    assert c.max_rel_err >= 0
    assert report.compile.success and report.job.id
    assert "PASS" in report.text
    assert any(j.id == report.job.id for j in client.jobs(stage="COMPLETED"))


def test_tls_with_a_token(secure_farm):
    with ttc.Client(server=secure_farm.address, tls_ca=str(secure_farm.ca), token=secure_farm.tokens["ci"]) as c:
        assert c.settings.tls
        assert c.compile(ELTWISE).success
    with ttc.Client(server=secure_farm.address, tls_ca=str(secure_farm.ca), token=secure_farm.tokens["ops"]) as c:
        assert c.stats()["requests"] != "0"


def test_a_refused_token_is_an_exception(secure_farm):
    with ttc.Client(server=secure_farm.address, tls_ca=str(secure_farm.ca), token="ttc_not_a_real_token") as c:
        with pytest.raises(ttc.TtcError) as err:
            c.compile(ELTWISE)
        assert err.value.code == grpc.StatusCode.UNAUTHENTICATED
    with ttc.Client(server=secure_farm.address, tls_ca=str(secure_farm.ca), token=secure_farm.tokens["ci"]) as c:
        with pytest.raises(ttc.TtcError) as err:
            c.stats()  # admin only
        assert err.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_settings_come_from_the_environment_and_client_toml(tmp_path, monkeypatch):
    for var in ("TTC_SERVER", "TTC_TOKEN", "TTC_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "ttc").mkdir()
    (tmp_path / "ttc" / "token").write_text("ttc_from_file\n")
    (tmp_path / "ttc" / "client.toml").write_text('server = "farm.lab:7878"\ntoken_file = "token"\n')
    s = ttc.Client().settings
    assert (s.server, s.source, s.token, s.tls) == ("farm.lab:7878", "client.toml", "ttc_from_file", True)
    monkeypatch.setenv("TTC_SERVER", "127.0.0.1:9")
    monkeypatch.setenv("TTC_TOKEN", "ttc_from_env")
    s = ttc.Client().settings
    assert (s.server, s.source, s.token, s.tls) == ("127.0.0.1:9", "TTC_SERVER", "ttc_from_env", False)
    (tmp_path / "ttc" / "client.toml").write_text('servr = "x:1"\n')
    with pytest.raises(ValueError, match="servr"):
        ttc.Client()


def test_a_script_with_a_request_or_frontend_diagnostics_is_refused(farm):
    from ttc.v1 import artifact_pb2, service_pb2, service_pb2_grpc
    with grpc.insecure_channel(farm.address) as channel:
        stub = service_pb2_grpc.CompilerStub(channel)
        both = service_pb2.CompileRequest(script=service_pb2.TileLangScript(text=ELTWISE.read_text()))
        both.request.target.preset = "wormhole_b0"
        with pytest.raises(grpc.RpcError) as err:
            stub.Compile(both, timeout=30)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "script: set together with request" in err.value.details()
        diags = service_pb2.CompileRequest(script=service_pb2.TileLangScript(text=ELTWISE.read_text()))
        diags.frontend_diagnostics.add(severity=artifact_pb2.DiagnosticMessage.WARNING, message="x")
        with pytest.raises(grpc.RpcError) as err:
            stub.Submit(service_pb2.SubmitRequest(compile=diags), timeout=30)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "compile.frontend_diagnostics: set with compile.script" in err.value.details()
