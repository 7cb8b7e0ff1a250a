"""The package map is a contract: a stage imports the stages below it, never those above, and
the library never imports the CLI (pyproject.toml's [tool.importlinter])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_no_context_variable_steers_the_library() -> None:
    """What a call needs travels as an argument (summarizer.llm.client.Call), not as state set
    far away."""
    users = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "summarizer").rglob("*.py")
        if "ContextVar" in path.read_text(encoding="utf-8")
    ]
    assert users == []


def test_every_exception_class_is_defined_in_errors_py() -> None:
    import ast

    elsewhere = []
    for path in (ROOT / "summarizer").rglob("*.py"):
        if path.name == "errors.py" and path.parent.name == "summarizer":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name | ast.Attribute)
                and (getattr(base, "id", None) or getattr(base, "attr", "")).endswith(
                    ("Error", "Exception")
                )
                for base in node.bases
            ):
                elsewhere.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert elsewhere == []
