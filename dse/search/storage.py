"""Optuna storages from URLs, and URLs safe to print.

SQLite files get their folder, a lock timeout, write-ahead logging and an exclusive creation lock
(several processes may open one new file at once); other databases (PostgreSQL, MySQL) get
connection pre-pings and retries. ``postgresql://`` URLs use psycopg 3 (the ``postgres`` extra). A URL's password never leaves this module in clear:
:func:`masked_url` is what results, logs and messages show.
"""
from __future__ import annotations

import contextlib
import os
import re
import time
from typing import Any

import optuna

from dse.search.evaluate import SearchError

__all__ = ["open_storage", "masked_url", "mask_secrets"]


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (SQLAlchemy's own rendering where it parses)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001  (not a database URL: journal:, a path, garbage)
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


#: ``scheme://user:password@`` in free text (greedy up to the last ``@``: masking too much is safe)
_URL_PASSWORD = re.compile(r"([A-Za-z][\w+.-]*://[^:/@\s]*:)\S*@")


def mask_secrets(text: str, url: str | None = None) -> str:
    """``text`` with the password of every URL in it, and ``url``'s password wherever it appears,
    replaced by ``***``."""
    text = _URL_PASSWORD.sub(r"\1***@", text)
    if not url:
        return text
    try:
        from sqlalchemy.engine import make_url

        password = make_url(url).password
    except Exception:  # noqa: BLE001
        m = re.search(r"://[^:/@]*:([^@/]*)@", url)
        password = m.group(1) if m else None
    return text.replace(str(password), "***") if password else text


def open_storage(url: str):
    """An Optuna storage from a URL; SQLite files get a folder, a lock timeout and retries."""
    if url.startswith("journal:"):
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        path = url[len("journal:"):]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return JournalStorage(JournalFileBackend(path))
    url = _with_driver(url)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        kwargs = {"connect_args": {"timeout": 120}}
    else:
        kwargs = {"pool_pre_ping": True}
    last = None
    for attempt in range(20):  # processes creating the tables of a new database at once
        try:
            with _creation_lock(url):
                storage = optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
            if url.startswith("sqlite:///"):
                _sqlite_pragmas(storage.engine)
            return storage
        except Exception as e:  # noqa: BLE001  (sqlalchemy OperationalError/IntegrityError, table races)
            last = e
            if isinstance(e, ImportError) and url.startswith("postgresql+psycopg"):
                raise SearchError(f"cannot open the study storage {masked_url(url)!r}: no PostgreSQL driver; "
                                  f"install the postgres extra: pip install -e '.[postgres]'") from None
            if not any(m in str(e) for m in _RACE_MESSAGES):
                break
            time.sleep(0.2 + 0.1 * attempt)
    reason = (str(last).strip().splitlines() or [type(last).__name__])[0]    # one line: no SQLAlchemy footer
    raise SearchError(f"cannot open the study storage {masked_url(url)!r}: {mask_secrets(reason, url)}")


def _with_driver(url: str) -> str:
    """A plain ``postgresql://`` (or ``postgres://``) URL with the driver of the postgres extra (psycopg 3)."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


#: what a lost race to create a new database's tables (or its alembic version row) looks like
_RACE_MESSAGES = ("locked", "already exists", "UNIQUE constraint failed", "duplicate key")


@contextlib.contextmanager
def _creation_lock(url: str):
    """Serialize opening (and so creating) one SQLite file across processes with an exclusive
    lock on ``<file>.lock``; other URLs rely on the retries in :func:`open_storage`."""
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
    if not path or path == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: the retries alone
        yield
        return
    with open(os.path.abspath(path) + ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _sqlite_pragmas(engine) -> None:
    """Write-ahead log (readers never block the writer) and no fsync per commit: many small
    commits per trial stay fast, and cooperating processes wait less for the lock."""
    import sqlalchemy

    def on_connect(conn, _record):
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    sqlalchemy.event.listen(engine, "connect", on_connect)
    engine.dispose()
