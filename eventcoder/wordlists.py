"""The project's word-list data files: words split by whitespace, any number to a line; a line that
starts with # is a comment. One reader for all of them (lexicons of events, actors and views)."""
from __future__ import annotations

from pathlib import Path


def word_set(path: Path) -> frozenset[str]:
    """Every word of a word-list file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(word for line in lines if not line.startswith("#") for word in line.split())
