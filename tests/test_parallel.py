"""--jobs and --shard: slices that cover a run exactly once, and workers that keep the order of the items."""

from __future__ import annotations

import pytest

from exgen.errors import ExgenError, OptionError
from exgen.parallel import Shard, Workers, chunks, parse_shard


@pytest.mark.parametrize("total", [0, 1, 5, 7, 100, 10_001])
@pytest.mark.parametrize("count", [1, 2, 3, 4, 8])
def test_shards_cover_every_item_once_in_order_with_equal_sizes(total, count):
    slices = [Shard(i, count).range(total) for i in range(1, count + 1)]
    assert [p for s in slices for p in s] == list(range(total))
    assert max(map(len, slices)) - min(map(len, slices)) <= 1


@pytest.mark.parametrize("text, needle", [("0/4", "1 <= i <= n"), ("5/4", "1 <= i <= n"), ("2", "expected i/n"),
                                          ("a/b", "expected i/n"), ("-1/4", "expected i/n"), ("1/0", "1 <= i <= n"),
                                          ("1/" + "9" * 20, "expected i/n")])
def test_bad_shards_are_option_errors(text, needle):
    with pytest.raises(OptionError, match=needle):
        parse_shard(text)


def test_parse_shard():
    assert parse_shard(" 2/4 ") == Shard(2, 4) and str(parse_shard("2/4")) == "2/4"
    assert parse_shard(None).whole and not Shard(1, 2).whole


def _square(xs):
    return [x * x for x in xs]


def _boom(xs):
    if 13 in xs:
        raise ExgenError("thirteen")
    return xs


def _die(xs):
    import os

    os._exit(3)


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_workers_keep_the_order(jobs):
    with Workers(jobs) as workers:
        done = [y for batch in workers.map(_square, chunks(list(range(50)), 4), window=3) for y in batch]
    assert done == [x * x for x in range(50)]


def test_a_task_error_stops_the_run_and_a_dead_worker_is_one_line():
    with pytest.raises(ExgenError, match="thirteen"), Workers(2) as workers:
        list(workers.map(_boom, chunks(list(range(40)), 3)))
    with pytest.raises(ExgenError, match="worker process stopped unexpectedly"), Workers(2) as workers:
        list(workers.map(_die, chunks(list(range(10)), 3)))


def _threshold(_xs):
    import gc

    return [gc.get_threshold()[0]]


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_collector_runs_less_often_while_workers_run_and_as_before_after(jobs):
    import gc

    from exgen.parallel import GC_THRESHOLD

    before = gc.get_threshold()
    with Workers(jobs) as workers:
        seen = [t for batch in workers.map(_threshold, [[0], [1], [2]]) for t in batch]
    assert seen == [GC_THRESHOLD] * 3 and gc.get_threshold() == before
    with pytest.raises(ExgenError, match="thirteen"), Workers(jobs) as workers:
        list(workers.map(_boom, [[13]]))
    assert gc.get_threshold() == before


def test_fewer_collections_raises_the_threshold_freezes_and_restores_both():
    import gc

    from exgen.parallel import GC_THRESHOLD, fewer_collections

    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with fewer_collections():
        assert gc.get_threshold()[0] == max(before[0], GC_THRESHOLD)
        assert gc.get_freeze_count() > 0  # what existed is left out of collections
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    gc.freeze()  # someone else's frozen objects stay frozen
    try:
        frozen = gc.get_freeze_count()
        with pytest.raises(RuntimeError):
            with fewer_collections():
                raise RuntimeError("a failing block restores them too")
        assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def _pid_and_square(x: int) -> tuple[int, int]:
    import os

    return os.getpid(), x * x


def _fails_in_a_child(parent: int) -> int:
    import os

    if os.getpid() != parent:
        raise RuntimeError("only in the child")
    return 7


def test_aside_runs_in_a_forked_process_and_falls_back_to_this_one():
    import os
    import sys

    from exgen.parallel import Aside

    pid, value = Aside(_pid_and_square, 12).result()
    assert value == 144
    assert (pid != os.getpid()) == sys.platform.startswith("linux")  # forked where the platform allows
    assert Aside(_fails_in_a_child, os.getpid()).result() == 7  # the child failed: run here instead
    with pytest.raises(ZeroDivisionError):
        Aside(divmod, 1, 0).result()  # an error of the call itself is raised here, as a plain call raises it
