"""The instance secret that encrypts private keys at rest.

From MICROCRED_SECRET_KEY when set (any string; hashed to 32 bytes), else a
random key generated once into `$MICROCRED_HOME/secret.key` with 0600 permissions.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from microcred.store.db import private_directory


class SecretKeyError(Exception):
    pass


def instance_key(secret: str | None, key_file: Path) -> bytes:
    if secret:
        return hashlib.sha256(secret.encode("utf-8")).digest()
    if key_file.exists():
        mode = key_file.stat().st_mode & 0o777
        if mode & 0o077:
            raise SecretKeyError(
                f"{key_file} is readable by other users (mode {mode:o}); run: chmod 600 {key_file}"
            )
        data = key_file.read_bytes().strip()
        try:
            key = bytes.fromhex(data.decode("ascii"))
        except ValueError:
            raise SecretKeyError(f"{key_file} is not a hex-encoded 32-byte key") from None
        if len(key) != 32:
            raise SecretKeyError(f"{key_file} is not a hex-encoded 32-byte key")
        return key
    private_directory(key_file.parent)
    key = secrets.token_bytes(32)
    # O_EXCL: two processes starting at once must not both write a different key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return instance_key(None, key_file)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key
