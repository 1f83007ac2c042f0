from flask import Blueprint, request
from flask_login import current_user

from marketplace import taxonomy
from marketplace.messages import Phrase
from marketplace.services import discovery, vouchers
from marketplace.services.errors import ValidationFailed
from marketplace.web.context import db_session, render_page, searcher
from marketplace.web.facets import FILTER_LABELS, facet_groups
from marketplace.web.i18n import localise_errors
from marketplace.web.urls import url_with_arguments

bp = Blueprint("search", __name__)
# The search page's arguments as its filters call them, for error messages.
ARGUMENT_LABELS = {"q": Phrase("Search text"), "kind": Phrase("Kind"), "region": Phrase("Region"),
                   "category": Phrase("Category"), "origin": Phrase("Origin"), "certification": Phrase("Certification"),
                   "service_mode": Phrase("Service mode"), "price_min": Phrase("Price from"),
                   "price_max": Phrase("Price to"), "mode": Phrase("Search mode"), "limit": Phrase("Results per page"),
                   "offset": Phrase("Page")}
def _page_url(offset: int) -> str:
    return url_with_arguments("search.search_page", request.args, discovery.QUERY_ARGUMENTS, offset=str(offset))


def _chip_links(page: discovery.ResultPage) -> dict[str, dict[str, str | None]]:
    """Per chip, the search without it (htmx swaps the results) and, where it can be one, the search
    with it as a filter (a whole page, so that the facet controls show the filter)."""
    links: dict[str, dict[str, str | None]] = {}
    for chip in page.chips:
        remove = url_with_arguments("search.search_page", request.args, discovery.QUERY_ARGUMENTS,
                                    drop=[*page.params.dropped, chip.key], offset=None)
        promote = None
        if chip.filter:
            name, value = chip.filter
            chosen = [] if name in ("region", "kind") else request.args.getlist(name)
            promote = url_with_arguments("search.search_page", request.args, discovery.QUERY_ARGUMENTS,
                                         **{name: [*chosen, value]}, offset=None)
        links[chip.key] = {"remove": remove, "promote": promote}
    return links


def _without_filter_links(page: discovery.ResultPage) -> list[tuple[str, str]]:
    """For a search that found nothing good: each filter set, with the search that drops it."""
    if page.no_good_match is None:
        return []
    return [(str(label), url_with_arguments("search.search_page", request.args, discovery.QUERY_ARGUMENTS,
                                            **{name: None, "offset": None}))
            for name, label in FILTER_LABELS.items() if request.args.get(name)]


def _pager(page: discovery.ResultPage) -> dict[str, str | None]:
    p = page.params
    return {
        "previous": _page_url(max(p.offset - p.limit, 0)) if p.offset > 0 else None,
        "next": _page_url(p.offset + p.limit) if p.offset + p.limit < page.total else None,
    }


@bp.get("/search")
def search_page():
    """Search-as-you-type page: htmx swaps only the results block while the user types or toggles facets."""
    context = {"args": request.args, "regions": taxonomy.regions(), "categories": taxonomy.categories(),
               "search_argument_labels": ARGUMENT_LABELS}
    try:
        params = discovery.parse_params(request.args)
    except ValidationFailed as failure:
        return render_page("search/page.html", "search/_results.html", page=None,
                           errors=localise_errors(failure.errors),
                           pager={}, prices={}, chip_links={}, without_filters=[], facet_groups=[], **context), 400
    page = discovery.search_postings(db_session(), searcher(), params)
    prices = vouchers.net_starting_prices(db_session(), current_user, [r.posting for r in page.results])
    return render_page("search/page.html", "search/_results.html", page=page, errors={}, pager=_pager(page),
                       prices=prices, chip_links=_chip_links(page), without_filters=_without_filter_links(page),
                       facet_groups=facet_groups(page), **context)
