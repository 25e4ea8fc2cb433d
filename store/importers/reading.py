"""Reading untrusted input safely: bounded size, binary detection, decoding with a fallback."""

from __future__ import annotations

import zlib
from pathlib import Path

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # one article file, page or feed
MAX_JSONL_BYTES = 4 * 1024 * 1024 * 1024  # a JSONL dataset is streamed; each line is capped instead

_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x7fELF": "a program",
    b"\x1f\x8b": "gzip-compressed data",
    b"SQLite format 3": "an SQLite database",
}


class Refused(Exception):
    """The input is not imported; the message is the one-line reason shown to the user."""


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} bytes"


def read_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, decompressed if it ends in .gz, refusing anything over `max_bytes`."""
    size = path.stat().st_size
    if path.suffix.lower() == ".gz":
        return gunzip_bounded(path.read_bytes() if size <= max_bytes else b"", max_bytes, size)
    if size > max_bytes:
        raise Refused(f"too large ({human_size(size)}; the limit is {human_size(max_bytes)})")
    with open(path, "rb") as handle:
        return handle.read(max_bytes + 1)


def gunzip_bounded(data: bytes, max_bytes: int, compressed_size: int | None = None) -> bytes:
    """Decompress gzip data, refusing output over `max_bytes` (compression bombs) without ever
    holding more than that in memory."""
    if compressed_size is not None and compressed_size > max_bytes:
        raise Refused(f"too large ({human_size(compressed_size)} compressed; the limit is {human_size(max_bytes)})")
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as error:
        raise Refused(f"corrupt gzip data ({error})") from None
    if len(out) > max_bytes or decompressor.unconsumed_tail:
        raise Refused(f"decompresses to more than {human_size(max_bytes)} (a compression bomb?)")
    return out


def check_not_binary(data: bytes) -> None:
    if not data.strip():
        raise Refused("empty file")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise Refused(f"not text: {what}")
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: judge its characters, not its bytes
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    if b"\x00" in head:
        raise Refused("not text: binary data (NUL bytes)")
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\x1b")
    if controls > len(head) * 0.05:
        raise Refused("not text: binary data (control bytes)")


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, warning). UTF-8 (with or without BOM) and UTF-16 with BOM are read as they are;
    other bytes are read as Windows-1252, the usual legacy encoding of Western news pages,
    with a warning."""
    check_not_binary(data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), ""
        except UnicodeDecodeError:
            raise Refused("not valid UTF-16 text") from None
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as error:
        position = error.start
    try:
        return data.decode("cp1252"), f"not valid UTF-8 (first bad byte at {position}); read as Windows-1252"
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        return text, f"not valid UTF-8 (first bad byte at {position}); {bad} bytes replaced with �"
