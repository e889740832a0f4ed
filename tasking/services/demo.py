"""Demo users of every role and a few hundred realistic cases, for trying tasking out.

The accounts' passwords are fixed and published (README, "First run"), so that a newcomer can sign in
after every `make run` without opening a file: they are for a developer's own machine only, and
`flask tasking demo` refuses to run outside development (tasking/cli.py). API tokens are fresh on
each run and written to instance/demo-credentials.json.

Everything in the demo happened in the past: cases were raised over the last six months, decided
days later, and reviewed on their cycles at weekly sweeps, most reviews decided within days and a few
left waiting, so that today a realistic share of the work is overdue (docs/reviews.md). Most reports
about a place have a location near their ward's centre, for the case map (those about a person or a
family have none), and finance has a queue of claims waiting for a decision, more than one page long.
"""

import math
import random
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tasking.domain.money import financial_year, financial_year_bounds, uk_date
from tasking.domain.policy import Policy
from tasking.models import ApiToken, Area, AuditEvent, Case, Notification, Review, ReviewSchedule, User, Ward
from tasking.services import barriers, budget, cases, claims, classification, reviews, sweep, tokens, users, waits
from tasking.services.passwords import verify_password
from tasking.services.users import principal_for

DOMAIN = "demo.tasking.test"


def demo_password(local: str) -> str:
    """The published, development-only password of the demo account `local`@DOMAIN."""
    return f"tasking-demo-{local}"


# (local part, name, role, organisation, areas, wards)
DEMO_USERS = [
    ("admin", "Alex Admin", "admin", None, [], []),
    ("am.sw", "Sam Singh (South Walsall)", "area_manager", None, ["SW"], []),
    ("am.nw", "Nina Walker (North Walsall)", "area_manager", None, ["NW"], []),
    ("am.bpr", "Ben Price (Brownhills, Pelsall, Rushall)", "area_manager", None, ["BPR"], []),
    ("am.ab", "Amira Begum (Aldridge and Beacon)", "area_manager", None, ["AB"], []),
    ("am.db", "Dev Bains (Darlaston and Bentley)", "area_manager", None, ["DB"], []),
    ("am.wsh", "Wendy Shaw (Willenhall and Short Heath)", "area_manager", None, ["WSH"], []),
    ("so.sw", "Sophie Owen (support, South Walsall)", "support_officer", None, ["SW"], []),
    ("police", "PC Paul Ellis", "partner", "wm-police", ["SW", "NW"], []),
    ("asb", "Ayesha Shah (ASB team)", "partner", "asb-team", ["SW"], []),
    ("cleansing", "Craig Lewis (Street Cleansing)", "partner", "street-cleansing", ["SW", "NW"], []),
    ("whg", "Helen Green (Walsall Housing Group)", "partner", "whg", ["SW"], []),
    ("cllr.sw", "Cllr Mohammed Khan", "councillor", None, [], ["st-matthews", "pleck"]),
    ("cllr.nw", "Cllr Jean Bird", "councillor", None, [], ["bloxwich-east"]),
    ("finance", "Fiona Grant (Finance)", "finance", None, [], []),
    ("borough", "Bob Osei (Operations Group)", "borough_officer", None, [], []),
]

