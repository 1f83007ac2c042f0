"""The search page's facet panel: the backends' counts (search.backend.FACETS) as links that narrow the
search or widen it again, each labelled in the reader's language rather than by its stored code or path."""
from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l

from marketplace import kinds
from marketplace.services import discovery
from marketplace.web.i18n import localise
from marketplace.web.presentation import category_label, region_label
from marketplace.web.urls import url_with_arguments

# The filters by the names the filter controls give them: the facet panel's headings, and what a "no good
# match" page offers to remove.
FILTER_LABELS = {"kind": _l("Kind"), "region": _l("Region"), "category": _l("Category"), "origin": _l("Origin"),
                 "certification": _l("Certification"), "service_mode": _l("Service mode"),
                 "price_min": _l("Price (CNY)"), "price_max": _l("Price (CNY)")}

# Facets (search.backend.FACETS) whose filter takes several values; the others take one path or value.
MULTI_VALUED_FILTERS = ("kind", "certification", "service_mode")
# Facets counting a listing field's choices: the field.
CHOICE_FIELDS = {"origin": "origin", "service_mode": "service_modes"}
# The facet values shown per facet: the most frequent first, as the backends count them.
FACET_VALUES_SHOWN = 8


@dataclass(frozen=True)
class FacetValue:
    label: str
    count: int
    url: str  # the search with this value as a filter, or without it when it is one already
    chosen: bool
    own_words: bool  # written by a person (a certification's name), so kept in its own language


@dataclass(frozen=True)
class FacetGroup:
    label: str
    values: list[FacetValue]


def _choice_labels(field: str) -> dict[str, str]:
    """A choice's label begins a line here ("Domestic", not "domestic" as inside a sentence)."""
    return {choice.value: (label := localise(choice.label))[:1].upper() + label[1:]
            for choice in kinds.KINDS["instrument"].field(field).choices}


def _facet_label(name: str, value: str) -> str:
    """A facet value as the reader's language names it (the backends count stored codes and paths)."""
    if name == "kind":
        return localise(kinds.KINDS[value].plural) if value in kinds.KINDS else value
    if name == "region":
        return region_label(value)
    if name == "category":
        return category_label(value)
    if name in CHOICE_FIELDS:
        return _choice_labels(CHOICE_FIELDS[name]).get(value, value)
    return value  # a certification: its name as listings write it (CMA, CNAS, 计量器具型式批准)


def _is_chosen(name: str, value: str) -> bool:
    if name in MULTI_VALUED_FILTERS:
        return value.casefold() in {v.casefold() for v in request.args.getlist(name)}
    chosen = request.args.get(name, "")
    return chosen == value or chosen.startswith(value + "/")  # a city within the counted province


def _facet_url(name: str, value: str, chosen: bool) -> str:
    """A whole page (not an htmx swap of the results), so that the filter controls beside them show it."""
    if name in MULTI_VALUED_FILTERS:
        others = [v for v in request.args.getlist(name) if v.casefold() != value.casefold()]
        argument: list[str] | str | None = others if chosen else [*others, value]
    else:
        argument = None if chosen else value
    return url_with_arguments("search.search_page", request.args, discovery.QUERY_ARGUMENTS,
                              **{name: argument, "offset": None})


def facet_groups(page: discovery.ResultPage) -> list[FacetGroup]:
    """The facet counts as links that narrow the search (or widen it again), labelled for the reader."""
    groups = []
    for name, counts in page.facets.items():
        values = []
        for value, count in counts[:FACET_VALUES_SHOWN]:
            chosen = _is_chosen(name, value)
            values.append(FacetValue(_facet_label(name, value), count, _facet_url(name, value, chosen), chosen,
                                     own_words=name == "certification"))
        if values and name in FILTER_LABELS:
            groups.append(FacetGroup(str(FILTER_LABELS[name]), values))
    return groups
