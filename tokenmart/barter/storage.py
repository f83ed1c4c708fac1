"""Where photo files live, behind a small interface so object storage can replace disk.

Keys are random and never reused, so a stored file never changes and may be cached
forever by browsers and proxies.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from tokenmart.barter.settings import upload_dir

_KEY = re.compile(r"^[a-z0-9_/-]{1,200}\.jpg$")


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...

    def load(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


def valid_key(key: str) -> bool:
    return bool(_KEY.match(key)) and ".." not in key


class LocalStorage:
    """Files under a directory (default instance/uploads); writes are atomic renames."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not valid_key(key):
            raise ValueError(f"bad storage key {key!r}")
        return self.root / key

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)

    def load(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def get_storage() -> Storage:
    return LocalStorage(upload_dir())
