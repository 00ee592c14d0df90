"""System check: a community-owned model without scoping would leak across communities."""

from typing import Any

from django.apps import apps
from django.core import checks


@checks.register()
def community_models_are_scoped(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        if not model.__module__.startswith("gongzhi."):
            continue
        field_names = {f.name for f in model._meta.get_fields()}
        if "community" not in field_names:
            continue
        manager = model._default_manager
        if not (hasattr(manager, "visible_to") and hasattr(manager, "restrict") and hasattr(model, "view_action")):
            errors.append(
                checks.Error(
                    f"{model._meta.label} has a community but no scoped manager (visible_to/restrict/view_action)",
                    id="gongzhi.E001",
                )
            )
    return errors
