"""Output files: any text is writable, stale temporary files go, identical reruns pass, conflicts stop."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exgen.errors import ExgenError
from exgen.outputs import OutputDir, clean_stale, clean_text, encoded, write_atomic


@given(st.text())
def test_any_text_is_writable_as_utf8(text):
    data = clean_text(text).encode("utf-8")  # never raises
    decoded = data.decode("utf-8")
    assert not any(0xD800 <= ord(c) <= 0xDFFF or ord(c) < 9 or 0x7F <= ord(c) <= 0x9F for c in decoded)
    assert len(decoded) == len(text)


@given(st.one_of(st.text(), st.text(st.characters(max_codepoint=0x7F)), st.text(st.characters(max_codepoint=0xA0))))
def test_the_ascii_fast_path_cleans_as_the_definition_does(text):
    # the definition: each lone surrogate and control character but tab, LF and CR becomes U+FFFD
    expected = "".join("\ufffd" if (ord(c) < 0x20 and c not in "\t\n\r") or 0x7F <= ord(c) <= 0x9F
                       or 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    assert clean_text(text) == expected
    assert encoded(text) == expected.encode("utf-8") and encoded(b"\x00raw") == b"\x00raw"


def test_surrogates_and_controls_become_replacement_characters(tmp_path):
    write_atomic(tmp_path / "a.md", "ok \ud800 \x00 \x1b[31m \x85 tab\there\r\n")
    assert (tmp_path / "a.md").read_bytes() == "ok \ufffd \ufffd \ufffd[31m \ufffd tab\there\r\n".encode()


def test_temporary_files_of_an_interrupted_run_are_removed(tmp_path):
    (tmp_path / "feedback").mkdir()
    stale = [tmp_path / ".grades.csv.exgen-abcd_123.tmp", tmp_path / "feedback" / ".s1.md.exgen-zz99zz99.tmp"]
    for path in stale:
        path.write_text("partial")
    (tmp_path / ".exgen-scratch-k3j4h5g6.tmp").mkdir()
    (tmp_path / ".exgen-scratch-k3j4h5g6.tmp" / "fontlist.json").write_text("{}")
    keep = [tmp_path / ".grades.csv.tmp", tmp_path / "notes.exgen-abcd1234.tmp", tmp_path / ".mine.tmp"]
    for path in keep:
        path.write_text("the user's")
    out = OutputDir(tmp_path)
    out.check_free(["grades.csv", "feedback/s1.md"])
    assert not any(p.exists() for p in stale) and not (tmp_path / ".exgen-scratch-k3j4h5g6.tmp").exists()
    assert all(p.read_text() == "the user's" for p in keep)
    assert len(out.cleaned) == 3


def test_stale_cleanup_never_follows_links(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".exgen-scratch-aaaaaaaa.tmp").symlink_to(outside)
    (out / ".x.exgen-bbbbbbbb.tmp").symlink_to(outside / "precious")
    clean_stale(out)
    assert (outside / "precious").read_text() == "keep"
    assert not os.path.lexists(out / ".x.exgen-bbbbbbbb.tmp")


def test_identical_rerun_passes_and_a_change_stops(tmp_path):
    out = OutputDir(tmp_path)
    out.write_all({"a.csv": "1\n", "b.md": "b\n"})
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    again = OutputDir(tmp_path)
    assert again.write_all({"a.csv": "1\n", "b.md": "b\n", "c.md": "new\n"}) == ["a.csv", "b.md", "c.md"]
    assert [p.name for p in again.unchanged] == ["a.csv", "b.md"] and [p.name for p in again.written] == ["c.md"]
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir() if p.name != "c.md"} == before
    with pytest.raises(ExgenError, match=r"already holds b\.md with other content.*--force"):
        OutputDir(tmp_path).write_all({"a.csv": "1\n", "b.md": "changed\n", "d.md": "d\n"})
    assert not (tmp_path / "d.md").exists()  # nothing written when one file would change
    OutputDir(tmp_path, force=True).write_all({"b.md": "changed\n"})
    assert (tmp_path / "b.md").read_text() == "changed\n"


def test_a_link_or_folder_in_place_of_an_output(tmp_path):
    (tmp_path / "outside").write_text("keep")
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "inside").write_text("keep")
    (out / "a.md").symlink_to(tmp_path / "outside")
    (out / "b.md").symlink_to(out / "inside")
    (out / "linked").symlink_to(tmp_path)
    with pytest.raises(ExgenError, match="resolves outside"):
        OutputDir(out).check_free(["linked/outside"])
    for name in ("a.md", "b.md", "sub"):
        with pytest.raises(ExgenError, match="not a regular file"):
            OutputDir(out, force=True).check_free([name])
    with pytest.raises(ExgenError, match="other content"):
        OutputDir(out).write("b.md", "keep")  # a link is never "the same file", even to equal bytes
    assert (tmp_path / "outside").read_text() == "keep" and (out / "inside").read_text() == "keep"


def test_one_file_that_cannot_be_written_does_not_stop_the_others(tmp_path, monkeypatch):
    import exgen.outputs

    real = exgen.outputs.write_atomic

    def failing(path, data):
        if path.name == "s2.md":
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(exgen.outputs, "write_atomic", failing)
    out = OutputDir(tmp_path)
    with pytest.raises(ExgenError) as info:
        out.write_all({"grades.csv": "g\n", "feedback/s1.md": "1\n", "feedback/s2.md": "2\n", "feedback/s3.md": "3\n"})
    assert str(info.value) == f"cannot write feedback/s2.md in {tmp_path}: No space left on device"
    assert [p.name for p in out.written] == ["grades.csv", "s1.md", "s3.md"]
    assert (tmp_path / "feedback" / "s3.md").read_text() == "3\n"


def test_scratch_folder_is_removed(tmp_path):
    out = OutputDir(tmp_path / "out")
    with out.scratch() as folder:
        (folder / "cache").write_text("x")
        assert folder.parent == tmp_path / "out" and folder.name.startswith(".exgen-scratch-")
    assert list((tmp_path / "out").iterdir()) == []


def test_an_exporters_stale_temporary_files_are_removed(tmp_path):
    from exgen.exporters.base import check_target_free

    (tmp_path / ".quiz.zip.exgen-abcdefgh.tmp").write_text("partial")
    (tmp_path / ".other.zip.exgen-abcdefgh.tmp").write_text("someone else's run")
    check_target_free(tmp_path / "quiz.zip", force=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.zip.exgen-abcdefgh.tmp"]


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_files_are_created_0644_under_umask_022(tmp_path, umask_022):
    """Outputs are readable by a TA's account, a web server or a shared drive, as the user's umask says."""
    import stat

    import exgen

    out = OutputDir(tmp_path / "o")
    out.write("a.csv", "1\n")
    out.write_all({"feedback/s1.md": "x\n"})
    with out.staged("store.bin") as staged:
        staged.write_bytes(b"streamed")
    write_atomic(tmp_path / "o" / "direct.txt", "y")
    background = OutputDir(tmp_path / "o", background=2)
    background.write("later.txt", "z")
    background.close()
    exgen.generate("dot_product", students=2, formats="md,tex", out=tmp_path / "gen")
    files = [p for root in (tmp_path / "o", tmp_path / "gen") for p in root.rglob("*") if p.is_file()]
    assert len(files) > 10 and {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {"0o644"}
    os.umask(0o077)  # a user who keeps everything private still can
    OutputDir(tmp_path / "private").write("p.txt", "p")
    assert stat.S_IMODE((tmp_path / "private" / "p.txt").stat().st_mode) == 0o600


def test_a_staged_file_follows_the_rules_of_write(tmp_path):
    out = OutputDir(tmp_path)
    with out.staged("big.json") as staged:
        staged.write_text("one\n")
    with OutputDir(tmp_path).staged("big.json") as staged:  # the same bytes again: kept, not rewritten
        staged.write_text("one\n")
    with pytest.raises(ExgenError, match="use --force"), OutputDir(tmp_path).staged("big.json") as staged:
        staged.write_text("two\n")
    assert (tmp_path / "big.json").read_text() == "one\n"
    with pytest.raises(RuntimeError), OutputDir(tmp_path, force=True).staged("big.json") as staged:
        staged.write_text("half")
        raise RuntimeError("killed half-way")
    assert (tmp_path / "big.json").read_text() == "one\n" and sorted(p.name for p in tmp_path.iterdir()) == ["big.json"]