STREETS = {
    "st-matthews": ("WS1", ["Caldmore Road", "Vicarage Street", "Lower Rushall Street", "Bath Street"]),
    "paddock": ("WS1", ["Sutton Road", "Mellish Road", "Persehouse Street"]),
    "palfrey": ("WS1", ["Milton Street", "Dale Street", "Whitehall Road", "Sun Street"]),
    "pleck": ("WS2", ["Pleck Road", "Darlaston Road", "Wednesbury Road", "Alumwell Road"]),
    "birchills-leamore": ("WS2", ["Birchills Street", "Leamore Lane", "Bloxwich Road"]),
    "blakenall": ("WS3", ["Blakenall Lane", "Ingram Road", "Harden Road"]),
    "bloxwich-east": ("WS3", ["Sandbank", "Green Lane", "Lichfield Road"]),
    "bloxwich-west": ("WS3", ["Stafford Road", "Lower Lichfield Street", "Field Road"]),
    "brownhills": ("WS8", ["High Street", "Chester Road North", "Pelsall Road"]),
    "pelsall": ("WS3", ["Norton Road", "High Street", "Station Road"]),
    "rushall-shelfield": ("WS4", ["Lichfield Road", "Daw End Lane", "Mill Lane"]),
    "aldridge-north-walsall-wood": ("WS9", ["Lichfield Road", "Brownhills Road", "Coppice Road"]),
    "aldridge-central-south": ("WS9", ["Anchor Road", "Little Aston Road", "Walsall Road"]),
    "pheasey-park-farm": ("B43", ["Collingwood Drive", "Beacon Road", "Queslett Road"]),
    "streetly": ("B74", ["Chester Road", "Foley Road East", "Hundred Acre Road"]),
    "bentley-darlaston-north": ("WS2", ["Bentley Road North", "Churchill Road", "Wolverhampton Road West"]),
    "darlaston-south": ("WS10", ["King Street", "Pinfold Street", "Walsall Road"]),
    "willenhall-north": ("WV12", ["Lichfield Road", "New Invention Road", "Sneyd Lane"]),
    "willenhall-south": ("WV13", ["Bilston Street", "Walsall Street", "Moat Street"]),
    "short-heath": ("WV12", ["Church Road", "Coltham Road", "Bloxwich Road North"]),
}

# category -> (title templates, description); {street} is filled in.
PROBLEMS = {
    "fly-tipping": (
        ["Mattresses dumped on {street}", "Builders' rubble in the alley off {street}"],
        "Reported by several residents; blocking the path.",
    ),
    "litter": (["Overflowing bins by the shops on {street}"], "Bins have not been emptied for a week."),
    "graffiti": (["Graffiti on shop shutters, {street}"], "Tags sprayed overnight, some offensive."),
    "dog-fouling": (["Dog fouling by the school gates on {street}"], "Parents raised it at the school."),
    "potholes": (["Deep pothole outside the bus stop on {street}"], "A cyclist nearly came off."),
    "street-lighting": (["Three street lights out on {street}"], "Dark stretch used by commuters."),
    "abandoned-vehicle": (["Burnt-out car left on {street}"], "Untaxed and there for a month."),
    "overgrown-vegetation": (["Hedge blocking the pavement on {street}"], "Wheelchair users must use the road."),
    "noise": (["Late-night music from a flat on {street}"], "Every weekend until 4am."),
    "housing-disrepair": (["Damp and mould in a family flat on {street}"], "Tenant has asked three times."),
    "anti-social-behaviour": (
        ["Youths gathering and intimidating shoppers on {street}"],
        "Shopkeepers report it nightly; one window broken.",
    ),
    "fire-risk": (["Hoarding in a house on {street}"], "Neighbours worried about fire risk."),
    "drug-dealing": (["Suspected dealing from a car park off {street}"], "Residents see exchanges daily."),
    "family-early-help": (
        ["Mother not coping after a new baby, {street}"],
        "Health visitor concerned: isolation, sibling behaviour.",
    ),
    "adult-care-support": (["Older man struggling alone at home, {street}"], "Neighbour reports falls."),
    "health-wellbeing": (["Isolated older residents in the flats on {street}"], "No community activity nearby."),
    "debt-doorstep-lending": (["Doorstep lender targeting families on {street}"], "Several families in debt."),
    "hate-incident": (["Abuse shouted at a family on {street}"], "Third incident this month."),
    "youth-homelessness": (["17-year-old sofa-surfing near {street}"], "Asked to leave the family home."),
    "worklessness": (["Young people on {street} unable to find work"], "Part of a borough-wide pattern."),
}


# Reports about a person or a household rather than a place (the categories whose `similarity` is
# "person" in tasking/data/walsall.toml, and a homeless young person): never put on the case map.
NOT_ON_THE_MAP = {"anti-social-behaviour", "fire-risk", "family-early-help", "adult-care-support", "youth-homelessness"}
# Of the reports about a place, the share that came with a location (the rest by phone, address only),
# placed up to PLACE_SPREAD_M metres from their ward's centre.
LOCATED_SHARE = 0.85
PLACE_SPREAD_M = 350
METRES_PER_DEGREE = 111_320

