"""Where the client connects and with what: the same settings, in the same order, as ttc-client
(remote/remote.h ResolveClientSettings):

  server:  the argument, else $TTC_SERVER, else `server` in client.toml, else 127.0.0.1:7878
  token:   the argument `token` (the token itself) or `token_file`, else $TTC_TOKEN, else
           $TTC_TOKEN_FILE, else `token_file` in client.toml; a token file's first line, trimmed
  TLS:     used when `tls` is true, a CA or client certificate is given, or the server is not a
           loopback address (plaintext only on loopback, so a token never crosses a network in
           clear); tls_ca / tls_cert / tls_key are PEM files, from the arguments or client.toml
           (relative paths there are relative to the file's directory)

client.toml is $XDG_CONFIG_HOME/ttc/client.toml, else ~/.config/ttc/client.toml; its keys are
server, tls, tls_ca, tls_cert, tls_key and token_file. An unknown key or a value of the wrong
type is a ValueError naming the file and the key.
"""
import ipaddress
import os
import pathlib

DEFAULT_SERVER = "127.0.0.1:7878"
_KEYS = {"server": str, "tls": bool, "tls_ca": str, "tls_cert": str, "tls_key": str, "token_file": str}


def default_config_path():
    base = os.environ.get("XDG_CONFIG_HOME")
    if base:
        return pathlib.Path(base) / "ttc" / "client.toml"
    home = os.environ.get("HOME")
    return pathlib.Path(home) / ".config" / "ttc" / "client.toml" if home else None


def read_config(path):
    """client.toml as a dict with paths made absolute; {} when the file does not exist."""
    if path is None or not pathlib.Path(path).is_file():
        return {}
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - older Pythons need tomli
        import tomli as tomllib
    path = pathlib.Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: {e}") from None
    for key, value in data.items():
        if key not in _KEYS:
            raise ValueError(f"{path}: key '{key}': unknown key (known: {', '.join(sorted(_KEYS))})")
        if not isinstance(value, _KEYS[key]):
            raise ValueError(f"{path}: key '{key}': expected a {_KEYS[key].__name__}")
    for key in ("tls_ca", "tls_cert", "tls_key", "token_file"):
        if key in data:
            data[key] = str(path.parent / data[key])
    return data


def read_token_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            line = f.readline().strip()
    except OSError as e:
        raise ValueError(f"token file {path}: {e.strerror}") from None
    if not line:
        raise ValueError(f"token file {path}: the first line is empty")
    return line


def is_loopback(address):
    host = address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings:
    """The resolved settings; `source` says where the server address came from."""

    def __init__(self, server=None, tls=None, tls_ca=None, tls_cert=None, tls_key=None, token=None,
                 token_file=None, config_path=None):
        config = read_config(default_config_path() if config_path is None else config_path)
        if server:
            self.server, self.source = server, "argument"
        elif os.environ.get("TTC_SERVER"):
            self.server, self.source = os.environ["TTC_SERVER"], "TTC_SERVER"
        elif "server" in config:
            self.server, self.source = config["server"], "client.toml"
        else:
            self.server, self.source = DEFAULT_SERVER, "default"
        self.tls_ca = tls_ca or config.get("tls_ca")
        self.tls_cert = tls_cert or config.get("tls_cert")
        self.tls_key = tls_key or config.get("tls_key")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("tls_cert and tls_key go together: give both or neither")
        want_tls = config.get("tls", False) if tls is None else tls
        self.tls = bool(want_tls or self.tls_ca or self.tls_cert or not is_loopback(self.server))
        if token is not None:
            self.token = token
        elif token_file:
            self.token = read_token_file(token_file)
        elif os.environ.get("TTC_TOKEN"):
            self.token = os.environ["TTC_TOKEN"].strip()
        elif os.environ.get("TTC_TOKEN_FILE"):
            self.token = read_token_file(os.environ["TTC_TOKEN_FILE"])
        elif "token_file" in config:
            self.token = read_token_file(config["token_file"])
        else:
            self.token = None
        if self.token is not None and (not self.token or any(c <= " " or c > "~" for c in self.token)):
            raise ValueError("token: printable ASCII other than space only (it travels in gRPC metadata)")
