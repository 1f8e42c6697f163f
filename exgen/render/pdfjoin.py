"""Join PDFs into one (a class PDF) with qpdf, each document starting on an odd page; nothing is compiled again.

qpdf (Debian's ``qpdf``) copies the pages and their resources and, with ``--deterministic-id``, writes the
same bytes for the same parts. Joining 600 pages takes well under a second, where compiling a class
document again would take as long as compiling every student (``benchmarks/bench_pdf.py`` measures both).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from exgen.errors import ExgenError
from exgen.render.texsetup import QPDF, missing_message

TIMEOUT = 300


# --- class PDFs ------------------------------------------------------------------------------------------

def blank_page(width: float = 595.276, height: float = 841.89) -> bytes:
    """Return a one-page PDF with nothing on it (default: A4, the paper of exgen's documents)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.3f %.3f] /Resources << >> >>" % (width, height)]
    out = bytearray(b"%PDF-1.5\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def page_count(pdf: Path, *, timeout: float = TIMEOUT) -> int:
    """Return the number of pages of a PDF file (asks qpdf)."""
    proc = subprocess.run([_qpdf(), "--show-npages", str(pdf)], capture_output=True, text=True, timeout=timeout)
    if proc.returncode not in (0, 3) or not proc.stdout.strip().isdigit():
        raise ExgenError(f"{pdf.name}: qpdf cannot read it")
    return int(proc.stdout)


def _qpdf() -> str:
    path = shutil.which(QPDF.name)
    if not path:
        raise ExgenError(missing_message("a class PDF (--combined)", [QPDF]))
    return path


def assemble(parts: Sequence[tuple[bytes | Path, int | None]], *, odd_starts: bool = True,
             timeout: float = TIMEOUT) -> bytes:
    """Join PDFs into one (a class PDF) without compiling anything again.

    Args:
        parts: ``(PDF bytes or file, its page count or None)`` per document, in order.
        odd_starts: add a blank page after each document with an odd page count, so that each document
            starts on an odd (right-hand) page when the whole is printed double-sided.
        timeout: seconds allowed for qpdf.

    Returns:
        The joined PDF; the same parts give the same bytes (qpdf ``--deterministic-id``).

    Raises:
        ExgenError: qpdf is missing or cannot read a part.
    """
    program = _qpdf()
    with tempfile.TemporaryDirectory(prefix="exgen-join-") as tmp:
        folder = Path(tmp)
        blank = folder / "blank.pdf"
        blank.write_bytes(blank_page())
        args = ["--empty", "--deterministic-id", "--object-streams=generate", "--pages"]
        for number, (data, pages) in enumerate(parts, 1):
            if isinstance(data, Path):
                path = data.resolve()
            else:
                path = folder / f"part-{number:06d}.pdf"
                path.write_bytes(data)
            args.append(str(path))
            if odd_starts and (pages if pages is not None else page_count(path, timeout=timeout)) % 2:
                args.append(str(blank))
        args += ["--", str(folder / "joined.pdf")]
        (folder / "args").write_text("\n".join(args) + "\n", encoding="utf-8")
        proc = subprocess.run([program, f"@{folder / 'args'}"], capture_output=True, text=True, timeout=timeout)
        if proc.returncode not in (0, 3):  # 3: qpdf succeeded with warnings
            detail = proc.stderr.strip().splitlines()[-1:] or ["no message"]
            raise ExgenError(f"qpdf could not join the class PDF: {detail[0][:200]}")
        return (folder / "joined.pdf").read_bytes()
