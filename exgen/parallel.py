"""Work spread over processes and machines: ``--jobs N`` worker processes and ``--shard i/n`` slices.

A run's items (students, submission files) are cut into chunks; :class:`Workers` maps a task over the
chunks in worker processes and yields the results in the chunks' order, with only a few chunks in flight
so that memory does not grow with the class. With one job the same task runs in this process, so ``--jobs``
changes who does the work, never what is written. A :class:`Shard` is one contiguous slice of a run's items,
for one machine of a cluster; ``exgen merge`` joins the slices' outputs.

While :class:`Workers` run (in this process and in the worker processes), Python's cycle collector runs
less often: a batch allocates millions of short-lived objects (parsed answers, sympy expressions, results),
and at the default threshold (a collection of young objects every 700 allocations) the collector took
about a sixth of ``generate``'s CPU and a fifth of ``grade``'s (benchmarks/bench_scale.py). Cycles are still
collected, a hundred times less often; what is written does not depend on when.
"""

from __future__ import annotations

import gc
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from exgen.errors import ExgenError, OptionError

if TYPE_CHECKING:  # imported when workers start: the one-submission autograder never needs them
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

MAX_SHARDS = 100_000
#: Allocations between two collections of young objects while workers run (Python's default: 700).
GC_THRESHOLD = 50_000


