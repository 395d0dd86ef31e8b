"""Where records may go: the egress policy, key scoping and URL masking.

Records (PHI) leave the machine only for an endpoint the user named: on the command line
(`--model URL::name`, `--allow-remote HOST`) or in the environment (`IMR_LLM_MODEL`,
`OPENAI_BASE_URL`, `IMR_LLM_ALLOW_REMOTE`). A project file (`[tool.imr-llm]` in a
pyproject.toml of the working directory) can choose among endpoints, but never allows a
non-loopback one by itself. Loopback endpoints (127.0.0.0/8, ::1, localhost) are always allowed.

Secrets written into a URL (`user:password@`, query values such as `?api-key=`) are masked
wherever a URL or spec is written (config.json, metrics, reports, errors, stderr).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from imr_llm._errors import ModelConfigError

OPENAI_HOST = "api.openai.com"
MASK = "***"
ALLOW_ENV = "IMR_LLM_ALLOW_REMOTE"


class EgressRefused(ModelConfigError):
    """Records would go to a non-loopback endpoint the user did not allow (exit 2)."""

    exit_code = 2


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return None
    return parts if parts.scheme and parts.hostname else None


def host_of(url: str) -> str | None:
    """The lower-cased host of `url`, or None when it is not a URL."""
    parts = _split(url)
    return None if parts is None else (parts.hostname or "").lower() or None


def is_loopback(url: str) -> bool:
    """True for http(s) URLs on 127.0.0.0/8, ::1 or localhost."""
    host = host_of(url)
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mask_url(url: str) -> str:
    """`url` with the user-info and every query value replaced by `***`."""
    parts = _split(url)
    if parts is None:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK) for k, _ in pairs], safe="*")
    fragment = MASK if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def mask_spec(spec: str) -> str:
    """A model spec with any URL in it masked (`<url>::<model>` keeps the model name)."""
    text = spec.strip()
    if not text.startswith(("http://", "https://")):
        return spec
    base, sep, model = text.rpartition("::")
    if not sep:
        return mask_url(text)
    return f"{mask_url(base)}::{model}"


def parse_allow_list(raw: str | Iterable[str] | None) -> list[str]:
    """Entries of `IMR_LLM_ALLOW_REMOTE` / `--allow-remote`: comma- or space-separated hosts,
    host:port pairs or URLs."""
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        for part in item.replace(",", " ").split():
            if part:
                out.append(part)
    return out


def _entry_parts(entry: str) -> tuple[str | None, str, int | None] | None:
    """(scheme or None, host, port or None) of an allow-list entry."""
    text = entry.strip()
    if "://" not in text:
        text = f"//{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return (parts.scheme or None), parts.hostname.lower(), port


def allows(entries: Iterable[str], url: str) -> bool:
    """True when one entry names `url`'s host (and its scheme and port, where given)."""
    parts = _split(url)
    if parts is None:
        return False
    host = (parts.hostname or "").lower()
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    for entry in entries:
        named = _entry_parts(entry)
        if named is None:
            continue
        scheme, entry_host, entry_port = named
        if entry_host != host:
            continue
        if scheme is not None and scheme != parts.scheme:
            continue
        if entry_port is not None and entry_port != port:
            continue
        return True
    return False


def check_egress(url: str, allowed: Iterable[str], *, spec: str, origin: str | None) -> None:
    """Raise EgressRefused unless `url` is loopback or named in `allowed`."""
    if is_loopback(url) or allows(allowed, url):
        return
    host = host_of(url) or mask_url(url)
    where = f" (set by {origin})" if origin else ""
    raise EgressRefused(
        f"model {mask_spec(spec)} would send the records to {mask_url(url)}{where}, which is "
        f"not on this machine; allow it with --allow-remote {host} or {ALLOW_ENV}={host}"
    )


def key_belongs_to(url: str, openai_base_url: str | None) -> bool:
    """True when OPENAI_API_KEY may go to `url`: the OpenAI host or OPENAI_BASE_URL's origin."""
    if host_of(url) == OPENAI_HOST and (_split(url) or urlsplit("")).scheme == "https":
        return True
    if openai_base_url:
        mine, theirs = _split(url), _split(openai_base_url)
        if mine is None or theirs is None:
            return False
        return (mine.scheme, (mine.hostname or "").lower(), mine.port) == (
            theirs.scheme,
            (theirs.hostname or "").lower(),
            theirs.port,
        )
    return False
