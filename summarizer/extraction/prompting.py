"""Prompt templates (jinja2, StrictUndefined) and the messages they render for a document."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2
from openai.types.chat import ChatCompletionMessageParam

from summarizer.errors import PromptError
from summarizer.extraction.models import MAX_FACTS, MAX_NAMES, MAX_SUMMARY_SENTENCES, MIN_FACTS
from summarizer.inputs.documents import Document

TEMPLATE_FILES = ("system.j2", "user.j2")


@dataclass(frozen=True)
class PromptSet:
    name: str
    system: jinja2.Template
    user: jinja2.Template
    hash: str
    # What else the templates are given for every document: the schema's fields, the
    # few-shot examples. Their hash is part of `hash`.
    context: Mapping[str, object] = field(default_factory=dict)

    def with_context(self, context: Mapping[str, object], context_hash: str) -> PromptSet:
        """The same templates given `context` too, with a hash that changes with it."""
        combined = hashlib.sha256(f"{self.hash}\0{context_hash}".encode()).hexdigest()[:16]
        return replace(self, context={**self.context, **context}, hash=combined)

    def render(
        self, document: Document, language: str | None = None
    ) -> list[ChatCompletionMessageParam]:
        """The messages for one document; `language`, if given, is the headline's and the
        summary's (the facts stay in the article's, to be checked against it)."""
        return self.render_with(
            {
                "text": document.body,
                "title": document.title,
                "language": language,
                "fence": fence(document),
                "min_facts": MIN_FACTS,
                "max_facts": MAX_FACTS,
                "max_summary_sentences": MAX_SUMMARY_SENTENCES,
                "max_names": MAX_NAMES,
                "examples": [],
            }
            | dict(self.context)
        )

    def render_with(self, variables: dict[str, object]) -> list[ChatCompletionMessageParam]:
        try:
            return [
                {"role": "system", "content": self.system.render(variables).strip()},
                {"role": "user", "content": self.user.render(variables).strip()},
            ]
        except jinja2.UndefinedError as exc:
            raise PromptError(f"prompt {self.name!r}: {exc.message}") from None


def fence(document: Document) -> str:
    """The id of the tags around a document in the prompt: a hash of its title and text, so
    that neither can hold the closing tag (it would have to contain its own hash), and the
    same document always gets the same prompt (cache keys, cassettes)."""
    content = f"{document.title or ''}\0{document.text}".encode()
    return hashlib.sha256(content).hexdigest()[:12]


def builtin_prompts_dir() -> Path:
    """Inside an installed wheel the templates sit in the package; in a checkout, at the top."""
    package = Path(__file__).parents[1]
    packaged = package / "prompts"
    return packaged if packaged.is_dir() else package.parent / "prompts"


def available_prompts(prompts_dir: Path | None = None) -> list[str]:
    root = prompts_dir or builtin_prompts_dir()
    return sorted(p.name for p in root.iterdir() if (p / TEMPLATE_FILES[0]).is_file())


def load_prompt_set(name: str = "default", prompts_dir: Path | None = None) -> PromptSet:
    folder = (prompts_dir or builtin_prompts_dir()) / name
    missing = [f for f in TEMPLATE_FILES if not (folder / f).is_file()]
    if missing:
        raise PromptError(f"prompt {name!r}: {folder} has no {', '.join(missing)}")
    sources = {f: (folder / f).read_text(encoding="utf-8") for f in TEMPLATE_FILES}
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    try:
        system, user = (env.from_string(sources[f]) for f in TEMPLATE_FILES)
    except jinja2.TemplateSyntaxError as exc:
        raise PromptError(f"prompt {name!r}: {exc.message} (line {exc.lineno})") from None
    return PromptSet(name=name, system=system, user=user, hash=_hash_sources(sources))


def _hash_sources(sources: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for filename in TEMPLATE_FILES:
        digest.update(filename.encode() + b"\0" + sources[filename].encode() + b"\0")
    return digest.hexdigest()[:16]
