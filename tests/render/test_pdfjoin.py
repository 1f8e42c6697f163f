"""Class PDFs are the students' PDFs joined by qpdf, each student starting on an odd page."""

from __future__ import annotations

import subprocess

import pytest

from exgen.render.pdfjoin import assemble, blank_page, page_count

pytestmark = [pytest.mark.integration, pytest.mark.needs("qpdf", why="joins class PDFs; see .ci/run")]


def pdf_of(pages: int, tmp_path) -> bytes:
    return assemble([(blank_page(), 1)] * pages, odd_starts=False)


def test_the_blank_page_is_a_valid_a4_pdf(tmp_path):
    path = tmp_path / "blank.pdf"
    path.write_bytes(blank_page())
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert page_count(path) == 1
    assert "/MediaBox [0 0 595.276 841.890]" in blank_page().decode("ascii")


def test_each_document_starts_on_an_odd_page_and_the_join_is_reproducible(tmp_path):
    sizes = [1, 2, 3, 4, 5]
    parts = [(pdf_of(n, tmp_path), n) for n in sizes]
    joined = assemble(parts)
    path = tmp_path / "class.pdf"
    path.write_bytes(joined)
    assert page_count(path) == sum(n + n % 2 for n in sizes)  # 2 + 2 + 4 + 4 + 6
    assert assemble(parts) == joined
    # page counts read from the files when not given
    files = []
    for i, (data, _) in enumerate(parts):
        files.append(tmp_path / f"p{i}.pdf")
        files[-1].write_bytes(data)
    assert assemble([(f, None) for f in files]) == joined
    assert page_count(tmp_path / "p0.pdf") == 1 and assemble(parts, odd_starts=False) != joined
