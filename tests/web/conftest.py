"""The web view's tests reuse the Python client's process fixtures (python/tests/farm.py)."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "python" / "tests"))
