"""Writing output files: atomically, never outside the chosen folder, never changing existing files unasked.

A file is written to a temporary name beside it (``.<name>.exgen-XXXXXXXX.tmp``), flushed to disk and renamed
over the target, so readers see the old content or the new, never a partial file, even if the run is killed.
Files are created with mode 0666 minus the user's umask (0644 under the usual umask 022), like any other
program's output, so a TA's account, a web server or a shared drive can read them. Temporary files
that a killed run left behind are removed when the next run prepares the same folders. Without ``--force``
an existing file is never changed: a run that would write it identically leaves it alone (so a run
interrupted half-way can simply be run again), and a run that would change it stops with a message.

Text is made writable before it is encoded: lone surrogates (from a JSON ``"\\ud800"``) and control
characters other than tab and line breaks become U+FFFD, so no student's text can make a write fail.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exgen.errors import ExgenError, one_line

if TYPE_CHECKING:  # started only by a run that writes in the background (not by a one-submission autograder)
    from concurrent.futures import Future, ThreadPoolExecutor

TMP_PREFIX_MARK = ".exgen-"
TMP_SUFFIX = ".tmp"
SCRATCH_PREFIX = ".exgen-scratch-"
# mkstemp/mkdtemp add 8 characters from [a-z0-9_]
_STALE_FILE = re.compile(r"^\..+\.exgen-[a-z0-9_]{8}\.tmp$")
_STALE_DIR = re.compile(r"^\.exgen-scratch-[a-z0-9_]{8}\.tmp$")
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: The ASCII bytes written as they are: deleting them from an ASCII text leaves its control characters.
_ASCII_WRITABLE = bytes([9, 10, 13, *range(0x20, 0x7F)])
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
#: Most write failures listed in one message (a full disk fails every file).
MAX_FAILURES_SHOWN = 10
#: Most files a background writer holds before ``write`` waits (bounds the memory of queued payloads).
MAX_QUEUED = 64
_CHUNK = 1 << 20


def clean_text(text: str) -> str:
    """Return ``text`` with lone surrogates and control characters (tab, LF and CR excepted) as U+FFFD."""
    if text.isascii() and not text.encode("ascii").translate(None, _ASCII_WRITABLE):
        return text  # the usual case, checked in C at memory speed (a regular expression takes ~50 times longer)
    return _UNWRITABLE.sub("\ufffd", text) if _UNWRITABLE.search(text) else text


def encoded(data: bytes | str) -> bytes:
    """Return the bytes written for ``data``: text is cleaned (:func:`clean_text`) and encoded as UTF-8."""
    if not isinstance(data, str):
        return data
    if data.isascii():
        raw = data.encode("ascii")
        if not raw.translate(None, _ASCII_WRITABLE):
            return raw
    return clean_text(data).encode("utf-8")


def safe_join(root: Path, relative: str) -> Path:
    """Return ``root / relative`` (its folders resolved), refusing any path that would leave ``root``.

    Raises:
        ExgenError: the relative path is absolute, has ``..``, or resolves outside ``root``.
    """
    rel = Path(relative)
    if rel.is_absolute() or any(part in ("..", "") for part in rel.parts) or not rel.parts:
        raise ExgenError(f"refusing to write {relative!r}: not a plain path inside the output folder")
    # the folders on the way are resolved (a linked sub-folder must not lead outside); the file itself is
    # not: a link in its place is replaced or refused, never written through
    target = (root / rel).parent.resolve() / rel.name
    base = root.resolve()
    if base != target.parent and base not in target.parent.parents:
        raise ExgenError(f"refusing to write {relative!r}: it resolves outside {one_line(root)}")
    return target


def temporary_file(path: Path) -> tuple[int, Path]:
    """Create the temporary file beside ``path`` that a write goes to; return its descriptor and path.

    Created with mode 0666 so that the user's umask decides who may read the finished file (``mkstemp``
    would make every output private, 0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    while True:
        tmp = path.parent / f".{path.name}{TMP_PREFIX_MARK}{os.urandom(4).hex()}{TMP_SUFFIX}"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _discard(tmp: Path) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so that readers see the old content or the new, never a partial file."""
    payload = encoded(data)
    fd, tmp = temporary_file(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def clean_stale(folder: Path, *, only: str | None = None) -> list[str]:
    """Remove the temporary files (and scratch folders) an interrupted exgen run left in ``folder``.

    Only names exgen itself makes are touched (``.<name>.exgen-XXXXXXXX.tmp``, ``.exgen-scratch-XXXXXXXX.tmp``);
    with ``only``, just the temporary files of that one file name. Links are removed as links, never
    followed. Returns the names removed.
    """
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if only is not None and not entry.name.startswith(f".{only}{TMP_PREFIX_MARK}"):
            continue
        try:
            if _STALE_FILE.match(entry.name) and not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
            elif _STALE_DIR.match(entry.name) and entry.is_dir(follow_symlinks=False):
                import shutil  # (shutil loads the compression libraries: only when there is a folder to remove)

                shutil.rmtree(entry.path)
            else:
                continue
        except OSError:
            continue
        removed.append(entry.name)
    return removed


def same_file(path: Path, other: Path) -> bool:
    """Return whether ``path`` is a regular file (not a link) with exactly the bytes of the file ``other``."""
    try:
        before = os.lstat(path)
        if not stat.S_ISREG(before.st_mode) or before.st_size != os.stat(other).st_size:
            return False
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "rb") as mine, open(other, "rb") as theirs:
            while True:
                a, b = mine.read(_CHUNK), theirs.read(_CHUNK)
                if a != b:
                    return False
                if not a:
                    return True
    except OSError:
        return False


def same_content(path: Path, payload: bytes) -> bool:
    """Return whether ``path`` is a regular file (not a link) holding exactly ``payload``."""
    try:
        before = os.lstat(path)
        if not stat.S_ISREG(before.st_mode) or before.st_size != len(payload):
            return False
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "rb") as handle:
            return handle.read(len(payload) + 1) == payload
    except OSError:
        return False


class OutputDir:
    """A folder that receives a run's files; checks every name and, unless forced, never changes a file
    that is already there (files it would write identically are left as they are).

    With ``background=N``, :meth:`write` checks the name and the existing file at once but leaves writing
    and flushing to disk to N threads, so a run's computing goes on while the disk catches up (waiting for
    the disk is most of the cost of many small files); :meth:`flush` waits for them and reports failures.
    ``clean=False`` leaves other runs' temporary files alone: for a worker of a run whose parent already
    cleaned, and for one shard of a run whose other shards may be writing into the same folders.
    """

    def __init__(self, root: str | Path, *, force: bool = False, background: int = 0, clean: bool = True):
        self.root = Path(root)
        self.force = force
        self.clean = clean
        self.written: list[Path] = []
        self.unchanged: list[Path] = []
        self.cleaned: list[str] = []
        self._prepared: set[Path] = set()
        self._folders: dict[str, Path] = {}
        self._background = background
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[tuple[str, Future]] = []
        self._slots: Any = None

    def path(self, relative: str) -> Path:
        """Return the checked absolute path of ``relative`` inside the folder (folders resolved once per
        run: a class writes thousands of files into the same few folders)."""
        folder, _, name = relative.rpartition("/")
        if not folder or not name or name in (".", ".."):
            return safe_join(self.root, relative)
        base = self._folders.get(folder)
        if base is None:
            base = self._folders[folder] = safe_join(self.root, f"{folder}/x").parent
        return base / name

    def _prepare(self, folder: Path) -> None:
        if folder not in self._prepared:
            self._prepared.add(folder)
            if self.clean:
                self.cleaned += [str(Path(folder, name)) for name in clean_stale(folder)]

    def check_free(self, relatives: list[str]) -> None:
        """Prepare to write ``relatives`` (call before writing anything): remove temporary files an interrupted
        run left in their folders, and refuse a name taken by a folder or a link.

        Existing regular files are checked when they are written (see :meth:`write`), since only then is
        the new content known.

        Raises:
            ExgenError: the folder is a file, or a name is taken by something that is not a regular file.
        """
        if self.root.exists() and not self.root.is_dir():
            raise ExgenError(f"{one_line(self.root)} exists and is not a folder")
        for folder in sorted({self.path(r).parent for r in relatives}):
            self._prepare(folder)
        for rel in relatives:
            target = self.path(rel)
            try:
                mode = os.lstat(target).st_mode
            except OSError:
                continue
            if not stat.S_ISREG(mode):
                raise ExgenError(f"{one_line(self.root)}: {one_line(rel)} exists and is not a regular file "
                                 "(a folder or a link); move it away or choose another --out")

    def _conflict(self, relatives: list[str]) -> ExgenError:
        more = f" and {len(relatives) - 3} more" if len(relatives) > 3 else ""
        shown = ", ".join(one_line(r) for r in relatives[:3])
        return ExgenError(f"{one_line(self.root)} already holds {shown}{more} with other content than this run "
                          "writes; use --force to overwrite or choose another --out")

    def write(self, relative: str, data: bytes | str, *, replace: bool = False) -> Path:
        """Write one file atomically and return its path.

        Without ``force``, an existing file with the same content is left alone (listed in ``unchanged``)
        and one with other content stops the run, unless ``replace`` (a file the run owns whatever is
        there, such as code it vendors).

        Raises:
            ExgenError: the file exists with other content (without ``force``) or cannot be written.
        """
        target = self.path(relative)
        if self.root.exists() and not self.root.is_dir():
            raise ExgenError(f"{one_line(self.root)} exists and is not a folder")
        self._prepare(target.parent)
        payload = encoded(data)
        if not (self.force or replace) and os.path.lexists(target):
            if same_content(target, payload):
                self.unchanged.append(target)
                return target
            raise self._conflict([relative])
        if self._background:
            self._queue(relative, target, payload)
            return target
        self._write_now(relative, target, payload)
        return target

    def _write_now(self, relative: str, target: Path, payload: bytes) -> None:
        try:
            write_atomic(target, payload)
        except OSError as err:
            raise self._failed(relative, err) from None
        self.written.append(target)

    def _failed(self, relative: str, err: OSError) -> ExgenError:
        return ExgenError(f"cannot write {one_line(relative)} in {one_line(self.root)}: "
                          f"{err.strerror or type(err).__name__}")

    def _queue(self, relative: str, target: Path, payload: bytes) -> None:
        if self._pool is None:
            import threading
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self._background, thread_name_prefix="exgen-write")
            self._slots = threading.BoundedSemaphore(MAX_QUEUED)
        self._slots.acquire()

        def job() -> None:
            try:
                write_atomic(target, payload)
            finally:
                self._slots.release()

        self.written.append(target)
        self._pending.append((relative, self._pool.submit(job)))

    def flush(self) -> None:
        """Wait until every file handed to the background writers is on disk.

        Raises:
            ExgenError: files that could not be written (one line each); the others were written.
        """
        pending, self._pending = self._pending, []
        failed: list[str] = []
        for relative, future in pending:
            err = future.exception()
            if err is None:
                continue
            if not isinstance(err, OSError):
                raise err
            self.written = [p for p in self.written if p != self.path(relative)]
            failed.append(str(self._failed(relative, err)))
        if failed:
            more = [f"... and {len(failed) - MAX_FAILURES_SHOWN} more files not written"] \
                if len(failed) > MAX_FAILURES_SHOWN else []
            raise ExgenError("\n".join(failed[:MAX_FAILURES_SHOWN] + more))

    def close(self) -> None:
        """Wait for the background writers (see :meth:`flush`) and stop their threads."""
        try:
            self.flush()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    @contextmanager
    def staged(self, relative: str) -> Iterator[Path]:
        """Yield a temporary file beside ``relative`` for a writer that streams (a database, a large export);
        when the block ends, it becomes ``relative`` as :meth:`write` would make it (flushed to disk and
        renamed; an identical existing file is left alone; other content stops the run unless ``force``).
        If the block raises, the temporary file is removed and ``relative`` is not touched.

        Raises:
            ExgenError: the file exists with other content (without ``force``) or cannot be written.
        """
        target = self.path(relative)
        if self.root.exists() and not self.root.is_dir():
            raise ExgenError(f"{one_line(self.root)} exists and is not a folder")
        self._prepare(target.parent)
        try:
            fd, tmp = temporary_file(target)
            os.close(fd)
        except OSError as err:
            raise self._failed(relative, err) from None
        try:
            yield tmp
            if not self.force and os.path.lexists(target):
                if same_file(target, tmp):
                    self.unchanged.append(target)
                    _discard(tmp)
                    return
                raise self._conflict([relative])
            fd = os.open(tmp, os.O_RDONLY | _NOFOLLOW)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except OSError as err:
            _discard(tmp)
            raise self._failed(relative, err) from None
        except BaseException:
            _discard(tmp)
            raise
        self.written.append(target)

    def write_all(self, files: Mapping[str, bytes | str]) -> list[str]:
        """Write several files: first check that none would change an existing file (unless ``force``),
        then write each; a file that cannot be written is reported after all the others are written.

        Returns:
            The relative paths, in order.

        Raises:
            ExgenError: an existing file would change (nothing is written), or some files could not be
                written (one line each; the others were written).
        """
        payloads = {rel: encoded(data) for rel, data in files.items()}
        self.check_free(list(payloads))
        if not self.force:
            changed = [rel for rel, payload in payloads.items()
                       if os.path.lexists(self.path(rel)) and not same_content(self.path(rel), payload)]
            if changed:
                raise self._conflict(changed)
        failed: list[str] = []
        for rel, payload in payloads.items():
            try:
                self.write(rel, payload)
            except ExgenError as err:
                failed.append(str(err))
        try:
            self.flush()
        except ExgenError as err:
            failed += str(err).splitlines()
        if failed:
            more = [f"... and {len(failed) - MAX_FAILURES_SHOWN} more files not written"] \
                if len(failed) > MAX_FAILURES_SHOWN else []
            raise ExgenError("\n".join(failed[:MAX_FAILURES_SHOWN] + more))
        return list(payloads)

    @contextmanager
    def scratch(self) -> Iterator[Path]:
        """Yield a private temporary folder inside the output folder, removed afterwards (and by the next
        run's :meth:`check_free` if this one is killed): for libraries that need a cache folder."""
        self.root.mkdir(parents=True, exist_ok=True)
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, suffix=TMP_SUFFIX, dir=self.root))
        try:
            yield folder
        finally:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
