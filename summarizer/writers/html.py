"""The jinja2 templates of the HTML pages (the digest, the review page), autoescaped."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template


@cache
def html_template(name: str) -> Template:
    environment = Environment(
        loader=PackageLoader("summarizer.writers", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(name)
