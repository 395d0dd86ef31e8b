"""Prompt templates: a `PromptSet` loaded from a directory of ``*.j2`` files.

Where the templates live:

- ``prompts/`` at the repository root is the one, human-edited copy.
- ``imr_llm/drafting/prompts/`` is a symlink to it (``../../../prompts``); building an sdist or
  wheel copies the files it points to, so an installed package ships them as package data and
  works without the repository.
- `load_prompts()` with no directory uses the repository copy when running from a checkout,
  else the packaged copy. `load_prompts(DIR)` overlays a user directory on the defaults: a file
  there replaces the default template of the same name, the others stay.

Every template is compiled by a jinja2 `SandboxedEnvironment` with `StrictUndefined` (an unknown
variable is an error, not an empty string). Records, excerpts and requests are passed as
VARIABLES: their text is inserted as data and never compiled as template source, so a record
containing ``{{ 7*7 }}`` comes out unchanged. The set's `version` is a hash of the effective
templates' names and contents, so any edit changes it (and with it the model-call cache key).

Rendering is bounded, so a user template cannot hang or flood the machine: at most
MAX_OUTPUT_CHARS of output, MAX_LOOP_ITERATIONS loop steps in all, `range()` up to
MAX_RANGE, `**` only on small operands, and `*` repetition only up to the output limit. Each
breach is a one-line PromptError naming the template.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from imr_llm._errors import PromptError

SUFFIX = ".j2"
_HEADER = re.compile(r"\A\s*\{#-?\s*(.*?)\s*-?#\}", re.DOTALL)
_PACKAGED = "prompts"


def repo_prompts_dir() -> Path | None:
    """``prompts/`` of the source checkout this module runs from, if any."""
    root = Path(__file__).resolve().parents[3]
    candidate = root / "prompts"
    if (root / "pyproject.toml").is_file() and any(candidate.glob(f"*{SUFFIX}")):
        return candidate
    return None


def packaged_prompts_dir() -> Path:
    """The copy shipped inside the package."""
    return Path(str(resources.files("imr_llm.drafting").joinpath(_PACKAGED)))


def default_prompts_dir() -> Path:
    return repo_prompts_dir() or packaged_prompts_dir()


def letter_date(value: dt.date | str | None) -> str:
    """A date the way the letters' summaries write it: 11-2-16."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return f"{value.month}-{value.day}-{value.year % 100:02d}"


def join_and(items: Iterable[Any]) -> str:
    """'a', 'a and b', 'a, b, and c'."""
    parts = [str(i) for i in items if str(i).strip()]
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + ", and " + parts[-1]


def sentence(text: Any) -> str:
    """Strip and drop a trailing period so templates can add their own."""
    return str(text).strip().rstrip(".").strip()


MAX_OUTPUT_CHARS = 8_000_000
MAX_LOOP_ITERATIONS = 2_000_000
MAX_RANGE = 100_000
MAX_POWER_BITS = 4_096
_STEPS: contextvars.ContextVar[list[int]] = contextvars.ContextVar("imr_llm_template_steps")


def _bounded_iter(iterable: Any) -> Iterable[Any]:
    """Every `{% for %}` iterates through this: the steps of one render are counted."""
    steps = _STEPS.get(None)
    for item in iterable:
        if steps is not None:
            steps[0] += 1
            if steps[0] > MAX_LOOP_ITERATIONS:
                raise SecurityError(f"more than {MAX_LOOP_ITERATIONS:,} loop steps")
        yield item


def _bounded_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(f"range() of more than {MAX_RANGE:,} items")
    return rng


def _too_long(value: Any, times: Any) -> bool:
    return (
        isinstance(value, str | list | tuple)
        and isinstance(times, int)
        and len(value) * max(times, 0) > MAX_OUTPUT_CHARS
    )


