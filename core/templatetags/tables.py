"""Sortable table headers: a header is a link that sets the list's ordering parameter (django-filter's
OrderingFilter), keeps every other parameter of the page and goes back to the first page.

    {% sort_header "name" _("client") default="name" %}
    {% sort_header "total" _("total score") descending_first=True css="text-end" %}
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

ARROWS = {"ascending": "▲", "descending": "▼"}


@register.simple_tag(takes_context=True)
def sort_header(
    context: template.Context,
    param: str,
    label: str,
    *,
    default: str = "",
    descending_first: bool = False,
    css: str = "",
    name: str = "ordering",
) -> SafeString:
    """A <th> whose link sorts by param, ascending then descending (or the reverse for figures, where the largest
    first is what a reader wants); the sorted column carries aria-sort and an arrow."""
    query = context["request"].GET.copy()
    current = (query.get(name) or default).split(",")[0].strip()
    direction = "ascending" if current == param else "descending" if current == f"-{param}" else ""
    if direction:
        target = f"-{param}" if direction == "ascending" else param
    else:
        target = f"-{param}" if descending_first else param
    query[name] = target
    query.pop("page", None)
    return format_html(
        '<th scope="col"{}{}><a class="sort-link" href="?{}">{}{}</a></th>',
        format_html(' class="{}"', css) if css else "",
        format_html(' aria-sort="{}"', direction) if direction else "",
        query.urlencode(),
        label,
        format_html(' <span aria-hidden="true">{}</span>', ARROWS[direction]) if direction else "",
    )