# What acting early saved, as area staff estimate it: (outcome avoided, unit cost in pence, how many,
# probability). Finance's queue holds CLAIMS_WAITING such estimates on open cases across the areas.
SAVINGS = {
    "fly-tipping": ("Repeat clearances by the crew for a year", 21_500, 12, "3/4"),
    "litter": ("Extra bin rounds for six months", 9_800, 26, "1/2"),
    "graffiti": ("Repeat graffiti removal", 18_000, 6, "2/3"),
    "dog-fouling": ("Repeat cleansing visits", 7_500, 12, "1/2"),
    "potholes": ("A claim for a fall or a damaged car", 350_000, 1, "1/10"),
    "street-lighting": ("Crime reports in the dark stretch", 95_000, 2, "1/4"),
    "abandoned-vehicle": ("The car set alight and a fire crew called out", 410_000, 1, "1/5"),
    "overgrown-vegetation": ("A claim for a fall in the road", 250_000, 1, "1/10"),
    "noise": ("Out-of-hours noise visits", 16_000, 8, "2/3"),
    "housing-disrepair": ("GP visits for a child's asthma", 4_500, 10, "1/2"),
    "anti-social-behaviour": ("Police call-outs to the flats", 24_000, 10, "1/2"),
    "fire-risk": ("A house fire", 4_300_000, 1, "1/20"),
    "drug-dealing": ("Police call-outs for dealing", 24_000, 12, "1/2"),
    "family-early-help": ("A child taken into care", 5_500_000, 1, "1/10"),
    "adult-care-support": ("An emergency admission after a fall", 350_000, 1, "1/4"),
    "health-wellbeing": ("GP appointments for loneliness", 3_900, 20, "1/2"),
    "debt-doorstep-lending": ("An eviction for rent arrears", 760_000, 1, "1/5"),
    "hate-incident": ("Repeat police reports of hate incidents", 24_000, 4, "1/2"),
    "youth-homelessness": ("Emergency housing for a 17-year-old", 280_000, 1, "1/2"),
    "worklessness": ("A year of out-of-work benefits", 800_000, 1, "1/4"),
}
CLAIMS_WAITING = 36


# Why Walsall Finance could not support the pilot's saving (St Matthew's appendix).
SEED_FINANCE_REASON = (
    "It is not possible to say with certainty whether the second family will follow the same high-cost "
    "path as the first, and so the cost saving cannot be supported by Walsall Finance (St Matthew's appendix)."
)


# Cases raised in the last RECENT_DAYS may still be waiting in triage; REVIEW_HISTORY_WEEKS weekly
# sweeps, the last LAST_SWEEP_DAYS ago, made reviews, of which REVIEWS_LEFT_WAITING were not decided.
RECENT_DAYS = 21
REVIEW_HISTORY_WEEKS = 8
LAST_SWEEP_DAYS = 4
REVIEWS_LEFT_WAITING = 0.05
REVIEW_NOTES = (
    "Work in hand; the partner is on it.",
    "Discussed at the tasking meeting: carry on.",
    "Residents report it is better; keep watching.",
    "Waiting for the contractor's date.",
)


@dataclass
class DemoResult:
    accounts: list[dict]
    cases_created: int


def load(session: Session, *, case_count: int, now: datetime, policy: Policy) -> DemoResult:
    accounts = [_ensure_account(session, spec, now) for spec in DEMO_USERS]
    demo_user_ids = [a["user_id"] for a in accounts]
    created = 0
    if session.scalar(select(Case.id).where(Case.raised_by_id.in_(demo_user_ids)).limit(1)) is None:
        created = _make_cases(session, case_count, now, policy)
    for account in accounts:
        account.pop("user_id")
    return DemoResult(accounts=accounts, cases_created=created)


def _ensure_account(session: Session, spec, now: datetime) -> dict:
    local, name, role, organisation, areas, wards = spec
    email = f"{local}@{DOMAIN}"
    password = demo_password(local)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = users.create_user(
            session,
            None,
            email=email,
            name=name,
            role=role,
            now=now,
            password=password,
            organisation_code=organisation,
            area_codes=areas,
            ward_codes=wards,
        )
    elif not verify_password(user.password_hash, password):
        users.set_password(session, None, user, password, now=now)
    # Fresh secrets each run: the old demo token is revoked so only the file's one works.
    for old in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.name == "demo", ApiToken.revoked_at.is_(None))
    ).all():
        tokens.revoke_token(session, None, old.prefix, now=now)
    issued = tokens.issue_token(session, None, user, name="demo", now=now)
    return {
        "user_id": user.id,
        "role": role,
        "email": email,
        "password": password,
        "token": issued.secret,
        "organisation": organisation,
        "areas": areas,
        "wards": wards,
    }


