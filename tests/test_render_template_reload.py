"""A template file changed on disk is rendered from its new text, even when the change keeps its size and
mtime (``cp -p``, ``rsync -a``) or comes within the clock's granularity: jinja2's own loader compared the
mtime alone and went on rendering the old text."""

from __future__ import annotations

import os
from pathlib import Path

from mediawatch.render.environment import render_template


def same_size_rewrite(path: Path, old: str, new: str) -> None:
    """Rewrite ``path`` with ``old`` swapped for ``new`` (same length), its mtime put back as it was."""
    assert len(old) == len(new)
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert path.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_template_file_with_its_size_and_mtime_kept_is_rendered_anew(tmp_path):
    page = tmp_path / "page.txt.j2"
    page.write_text("one {{ lang }}\n", encoding="utf-8")
    assert render_template(tmp_path, "page.txt.j2", {"lang": "fr"}) == "one fr\n"
    same_size_rewrite(page, "one", "two")
    assert render_template(tmp_path, "page.txt.j2", {"lang": "fr"}) == "two fr\n"
    same_size_rewrite(page, "two", "six")
    assert render_template(tmp_path, "page.txt.j2", {"lang": "fr"}) == "six fr\n"
