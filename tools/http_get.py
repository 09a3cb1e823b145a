"""Built-in `http_get` tool: fetch a URL whose host is on the config's http_allowlist.

Redirects are followed only to allowlisted hosts, so an allowed site cannot bounce
the request elsewhere. HTML is reduced to its visible text.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from http.client import HTTPMessage
from typing import IO, Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field

from agentkit.errors import ToolError
from agentkit.tool import ToolContext, tool

MAX_BYTES = 200_000
_HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def host_allowed(url: str, allowlist: list[str]) -> str:
    """Return the URL's host if http(s) and allowlisted ("*.x.org" allows subdomains)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not host:
        raise ToolError(f"{url!r} is not an http(s) URL")
    for entry in (e.lower().strip() for e in allowlist):
        if host == entry or (entry.startswith("*.") and host.endswith(entry[1:])):
            return host
    raise ToolError(f"host {host!r} is not on http_allowlist; the user must add it to the config")


class _AllowlistRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allowlist: list[str]) -> None:
        self.allowlist = allowlist

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
        headers: HTTPMessage, newurl: str,
    ) -> urllib.request.Request | None:  # fmt: skip
        host_allowed(newurl, self.allowlist)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _text(body: bytes, content_type: str, charset: str | None) -> str:
    text = body.decode(charset or "utf-8", errors="replace")
    if "html" in content_type:
        text = html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", text)))
        text = re.sub(r"\s*\n\s*", "\n", re.sub(r"[ \t\r\f\v]+", " ", text)).strip()
    return text


@tool
def http_get(
    url: Annotated[str, Field(max_length=2000, examples=["https://example.com"])], ctx: ToolContext
) -> str:
    """Fetch a web page and return its text. Only hosts allowed in the config work.

    Args:
        url: the full address, e.g. https://example.com/page.
    """
    allowlist = list(ctx.settings.http_allowlist)
    host = host_allowed(url, allowlist)
    opener = urllib.request.build_opener(_AllowlistRedirects(allowlist))
    request = urllib.request.Request(url, headers={"User-Agent": "agentkit-http_get"})
    timeout = ctx.timeout or ctx.settings.tool_timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_BYTES + 1)
            headers: Any = response.headers
    except urllib.error.HTTPError as exc:
        raise ToolError(f"HTTP {exc.code} {exc.reason} from {host}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise TimeoutError(f"{host} did not answer within {timeout:g}s") from None
        raise ToolError(f"cannot reach {host} ({exc.reason}); the network may be down") from None
    except TimeoutError:
        raise TimeoutError(f"{host} did not answer within {timeout:g}s") from None
    except OSError as exc:
        raise ToolError(f"cannot reach {host} ({exc}); the network may be down") from None
    text = _text(body[:MAX_BYTES], headers.get_content_type(), headers.get_content_charset())
    return text + ("\n…[page truncated]" if len(body) > MAX_BYTES else "")
