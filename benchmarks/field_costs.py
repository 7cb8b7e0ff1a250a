"""What each field of the model's answer costs in output tokens, and what it yields.

    python benchmarks/field_costs.py cassettes/examples/*.yaml [cassettes/eval/*.yaml ...]

Reads the answers recorded in cassettes (the last answer of each request's conversation),
splits each into its fields, and counts every field's tokens, its JSON key and punctuation
included, with the embedded model's own tokenizer (its GGUF vocabulary; no engine starts).
For each field:
tokens per answer and their share of the answer, how often it is empty or null, and how
often it copies another field word for word (a statement that repeats its quote). On the
1.5B model every output token costs about a tenth of a second: a field that is mostly null
or a copy is cost without yield.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from summarizer.llm.tokens import engine_counter

# Pairs (field, other) where `field` is worth little when it equals `other`.
COPIES = {("statement", "verbatim_quote"), ("statement", "quote")}


def answers(cassette: Path) -> Iterator[dict[str, Any]]:
    for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
        if not interaction["request"]["uri"].endswith("/chat/completions"):
            continue
        body = json.loads(interaction["response"]["body"]["string"])
        content = body["choices"][0]["message"].get("content")
        try:
            answer = json.loads(content or "")
        except json.JSONDecodeError:
            continue
        if isinstance(answer, dict) and "facts" in answer:
            yield answer


def pieces(answer: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(field path, its JSON text as the model wrote it, value): facts' fields one by one."""
    for key, value in answer.items():
        if key == "facts" and isinstance(value, list):
            for fact in value:
                for fact_key, fact_value in fact.items():
                    text = f'"{fact_key}": {json.dumps(fact_value, ensure_ascii=False)}, '
                    yield f"facts.{fact_key}", text, fact_value
            yield "facts (braces)", "[" + "{}, " * len(value) + "], ", value
        else:
            yield key, f'"{key}": {json.dumps(value, ensure_ascii=False)}, ', value


def empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cassettes", nargs="+", type=Path)
    args = parser.parse_args()
    recorded = [a for path in args.cassettes for a in answers(path)]
    cost: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)
    nulls: dict[str, int] = defaultdict(int)
    copies: dict[str, int] = defaultdict(int)
    counter = engine_counter(None)
    for answer in recorded:
        for path, text, value in pieces(answer):
            cost[path] += counter.count_text(text)
            seen[path] += 1
            nulls[path] += empty(value)
        for fact in answer.get("facts", []):
            for field, other in COPIES:
                if field in fact and other in fact:
                    copies[f"facts.{field}"] += _same(fact[field], fact[other])
    total = sum(cost.values())
    print(f"{len(recorded)} answers from {len(args.cassettes)} cassettes, {total:,} tokens")
    print(f"tokens counted by {counter.name}")
    print(f"{'field':<24}{'tokens/answer':>14}{'share':>8}{'empty':>8}{'copies':>8}")
    for path in sorted(cost, key=lambda p: -cost[p]):
        print(
            f"{path:<24}{cost[path] / len(recorded):>14.1f}{cost[path] / total:>8.0%}"
            f"{nulls[path] / seen[path]:>8.0%}{copies[path] / seen[path]:>8.0%}"
        )


def _same(a: Any, b: Any) -> bool:
    normal = lambda v: " ".join(str(v).casefold().strip(" .").split())  # noqa: E731
    return normal(a) == normal(b)


if __name__ == "__main__":
    main()
