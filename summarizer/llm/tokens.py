"""Counting a request's prompt tokens without sending it: for the dry run's estimate.

The embedded model's count is the engine's own: its GGUF's vocabulary (read from the file's
metadata, 6 MB at its head, in 0.1 s: no weights loaded) as a tiktoken BPE, the messages
laid out by the GGUF's own chat template, special tokens parsed as llama.cpp's server parses
them. On the 50 recorded dev requests it equals the server's `prompt_tokens` for every one.

Another endpoint's model is counted by tiktoken's encoding for it when that encoding is
already on this machine (tiktoken downloads it on first use, which an offline machine
cannot); otherwise by `estimate_tokens`, the windows' estimate, which over- rather than
under-counts, and is labelled an estimate.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any, Protocol

import jinja2
import jinja2.sandbox
import tiktoken
from openai.types.chat import ChatCompletionMessageParam

from summarizer.errors import ModelError
from summarizer.inputs.windows import estimate_tokens
from summarizer.llm.model_store import default_model_path, open_model_head
from summarizer.llm.providers import Endpoint
from summarizer.settings import Settings

# The pre-tokenizers llama.cpp names in tokenizer.ggml.pre whose regex we know.
PRE_TOKENIZERS = {
    "qwen2": (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
        r"|\s*[\r\n]+|\s+(?!\S)|\s+"
    ),
}
# OpenAI's chat format: a few tokens around each message, and the reply's start (their
# cookbook's count for the gpt-4 and gpt-4o families).
TOKENS_PER_MESSAGE = 3
REPLY_TOKENS = 3
_NORMAL_TOKEN = 1  # llama.cpp's LLAMA_TOKEN_TYPE_NORMAL; others are special
_GGUF_STRING, _GGUF_ARRAY = 8, 9
_GGUF_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


class TokenCounter(Protocol):
    """Counts what a request's prompt costs, as the endpoint would."""

    @property
    def name(self) -> str:
        """How the count is made, for the estimate's report."""
        ...

    @property
    def exact(self) -> bool:
        """Whether the count is the endpoint's own (else an estimate)."""
        ...

    def count_text(self, text: str) -> int: ...

    def count_messages(self, messages: Sequence[ChatCompletionMessageParam]) -> int: ...


@dataclass(frozen=True)
class GgufVocab:
    """What a GGUF's metadata says about its tokenizer."""

    model: str  # "gpt2": byte-level BPE
    pre: str
    tokens: list[bytes]
    types: list[int]
    chat_template: str | None


@dataclass(frozen=True)
class EngineCounter:
    """The embedded engine's count: its model's vocabulary and chat template."""

    encoding: tiktoken.Encoding
    template: jinja2.Template
    name: str
    exact: bool = True

    def count_text(self, text: str) -> int:
        return len(self.encoding.encode(text, allowed_special="all"))

    def count_messages(self, messages: Sequence[ChatCompletionMessageParam]) -> int:
        prompt = self.template.render(messages=list(messages), add_generation_prompt=True)
        return self.count_text(prompt)


@dataclass(frozen=True)
class TiktokenCounter:
    """An OpenAI model's count: its tiktoken encoding, and the chat format's few tokens."""

    encoding: tiktoken.Encoding
    name: str
    exact: bool = True

    def count_text(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))

    def count_messages(self, messages: Sequence[ChatCompletionMessageParam]) -> int:
        texts = (str(m.get("content") or "") for m in messages)
        return sum(TOKENS_PER_MESSAGE + self.count_text(t) for t in texts) + REPLY_TOKENS


@dataclass(frozen=True)
class EstimatingCounter:
    """No tokenizer at hand: the windows' estimate (summarizer.inputs.windows), which counts
    high rather than low."""

    name: str = "estimate: about 4 characters a token (no tokenizer for this model here)"
    exact: bool = False

    def count_text(self, text: str) -> int:
        return estimate_tokens(text)

    def count_messages(self, messages: Sequence[ChatCompletionMessageParam]) -> int:
        texts = (str(m.get("content") or "") for m in messages)
        return sum(TOKENS_PER_MESSAGE + self.count_text(t) for t in texts) + REPLY_TOKENS


def token_counter(settings: Settings, endpoint: Endpoint) -> TokenCounter:
    """The counter for the run's endpoint: the engine's own for the embedded model, tiktoken
    for an OpenAI model whose encoding is here, else the estimate."""
    if endpoint.provider == "local":
        return engine_counter(settings.model_path)
    encoding = cached_tiktoken(endpoint.model)
    if encoding is not None:
        return TiktokenCounter(encoding, f"tiktoken {encoding.name}")
    return EstimatingCounter()


@cache
def engine_counter(model_path: Path | None) -> TokenCounter:
    """The embedded model's counter, from `model_path`'s GGUF (None: the default model, read
    from its first package when it is not assembled yet); the estimate, named as one, for a
    GGUF whose tokenizer we cannot rebuild."""
    try:
        with open_model_head(model_path) as head:
            vocab = read_gguf_vocab(head, str(model_path or default_model_path()))
    except ModelError as exc:  # the estimate goes on, named as one
        return EstimatingCounter(name=f"estimate: about 4 characters a token ({exc})")
    pattern = PRE_TOKENIZERS.get(vocab.pre)
    if vocab.model != "gpt2" or pattern is None or vocab.chat_template is None:
        return EstimatingCounter(
            name=f"estimate: no tokenizer for {vocab.model}/{vocab.pre} GGUFs (about 4 "
            "characters a token)"
        )
    encoding = _bpe_encoding(vocab, pattern)
    name = f"the engine's tokenizer ({(model_path or default_model_path()).name})"
    return EngineCounter(encoding, _chat_template(vocab.chat_template), name)


