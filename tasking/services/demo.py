"""Demo users of every role and a few hundred realistic cases, for trying tasking out."""
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.models import ApiToken, Case, User, Ward
from tasking.services import cases, tokens, users
from tasking.services.users import principal_for

DOMAIN = "demo.tasking.test"

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
    ("police", "PC Paul Ellis", "partner", "wm-police", [], []),
    ("asb", "Ayesha Shah (ASB team)", "partner", "asb-team", [], []),
    ("cleansing", "Craig Lewis (Street Cleansing)", "partner", "street-cleansing", [], []),
    ("whg", "Helen Green (Walsall Housing Group)", "partner", "whg", [], []),
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
    "fly-tipping": (["Mattresses dumped on {street}", "Builders' rubble in the alley off {street}"],
                    "Reported by several residents; blocking the path."),
    "litter": (["Overflowing bins by the shops on {street}"], "Bins have not been emptied for a week."),
    "graffiti": (["Graffiti on shop shutters, {street}"], "Tags sprayed overnight, some offensive."),
    "dog-fouling": (["Dog fouling by the school gates on {street}"], "Parents raised it at the school."),
    "potholes": (["Deep pothole outside the bus stop on {street}"], "A cyclist nearly came off."),
    "street-lighting": (["Three street lights out on {street}"], "Dark stretch used by commuters."),
    "abandoned-vehicle": (["Burnt-out car left on {street}"], "Untaxed and there for a month."),
    "overgrown-vegetation": (["Hedge blocking the pavement on {street}"], "Wheelchair users must use the road."),
    "noise": (["Late-night music from a flat on {street}"], "Every weekend until 4am."),
    "housing-disrepair": (["Damp and mould in a family flat on {street}"], "Tenant has asked three times."),
    "anti-social-behaviour": (["Youths gathering and intimidating shoppers on {street}"],
                              "Shopkeepers report it nightly; one window broken."),
    "fire-risk": (["Hoarding in a house on {street}"], "Neighbours worried about fire risk."),
    "drug-dealing": (["Suspected dealing from a car park off {street}"], "Residents see exchanges daily."),
    "family-early-help": (["Mother not coping after a new baby, {street}"],
                          "Health visitor concerned: isolation, sibling behaviour."),
    "adult-care-support": (["Older man struggling alone at home, {street}"], "Neighbour reports falls."),
    "health-wellbeing": (["Isolated older residents in the flats on {street}"], "No community activity nearby."),
    "debt-doorstep-lending": (["Doorstep lender targeting families on {street}"], "Several families in debt."),
    "hate-incident": (["Abuse shouted at a family on {street}"], "Third incident this month."),
    "youth-homelessness": (["17-year-old sofa-surfing near {street}"], "Asked to leave the family home."),
    "worklessness": (["Young people on {street} unable to find work"], "Part of a borough-wide pattern."),
}


@dataclass
class DemoResult:
    accounts: list[dict]
    cases_created: int


def load(session: Session, *, case_count: int, now: datetime) -> DemoResult:
    accounts = [_ensure_account(session, spec, now) for spec in DEMO_USERS]
    demo_user_ids = [a["user_id"] for a in accounts]
    created = 0
    if session.scalar(select(Case.id).where(Case.raised_by_id.in_(demo_user_ids)).limit(1)) is None:
        created = _make_cases(session, case_count, now)
    for account in accounts:
        account.pop("user_id")
    return DemoResult(accounts=accounts, cases_created=created)


def _ensure_account(session: Session, spec, now: datetime) -> dict:
    local, name, role, organisation, areas, wards = spec
    email = f"{local}@{DOMAIN}"
    password = secrets.token_urlsafe(12)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = users.create_user(session, None, email=email, name=name, role=role, now=now, password=password,
                                 organisation_code=organisation, area_codes=areas, ward_codes=wards)
    else:
        users.set_password(session, None, user, password, now=now)
    # Fresh secrets each run: the old demo token is revoked so only the file's one works.
    for old in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.name == "demo",
                                                      ApiToken.revoked_at.is_(None))).all():
        tokens.revoke_token(session, None, old.prefix, now=now)
    issued = tokens.issue_token(session, None, user, name="demo", now=now)
    return {
        "user_id": user.id, "role": role, "email": email, "password": password, "token": issued.secret,
        "organisation": organisation, "areas": areas, "wards": wards,
    }


def _make_cases(session: Session, count: int, now: datetime) -> int:
    rng = random.Random(2011)
    wards = list(session.scalars(select(Ward).order_by(Ward.code)))
    managers = {u.areas[0].id: u for u in session.scalars(select(User).where(User.role == "area_manager"))
                if u.email.endswith(DOMAIN) and u.areas}
    councillors = [u for u in session.scalars(select(User).where(User.role == "councillor"))
                   if u.email.endswith(DOMAIN)]
    categories = sorted(PROBLEMS)
    for i in range(count):
        ward = rng.choice(wards)
        councillor = next((c for c in councillors if ward in c.wards), None)
        raiser = councillor if councillor and rng.random() < 0.4 else managers[ward.area_id]
        category = rng.choice(categories)
        titles, description = PROBLEMS[category]
        district, streets = STREETS[ward.code]
        street = rng.choice(streets)
        created_at = now - timedelta(days=rng.uniform(0, 180), minutes=i)
        data = {
            "title": rng.choice(titles).format(street=street),
            "description": description,
            "category": category,
            "ward": ward.code,
            "address": f"{rng.randint(1, 180)} {street}, Walsall",
            "postcode": f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
            "risk_flags": rng.sample(["vulnerable_person", "safeguarding", "repeat_victim"], k=rng.choice([0, 0, 0, 1])),
        }
        if raiser.role == "area_manager" and rng.random() < 0.05:
            data["confidential"] = True
        case = cases.create_case(session, principal_for(raiser), data, now=created_at)
        if created_at < now - timedelta(days=60) and rng.random() < 0.5:
            manager = principal_for(managers[ward.area_id])
            cases.update_case(session, manager, case.id, {"state": "resolved", "reason": "Fixed by the service."},
                              if_match="*", now=created_at + timedelta(days=rng.uniform(2, 40)))
    return count
