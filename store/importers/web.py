"""Fetching pages and feeds over HTTP(S) with timeouts and a size cap (httpx)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from .reading import Refused, human_size

USER_AGENT = "broadsheet/0.1 (terminal news reader)"
TOTAL_TIME_FACTOR = 3  # a whole page may take this many times the timeout: a trickling server is cut off


@dataclass
class Fetched:
    url: str  # after redirects
    content_type: str
    data: bytes


def make_client(timeout: float) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
    )


def fetch(client: httpx.Client, url: str, max_bytes: int) -> Fetched:
    """The body of `url`, decompressed, refusing more than `max_bytes` after decompression (so a
    compression bomb stops at the cap) and any error status."""
    deadline = time.monotonic() + (client.timeout.read or 20.0) * TOTAL_TIME_FACTOR
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise Refused(f"the server answered {response.status_code} {response.reason_phrase}")
            declared = response.headers.get("content-length")
            encoded = response.headers.get("content-encoding", "identity") not in ("", "identity")
            if declared and declared.isdigit() and int(declared) > max_bytes and not encoded:
                raise Refused(f"too large ({human_size(int(declared))}; the limit is {human_size(max_bytes)})")
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():  # as it arrives, so the deadline is checked
                received += len(chunk)
                if received > max_bytes:
                    raise Refused(f"more than {human_size(max_bytes)} (after decompression); not imported")
                if time.monotonic() > deadline:
                    raise Refused("the server did not send the whole page in time")
                chunks.append(chunk)
            return Fetched(str(response.url), response.headers.get("content-type", ""), b"".join(chunks))
    except httpx.TimeoutException:
        raise Refused("the server did not answer in time") from None
    except httpx.TooManyRedirects:
        raise Refused("too many redirects") from None
    except httpx.DecodingError as error:
        raise Refused(f"corrupt compressed response ({error})") from None
    except httpx.HTTPError as error:
        raise Refused(f"could not fetch it ({type(error).__name__}: {error})") from None
