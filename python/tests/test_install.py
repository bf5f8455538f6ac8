"""`pip install ./python` into a fresh virtual environment (offline: the in-tree build backend
needs nothing from an index), then the README's Python example, run as a user would run it,
against the session's ttcd and emulator agent."""
import os
import re
import subprocess
import sys

from farm import SOURCE_DIR, wait_for_devices

import ttc


def readme_example():
    text = (SOURCE_DIR / "README.md").read_text()
    m = re.search(r"<!-- python-example[^>]*-->\s*```python\n(.*?)```", text, re.S)
    assert m, "README.md has no python-example block"
    return m.group(1)


def test_pip_install_then_the_readme_example(farm, tmp_path):
    code = readme_example()
    assert len(code.strip().splitlines()) <= 10, "the README promises a ten-line script"
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-index", str(SOURCE_DIR / "python")],
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert "Successfully installed ttc" in pip.stdout
    with ttc.Client(server=farm.address) as c:
        wait_for_devices(c)
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TTC_TOKEN", "TTC_TOKEN_FILE")}
    env.update(TTC_SERVER=farm.address, XDG_CONFIG_HOME=str(tmp_path / "config"))
    run = subprocess.run([str(venv / "bin" / "python"), str(script)], cwd=SOURCE_DIR, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    # The package came from the venv, not the build tree.
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import ttc; print(ttc.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert str(venv) in where.stdout, where.stdout + where.stderr
    out = run.stdout
    assert re.search(r"^[0-9a-f]{64} (hit|miss) \['CMakeLists.txt', 'compute.cpp'", out, re.M), out
    assert "COMPLETED" in out
    assert re.search(r"^C max abs err [0-9.e-]+ PCC 0\.99\d+|^C max abs err [0-9.e-]+ PCC 1\.0", out, re.M), out
