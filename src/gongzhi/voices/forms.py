"""Form pieces the 社情民意 pages share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _


class CategoryPlaceForm(forms.Form):
    """A form with `category` and `place` choice fields filled from the community's categories and place tree."""

    def __init__(self, *args: Any, categories: list[Any], places: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_field = self.fields["category"]
        place_field = self.fields["place"]
        assert isinstance(category_field, forms.TypedChoiceField)
        assert isinstance(place_field, forms.TypedChoiceField)
        category_field.choices = [("", _("请选择类别")), *((c.pk, c.name) for c in categories)]
        place_field.choices = places