def _demo_users(session: Session, role: str) -> list[User]:
    return [
        u for u in session.scalars(select(User).where(User.role == role).order_by(User.id)) if u.email.endswith(DOMAIN)
    ]


def _make_cases(session: Session, count: int, now: datetime, policy: Policy) -> int:
    rng = random.Random(2011)
    wards = list(session.scalars(select(Ward).order_by(Ward.code)))
    managers = {u.areas[0].id: u for u in _demo_users(session, "area_manager") if u.areas}
    councillors = _demo_users(session, "councillor")
    categories = sorted(PROBLEMS)
    # Oldest first, so that each report finds the earlier reports of the same problem.
    moments = sorted(now - timedelta(days=rng.uniform(1, 180), minutes=i) for i in range(count))
    raised = []
    for created_at in moments:
        ward = rng.choice(wards)
        councillor = next((c for c in councillors if ward in c.wards), None)
        raiser = councillor if councillor and rng.random() < 0.4 else managers[ward.area_id]
        category = rng.choice(categories)
        data = _problem(rng, category, ward)
        if raiser.role == "area_manager" and rng.random() < 0.05:
            data["confidential"] = True
        raised.append(cases.create_case(session, principal_for(raiser), data, now=created_at, policy=policy))
    _triage(session, rng, raised, managers, now, policy)
    made = count + _scenarios(session, rng, managers, councillors, now, policy)
    _review_history(session, rng, managers, now, policy)
    _claims_waiting(session, rng, managers, now, policy)
    _on_hold(session, managers, now, policy)
    _today(session, now, policy)
    return made


def _on_hold(session: Session, managers: dict, now: datetime, policy: Policy) -> None:
    """One open South Walsall case waiting on its resident (docs/deadlines.md, "Paused clocks"): its
    clocks paused, the case page offering to take it off hold."""
    south = session.scalars(select(Area).where(Area.code == "SW")).one()
    case = session.scalar(
        select(Case)
        .where(Case.area_id == south.id, Case.state.in_(["assigned", "in_progress"]), Case.confidential.is_(False))
        .order_by(Case.id)
        .limit(1)
    )
    if case is not None:
        waits.start_wait(
            session,
            principal_for(managers[south.id]),
            case.id,
            waiting_on="resident",
            reason="Waiting for the resident's photos of where the rubbish is left.",
            now=now - timedelta(days=2),
            policy=policy,
        )


def _problem(rng: random.Random, category: str, ward: Ward, **extra) -> dict:
    titles, description = PROBLEMS[category]
    district, streets = STREETS[ward.code]
    street = rng.choice(streets)
    return {
        "title": rng.choice(titles).format(street=street),
        "description": description,
        "category": category,
        "ward": ward.code,
        "address": f"{rng.randint(1, 180)} {street}, Walsall",
        "postcode": f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
        "risk_flags": rng.sample(["vulnerable_person", "safeguarding", "repeat_victim"], k=rng.choice([0, 0, 0, 1])),
        **_place(rng, category, ward),
        **extra,
    }


def _place(rng: random.Random, category: str, ward: Ward) -> dict:
    """Where a report about a place was made: near its ward's centre, for the case map."""
    if category in NOT_ON_THE_MAP or ward.latitude is None or ward.longitude is None:
        return {}
    if rng.random() >= LOCATED_SHARE:
        return {}
    # Evenly over a disc around the centre (the square root spreads them over its area).
    distance, bearing = PLACE_SPREAD_M * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    north = distance * math.cos(bearing) / METRES_PER_DEGREE
    east = distance * math.sin(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(ward.latitude)))
    return {"latitude": round(ward.latitude + north, 6), "longitude": round(ward.longitude + east, 6)}


