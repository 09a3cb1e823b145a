"""Turning files into text, and text into overlapping chunks.

Chunks are about 1000 characters (roughly 200-250 MiniLM tokens, inside its 256-token
window) and overlap by 200, so a sentence cut at one boundary is whole in a neighbour.
Boundaries prefer paragraph, then line, then sentence, then word breaks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["CHUNK_OVERLAP", "CHUNK_SIZE", "SUFFIXES", "chunk_text", "discover", "extract_text"]

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
SUFFIXES = frozenset({".md", ".txt", ".rst", ".py", ".json", ".csv", ".html", ".htm"})
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")


def chunk_text(text: str, size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP) -> list[str]:
    """Split `text` into chunks of at most `size` characters, consecutive ones overlapping."""
    if not 0 <= overlap < size:
        raise ValueError("need 0 <= overlap < size")
    text = text.strip()
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            end = _break_before(text, start + size // 2, end)
        chunk = text[start:end].strip()
        if chunk:
            chunks.append(chunk)
        if end >= len(text):
            break
        # Step back by `overlap`, then forward to a word start, always making progress.
        nxt = text.find(" ", max(end - overlap, start + 1), end)
        start = nxt + 1 if nxt != -1 else max(end - overlap, start + 1)
    return chunks


def _break_before(text: str, lo: int, hi: int) -> int:
    for sep in _BREAKS:
        at = text.rfind(sep, lo, hi)
        if at != -1:
            return at + len(sep)
    return hi


class _HTMLText(HTMLParser):
    """Visible text of an HTML page: no tags, scripts or styles."""

    _BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def extract_text(path: Path, raw: bytes) -> str:
    """The text to embed from a file's bytes (raises UnicodeDecodeError for binaries)."""
    text = raw.decode("utf-8-sig")
    if path.suffix.lower() in {".html", ".htm"}:
        parser = _HTMLText()
        parser.feed(text)
        parser.close()
        lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
        text = "\n".join(line for line in lines if line)
    return text


def discover(paths: Sequence[Path]) -> Iterator[tuple[Path, str | None]]:
    """Each file to ingest, with None, or a path to skip with the reason why."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(p.startswith(".") or p in _SKIP_DIRS for p in rel):
                    continue  # hidden folders, VCS data, caches, virtualenvs
                if child.is_file() and child.suffix.lower() in SUFFIXES:
                    yield child, None
        elif path.is_file():
            ok = path.suffix.lower() in SUFFIXES
            yield path, None if ok else f"unsupported type (use {', '.join(sorted(SUFFIXES))})"
        elif path.exists():  # a device, FIFO or socket: reading it could block or never end
            yield path, "not a regular file or directory"
        else:
            yield path, "no such file or directory"
