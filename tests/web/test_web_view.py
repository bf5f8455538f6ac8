"""ttcd's web view (daemon/web_view.h) against a real ttcd serving TLS with tokens, with real
emulator agents and jobs: the JSON API's answers and refusals over HTTPS, then the pages in
Debian's chromium (browser_test.mjs, playwright-core), with screenshots in the build tree."""
import json
import os
import pathlib
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

import ttc
from farm import BUILD_DIR, EXAMPLES, SOURCE_DIR, Farm, wait_for, wait_for_devices

HERE = pathlib.Path(__file__).resolve().parent
SCREENSHOTS = BUILD_DIR / "web-screenshots"


@pytest.fixture(scope="module")
def lab():
    f = Farm(tls=True, http=True, tokens=[("ci", "submit"), ("ops", "admin"), ("other", "submit"),
                                                    ("web-host-a", "agent"), ("web-host-b", "agent")])
    try:
        yield f
    finally:
        f.stop()


def get(lab, path, token=None, cookie=None, method="GET"):
    ctx = ssl.create_default_context(cafile=str(lab.ca))
    req = urllib.request.Request(f"https://127.0.0.1:{lab.http_port}{path}", method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if cookie:
        req.add_header("Cookie", f"ttc_token={cookie}")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def client(lab, token="ci"):
    return ttc.Client(server=lab.address, tls_ca=str(lab.ca), token=lab.tokens[token])


def test_the_api_over_https_with_tokens(lab):
    status, headers, body = get(lab, "/ui/")
    assert status == 200 and b"<title>ttc farm</title>" in body  # the page itself is public
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, _, body = get(lab, "/ui/vendor/chart.umd.min.js")
    assert status == 200 and b"Chart" in body  # the npm library, embedded
    status, _, body = get(lab, "/api/fleet")
    assert status == 401 and "no token" in json.loads(body)["error"]
    status, _, body = get(lab, "/api/fleet", token="ttc_wrong")
    assert status == 401 and json.loads(body)["error"] == "unknown token"
    status, _, body = get(lab, "/api/fleet", token=lab.tokens["web-host-a"])
    assert status == 403 and "needs" in json.loads(body)["error"]  # an agent token sees no pages
    status, _, body = get(lab, "/api/whoami", cookie=lab.tokens["ci"])
    assert status == 200 and json.loads(body) == {"name": "ci", "roles": "submit", "auth": True}
    status, _, body = get(lab, "/api/cache", token=lab.tokens["ci"])
    assert status == 403 and "need admin" in json.loads(body)["error"]
    status, _, body = get(lab, "/api/cache", token=lab.tokens["ops"])
    assert status == 200 and {"stats", "history"} <= set(json.loads(body))
    status, _, body = get(lab, "/api/programs/xyz", token=lab.tokens["ci"])
    assert status == 400 and "not an action key" in json.loads(body)["error"]
    status, _, body = get(lab, "/api/programs/" + "0" * 64, token=lab.tokens["ci"])
    assert status == 404
    status, _, body = get(lab, "/api/jobs?stage=RUNNING", token=lab.tokens["ci"])
    assert status == 400 and "stage: 'RUNNING'" in json.loads(body)["error"]
    status, _, _ = get(lab, "/api/fleet", token=lab.tokens["ci"], method="DELETE")
    assert status == 405
    status, _, body = get(lab, "/metrics")
    assert status == 200 and b"ttc_compile_duration_seconds" in body  # Prometheus still scrapes


def test_jobs_are_shown_to_whom_may_see_them(lab):
    with client(lab, "other") as c:
        result = c.compile(EXAMPLES / "copy_loopback.py")
        job = c.submit(EXAMPLES / "copy_loopback.py", validate=True, wait=False, seed=99)
    status, _, body = get(lab, "/api/jobs", token=lab.tokens["other"])
    assert job.id in body.decode()
    status, _, body = get(lab, f"/api/jobs/{job.id}", token=lab.tokens["ci"])
    assert status == 404  # another submitter's job, as over gRPC
    status, _, body = get(lab, "/api/jobs", token=lab.tokens["ci"])
    assert job.id not in body.decode()
    status, _, body = get(lab, f"/api/jobs?submitter=other", token=lab.tokens["ops"])
    assert [j["id"] for j in json.loads(body)["jobs"]] == [job.id]
    status, _, body = get(lab, f"/api/programs/{result.action_key}", token=lab.tokens["ci"])
    program = json.loads(body)
    assert status == 200 and sorted(f["path"] for f in program["files"]) == sorted(result.files)
    assert {f["path"]: f["text"].encode() for f in program["files"]} == result.files
    assert program["key_parts"]["request_digest"] == result.key_parts["request_digest"]
    assert program["key_parts"]["pipeline"] == result.key_parts["pipeline"]
    with client(lab, "ops") as c:
        c._compiler.CancelJob(ttc.v1.service_pb2.JobRef(job_id=job.id), metadata=c._metadata, timeout=30)


def test_the_pages_in_chromium(lab, tmp_path):
    node = subprocess.run(["node", "--version"], capture_output=True, text=True)
    assert node.returncode == 0, "node is needed for the browser test (scripts/bootstrap.sh)"
    SCREENSHOTS.mkdir(exist_ok=True)
    lab.start_agent("web-host-a", token=lab.tokens["web-host-a"])
    with client(lab) as c:
        wait_for_devices(c)
        done = c.submit(EXAMPLES / "eltwise_add_256_bf16.py", validate=True, seed=5)
        assert done.passed, done.text
        programs = []
        for example in ("gemm_1024_bf16_block128.py", "gemm_l1_sharded.py"):
            r = c.compile(EXAMPLES / example)
            programs.append({"key": r.action_key, "cores": len(json.loads(r.files["plan.json"])["cores"])})
        # The next job needs a device labelled rack=b, which no agent has yet: the page must see
        # it queued, then completed once such an agent comes.
        queued = c.submit(EXAMPLES / "gemm_1024_bf16_block128.py", validate=True, wait=False, seed=11,
                          labels={"rack": "b"})
        assert c.job(queued.id).stage == "QUEUED"
    marker = tmp_path / "seen"
    cfg = {"base": f"https://127.0.0.1:{lab.http_port}", "token": lab.tokens["ops"], "queued_job": queued.id,
           "done_job": done.job.id, "programs": programs, "marker": str(marker), "screenshots": str(SCREENSHOTS)}
    log = open(tmp_path / "browser.log", "w+")
    browser = subprocess.Popen(["node", str(HERE / "browser_test.mjs"), json.dumps(cfg)], stdout=log,
                               stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        wait_for(lambda: marker.exists() or browser.poll() is not None, "the browser did not open the job page",
                 timeout=180)
        lab.start_agent("web-host-b", token=lab.tokens["web-host-b"], extra=["--labels", "rack=b"])
        browser.wait(timeout=400)
    finally:
        if browser.poll() is None:
            browser.kill()
            browser.wait()
    log.seek(0)
    out = log.read()
    print(out)
    assert browser.returncode == 0, out
    for name in ("fleet.png", "jobs.png", "job.png", "cache.png", "program-0.png", "program-1.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name
