"""A real ttcd (and real emulator agents) started from the build tree on 127.0.0.1 with a free
port and a temp dir, stopped at the end: for the Python client's tests (conftest.py) and the
web view's browser tests (tests/web).

The binaries come from $TTC_BUILD_DIR (ctest sets it: tests/CMakeLists.txt); the package is
imported from $TTC_BUILD_DIR/python (laid out by the build: python/build_backend).
"""
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time


SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
BUILD_DIR = pathlib.Path(os.environ.get("TTC_BUILD_DIR", SOURCE_DIR / "build"))
TTCD = BUILD_DIR / "daemon" / "ttcd"
AGENT = BUILD_DIR / "agent" / "ttc-agent"
EXAMPLES = SOURCE_DIR / "examples"
WAIT_SECONDS = 60


def wait_for(predicate, what, proc=None, log=None, timeout=WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.05)
    text = pathlib.Path(log).read_text(errors="replace")[-4000:] if log and pathlib.Path(log).exists() else ""
    raise AssertionError(f"{what} (within {timeout} s)\n{text}")


class Farm:
    """ttcd on 127.0.0.1:0 (plaintext, or TLS with a fresh self-signed certificate and a tokens
    file), optionally with its /metrics + web port, plus emulator agents."""

    def __init__(self, tls=False, tokens=(), http=False, extra=()):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="ttc-py-"))
        self.procs = []
        self.tokens = {}
        args = [str(TTCD), "--listen", "127.0.0.1:0", "--data-dir", str(self.dir / "data"), "--port-file",
                str(self.dir / "port"), "--workers", "2", "--heartbeat-interval-ms", "500", *extra]
        if tls:
            self.ca = self.dir / "server.crt"
            key = self.dir / "server.key"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
                            "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(self.ca)],
                           check=True, capture_output=True)
            args += ["--tls-cert", str(self.ca), "--tls-key", str(key)]
        else:
            self.ca = None
            args += ["--insecure"]
        if tokens:
            tokens_file = self.dir / "tokens.toml"
            for name, role in tokens:
                out = subprocess.run([str(TTCD), "token", "add", "--tokens-file", str(tokens_file), "--name", name,
                                      "--role", role], check=True, capture_output=True, text=True).stdout
                self.tokens[name] = out.strip().splitlines()[-1]
            args += ["--tokens-file", str(tokens_file)]
        if http:
            args += ["--metrics-listen", "127.0.0.1:0"]
        self.log = self.dir / "ttcd.log"
        self.daemon = self._spawn(args, self.log)
        port_file = self.dir / "port"
        wait_for(lambda: port_file.exists() and port_file.read_text().strip(), "ttcd did not start", self.daemon,
                 self.log)
        self.port = int(port_file.read_text().split()[0])
        self.address = f"127.0.0.1:{self.port}"
        self.http_port = None
        if http:
            wait_for(lambda: "metrics_port=" in self.log.read_text(errors="replace"), "ttcd did not serve HTTP",
                     self.daemon, self.log)
            text = self.log.read_text(errors="replace")
            self.http_port = int(text.split("metrics_port=", 1)[1].split()[0].strip('"'))

    def _spawn(self, args, log, env=None):
        out = open(log, "wb")
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        out.close()
        self.procs.append(proc)
        return proc

    def start_agent(self, host="py-agent", devices=1, token=None, extra=()):
        args = [str(AGENT), "--server", self.address, "--host-id", host, "--backend", "emulator", "--devices",
                str(devices), "--work-dir", str(self.dir / f"work-{host}"), "--drain-seconds", "5", *extra]
        env = dict(os.environ)
        if token:
            (self.dir / f"{host}.token").write_text(token + "\n")
            args += ["--token-file", str(self.dir / f"{host}.token")]
        if self.ca:
            args += ["--tls-ca", str(self.ca)]
        log = self.dir / f"agent-{host}.log"
        proc = self._spawn(args, log, env)
        return proc, log

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for_devices(client, n=1):
    def online():
        try:
            return sum(1 for d in client.devices() if d.get("host_online")) >= n
        except Exception:  # ttcd still starting
            return False
    wait_for(online, f"{n} device(s) did not come online")


