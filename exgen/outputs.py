"""Writing output files: atomically, never outside the chosen folder, never over existing files unasked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from exgen.errors import ExgenError


def safe_join(root: Path, relative: str) -> Path:
    """Return ``root / relative``, refusing any path that would leave ``root``.

    Raises:
        ExgenError: the relative path is absolute, has ``..``, or resolves outside ``root``.
    """
    rel = Path(relative)
    if rel.is_absolute() or any(part in ("..", "") for part in rel.parts) or not rel.parts:
        raise ExgenError(f"refusing to write {relative!r}: not a plain path inside the output folder")
    target = (root / rel).resolve()
    base = root.resolve()
    if base != target and base not in target.parents:
        raise ExgenError(f"refusing to write {relative!r}: it resolves outside {root}")
    return target


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so that readers see the old content or the new, never a partial file."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class OutputDir:
    """A folder that receives a run's files; checks every name and refuses to overwrite unless forced."""

    def __init__(self, root: str | Path, *, force: bool = False):
        self.root = Path(root)
        self.force = force
        self.written: list[Path] = []

    def path(self, relative: str) -> Path:
        """Return the checked absolute path of ``relative`` inside the folder."""
        return safe_join(self.root, relative)

    def check_free(self, relatives: list[str]) -> None:
        """Raise ExgenError naming existing files, unless ``force`` (call before writing anything)."""
        if self.force:
            return
        existing = [r for r in relatives if self.path(r).exists()]
        if existing:
            more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
            raise ExgenError(f"{self.root} already holds {', '.join(existing[:3])}{more}; "
                             "use --force to overwrite or choose another --out")

    def write(self, relative: str, data: bytes | str) -> Path:
        """Write one file atomically and return its path."""
        target = self.path(relative)
        if self.root.exists() and not self.root.is_dir():
            raise ExgenError(f"{self.root} exists and is not a folder")
        write_atomic(target, data)
        self.written.append(target)
        return target
