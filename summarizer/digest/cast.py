"""One cast for the story: the entities every outlet names, resolved across outlets.

"Netanyahu", "Benjamin Netanyahu" and "Prime Minister Netanyahu" share a surname;
"the Israeli prime minister" and "the Israeli leader" are descriptions that fit one person
of the cast (his office and his country, as the outlets title him). Each member lists the
outlets that name it and the titles each gives it: where the "former President" conflict
comes from."""

from __future__ import annotations

import re
from collections.abc import Iterator

from summarizer.digest.conflicts import person_name, titles_of
from summarizer.digest.lexicon import country_of
from summarizer.digest.models import CastMember
from summarizer.digest.sources import Source
from summarizer.evidence.names import is_demonym
from summarizer.extraction.models import EntityType
from summarizer.inputs.text import stem

# Descriptions that stand for a person: "the Israeli prime minister", "the former president".
_DESCRIPTION = re.compile(
    r"\bthe\s+(?:(?P<former>former|then|outgoing)\s+)?(?P<demonym>[A-Z][\w.-]+\s+)?"
    r"(?P<office>prime minister|president|leader|premier|foreign minister|defense minister)\b",
    re.IGNORECASE,
)
# A leader is whoever heads the country: its prime minister or its president.
_HEADS = {"prime minister", "president", "premier"}


def cast(sources: list[Source]) -> list[CastMember]:
    members: dict[str, CastMember] = {}
    for source in sources:
        for entity in source.result.entities:
            key, name = _key(entity.name, entity.type)
            member = members.setdefault(
                key, CastMember(name=name, type=str(entity.type), aliases=[], articles=[])
            )
            if len(name) > len(member.name):
                member.name = name
            _add(member.aliases, entity.name)
            _add(member.articles, source.label)
    people = {k: m for k, m in members.items() if m.type == EntityType.PERSON}
    for member in people.values():
        for source in sources:
            titles = [_tidy_title(t) for t in titles_of(source, member.name)]
            if titles:
                member.titles[source.label] = list(dict.fromkeys(titles))
    for source, phrase, key in _descriptions(sources, people):
        _add(people[key].aliases, phrase)
        _add(people[key].articles, source.label)
    for member in members.values():
        for source in sources:
            if any(_names(source.article.text, alias) for alias in _short_forms(member)):
                _add(member.articles, source.label)
    ordered = sorted(members.values(), key=lambda m: (-len(m.articles), m.type, m.name))
    for member in ordered:
        member.articles.sort()
    return ordered


def _tidy_title(title: str) -> str:
    """Without the capitalized word that opens its sentence ("For Prime Minister")."""
    return re.sub(r"^(?:For|As|In|But|And|When|While|After)\s+", "", title)


def _key(name: str, kind: EntityType) -> tuple[str, str]:
    if kind == EntityType.PERSON:
        plain = person_name(name)
        return f"person:{plain.split()[-1].casefold()}", plain
    tidy = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    squeezed = re.sub(r"[\s.]", "", tidy).casefold()
    return f"{kind}:{squeezed}", tidy


def _descriptions(
    sources: list[Source], people: dict[str, CastMember]
) -> Iterator[tuple[Source, str, str]]:
    """Each description that fits exactly one person of the cast, with that person's key."""
    for source in sources:
        for match in _DESCRIPTION.finditer(source.article.text):
            fitting = [k for k, m in people.items() if _fits(match, m)]
            if len(fitting) == 1:
                yield source, " ".join(match.group().split()), fitting[0]


def _fits(match: re.Match[str], member: CastMember) -> bool:
    office = match.group("office").lower()
    titles = [t.lower() for ts in member.titles.values() for t in ts]
    holds = [
        t for t in titles if office in t or (office == "leader" and any(h in t for h in _HEADS))
    ]
    if not holds:
        return False
    if match.group("former") and not any("former" in t for t in holds):
        return False
    demonym = (match.group("demonym") or "").strip()
    if demonym and is_demonym(demonym):
        country = country_of(demonym)
        return any(demonym.lower() in t or (country and country in stem(t)) for t in holds)
    return not demonym


def _short_forms(member: CastMember) -> list[str]:
    if member.type == EntityType.PERSON:
        return [member.name.split()[-1]]
    return [a for a in member.aliases if len(a) > 2]


def _names(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def _add(values: list[str], value: str) -> None:
    if value.casefold() not in {v.casefold() for v in values}:
        values.append(value)