def _triage(
    session: Session, rng: random.Random, raised: list[Case], managers: dict, now: datetime, policy: Policy
) -> None:
    """Managers decide cases at the suggested level within days; older ones are mostly resolved
    since. Some of the last three weeks' cases still wait in the triage queue, and none is decided
    later than now."""
    for case in raised:
        decided_at = case.created_at + timedelta(days=rng.uniform(0.5, 3))
        recent = case.created_at > now - timedelta(days=RECENT_DAYS)
        if decided_at > now - timedelta(hours=1) or (recent and rng.random() < 0.5):
            continue  # still waiting in the triage queue
        manager = principal_for(managers[case.area_id])
        _accept_suggestion(session, manager, case, decided_at, policy)
        if case.created_at < now - timedelta(days=60) and case.state == "assigned" and rng.random() < 0.6:
            cases.update_case(
                session,
                manager,
                case.id,
                {"state": "resolved", "reason": "Done by the owner."},
                if_match="*",
                now=decided_at + timedelta(days=rng.uniform(2, 40)),
                policy=policy,
            )


def _review_history(session: Session, rng: random.Random, managers: dict, now: datetime, policy: Policy) -> None:
    """The last weeks of reviews (docs/reviews.md): a sweep each week, whose reviews the area
    manager (or the owning partner, where the demo has one) mostly decides within days, "continue",
    some closing the case; a few are left waiting. The last weekly sweep was LAST_SWEEP_DAYS ago, so
    the sweep made now finds the reviews due since, those more than the grace period late flagged
    overdue: a newcomer's work lists hold mostly work due in the days ahead, some of it overdue. The
    messages of the past sweeps count as sent when they were made (`_today`)."""
    partners = {u.organisation_id: u for u in reversed(_demo_users(session, "partner"))}
    for weeks_ago in range(REVIEW_HISTORY_WEEKS - 1, -1, -1):
        moment = now - timedelta(days=LAST_SWEEP_DAYS, weeks=weeks_ago)
        _sweep_at(session, moment, policy)
        due = session.scalars(
            select(Review).where(Review.state == "pending", Review.created_at == moment).order_by(Review.id)
        ).all()
        for review in due:
            decided_at = moment + timedelta(days=rng.uniform(0.5, 6))
            if decided_at > now - timedelta(hours=1) or rng.random() < REVIEWS_LEFT_WAITING:
                continue
            case = review.case
            owner = partners.get(case.owner_organisation_id) or managers[case.area_id]
            closing = case.level in (1, 2) and owner.role == "area_manager" and rng.random() < 0.08
            reviews.decide(
                session,
                principal_for(owner),
                review.id,
                outcome="close" if closing else "continue",
                level=None,
                reason="No further reports since the work was done." if closing else None,
                notes=None if closing else rng.choice(REVIEW_NOTES),
                now=decided_at,
                policy=policy,
            )
        session.flush()


