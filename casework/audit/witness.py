"""The witness: the chain head, appended outside the database after every seal and verification.

Each line is one checkpoint, `{"seq": …, "mac": "…", "at": "…", "by": "seal|verify"}`, appended
with O_APPEND and fsync to the file named by MIMAMORI_AUDIT_WITNESS (default
`var/audit-witness.log`) and logged to the `mimamori.audit.witness` logger, which production
ships to another host (syslog). Someone who can rewrite the database cannot take back a
checkpoint that has left it: `verify_audit` fails when the chain is shorter than any
checkpoint or disagrees with one, which is how a truncated tail, a rewound head or a wholly
erased history is caught.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("mimamori.audit.witness")


class Head(Protocol):
    seq: int
    mac: str


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    mac: str
    origin: str  # where it came from: "witness line 12", "--since"


def witness_path() -> Path | None:
    value = getattr(settings, "MIMAMORI_AUDIT_WITNESS", "")
    return Path(value) if value else None


def record_head(head: Head, *, source: str) -> None:
    """Append the head to the witness file (O_APPEND, fsync) and to the log."""
    line = json.dumps(
        {"seq": head.seq, "mac": head.mac, "at": timezone.now().isoformat(), "by": source},
        separators=(",", ":"),
    )
    logger.info("mimamori audit head %s", line)
    path = witness_path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, (line + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        logger.exception("mimamori: could not append the audit head to %s", path)


def parse_checkpoint(text: str, origin: str) -> Checkpoint:
    """`SEQ:MAC` (as given to `verify_audit --since`)."""
    seq, sep, mac = text.strip().partition(":")
    if (
        not sep
        or not seq.isdigit()
        or len(mac) != 64
        or not all(c in "0123456789abcdef" for c in mac)
    ):
        raise ValueError(f"{origin}: 「通番:MAC」（例 120:3f…64桁）の形ではありません。")
    return Checkpoint(int(seq), mac, origin)


def read_checkpoints() -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint in the witness file, and the lines that could not be read."""
    path = witness_path()
    if path is None or not path.exists():
        return [], []
    checkpoints, unreadable = [], []
    with path.open(encoding="ascii", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            origin = f"控えファイル {number} 行目"
            try:
                data = json.loads(line)
                checkpoints.append(parse_checkpoint(f"{data['seq']}:{data['mac']}", origin))
            except (ValueError, KeyError, TypeError):
                unreadable.append(origin)
    return checkpoints, unreadable
