"""Reading files someone else wrote: regular files only, no links followed, no FIFO opened, bounded."""

from __future__ import annotations

import os
import threading

import pytest

from exgen.bank.files import read_regular_file, walk_regular_files
from exgen.errors import ExgenError

SECRET = "root:x:0:0:root:/root:/bin/bash"


def refused(path, *words, limit=1000):
    with pytest.raises(ExgenError) as info:
        read_regular_file(path, limit=limit, what="roster")
    message = str(info.value)
    assert "\n" not in message and SECRET not in message
    for word in words:
        assert word in message, message
    return message


def test_regular_file_is_read(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"id,name\n")
    assert read_regular_file(tmp_path / "a.csv", limit=8, what="roster") == b"id,name\n"
    refused(tmp_path / "a.csv", "too large", "at most 7 bytes", limit=7)
    refused(tmp_path / "missing.csv", "no such file")


def test_links_are_refused_even_to_harmless_files(tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text(SECRET)
    (tmp_path / "link.csv").symlink_to(secret)
    refused(tmp_path / "link.csv", "symbolic link", "does not follow links")
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nowhere")
    refused(tmp_path / "dangling.csv", "symbolic link")


def test_folders_fifos_and_devices_are_never_opened(tmp_path):
    refused(tmp_path, "is a folder")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    done = threading.Event()

    def read() -> None:
        refused(fifo, "FIFO")
        done.set()

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if not done.is_set():  # unblock the reader so the test process can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    if os.path.exists("/dev/zero"):
        refused("/dev/zero", "device")


def test_a_file_swapped_for_a_link_after_the_check(tmp_path, monkeypatch):
    """O_NOFOLLOW catches a link put in place between lstat and open."""
    target = tmp_path / "a.csv"
    target.write_text("id,name\n")
    secret = tmp_path / "passwd"
    secret.write_text(SECRET)
    real_open = os.open

    def swap_then_open(path, flags, *args):
        os.unlink(target)
        os.symlink(secret, target)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", swap_then_open)
    refused(target, "symbolic link")


def test_names_in_messages_stay_on_one_line(tmp_path):
    odd = tmp_path / "a\nerror: forged\u2028line\x1b[31m.csv"
    message = refused(odd, "no such file")
    assert "\\n" in message and "\\u2028" in message and "\\x1b" in message


def test_walk_reports_links_and_fifos_and_never_enters_linked_folders(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.yaml").write_text(SECRET)
    subs = tmp_path / "subs"
    (subs / "b").mkdir(parents=True)
    (subs / "a.yaml").write_text("a")
    (subs / "b" / "c.yaml").write_text("c")
    (subs / "c.yaml").write_text("c")
    (subs / ".hidden.yaml").write_text("h")
    (subs / "link.yaml").symlink_to(outside / "x.yaml")
    (subs / "linked-folder").symlink_to(outside)
    os.mkfifo(subs / "pipe.yaml")
    seen = list(walk_regular_files(subs, limit=100))
    names = [(str(p.relative_to(subs)), problem is None) for p, problem in seen]
    assert names == [("a.yaml", True), ("b/c.yaml", True), ("c.yaml", True), ("link.yaml", False),
                     ("linked-folder", False), ("pipe.yaml", False)]
    assert [str(p.relative_to(subs)) for p, ok in seen if ok is None] == \
        [str(p.relative_to(subs)) for p in sorted(subs.rglob("*"))
         if p.is_file() and not p.is_symlink() and not p.name.startswith(".")]
    problems = [problem for _, problem in seen if problem]
    assert "symbolic link" in problems[0] and "symbolic link" in problems[1] and "FIFO" in problems[2]
    with pytest.raises(ExgenError, match="more than 3 files"):
        list(walk_regular_files(subs, limit=3))
