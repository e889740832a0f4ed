"""Finance's queue as the services give it: which claims each list holds and in what order, how many,
a claim's history, and a decision refused when the claim changed since it was read."""

from datetime import timedelta

import pytest

from tasking.domain.errors import Forbidden, NotFound, PreconditionFailed
from tasking.domain.etags import etag_for
from tasking.services import claim_queue, claims
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.conftest import NOW
from tests.web.test_finance_pages import make_claim


@pytest.fixture
def sw(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def nw(caller):
    return caller("area_manager", areas=["NW"])


@pytest.fixture
def finance(make_user):
    return principal_for(make_user("finance"))


def ids(page):
    return [c.id for c in page.items]


def decide(session, principal, claim_id, decision, reason=None, minutes=0, **kwargs):
    with unit_of_work(session):
        claims.decide(
            session,
            principal,
            claim_id,
            decision=decision,
            reason=reason,
            now=NOW + timedelta(minutes=minutes),
            **kwargs,
        )


def test_decided_claims_are_listed_most_recently_decided_first_and_counted(session, sw, nw, finance):
    a, b, c, waiting = (
        make_claim(api, ward)["id"]
        for api, ward in ((sw, "pleck"), (nw, "blakenall"), (sw, "paddock"), (nw, "bloxwich-west"))
    )
    decide(session, finance, b, "verified", minutes=1)
    decide(session, finance, a, "not_supported", "No referral made.", minutes=2)
    decide(session, finance, c, "verified", minutes=3)

    decided = claims.list_claims(session, finance, decided=True, cursor=None, size=2)
    rest = claims.list_claims(session, finance, decided=True, cursor=decided.next_cursor, size=2)

    assert ids(decided) == [c, a] and ids(rest) == [b] and rest.next_cursor is None
    assert ids(claims.list_claims(session, finance, state="estimated", cursor=None, size=10)) == [waiting]
    assert claim_queue.count_claims(session, finance, decided=True) == 3
    assert claim_queue.count_claims(session, finance, decided=True, area="SW") == 2
    assert claim_queue.count_claims(session, finance, state="estimated", area="NW") == 1


def test_area_staff_list_and_count_only_their_areas_and_another_area_is_not_found(session, sw, nw, make_user):
    ours = make_claim(sw, "pleck")["id"]
    make_claim(nw, "blakenall")
    manager = principal_for(make_user("area_manager", areas=["SW"]))

    assert ids(claims.list_claims(session, manager, state="estimated", cursor=None, size=10)) == [ours]
    assert claim_queue.count_claims(session, manager, state="estimated") == 1
    with pytest.raises(NotFound):
        claims.list_claims(session, manager, area="NW", cursor=None, size=10)
    with pytest.raises(NotFound):
        claim_queue.count_claims(session, manager, area="NW")


def test_partners_may_not_list_or_count_claims(session, make_user):
    partner = principal_for(make_user("partner", organisation="wm-police"))
    with pytest.raises(Forbidden):
        claim_queue.count_claims(session, partner)
    with pytest.raises(Forbidden):
        claims.list_claims(session, partner, cursor=None, size=10)


def test_a_claims_history_says_who_estimated_and_who_decided_it_and_why(session, sw, finance, make_user):
    claim = make_claim(sw, "pleck")["id"]
    decide(session, finance, claim, "not_supported", "  No referral made. ")

    history = claim_queue.claim_history(session, finance, claim)

    assert [(e.what, e.who, e.reason) for e in history] == [
        ("Estimated", "Test area_manager", None),
        ("Not supported", "Test finance", "No referral made."),
    ]
    other_area = principal_for(make_user("area_manager", areas=["NW"]))
    with pytest.raises(NotFound):
        claim_queue.claim_history(session, other_area, claim)


def test_a_decision_against_an_old_version_is_refused_and_nothing_changes(session, sw, finance):
    claim = make_claim(sw, "pleck")
    etag = sw.get(f"/api/v1/claims/{claim['id']}").headers["ETag"]
    changed = sw.patch(
        f"/api/v1/claims/{claim['id']}",
        json={"outcomes": [{"description": "Smaller outcome", "unit_cost_pence": 600, "probability": "1/2"}]},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200

    with pytest.raises(PreconditionFailed):
        decide(session, finance, claim["id"], "verified", if_match=etag_for("claim", claim["id"], claim["version"]))
    session.expire_all()
    assert claims.get_claim(session, finance, claim["id"]).state == "estimated"

    decide(session, finance, claim["id"], "verified", if_match=etag_for("claim", claim["id"], changed.json["version"]))
    session.expire_all()
    assert claims.get_claim(session, finance, claim["id"]).state == "verified"