class Shard:
    """Slice ``index`` (from 1) of ``count`` equal, contiguous slices of a run's items."""

    __slots__ = ("index", "count")

    def __init__(self, index: int = 1, count: int = 1):
        self.index, self.count = index, count

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shard) and (self.index, self.count) == (other.index, other.count)

    def __hash__(self) -> int:
        return hash((self.index, self.count))

    def __reduce__(self) -> tuple:
        return Shard, (self.index, self.count)

    def __repr__(self) -> str:
        return f"Shard({self.index}, {self.count})"

    @property
    def whole(self) -> bool:
        """Whether this is the whole run (``1/1``)."""
        return self.count == 1

    def range(self, total: int) -> range:
        """Return the positions (from 0) of this slice among ``total`` items; sizes differ by at most one."""
        return range((self.index - 1) * total // self.count, self.index * total // self.count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


#: The whole run: one slice of one.
WHOLE_RUN = Shard()


def parse_shard(text: str | Shard | None) -> Shard:
    """Return the shard ``i/n`` names (None is the whole run).

    Raises:
        OptionError: not two integers ``i/n`` with ``1 <= i <= n``.
    """
    if text is None:
        return WHOLE_RUN
    if isinstance(text, Shard):
        index, count = text.index, text.count
    else:
        head, sep, tail = str(text).strip().partition("/")
        if not (sep and head.isdigit() and tail.isdigit() and len(head) < 7 and len(tail) < 7):
            raise OptionError(f"shard: expected i/n such as 2/4 (slice i of n), got {str(text)[:40]!r}")
        index, count = int(head), int(tail)
    if not 1 <= index <= count <= MAX_SHARDS:
        raise OptionError(f"shard: expected i/n with 1 <= i <= n <= {MAX_SHARDS:,}, got {index}/{count}")
    return Shard(index, count)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run a block with the young-object threshold of :class:`Workers` and the objects that exist when it starts
    left out of collections (``gc.freeze``, unless something else froze objects already): for the serial work
    after a batch, which allocates much over results the collector would otherwise walk again and again (the
    class report, the gradebooks). The thresholds are restored and the objects unfrozen after."""
    saved = gc.get_threshold()
    gc.set_threshold(max(saved[0], GC_THRESHOLD), *saved[1:])
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()
        gc.set_threshold(*saved)


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """Return ``items`` cut into consecutive chunks of at most ``size``."""
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]


def _start() -> None:
    """A task that does nothing: submitted first, so the workers start before this process has threads."""


def _worker_init(threshold: tuple[int, int, int], init: Callable[..., None] | None, *initargs: Any) -> None:
    gc.set_threshold(*threshold)  # a forked worker has it already; a spawned one starts with the default
    if init is not None:
        init(*initargs)


class Workers:
    """Worker processes (or, with ``jobs == 1``, this process) that run one kind of task over chunks.

    ``initializer(*initargs)`` runs once in each worker (in this process with one job) to set up what every
    task needs (the bank, the key, the output folder); ``finalizer()`` undoes it in this process. Workers
    are forked where the platform allows it (Linux), so what the initializer receives is inherited rather
    than sent; elsewhere it is pickled once per worker.
    """

    def __init__(self, jobs: int = 1, *, initializer: Callable[..., None] | None = None, initargs: tuple = (),
                 finalizer: Callable[[], None] | None = None):
        self.jobs = max(1, jobs)
        self._init = initializer
        self._initargs = initargs
        self._finalizer = finalizer
        self._pool: ProcessPoolExecutor | None = None
        self._threshold: tuple[int, int, int] | None = None

    def __enter__(self) -> Workers:
        self._threshold = gc.get_threshold()
        fewer = (max(self._threshold[0], GC_THRESHOLD), *self._threshold[1:])
        gc.set_threshold(*fewer)
        try:
            if self.jobs == 1:
                if self._init:
                    self._init(*self._initargs)
                return self
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context, initializer=_worker_init,
                                             initargs=(fewer, self._init, *self._initargs))
            self._pool.submit(_start).result()
            return self
        except BaseException:
            self._restore()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
            elif self._finalizer:
                self._finalizer()
        finally:
            self._restore()

    def _restore(self) -> None:
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            self._threshold = None

    def map(self, task: Callable[[T], R], items: Iterable[T], *, window: int | None = None) -> Iterator[R]:
        """Yield ``task(item)`` for each item, in order, with at most ``window`` items in flight.

        Raises:
            ExgenError: a worker process died (killed, out of memory); the task's own errors as raised.
        """
        if self._pool is None:
            for item in items:
                yield task(item)
            return
        from concurrent.futures.process import BrokenProcessPool

        limit = window or 2 * self.jobs + 2
        flight: deque[Future[Any]] = deque()
        try:
            for item in items:
                flight.append(self._pool.submit(task, item))
                if len(flight) >= limit:
                    yield flight.popleft().result()
            while flight:
                yield flight.popleft().result()
        except BrokenProcessPool:
            raise ExgenError("a worker process stopped unexpectedly (killed, or out of memory?); "
                             "run again with fewer --jobs") from None
        finally:
            for future in flight:
                future.cancel()


class Aside:
    """One call run in a forked process while this one goes on (``Aside(fn, *args)``, then ``result()``).

    For a step that only reads what this process already holds (the class report over the results, while
    the gradebooks and results.json are built here): forking shares the data without pickling it, and the
    result comes back through a pipe. Where forking is not available, or the child fails in any way, the
    call runs here when its result is asked for, so the result never depends on which way it ran.
    """

    def __init__(self, fn: Callable[..., R], *args: Any):
        self._fn, self._args = fn, args
        self._proc: Any = None
        self._conn: Any = None
        if sys.platform.startswith("linux"):
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._conn, child = context.Pipe(duplex=False)
            try:
                self._proc = context.Process(target=_aside_child, args=(fn, args, child), daemon=True)
                self._proc.start()
            except OSError:  # no processes left: run it here instead
                self._conn.close()
                self._proc = self._conn = None
            finally:
                child.close()

    def result(self) -> Any:
        if self._proc is not None:
            try:
                ok, value = self._conn.recv()
            except (EOFError, OSError):
                ok, value = False, None
            finally:
                self._conn.close()
                self._proc.join()
                self._proc = None
            if ok:
                return value
        return self._fn(*self._args)


def _aside_child(fn: Callable[..., Any], args: tuple, conn: Any) -> None:
    try:
        conn.send((True, fn(*args)))
    except BaseException:  # the parent runs the call itself, so that its errors are raised there, as usual
        conn.send((False, None))
    finally:
        conn.close()