class _BoundedEnvironment(SandboxedEnvironment):
    """The sandbox plus bounds on `**`, `*` repetition and loop steps (see module docstring)."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(left, int) and isinstance(right, int):
                bits = max(abs(left).bit_length(), 1) * max(right, 0)
                if bits > MAX_POWER_BITS:
                    raise SecurityError(f"power too large (over {MAX_POWER_BITS} bits)")
            try:
                return operator.pow(left, right)
            except OverflowError:
                raise SecurityError("power too large") from None
        if op == "*" and (_too_long(left, right) or _too_long(right, left)):
            raise SecurityError(f"repetition longer than {MAX_OUTPUT_CHARS:,} items")
        return super().call_binop(context, op, left, right)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):  # count the steps of every loop
            loop.iter = nodes.Call(
                nodes.Name("_imr_bounded_iter", "load"), [loop.iter], [], None, None
            )
        return tree


def _environment(templates: dict[str, str]) -> SandboxedEnvironment:
    env = _BoundedEnvironment(
        loader=jinja2.DictLoader(templates),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(letter_date=letter_date, join_and=join_and, sentence=sentence)
    env.globals.update(range=_bounded_range, _imr_bounded_iter=_bounded_iter)
    return env


@dataclass(frozen=True)
class PromptSet:
    """Named templates plus a content-hash version."""

    templates: dict[str, str]
    sources: dict[str, str] = field(default_factory=dict)
    """Template name -> file it was read from."""

    @cached_property
    def version(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.templates):
            digest.update(name.encode() + b"\0" + self.templates[name].encode() + b"\0")
        return digest.hexdigest()[:12]

    @cached_property
    def _env(self) -> SandboxedEnvironment:
        env = _environment(self.templates)
        for name in self.templates:  # compile all now: a syntax error names its file
            try:
                env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                raise PromptError(
                    f"template syntax error at line {exc.lineno}: {exc.message}",
                    path=self.sources.get(name, name),
                ) from exc
        return env

    def names(self) -> list[str]:
        return sorted(self.templates)

    def source(self, name: str) -> str:
        try:
            return self.templates[name]
        except KeyError:
            raise PromptError(f"no template {name!r}; have: {', '.join(self.names())}") from None

    def description(self, name: str) -> str:
        """The template's header comment (what it asks the model for, or renders)."""
        match = _HEADER.match(self.source(name))
        return " ".join(match.group(1).split()) if match else ""

    def render(self, name: str, /, **variables: Any) -> str:
        """Render template `name`; variables are data, never compiled as template source."""
        self.source(name)
        where = self.sources.get(name, name)
        token = _STEPS.set([0])
        try:
            template = self._env.get_template(name)
            parts: list[str] = []
            size = 0
            for chunk in template.generate(**variables):
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    raise PromptError(
                        f"template output exceeds {MAX_OUTPUT_CHARS:,} characters", path=where
                    )
                parts.append(chunk)
            return "".join(parts).strip()
        except SecurityError as exc:
            raise PromptError(f"template stopped: {exc}", path=where) from None
        except (OverflowError, MemoryError, RecursionError) as exc:
            raise PromptError(
                f"template failed to render ({type(exc).__name__})", path=where
            ) from None
        except jinja2.UndefinedError as exc:
            raise PromptError(
                f"template needs a variable it was not given ({exc.message})",
                path=self.sources.get(name, name),
            ) from exc
        except jinja2.TemplateError as exc:
            raise PromptError(
                f"template failed to render ({type(exc).__name__})",
                path=self.sources.get(name, name),
            ) from exc
        finally:
            _STEPS.reset(token)


def _read_dir(directory: Path) -> tuple[dict[str, str], dict[str, str]]:
    if not directory.is_dir():
        raise PromptError("prompt directory not found", path=directory)
    templates: dict[str, str] = {}
    sources: dict[str, str] = {}
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        try:
            templates[path.stem] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PromptError(f"cannot read template ({type(exc).__name__})", path=path) from exc
        sources[path.stem] = str(path)
    return templates, sources


def load_prompts(directory: str | Path | None = None) -> PromptSet:
    """The default templates, overlaid with `directory`'s ``*.j2`` files if given."""
    templates, sources = _read_dir(default_prompts_dir())
    if directory is not None:
        user_dir = Path(directory)
        extra, extra_sources = _read_dir(user_dir)
        if not extra:
            raise PromptError(f"no *{SUFFIX} templates in directory", path=user_dir)
        templates.update(extra)
        sources.update(extra_sources)
    prompts = PromptSet(templates=templates, sources=sources)
    prompts._env  # noqa: B018  (compile now so syntax errors surface at load time)
    return prompts