def read_gguf_vocab(head: IO[bytes], source: str) -> GgufVocab:
    """The tokenizer's entries of a GGUF's metadata (the file's head; no tensor is read)."""
    reader = _GgufReader(head, source)
    metadata = reader.metadata()
    try:
        return GgufVocab(
            model=_text(metadata["tokenizer.ggml.model"]),
            pre=_text(metadata.get("tokenizer.ggml.pre", b"default")),
            tokens=list(metadata["tokenizer.ggml.tokens"]),
            types=list(metadata["tokenizer.ggml.token_type"]),
            chat_template=_text(metadata["tokenizer.chat_template"])
            if "tokenizer.chat_template" in metadata
            else None,
        )
    except (KeyError, TypeError) as exc:
        raise ModelError(f"{source}: no tokenizer in its GGUF metadata ({exc})") from None


class _GgufReader:
    """GGUF's header and metadata (version 2 and 3): keys, typed values, arrays of them."""

    def __init__(self, head: IO[bytes], source: str) -> None:
        self.head = head
        self.source = source

    def metadata(self) -> dict[str, Any]:
        if self.head.read(4) != b"GGUF":
            raise ModelError(f"{self.source}: not a GGUF file")
        self._unpack("<I", 4)  # version
        self._unpack("<Q", 8)  # tensors
        count = self._unpack("<Q", 8)
        return {self._string().decode(): self._value(self._unpack("<I", 4)) for _ in range(count)}

    def _read(self, size: int) -> bytes:
        data = self.head.read(size)
        if len(data) != size:
            raise ModelError(f"{self.source}: its GGUF metadata ends early")
        return data

    def _unpack(self, fmt: str, size: int) -> Any:
        return struct.unpack(fmt, self._read(size))[0]

    def _string(self) -> bytes:
        return self._read(self._unpack("<Q", 8))

    def _value(self, kind: int) -> Any:
        if kind == _GGUF_STRING:
            return self._string()
        if kind == _GGUF_ARRAY:
            element, count = self._unpack("<I", 4), self._unpack("<Q", 8)
            if element == _GGUF_STRING:
                return [self._string() for _ in range(count)]
            if element == _GGUF_ARRAY or element not in _GGUF_SIZES:
                raise ModelError(f"{self.source}: unsupported GGUF array of type {element}")
            size = _GGUF_SIZES[element]
            return struct.unpack(f"<{count}{_FORMATS[element][1:]}", self._read(size * count))
        if kind not in _GGUF_SIZES:
            raise ModelError(f"{self.source}: unknown GGUF value type {kind}")
        return self._unpack(_FORMATS[kind], _GGUF_SIZES[kind])


_FORMATS = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
    10: "<Q", 11: "<q", 12: "<d",
}  # fmt: skip


def _text(value: object) -> str:
    if not isinstance(value, bytes):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value.decode("utf-8")


def _bpe_encoding(vocab: GgufVocab, pattern: str) -> tiktoken.Encoding:
    """A byte-level BPE vocabulary as tiktoken's: a token's rank is its id, as in every
    vocabulary that began as tiktoken's (Qwen's did), so its merges need not be read."""
    byte_of = _unicode_to_byte()
    ranks: dict[bytes, int] = {}
    special: dict[str, int] = {}
    for token_id, (token, kind) in enumerate(zip(vocab.tokens, vocab.types, strict=True)):
        text = token.decode("utf-8")
        if kind == _NORMAL_TOKEN:
            ranks[bytes(byte_of[c] for c in text)] = token_id
        else:
            special[text] = token_id
    return tiktoken.Encoding(
        vocab.pre, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special
    )


def _unicode_to_byte() -> dict[str, int]:
    """GPT-2's byte-level alphabet, reversed: a printable character for each byte."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    chars = {b: b for b in printable}
    extra = (b for b in range(256) if b not in chars)
    for n, byte in enumerate(extra):
        chars[byte] = 256 + n
    return {chr(c): b for b, c in chars.items()}


def _chat_template(source: str) -> jinja2.Template:
    """The GGUF's chat template, as the engine renders it (use_jinja): sandboxed."""
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    environment.globals["raise_exception"] = _raise_exception
    return environment.from_string(source)


def _raise_exception(message: str) -> None:
    raise jinja2.TemplateError(message)


def cached_tiktoken(model: str) -> tiktoken.Encoding | None:
    """tiktoken's encoding for `model`, only if its file is already in tiktoken's cache:
    never a download (tiktoken would try one, and wait on it, on a machine offline)."""
    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        return None
    if not any(_in_cache(url) for url in _encoding_urls(name)):
        return None
    try:
        return tiktoken.get_encoding(name)
    except (OSError, ValueError):
        return None


def _encoding_urls(name: str) -> Iterable[str]:
    """Where tiktoken fetches an encoding's file (tiktoken_ext.openai_public)."""
    return [f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"]


def _in_cache(url: str) -> bool:
    """Where tiktoken.load keeps a downloaded file."""
    folder = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    root = Path(folder) if folder else Path(tempfile.gettempdir()) / "data-gym-cache"
    return (root / hashlib.sha1(url.encode()).hexdigest()).is_file()
