from marketplace.kinds import INSTRUMENT
from marketplace.services.quality import completeness
from tests.factories import full_record, need_record


def test_a_full_listing_scores_higher_than_a_bare_one_and_gets_hints_for_the_gaps():
    full = completeness(full_record(INSTRUMENT))
    bare = completeness({"kind": "instrument", "ref": "x", "title": "HPLC", "description": ""})
    assert full.score == 1.0 and full.hints == ()
    assert bare.score < 0.2
    assert bare.hints[0].startswith("Describe")  # the heaviest gap comes first


def test_needs_are_scored_on_what_a_provider_needs_to_quote():
    result = completeness(need_record(sample_count=None, budget_cny=None))
    assert 0 < result.score < 1
    assert any("samples" in hint for hint in result.hints)