def _missed_while_away(session: Session, now: datetime, policy: Policy) -> None:
    """A few reviews missed while their area manager was away, a fortnight late (well past the grace
    period in working days), about one for every four reviews waiting: today's sweep flags them
    overdue. The other reviews it makes fell due since the last weekly sweep, LAST_SWEEP_DAYS ago,
    fewer working days than the grace period whatever the day and hour the demo is loaded."""
    due = session.scalar(select(func.count()).select_from(ReviewSchedule).where(ReviewSchedule.next_review_at <= now))
    waiting = session.scalar(select(func.count()).select_from(Review).where(Review.state == "pending"))
    missed = session.scalars(
        select(ReviewSchedule)
        .join(Case, Case.id == ReviewSchedule.case_id)
        .where(ReviewSchedule.next_review_at > now, Case.confidential.is_(False))
        .order_by(ReviewSchedule.case_id)
        .limit(max(1, ((due or 0) + (waiting or 0)) // 4))
    ).all()
    for schedule in missed:
        schedule.next_review_at = now - timedelta(days=14)
    session.flush()


def _today(session: Session, now: datetime, policy: Policy) -> None:
    """Today's sweep, after everything else that happened; the messages of the past sweeps count as
    sent when they were made, only today's wait for the scheduler."""
    _missed_while_away(session, now, policy)
    _sweep_at(session, now, policy)
    session.execute(
        update(Notification)
        .where(Notification.created_at < now, Notification.state == "pending")
        .values(state="sent", sent_at=Notification.created_at, attempts=1)
    )
    session.flush()


def _sweep_at(session: Session, moment: datetime, policy: Policy) -> None:
    """The scheduler's sweep as it ran at `moment`, within the demo's one unit of work."""
    session.flush()
    sweep.sweep(session, units=lambda: nullcontext(session), now=moment, policy=policy)
    session.expire_all()  # the sweep writes cases in sets, past the ORM


def _accept_suggestion(session: Session, manager, case: Case, when: datetime, policy: Policy) -> None:
    suggested = classification.view(session, manager, case.id, now=when, policy=policy).suggestion.level
    classification.decide(session, manager, case.id, level=suggested, reason=None, now=when, policy=policy)


def _scenarios(
    session: Session, rng: random.Random, managers: dict, councillors: list, now: datetime, policy: Policy
) -> int:
    """Stories the random cases may not tell: an ASB case review, a borough barrier, a referral."""
    st_matthews = session.scalars(select(Ward).where(Ward.code == "st-matthews")).one()
    south = principal_for(managers[st_matthews.area_id])
    councillor = principal_for(councillors[0])
    made = 0
    # Three reports of anti-social behaviour against the same household in six months: the ASB
    # case-review threshold. The councillor reports; the area manager records the household, as a
    # pseudonym (docs/levels.md, "Subject references"), which makes them one problem.
    for days_ago in (75, 40, 6):
        data = _problem(
            rng,
            "anti-social-behaviour",
            st_matthews,
            title="Group intimidating residents outside the flats on Caldmore Road",
        )
        when = now - timedelta(days=days_ago)
        case = cases.create_case(session, councillor, data, now=when, policy=policy)
        case = cases.update_case(
            session, south, case.id, {"subject_ref": "SM-HH-0107"}, if_match="*", now=when, policy=policy
        )
        made += 1
    _accept_suggestion(session, south, case, now - timedelta(days=5), policy)
    # The same barrier in two areas, and a borough-level one: level-four evidence.
    moment = now - timedelta(days=20)
    bus = barriers.create_barrier(
        session,
        south,
        title="No evening bus to the industrial estates",
        description="Shift workers cannot reach jobs after 7pm.",
        borough_level=False,
        now=moment,
    )
    for code in ("pleck", "darlaston-south"):
        ward = session.scalars(select(Ward).where(Ward.code == code)).one()
        manager = principal_for(managers[ward.area_id])
        case = cases.create_case(session, manager, _problem(rng, "worklessness", ward), now=moment, policy=policy)
        case = cases.update_case(
            session, manager, case.id, {"barrier_id": bus.id}, if_match="*", now=moment, policy=policy
        )
        made += 1
    _accept_suggestion(session, manager, case, moment, policy)
    # A level-one job that turned out to be more complicated, referred back by the councillor.
    case = cases.create_case(
        session, councillor, _problem(rng, "fly-tipping", st_matthews), now=now - timedelta(days=9), policy=policy
    )
    classification.decide(
        session,
        south,
        case.id,
        level=1,
        reason="A crew can clear it this week.",
        now=now - timedelta(days=8),
        policy=policy,
    )
    classification.refer(
        session,
        councillor,
        case.id,
        reason="It is back every week; a landlord is dumping it.",
        now=now - timedelta(days=1),
        policy=policy,
    )
    made += 1
    return made + _money(session, rng, managers, st_matthews, now, policy)


def _money(
    session: Session, rng: random.Random, managers: dict, st_matthews: Ward, now: datetime, policy: Policy
) -> int:
    """The St Matthew's pilot's two families, two households in one ward and so not a repeat of each
    other (docs/levels.md, "The same problem"): Family 1, known to services for years, and Family 2,
    helped early. Their claims as the appendix reports them (docs/money.md, "Worked example"): Family
    2's £347 so far is an other cost of the comparison claim, counted once, not quick-win spend; the
    comparison (£26,197 - £347 = £25,850) not supported by finance, for the appendix's reason; the
    one-in-ten chance of £259,000 of care (£25,900) still an estimate. Family cases are confidential,
    and finance decides their claims all the same (docs/roles.md, "Claims on confidential cases")."""
    south = principal_for(managers[st_matthews.area_id])
    finance = principal_for(_demo_users(session, "finance")[0])
    cases.create_case(
        session,
        south,
        _problem(
            rng,
            "family-early-help",
            st_matthews,
            title="Family 1: known to services for years, St Matthew's",
            risk_flags=["vulnerable_person", "safeguarding"],
            subject_ref="SM-HH-0001",
            confidential=True,
        ),
        now=now - timedelta(days=150),
        policy=policy,
    )
    family = cases.create_case(
        session,
        south,
        _problem(
            rng,
            "family-early-help",
            st_matthews,
            title="Mother not coping after a new baby, Palfrey",
            subject_ref="SM-HH-0002",
            confidential=True,
        ),
        now=now - timedelta(days=40),
        policy=policy,
    )
    compared = claims.create_claim(
        session,
        south,
        family.id,
        {
            "outcomes": [
                {
                    "description": "Costs of Family 1, helped late (October 2009 to date)",
                    "unit_cost_pence": 2_619_700,
                    "probability": "1",
                }
            ],
            # What Family 2's help has cost so far: the comparison's other side, not quick-win spend.
            "costs": [{"description": "Costs of Family 2, helped early (June 2010 to date)", "amount_pence": 34_700}],
        },
        now=now - timedelta(days=30),
        policy=policy,
    )
    claims.decide(
        session,
        finance,
        compared.id,
        decision="not_supported",
        reason=SEED_FINANCE_REASON,
        now=now - timedelta(days=20),
    )
    claims.create_claim(
        session,
        south,
        family.id,
        {
            "outcomes": [
                {
                    "description": "Care for a family on Family 1's path: about £259,000, a one-in-ten chance",
                    "unit_cost_pence": 25_900_000,
                    "probability": "1/10",
                }
            ],
            "costs": [],
        },
        now=now - timedelta(days=30),
        policy=policy,
    )
    for case in session.scalars(
        select(Case).where(Case.state.in_(("assigned", "in_progress"))).order_by(Case.id).limit(12)
    ):
        manager = principal_for(managers[case.area_id])
        budget.record_spend(
            session,
            manager,
            case.id,
            {
                "amount_pence": rng.choice([5_000, 12_500, 25_000, 40_000]),
                "description": "Quick win",
                "supplier": "Local contractor",
                # In the open financial year, after the case was raised (docs/money.md, "Spend dates").
                "spent_on": min(
                    uk_date(now),
                    max(
                        financial_year_bounds(financial_year(uk_date(now)))[0],
                        (case.updated_at + timedelta(days=1)).date(),
                    ),
                ),
            },
            now=now,
            policy=policy,
        )
    return 2


def _claims_waiting(session: Session, rng: random.Random, managers: dict, now: datetime, policy: Policy) -> None:
    """Finance's queue (docs/money.md): CLAIMS_WAITING estimates by the area managers on open cases,
    taken from each area in turn, each made after anything else happened to its case and before now."""
    latest = dict(
        session.execute(
            select(AuditEvent.case_id, func.max(AuditEvent.at))
            .where(AuditEvent.case_id.is_not(None))
            .group_by(AuditEvent.case_id)
        ).all()
    )
    by_area: dict[int, list[tuple[Case, datetime]]] = {}
    for case in session.scalars(select(Case).where(Case.state.in_(("assigned", "in_progress"))).order_by(Case.id)):
        last = latest.get(case.id, case.created_at)
        if last.tzinfo is None:  # SQLite gives times back without their zone: they are UTC
            last = last.replace(tzinfo=now.tzinfo)
        if last < now - timedelta(hours=6):
            by_area.setdefault(case.area_id, []).append((case, last))
    queues = [by_area[area_id] for area_id in sorted(by_area)]
    made = 0
    while made < CLAIMS_WAITING and any(queues):
        for queue in queues:
            if not queue or made == CLAIMS_WAITING:
                continue
            case, last = queue.pop(0)
            outcome, unit_pence, quantity, probability = SAVINGS[case.category.code]
            when = last + (now - timedelta(hours=1) - last) * rng.uniform(0.1, 0.9)
            claims.create_claim(
                session,
                principal_for(managers[case.area_id]),
                case.id,
                {
                    "outcomes": [
                        {
                            # Named for its case: linked cases may not credit the same outcome twice.
                            "description": f"{outcome} avoided, {case.address}",
                            "unit_cost_pence": unit_pence,
                            "quantity": quantity,
                            "probability": probability,
                        }
                    ],
                    "costs": [{"description": "Officer time", "amount_pence": rng.choice([6_000, 9_000, 15_000])}],
                },
                now=when,
                policy=policy,
            )
            made += 1
