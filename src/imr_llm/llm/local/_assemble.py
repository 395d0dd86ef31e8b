"""Assemble a catalog model's chunk files (installed from PyPI) into one verified GGUF.

Assembly happens once into `<cache_dir>/models/`; the result is hashed and compared with the
catalog's pinned SHA-256. A sidecar `<file>.verified` (size + mtime) saves re-hashing 500 MB on
every start; a changed file is re-hashed, and a mismatch is refused, never used.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from imr_llm._errors import LocalModelError
from imr_llm.llm.local._catalog import INSTALL_HINT, CatalogEntry

CHUNK = 4 * 1024 * 1024


def locate_parts(entry: CatalogEntry) -> list[Path]:
    """The installed chunk files in order; LocalModelError naming what is missing."""
    found: list[Path] = []
    missing: list[str] = []
    for part in entry.parts:
        try:
            dist = metadata.distribution(part.dist)
        except metadata.PackageNotFoundError:
            missing.append(f"{part.dist}=={part.version}")
            continue
        path = Path(str(dist.locate_file(part.path)))
        if not path.is_file():
            missing.append(f"{part.dist}=={part.version} (no {part.path})")
            continue
        found.append(path)
    if missing:
        shown = ", ".join(missing[:4]) + (
            f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        )
        hint = INSTALL_HINT if entry.name == "qwen2.5-coder-0.5b" else entry.install
        raise LocalModelError(
            f"local model {entry.name} is not installed (missing {shown}); install it with: {hint}"
        )
    return found


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns}"


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _verified(target: Path, sha256: str) -> bool:
    """True if `target` matches `sha256` (re-hashing only when the file changed)."""
    sidecar = target.with_name(target.name + ".verified")
    try:
        if sidecar.read_text().split("\n")[:2] == [sha256, _stamp(target)]:
            return True
    except OSError:
        pass
    actual = sha256_file(target)
    if actual != sha256:
        raise LocalModelError(
            f"{target}: SHA-256 {actual} does not match the pinned {sha256}; "
            "refusing to use it (delete the file to re-assemble it from the installed parts)"
        )
    sidecar.write_text(f"{sha256}\n{_stamp(target)}\n")
    return True


def assemble(entry: CatalogEntry, models_dir: Path, parts: list[Path] | None = None) -> Path:
    """Path of the verified GGUF for `entry`, assembling it from its parts if needed.

    `parts` overrides where the chunks come from (tests); by default the installed packages.
    """
    target = models_dir / entry.filename
    with _file_lock(models_dir / f".{entry.filename}.lock"):
        if target.exists() and _verified(target, entry.sha256):
            return target
        chunks = parts if parts is not None else locate_parts(entry)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        digest = hashlib.sha256()
        try:
            with tmp.open("wb") as out:
                for chunk in chunks:
                    with chunk.open("rb") as fh:
                        while block := fh.read(CHUNK):
                            digest.update(block)
                            out.write(block)
            if digest.hexdigest() != entry.sha256:
                raise LocalModelError(
                    f"the parts of local model {entry.name} assemble to SHA-256 "
                    f"{digest.hexdigest()}, not the pinned {entry.sha256}; reinstall them with: "
                    f"{entry.install} --force-reinstall"
                )
            os.replace(tmp, target)
        except OSError as exc:
            raise LocalModelError(f"{target}: cannot assemble the model: {exc.strerror}") from None
        finally:
            tmp.unlink(missing_ok=True)
        target.with_name(target.name + ".verified").write_text(
            f"{entry.sha256}\n{_stamp(target)}\n"
        )
        return target
