"""Reading files someone else wrote (banks, rosters, submissions, keys): regular files only, never through a
symbolic link, never more than a limit.

A FIFO blocks its reader until someone writes to it and a device such as ``/dev/zero`` never ends, so a path
is checked with ``lstat`` before it is opened (a FIFO is never opened), then opened with ``O_NOFOLLOW`` and
``O_NONBLOCK`` and checked again on the open descriptor, so that a file swapped for a link or a FIFO between
the two steps is refused too. A link is refused even when it points at a harmless file: following links is
how ``subs/x.yaml -> /etc/passwd`` put a system file into a class report.

Messages name the file (escaped to one line) and what was expected; they never show what the file holds.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from exgen.errors import ExgenError, one_line

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_CHUNK = 1 << 20


def shown(path: str | os.PathLike) -> str:
    """Return a path as it appears in messages: one line, whatever characters its name holds."""
    return one_line(os.fspath(path))


def kind_of(mode: int) -> str:
    """Return what a file that is not a regular file is, in words ("a symbolic link", "a FIFO", ...)."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_regular(path: str | os.PathLike, mode: int, what: str) -> ExgenError:
    """The error for a path that is a link, folder, FIFO or device where a ``what`` file was expected."""
    hint = " (exgen does not follow links; give the file itself)" if stat.S_ISLNK(mode) else ""
    return ExgenError(f"{shown(path)}: is {kind_of(mode)}, not a regular file; expected a {what}{hint}")


def read_regular_file(path: str | os.PathLike, *, limit: int, what: str, label: str | None = None) -> bytes:
    """Return the bytes of a regular file of at most ``limit`` bytes.

    Args:
        path: the file; a symbolic link, folder, FIFO, device or socket is refused without being opened.
        limit: the largest size read; a larger file is refused (checked before reading, and again while
            reading, in case the file grows).
        what: what the file should be ("submission", "roster"), for messages.
        label: how messages name the file (default: the path as given, escaped to one line).

    Raises:
        ExgenError: one line naming the file and what was expected.
    """
    name = label if label is not None else shown(path)
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        raise ExgenError(f"{name}: no such file") from None
    except OSError as err:
        raise ExgenError(f"{name}: cannot read: {err.strerror or type(err).__name__}") from None
    if not stat.S_ISREG(before.st_mode):
        raise not_regular(name, before.st_mode, what)
    if before.st_size > limit:
        raise ExgenError(f"{name}: too large ({before.st_size:,} bytes; a {what} is at most {limit:,} bytes)")
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as err:
        if err.errno == errno.ELOOP:  # became a link after the check
            raise not_regular(name, stat.S_IFLNK, what) from None
        raise ExgenError(f"{name}: cannot read: {err.strerror or type(err).__name__}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise not_regular(name, opened.st_mode, what)
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise ExgenError(f"{name}: was replaced while being read; try again")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise ExgenError(f"{name}: cannot read: {err.strerror or type(err).__name__}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise ExgenError(f"{name}: too large (a {what} is at most {limit:,} bytes)")
    return b"".join(chunks)


def _sorted_entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)


def walk_regular_files(folder: Path, *, limit: int) -> Iterator[tuple[Path, str | None]]:
    """Yield ``(path, problem)`` for every non-hidden entry under ``folder``, recursively, in the order of
    ``sorted(folder.rglob("*"))`` (a sub-folder's files at the sub-folder's place).

    ``problem`` is None for a regular file and a one-line message for anything else (a link, a FIFO, a
    device, an unreadable folder): such entries are reported, never opened, and a linked folder is never
    entered. Hidden entries (a name starting with ``.``) are skipped silently.

    Raises:
        ExgenError: more than ``limit`` entries, or ``folder`` itself cannot be listed.
    """
    try:
        stack = [iter(_sorted_entries(folder))]
    except OSError as err:
        raise ExgenError(f"{shown(folder)}: cannot list the folder: {err.strerror or type(err).__name__}") from None
    count = 0
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        count += 1
        if count > limit:
            raise ExgenError(f"{shown(folder)}: more than {limit:,} files")
        path = Path(entry.path)
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                stack.append(iter(_sorted_entries(path)))
                continue
        except OSError as err:
            yield path, f"{shown(path)}: cannot read: {err.strerror or type(err).__name__}"
            continue
        yield path, (None if stat.S_ISREG(mode) else str(not_regular(path, mode, "submission file")))
