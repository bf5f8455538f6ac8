"""PEP 517 build backend of the `ttc` Python client, standard library only.

Why not setuptools: pip builds in an isolated environment that would have to download it, and
ttc's machines reach no Python package index. This backend writes the wheel itself (PEP 427):
the package's .py files plus the gRPC/protobuf stubs generated from the repository's proto/
tree (ttc/v1/*_pb2.py, *_pb2_grpc.py: the proto package ttc.v1 lands inside the Python
package ttc). No sdist: the stubs need proto/, which lives beside python/ in the repository.

Also a script: `python3 ttc_backend.py --tree DIR` lays out an importable package under DIR
(DIR/ttc/...), which the CMake build does for the tests (build/python).
"""
import base64
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

NAME = "ttc"
VERSION = "0.1.0"
HERE = pathlib.Path(__file__).resolve().parent.parent  # python/
PROTOS = ["ttc/v1/digest.proto", "ttc/v1/kernel.proto", "ttc/v1/request.proto", "ttc/v1/artifact.proto",
          "ttc/v1/jobs.proto", "ttc/v1/service.proto"]
SUMMARY = "Client of the ttc compile farm for Tenstorrent kernels (TileLang in, TT-Metalium out)"


def _proto_dir():
    for d in (os.environ.get("TTC_PROTO_DIR"), HERE.parent / "proto", HERE / "proto"):
        if d and (pathlib.Path(d) / PROTOS[0]).is_file():
            return pathlib.Path(d)
    raise RuntimeError("ttc: cannot find proto/ttc/v1/*.proto next to python/ (set TTC_PROTO_DIR)")


def _protoc_command(out):
    """protoc with the gRPC Python plugin: Debian's binaries, else grpc_tools from any python3."""
    protoc, plugin = shutil.which("protoc"), shutil.which("grpc_python_plugin")
    if protoc and plugin:
        return [protoc, f"--plugin=protoc-gen-grpc_python={plugin}", f"--python_out={out}",
                f"--grpc_python_out={out}"]
    for python in (sys.executable, "/usr/bin/python3", shutil.which("python3")):
        if python and subprocess.run([python, "-c", "import grpc_tools.protoc"], capture_output=True).returncode == 0:
            return [python, "-m", "grpc_tools.protoc", f"--python_out={out}", f"--grpc_python_out={out}"]
    raise RuntimeError("ttc: no protoc with the gRPC Python plugin: install protobuf-compiler and "
                       "protobuf-compiler-grpc, or python3-grpc-tools")


def build_tree(dest):
    """Writes the importable package to dest/ttc (sources copied, stubs generated). Returns the files."""
    dest = pathlib.Path(dest)
    pkg = dest / NAME
    with tempfile.TemporaryDirectory(dir=dest if dest.exists() else None) as tmp:
        stage = pathlib.Path(tmp) / NAME
        shutil.copytree(HERE / NAME, stage, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "v1"))
        proto = _proto_dir()
        cmd = _protoc_command(tmp) + [f"-I{proto}"] + PROTOS
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"ttc: {' '.join(cmd)} failed:\n{r.stderr}")
        (stage / "v1" / "__init__.py").write_text('"""Generated from proto/ttc/v1 (protoc)."""\n')
        (stage / "_version.py").write_text(f'__version__ = "{VERSION}"\n')
        # Replace the old tree in one rename, so an importer never sees half of it.
        old = pathlib.Path(tmp) / "old"
        if pkg.exists():
            pkg.rename(old)
        stage.rename(pkg)
    return sorted(p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _dist_info():
    return f"{NAME}-{VERSION}.dist-info"


def _metadata():
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\nSummary: {SUMMARY}\n"
            "Requires-Python: >=3.9\nRequires-Dist: grpcio>=1.40\nRequires-Dist: protobuf>=3.20\n")


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


# PEP 517 hooks.
def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    d = pathlib.Path(metadata_directory) / _dist_info()
    d.mkdir(parents=True, exist_ok=True)
    (d / "METADATA").write_text(_metadata())
    return _dist_info()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    tag = "py3-none-any"
    wheel_name = f"{NAME}-{VERSION}-{tag}.whl"
    with tempfile.TemporaryDirectory() as tmp:
        files = build_tree(tmp)
        entries = [(str(p.relative_to(tmp)), p.read_bytes()) for p in files]
        info = _dist_info()
        entries.append((f"{info}/METADATA", _metadata().encode()))
        entries.append((f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: ttc_backend\nRoot-Is-Purelib: true\n"
                                         f"Tag: {tag}\n".encode()))
        entries.append((f"{info}/entry_points.txt", b"[pytest11]\nttc = ttc.pytest_plugin\n"))
        record = [_record_line(n, d) for n, d in entries] + [f"{info}/RECORD,,"]
        entries.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
        out = pathlib.Path(wheel_directory) / wheel_name
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in entries:
                zi = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # deterministic wheel bytes
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = 0o644 << 16
                z.writestr(zi, data)
    return wheel_name


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--tree":
        sys.exit("usage: ttc_backend.py --tree DIR")
    pathlib.Path(sys.argv[2]).mkdir(parents=True, exist_ok=True)
    build_tree(sys.argv[2])
