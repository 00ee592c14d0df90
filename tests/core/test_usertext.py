"""Free text leaves masked: every model text field is classified (core/usertext.py), and no template prints a
free-text field without `masked`, `masked_cut` or `{% usertext %}` first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.template import Context, engines
from django.template.base import FilterExpression, Node, NodeList, VariableNode
from django.template.library import SimpleNode
from django.utils.text import Truncator

from gongzhi.core.usertext import NOT_FREE_TEXT, USER_TEXT, user_text_names

SRC = Path(__file__).resolve().parents[2] / "src" / "gongzhi"
MASKING_FILTERS = {"masked", "masked_cut", "own_input", "revealed"}
PHONE, ID_NUMBER = "13912345678", "110105194912310021"


def text_fields() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("gongzhi."):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                found.setdefault(model._meta.label, set()).add(field.name)
    return found


def test_every_model_text_field_is_free_text_or_named_as_not():
    found = text_fields()
    declared: dict[str, set[str]] = {}
    for table in (USER_TEXT, NOT_FREE_TEXT):
        for label, names in table.items():
            declared.setdefault(label, set()).update(names)
    both = {label: set(USER_TEXT[label]) & set(NOT_FREE_TEXT[label]) for label in USER_TEXT.keys() & NOT_FREE_TEXT}
    assert {k: v for k, v in both.items() if v} == {}
    unclassified = {label: sorted(names - declared.get(label, set())) for label, names in found.items()}
    assert {k: v for k, v in unclassified.items() if v} == {}, "add them to USER_TEXT or NOT_FREE_TEXT"
    stale = {label: sorted(names - found.get(label, set())) for label, names in declared.items()}
    assert {k: v for k, v in stale.items() if v} == {}


def _nodes(nodelist: NodeList) -> Iterator[Node]:
    for node in nodelist:
        yield node
        for value in vars(node).values():
            if isinstance(value, NodeList):
                yield from _nodes(value)
            elif isinstance(value, list) and value and isinstance(value[0], tuple):  # {% if %}: (condition, nodes)
                for _condition, nodes in value:
                    if isinstance(nodes, NodeList):
                        yield from _nodes(nodes)


def _printed(node: Node) -> Iterator[FilterExpression]:
    """The expressions a node prints or hands on to print: {{ x }}, {% with %}, {% blocktranslate with %},
    {% include … with %}; never an {% if %} condition, which prints nothing."""
    if isinstance(node, VariableNode):
        yield node.filter_expression
        return
    if isinstance(node, SimpleNode):
        if node.func.__name__ == "usertext_tag":
            return  # masks for everyone but the author itself
        yield from node.args
        yield from node.kwargs.values()
        return
    extra = getattr(node, "extra_context", None)
    if isinstance(extra, dict):
        yield from (v for v in extra.values() if isinstance(v, FilterExpression))


def checked_names(app: str | None) -> frozenset[str]:
    """The names a template of `app` must mask: free text anywhere, except a name that is a number or a link on some
    model (a service record's `minutes`), which is checked only in the apps whose models hold it as text."""
    ambiguous = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.name in user_text_names() and not isinstance(field, models.CharField | models.TextField):
                ambiguous.add(field.name)
    own = {name for label, names in USER_TEXT.items() if label.split(".")[0] == app for name in names}
    return frozenset((user_text_names() - ambiguous) | own)


def unmasked_free_text(source: str, app: str | None = None) -> list[str]:
    names = checked_names(app)
    template = engines["django"].engine.from_string(source)
    found = []
    for node in _nodes(template.nodelist):
        for expression in _printed(node):
            lookups = getattr(expression.var, "lookups", None)
            if not lookups or lookups[-1] not in names:
                continue
            if any(part.endswith("form") for part in lookups[:-1]):
                continue  # a form's field prints an input for the person editing it, not text for others to read
            first = expression.filters[0][0].__name__ if expression.filters else None
            if first not in MASKING_FILTERS:
                found.append(expression.token)
    return found


def templates() -> list[Path]:
    return sorted(SRC.glob("*/templates/**/*.html"))


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(SRC)))
def test_templates_mask_free_text_before_anything_else(path: Path):
    app = path.relative_to(SRC).parts[0]
    assert unmasked_free_text(path.read_text(encoding="utf-8"), app) == []


def test_the_walker_sees_every_way_a_template_prints():
    """The walker itself can fail: each way of printing an unmasked field is found, each masked one passes."""
    bad = (
        "{{ c.body }}|{{ c.body|linebreaksbr }}|{{ v.text|truncatechars:40|masked }}|{% if x %}{{ t.title }}{% endif %}"
        "|{% for m in ms %}{{ m.minutes }}{% endfor %}|{% with s=t.summary %}{{ s }}{% endwith %}"
        "|{% blocktranslate with r=v.public_reason %}因为{{ r }}{% endblocktranslate %}"
    )
    assert unmasked_free_text("{% load i18n %}" + bad, "deliberation") == [
        "c.body",
        "c.body|linebreaksbr",
        "v.text|truncatechars:40|masked",
        "t.title",
        "m.minutes",
        "t.summary",
        "v.public_reason",
    ]
    good = "{{ c.body|masked|linebreaksbr }}{{ v.text|masked_cut:40 }}{% usertext v.text author=v.reporter_id %}"
    assert unmasked_free_text(good) == []


class _User:
    def __init__(self, pk: int) -> None:
        self.pk, self.is_authenticated = pk, True


@pytest.mark.parametrize(
    ("viewer", "own"),
    [(AnonymousUser(), False), (_User(8), False), (_User(7), True)],
    ids=["anonymous", "someone else", "the author"],
)
def test_usertext_shows_the_author_their_own_text_and_masks_it_for_everyone_else(viewer, own):
    template = engines["django"].engine.from_string(
        '{% usertext text author=7 lines="br" %}|{% usertext text author=7 cut=12 %}|{{ text|masked_cut:12 }}'
    )
    out = template.render(Context({"user": viewer, "text": "请联系13912340021\n<b>谢谢</b>"}))
    whole, cut, always = out.split("|")
    number = "13912340021" if own else "139****0021"
    assert whole == f"请联系{number}<br>&lt;b&gt;谢谢&lt;/b&gt;"
    # Masked first, then cut to 12 characters with the ellipsis: cut first, the digits left would no longer look
    # like a phone and would be shown.
    ellipsis = Truncator("x" * 20).chars(12).lstrip("x")  # "…" or, in zh-Hans, "..."
    assert cut == ("请联系139123" if own else "请联系139***")[: 12 - len(ellipsis)] + ellipsis
    assert always == "请联系139***"[: 12 - len(ellipsis)] + ellipsis
