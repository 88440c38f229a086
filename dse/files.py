"""Files: reading text with a clear error, and writing so that a crash never leaves a half-written
file (write beside, then rename)."""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile

__all__ = ["atomic_path", "atomic_write_bytes", "file_digest", "read_text"]


@contextlib.contextmanager
def atomic_path(path: str, suffix: str = ".tmp"):
    """Yield a temporary path in ``path``'s folder (created); on success it replaces ``path``
    atomically, on an exception it is removed and ``path`` is left as it was."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)


def file_digest(path: str) -> str:
    """Content hash (BLAKE2b, 128 bits, hex) of a file's bytes."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def read_text(path: str, error: type[Exception], what: str) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark dropped); ``error`` raised with a message naming
    the file and ``what`` it is (``"the sweep file"``) if it cannot be read or is not text."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise error(f"{path}: cannot read {what}: not text (byte {e.start} is not UTF-8)") from None
    except OSError as e:
        raise error(f"{path}: cannot read {what} ({e.strerror})") from None
