"""Which database redun would use from a directory: ``.redun/redun.ini`` or ``.redun/redun.db``.

Standard library only (the launch path finds the database before SQLAlchemy is imported);
:mod:`redun_tui.db.backend` re-exports every name.
"""

from __future__ import annotations

import os
import re


def is_url(target: str) -> bool:
    """True when ``target`` is a database URL rather than a file path."""
    return "://" in target


REDUN_CONFIG_ENV = "REDUN_CONFIG"  # redun's variable naming the config directory
REDUN_CONFIG_DIR = ".redun"
# What redun uses when redun.ini names no database: a file in the config directory.
DEFAULT_DB_URI = "sqlite:///redun.db"
# redun's first default, which it still maps to DEFAULT_DB_URI ("grandfathered").
_OLD_DEFAULT_DB_URI = "sqlite:///.redun/redun.db"
NO_DATABASE_FOUND = "no database given and no .redun directory here or above (give PATH_OR_URL)"
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def find_config_dir(start_dir: str | None = None) -> str | None:
    """The redun config directory seen from ``start_dir``, as redun finds it.

    ``$REDUN_CONFIG`` if set (relative to ``start_dir``), else the first ``.redun`` in
    ``start_dir`` or a parent; None when there is none.
    """
    start = os.path.abspath(start_dir or os.getcwd())
    configured = os.environ.get(REDUN_CONFIG_ENV)
    if configured:
        return os.path.normpath(os.path.join(start, os.path.expanduser(configured)))
    directory = start
    while True:
        candidate = os.path.join(directory, REDUN_CONFIG_DIR)
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def resolve_db_uri(db_uri: str, config_dir: str) -> str:
    """``db_uri`` from redun.ini made absolute the way redun makes it.

    A relative SQLite path (``sqlite:///redun.db``, or a plain path) is relative to the config
    directory, not to the working directory; ``sqlite:////abs/path`` and server URLs (with a
    host) are kept. ``${config_dir}`` and ``${NAME}`` (an environment variable) are substituted.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "config_dir":
            return config_dir
        return os.environ.get(name, match.group(0))

    uri = _INTERPOLATION.sub(substitute, db_uri.strip())
    if uri == _OLD_DEFAULT_DB_URI:
        uri = DEFAULT_DB_URI
    if not is_url(uri):
        return os.path.normpath(os.path.join(config_dir, os.path.expanduser(uri)))
    scheme, rest = uri.split("://", 1)
    if rest.startswith("/") and not rest.startswith("//") and scheme.split("+")[0] == "sqlite":
        # sqlite:///relative -> sqlite:////config_dir/relative (four slashes: an absolute path)
        return f"{scheme}:///" + os.path.normpath(os.path.join(config_dir, rest[1:]))
    return uri


def find_redun_db(start_dir: str | None = None) -> str | None:
    """The database redun would use from ``start_dir`` (None: the working directory).

    The config directory is found as :func:`find_config_dir` says; its ``redun.ini``'s
    ``[backend] db_uri`` names the database (relative SQLite paths are relative to the config
    directory, see :func:`resolve_db_uri`), else ``redun.db`` in it. None when there is no config
    directory at all.
    """
    config_dir = find_config_dir(start_dir)
    if config_dir is None:
        return None
    uri = None
    ini = os.path.join(config_dir, "redun.ini")
    if os.path.isfile(ini):
        import configparser  # only with a redun.ini: the launch on a file skips it (~5 ms)

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(ini)
            uri = parser.get("backend", "db_uri", fallback=None)
        except configparser.Error:
            uri = None
    if not uri:
        return os.path.join(config_dir, "redun.db")
    return resolve_db_uri(uri, config_dir)
