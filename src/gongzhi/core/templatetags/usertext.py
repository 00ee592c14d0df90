"""Built into every template (settings.TEMPLATES "builtins"): free text that people wrote leaves masked.

- `{{ comment.body|masked|linebreaksbr }}`: typed phones and ID numbers masked (`core.usertext.masked`);
- `{{ voice.text|masked_cut:40 }}`: masked, then cut (never the other way round);
- `{% usertext voice.text author=voice.reporter_id cut=40 lines="br" %}`: shown as typed to its author only, masked
  to everyone else; `lines` is "br" (line breaks) or "p" (paragraphs);
- `{{ posted.body|own_input }}`: what the viewer has just typed, shown back in a form to be corrected;
- `{{ text|revealed }}`: what a logged reveal returned;
- `{% who comment.author %}`: a person's or an account's name, in full to those who belong to the page's community
  (and to the person themself), masked for street staff, who get figures only.
`tests/core/test_usertext.py` fails for a template that prints a free-text field without one of them."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import linebreaks_filter, linebreaksbr
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from gongzhi.core import usertext
from gongzhi.core.scoping import belongs_to
from gongzhi.rules.masking import mask_name, mask_phone

register = template.Library()


@register.filter
def masked(text: Any) -> str:
    return usertext.masked(text)


@register.filter
def masked_cut(text: Any, length: int) -> str:
    return usertext.masked_cut(text, int(length))


@register.filter
def own_input(text: Any) -> Any:
    """What the viewer has just typed, shown back in a form to be corrected: never masked, or saving the form again
    would store the stars. Only for the request's own POST data (a model's text goes through `masked`)."""
    return text


@register.filter
def revealed(text: Any) -> Any:
    """The answer of a logged reveal (a service that wrote its SensitiveAccess rows and masked what this reader may
    still not see): shown as the service returned it."""
    return text


@register.simple_tag(takes_context=True, name="usertext")
def usertext_tag(
    context: template.Context, text: Any, author: int | None = None, cut: int | None = None, lines: str = ""
) -> SafeString:
    user = context.get("user")
    own = author is not None and user is not None and user.is_authenticated and user.pk == author
    shown = str(text or "") if own else usertext.masked(text)
    if cut:
        shown = Truncator(shown).chars(int(cut))
    if lines == "br":
        return linebreaksbr(shown, autoescape=True)
    if lines == "p":
        return linebreaks_filter(shown, autoescape=True)
    return conditional_escape(shown)


def _is_self(user: Any, someone: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if hasattr(someone, "account_id"):  # a Person, linked to its account
        return bool(someone.account_id == user.pk)
    return bool(getattr(someone, "pk", None) == user.pk)


@register.simple_tag(takes_context=True)
def who(context: template.Context, someone: Any) -> str:
    if someone is None or someone == "":
        return ""
    # A name typed as text ("王阿姨"); a Person's name; an account's display name, or only its phone.
    name = (
        someone if isinstance(someone, str) else getattr(someone, "name", None) or getattr(someone, "display_name", "")
    )
    user, community = context.get("user"), context.get("community")
    if _is_self(user, someone) or (community is not None and belongs_to(user, getattr(community, "pk", None))):
        return str(name or someone)
    return mask_name(name) if name else mask_phone(str(getattr(someone, "phone", "")))
