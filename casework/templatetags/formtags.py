"""One error summary for one or more forms, each error linked to the field it belongs to."""

from __future__ import annotations

from django import template

register = template.Library()


def anchor(field) -> str:
    """The element a summary link moves focus to: the input, or a group's first option."""
    return field.id_for_label or f"{field.auto_id}_0"


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms) -> dict:
    general, linked = [], []
    for form in forms:
        if form is None or not form.errors:
            continue
        general += list(form.non_field_errors())
        for field in form:
            linked += [(anchor(field), field.label, error) for error in field.errors]
    return {"general": general, "linked": linked, "show": bool(general or linked)}
