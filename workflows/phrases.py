"""A sentence the domain writes for people, which a page may say in the reader's language.

A notice is stored as the Chinese text it is sent as (in the app, by e-mail, by SMS), and
with it the sentence's parts: a :class:`Phrase` is a catalogue form ("【%(kind)s】%(task)s")
and its values, some of them catalogue words themselves (a kind's name, a step's name:
``words``) or phrases in turn. ``text`` is the Chinese sentence; ``web/ui/phrases.py`` says
it again through the catalogue. A module keeps its forms in a module-level table, so the
catalogue finds them (``scripts/i18n_vocab.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

Value = Union[str, "Phrase"]


@dataclass(frozen=True)
class Phrase:
    form: str
    values: Mapping[str, Value] = field(default_factory=dict)
    words: frozenset[str] = frozenset()  # the values that are catalogue words

    @property
    def text(self) -> str:
        """The sentence in Chinese."""
        return self.form % {name: value.text if isinstance(value, Phrase) else value
                            for name, value in self.values.items()}

    def parts(self) -> dict[str, Any]:
        return {"form": self.form, "words": sorted(self.words),
                "values": {name: value.parts() if isinstance(value, Phrase) else value
                           for name, value in self.values.items()}}


def phrase(form: str, /, *, words: Iterable[str] = (), **values: Value) -> Phrase:
    """``form`` with ``values`` (text as it is, or a phrase); ``words`` names the values a
    page translates (a kind's or a step's name)."""
    unknown = set(words) - set(values)
    if unknown:
        raise ValueError(f"words name no value: {sorted(unknown)}")
    return Phrase(form, {name: value if isinstance(value, Phrase) else str(value)
                         for name, value in values.items()}, frozenset(words))


# one item of a list, then the rest ("金安区人民医院，门诊楼"); a catalogue word alone
FORMS: dict[str, str] = {"join": "%(head)s，%(rest)s", "word": "%(word)s"}


def joined(items: Sequence[tuple[str, bool]]) -> Value:
    """The non-empty ``items`` (text, whether it is a catalogue word) joined with "，"."""
    kept = [(text, word) for text, word in items if text]
    if not kept:
        return ""
    text, word = kept[-1]
    out: Value = phrase(FORMS["word"], words=("word",), word=text) if word else text
    for text, word in reversed(kept[:-1]):
        out = phrase(FORMS["join"], words=("head",) if word else (), head=text, rest=out)
    return out


def stored(title: Phrase, body: Phrase) -> str:
    """What a notice keeps of its sentences' parts (``notification.said``)."""
    return json.dumps({"title": title.parts(), "body": body.parts()}, ensure_ascii=False)
