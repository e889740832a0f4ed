"""Who may do what, for every endpoint: the API, Open311 and the web pages, as each of ten kinds of
caller, on objects that are theirs ('here') and objects that are not ('there').

Read a row across: the status each caller gets. 'here' is South Walsall: Pleck (the councillor's
ward), a level-2 case whose task is offered to partner A (WHG), its spend, claim and review; 'there'
is Aldridge and Beacon: a level-4 case in Streetly (the borough officer's kind), partner B's
(Caldmore Housing) task, and its spend, claim and review. mgr manages South Walsall, mgrX Aldridge
and Beacon; supp is a South Walsall support officer.

Every request sends a valid body, so a refusal is about who is asking, and every cell runs in a
savepoint rolled back afterwards (tests/world.py), so no cell sees another's changes.
- 404: not an object the caller may see. The 'missing' rows ask for objects that do not exist:
  a caller gets the same answer as for someone else's, so nothing tells them apart.
- 403: the caller may see the object but not do this, or the caller's role may never do this at
  all (then the answer is the same for every object, real or not, and gives nothing away).
- 400 and 409 on a page or action: the caller got past every access rule and met the object's own
  rules (a case that is open cannot be reopened; a level-2 case cannot be referred back).
- Pages answer anonymous callers with 302 to the sign-in page, and a done action with 302 back.
Every answer to a caller who may not see residents' details (all but area staff and admins) is
also checked for the reporting resident's name and email.
Form posts are checked with CSRF off: CSRF is tested on its own, and here it would hide the access
rule behind a 400.
"""

import re

import pytest

from tests.world import ROLES, isolated_world

# fmt: off
MATRIX = """
request                                                on      anon cllr pA   pB   supp mgr  mgrX fin  boro admin
GET    /api/v1/cases                                   -       401  200  200  200  200  200  200  200  200  200
POST   /api/v1/cases                                   -       401  201  403  403  201  201  403  403  403  201
GET    /api/v1/cases/{case}                            here    401  200  404  404  200  200  404  200  404  200
GET    /api/v1/cases/{case}                            there   401  404  404  404  404  404  200  200  200  200
GET    /api/v1/cases/{case}                            missing 401  404  404  404  404  404  404  404  404  404
PATCH  /api/v1/cases/{case}                            here    401  403  404  404  200  200  404  403  404  200
PATCH  /api/v1/cases/{case}                            there   401  404  404  404  404  404  200  403  403  200
PATCH  /api/v1/cases/{case}                            missing 401  404  404  404  404  404  404  404  404  404
GET    /api/v1/cases/{case}/notes                      here    401  200  404  404  200  200  404  200  404  200
GET    /api/v1/cases/{case}/notes                      there   401  404  404  404  404  404  200  200  200  200
POST   /api/v1/cases/{case}/notes                      here    401  201  404  404  201  201  404  403  404  201
POST   /api/v1/cases/{case}/notes                      there   401  404  404  404  404  404  201  403  403  201
GET    /api/v1/cases/{case}/history                    here    401  200  404  404  200  200  404  200  404  200
GET    /api/v1/cases/{case}/history                    there   401  404  404  404  404  404  200  200  200  200
POST   /api/v1/cases/{case}/reopen                     here    401  403  404  404  409  409  404  403  404  409
POST   /api/v1/cases/{case}/reopen                     there   401  404  404  404  404  404  409  403  403  409
POST   /api/v1/cases/{case}/duplicate                  here    401  403  404  404  200  200  404  403  404  200
POST   /api/v1/cases/{case}/duplicate                  there   401  404  404  404  404  404  200  403  403  200
GET    /api/v1/cases/{case}/tasks                      here    401  200  404  404  200  200  404  200  404  200
GET    /api/v1/cases/{case}/tasks                      there   401  404  404  404  404  404  200  200  200  200
POST   /api/v1/cases/{case}/tasks                      here    401  403  404  404  201  201  404  403  404  201
POST   /api/v1/cases/{case}/tasks                      there   401  404  404  404  404  404  201  403  403  201
GET    /api/v1/cases/{case}/reporter                   here    401  403  404  404  200  200  404  403  404  200
GET    /api/v1/cases/{case}/reporter                   there   401  404  404  404  404  404  200  403  403  200
GET    /api/v1/cases/{case}/classification             here    401  403  403  403  200  200  404  403  404  200
GET    /api/v1/cases/{case}/classification             there   401  403  403  403  404  404  200  403  200  200
GET    /api/v1/cases/{case}/classification             missing 401  403  403  403  404  404  404  403  404  404
POST   /api/v1/cases/{case}/classification             here    401  403  403  403  200  200  404  403  404  200
POST   /api/v1/cases/{case}/classification             there   401  403  403  403  404  404  200  403  200  200
POST   /api/v1/cases/{case}/lead                       here    401  403  403  403  200  200  404  403  403  200
POST   /api/v1/cases/{case}/lead                       there   401  403  403  403  404  404  200  403  403  200
POST   /api/v1/cases/{case}/lead                       missing 401  403  403  403  404  404  404  403  403  404
POST   /api/v1/cases/{case}/referral                   here    401  409  403  403  409  409  404  403  403  409
POST   /api/v1/cases/{case}/referral                   there   401  404  403  403  404  404  409  403  403  409
GET    /api/v1/triage                                  -       401  403  403  403  200  200  200  403  403  200
GET    /api/v1/reviews                                 -       401  403  200  200  200  200  200  403  200  200
POST   /api/v1/reviews/{review}/decision               here    401  403  404  404  200  200  404  403  404  200
POST   /api/v1/reviews/{review}/decision               there   401  403  404  404  404  404  200  403  200  200
POST   /api/v1/reviews/{review}/decision               missing 401  403  404  404  404  404  404  403  404  404
GET    /api/v1/areas/{area}/agenda?meeting={date}      here    401  403  403  403  200  200  404  403  403  200
GET    /api/v1/areas/{area}/agenda?meeting={date}      there   401  403  403  403  404  404  200  403  403  200
GET    /api/v1/areas/{area}/agenda?meeting={date}      missing 401  403  403  403  404  404  404  403  403  404
GET    /api/v1/tasks                                   -       401  403  200  200  403  403  403  403  403  200
GET    /api/v1/tasks/{task}                            here    401  403  200  404  403  403  403  403  403  200
GET    /api/v1/tasks/{task}                            there   401  403  404  200  403  403  403  403  403  200
GET    /api/v1/tasks/{task}                            missing 401  403  404  404  403  403  403  403  403  404
POST   /api/v1/tasks/{task}/accept                     here    401  403  200  404  403  403  403  403  403  403
POST   /api/v1/tasks/{task}/accept                     there   401  403  404  200  403  403  403  403  403  403
POST   /api/v1/tasks/{task}/accept                     missing 401  403  404  404  403  403  403  403  403  404
POST   /api/v1/tasks/{task}/decline                    here    401  403  200  404  403  403  403  403  403  403
POST   /api/v1/tasks/{task}/decline                    there   401  403  404  200  403  403  403  403  403  403
POST   /api/v1/tasks/{task}/progress                   here    401  403  409  404  403  403  403  403  403  403
POST   /api/v1/tasks/{task}/progress                   there   401  403  404  409  403  403  403  403  403  403
POST   /api/v1/tasks/{task}/complete                   here    401  403  200  404  403  403  403  403  403  403
POST   /api/v1/tasks/{task}/complete                   there   401  403  404  200  403  403  403  403  403  403
POST   /api/v1/cases/{case}/spend                      here    401  403  404  404  403  201  404  403  404  403
POST   /api/v1/cases/{case}/spend                      there   401  404  404  404  404  404  201  403  403  403
POST   /api/v1/spend/{spend}/reversal                  here    401  404  404  404  403  201  404  403  403  403
POST   /api/v1/spend/{spend}/reversal                  there   401  404  404  404  404  404  201  403  403  403
POST   /api/v1/spend/{spend}/reversal                  missing 401  404  404  404  404  404  404  404  404  404
GET    /api/v1/budgets?area={area}                     here    401  403  403  403  200  200  404  200  200  200
GET    /api/v1/budgets?area={area}                     there   401  403  403  403  404  404  200  200  200  200
PUT    /api/v1/budgets/{area}/{year}                   here    401  403  403  403  403  403  403  403  403  200
PUT    /api/v1/budgets/{area}/{year}                   there   401  403  403  403  403  403  403  403  403  200
POST   /api/v1/budgets/years/{last_year}/close         -       401  403  403  403  403  403  403  403  403  200
POST   /api/v1/cases/{case}/wait                       here    401  403  404  404  200  200  404  403  404  200
POST   /api/v1/cases/{case}/wait                       there   401  404  404  404  404  404  200  403  403  200
POST   /api/v1/cases/{case}/wait                       missing 401  404  404  404  404  404  404  404  404  404
POST   /api/v1/cases/{case}/resume                     here    401  403  404  404  409  409  404  403  404  409
POST   /api/v1/cases/{case}/resume                     there   401  404  404  404  404  404  409  403  403  409
POST   /api/v1/cases/{case}/resume                     missing 401  404  404  404  404  404  404  404  404  404
GET    /api/v1/calendar                                -       401  200  200  200  200  200  200  200  200  200
POST   /api/v1/calendar/holidays                       -       401  403  403  403  403  403  403  403  403  201
DELETE /api/v1/calendar/holidays/{holiday}             -       401  403  403  403  403  403  403  403  403  204
DELETE /api/v1/calendar/holidays/{holiday}             missing 401  403  403  403  403  403  403  403  403  404
GET    /api/v1/targets                                 -       401  200  200  200  200  200  200  200  200  200
PUT    /api/v1/targets                                 -       401  403  403  403  403  403  403  403  403  200
DELETE /api/v1/targets/{target}                        -       401  403  403  403  403  403  403  403  403  204
DELETE /api/v1/targets/{target}                        missing 401  403  403  403  403  403  403  403  403  404
GET    /api/v1/cases/{case}/cost-avoided               here    401  200  404  404  200  200  404  200  404  200
GET    /api/v1/cases/{case}/cost-avoided               there   401  404  404  404  404  404  200  200  200  200
POST   /api/v1/cases/{case}/cost-avoided               here    401  403  404  404  201  201  404  403  404  201
POST   /api/v1/cases/{case}/cost-avoided               there   401  404  404  404  404  404  201  403  403  201
GET    /api/v1/claims                                  -       401  200  403  403  200  200  200  200  200  200
GET    /api/v1/claims/{claim}                          here    401  200  404  404  200  200  404  200  404  200
GET    /api/v1/claims/{claim}                          there   401  404  404  404  404  404  200  200  200  200
GET    /api/v1/claims/{claim}                          missing 401  404  404  404  404  404  404  404  404  404
PATCH  /api/v1/claims/{claim}                          here    401  403  404  404  200  200  404  403  404  200
PATCH  /api/v1/claims/{claim}                          there   401  404  404  404  404  404  200  403  403  200
POST   /api/v1/claims/{claim}/decision                 here    401  403  403  403  403  403  403  200  403  403
POST   /api/v1/claims/{claim}/decision                 there   401  403  403  403  403  403  403  200  403  403
POST   /api/v1/claims/{claim}/decision                 missing 401  403  403  403  403  403  403  404  403  403
GET    /api/v1/follow-ups                              -       401  403  403  403  403  403  403  200  403  403
POST   /api/v1/follow-ups/{follow_up}/outcome          here    401  403  403  403  403  403  403  200  403  403
POST   /api/v1/follow-ups/{follow_up}/outcome          there   401  403  403  403  403  403  403  200  403  403
POST   /api/v1/follow-ups/{follow_up}/outcome          missing 401  403  403  403  403  403  403  404  403  403
GET    /api/v1/unit-costs                              -       401  403  403  403  200  200  200  200  200  200
POST   /api/v1/unit-costs                              -       401  403  403  403  403  403  403  201  403  201
PATCH  /api/v1/unit-costs/{unit_cost}                  -       401  403  403  403  403  403  403  200  403  200
GET    /api/v1/systems-barriers                        -       401  403  403  403  200  200  200  200  200  200
POST   /api/v1/systems-barriers                        -       401  403  403  403  201  201  201  403  201  201
GET    /api/v1/reports/capacity                        -       401  403  403  403  200  200  200  403  200  200
GET    /api/v1/reports/value                           -       401  403  403  403  200  200  200  200  200  200
GET    /api/v1/reports/value.csv                       -       401  403  403  403  200  200  200  200  200  200
GET    /api/v1/reports/transparency.csv                -       401  403  403  403  200  200  200  200  200  200
GET    /api/v1/areas                                   -       401  200  200  200  200  200  200  200  200  200
GET    /api/v1/wards                                   -       401  200  200  200  200  200  200  200  200  200
GET    /api/v1/organisations                           -       401  200  200  200  200  200  200  200  200  200
GET    /api/v1/categories                              -       401  200  200  200  200  200  200  200  200  200
GET    /api/v1/tokens                                  -       401  403  403  403  403  403  403  403  403  200
POST   /api/v1/tokens                                  -       401  403  403  403  403  403  403  403  403  201
DELETE /api/v1/tokens/{prefix}                         -       401  403  403  403  403  403  403  403  403  204
GET    /api/v1/openapi.json                            -       200  200  200  200  200  200  200  200  200  200
GET    /api/v1/docs                                    -       200  200  200  200  200  200  200  200  200  200
GET    /open311/v2/discovery.json                      -       200  200  200  200  200  200  200  200  200  200
GET    /open311/v2/services.json                       -       200  200  200  200  200  200  200  200  200  200
GET    /open311/v2/services/fly-tipping.json           -       200  200  200  200  200  200  200  200  200  200
GET    /open311/v2/requests.json                       -       200  200  200  200  200  200  200  200  200  200
GET    /open311/v2/requests/{ref}.json                 here    200  200  200  200  200  200  200  200  200  200
GET    /open311/v2/requests/{ref}.json                 missing 404  404  404  404  404  404  404  404  404  404
POST   /open311/v2/requests.json                       -       201  201  201  201  201  201  201  201  201  201
GET    /open311/v2/servicerequestupdates.json          -       200  200  200  200  200  200  200  200  200  200
GET    /                                               -       200  200  200  200  200  200  200  200  200  200
GET    /healthz                                        -       200  200  200  200  200  200  200  200  200  200
GET    /livez                                          -       200  200  200  200  200  200  200  200  200  200
GET    /sign-in                                        -       200  302  302  302  302  302  302  302  302  302
POST   /sign-in                                        -       400  302  302  302  302  302  302  302  302  302
POST   /sign-out                                       -       302  302  302  302  302  302  302  302  302  302
GET    /sign-in/code                                   -       302  302  302  302  302  302  302  302  302  302
POST   /sign-in/code                                   -       302  302  302  302  302  302  302  302  302  302
GET    /sign-in/recovery-code                          -       302  302  302  302  302  302  302  302  302  302
POST   /sign-in/recovery-code                          -       302  302  302  302  302  302  302  302  302  302
GET    /account/two-factor                             -       302  200  200  200  200  200  200  200  200  200
POST   /account/two-factor                             -       302  400  400  400  400  400  400  400  400  400
GET    /requests                                       -       302  200  403  403  403  403  403  403  403  403
GET    /requests/new                                   -       302  200  403  403  403  403  403  403  403  403
POST   /requests/new                                   -       302  302  403  403  403  403  403  403  403  403
GET    /requests/{ref}                                 here    302  200  403  403  403  403  403  403  403  403
GET    /requests/{ref}                                 there   302  404  403  403  403  403  403  403  403  403
GET    /requests/{ref}                                 missing 302  404  403  403  403  403  403  403  403  403
GET    /requests/{ref}/sent                            here    302  200  403  403  403  403  403  403  403  403
GET    /requests/{ref}/sent                            there   302  404  403  403  403  403  403  403  403  403
POST   /requests/{ref}/referral                        here    302  400  403  403  403  403  403  403  403  403
POST   /requests/{ref}/referral                        there   302  404  403  403  403  403  403  403  403  403
GET    /triage                                         -       302  403  403  403  200  200  200  403  403  200
GET    /cases                                          -       302  403  403  403  200  200  200  403  403  200
GET    /cases.csv                                      -       302  403  403  403  200  200  200  403  403  200
GET    /cases/map                                      -       302  403  403  403  200  200  200  403  403  200
GET    /my-work                                        -       302  403  403  403  200  200  200  403  403  200
POST   /triage/{other_ref}/confirm                     here    302  403  403  403  302  302  404  403  403  302
POST   /triage/{other_ref}/confirm                     there   302  403  403  403  404  404  302  403  403  302
POST   /triage/{other_ref}/level                       here    302  403  403  403  302  302  404  403  403  302
POST   /triage/{other_ref}/level                       there   302  403  403  403  404  404  302  403  403  302
POST   /triage/confirm                                 here    302  403  403  403  302  302  409  403  403  302
POST   /triage/confirm                                 there   302  403  403  403  409  409  302  403  403  302
GET    /cases/{ref}                                    here    302  403  403  403  200  200  404  403  403  200
GET    /cases/{ref}                                    there   302  403  403  403  404  404  200  403  403  200
GET    /cases/{ref}                                    missing 302  403  403  403  404  404  404  403  403  404
POST   /cases/{ref}/level                              here    302  403  403  403  302  302  404  403  403  302
POST   /cases/{ref}/level                              there   302  403  403  403  404  404  302  403  403  302
POST   /cases/{ref}/tasks                              here    302  403  403  403  302  302  404  403  403  302
POST   /cases/{ref}/tasks                              there   302  403  403  403  404  404  302  403  403  302
POST   /cases/{ref}/lead                               here    302  403  403  403  302  302  404  403  403  302
POST   /cases/{ref}/lead                               there   302  403  403  403  404  404  302  403  403  302
POST   /cases/{ref}/spend                              here    302  403  403  403  403  302  404  403  403  403
POST   /cases/{ref}/spend                              there   302  403  403  403  403  404  302  403  403  403
POST   /cases/{ref}/claims                             here    302  403  403  403  302  302  404  403  403  302
POST   /cases/{ref}/claims                             there   302  403  403  403  404  404  302  403  403  302
POST   /cases/{ref}/notes                              here    302  403  403  403  302  302  404  403  403  302
POST   /cases/{ref}/notes                              there   302  403  403  403  404  404  302  403  403  302
POST   /cases/{ref}/state                              here    302  403  403  403  302  302  404  403  403  302
POST   /cases/{ref}/state                              there   302  403  403  403  404  404  302  403  403  302
POST   /cases/{ref}/reopen                             here    302  403  403  403  409  409  404  403  403  409
POST   /cases/{ref}/reopen                             there   302  403  403  403  404  404  409  403  403  409
POST   /cases/{ref}/duplicate                          here    302  403  403  403  302  302  404  403  403  302
POST   /cases/{ref}/duplicate                          there   302  403  403  403  404  404  302  403  403  302
POST   /cases/{ref}/wait                               here    302  403  403  403  302  302  404  403  403  302
POST   /cases/{ref}/wait                               there   302  403  403  403  404  404  302  403  403  302
POST   /cases/{ref}/resume                             here    302  403  403  403  409  409  404  403  403  409
POST   /cases/{ref}/resume                             there   302  403  403  403  404  404  409  403  403  409
GET    /cases/{ref}/level                              here    302  403  403  403  200  200  404  403  403  200
GET    /cases/{ref}/level                              there   302  403  403  403  404  404  200  403  403  200
GET    /cases/{ref}/level                              missing 302  403  403  403  404  404  404  403  403  404
GET    /cases/{ref}/tasks                              here    302  403  403  403  200  200  404  403  403  200
GET    /cases/{ref}/tasks                              there   302  403  403  403  404  404  200  403  403  200
GET    /cases/{ref}/tasks                              missing 302  403  403  403  404  404  404  403  403  404
GET    /cases/{ref}/lead                               here    302  403  403  403  200  200  404  403  403  200
GET    /cases/{ref}/lead                               there   302  403  403  403  404  404  200  403  403  200
GET    /cases/{ref}/lead                               missing 302  403  403  403  404  404  404  403  403  404
GET    /cases/{ref}/notes                              here    302  403  403  403  200  200  404  403  403  200
GET    /cases/{ref}/notes                              there   302  403  403  403  404  404  200  403  403  200
GET    /cases/{ref}/notes                              missing 302  403  403  403  404  404  404  403  403  404
GET    /cases/{ref}/spend                              here    302  403  403  403  403  200  404  403  403  403
GET    /cases/{ref}/spend                              there   302  403  403  403  403  404  200  403  403  403
GET    /cases/{ref}/spend                              missing 302  403  403  403  403  404  404  403  403  403
GET    /cases/{ref}/claims                             here    302  403  403  403  200  200  404  403  403  200
GET    /cases/{ref}/claims                             there   302  403  403  403  404  404  200  403  403  200
GET    /cases/{ref}/claims                             missing 302  403  403  403  404  404  404  403  403  404
GET    /cases/{ref}/state                              here    302  403  403  403  200  200  404  403  403  200
GET    /cases/{ref}/state                              there   302  403  403  403  404  404  200  403  403  200
GET    /cases/{ref}/state                              missing 302  403  403  403  404  404  404  403  403  404
GET    /cases/{ref}/reopen                             here    302  403  403  403  409  409  404  403  403  409
GET    /cases/{ref}/reopen                             there   302  403  403  403  404  404  409  403  403  409
GET    /cases/{ref}/reopen                             missing 302  403  403  403  404  404  404  403  403  404
GET    /cases/{ref}/duplicate                          here    302  403  403  403  200  200  404  403  403  200
GET    /cases/{ref}/duplicate                          there   302  403  403  403  404  404  200  403  403  200
GET    /cases/{ref}/duplicate                          missing 302  403  403  403  404  404  404  403  403  404
GET    /cases/{ref}/wait                               here    302  403  403  403  200  200  404  403  403  200
GET    /cases/{ref}/wait                               there   302  403  403  403  404  404  200  403  403  200
GET    /cases/{ref}/resume                             here    302  403  403  403  409  409  404  403  403  409
GET    /cases/{ref}/resume                             there   302  403  403  403  404  404  409  403  403  409
GET    /budget?area={area}                             here    302  403  403  403  200  200  404  200  200  200
GET    /budget?area={area}                             there   302  403  403  403  404  404  200  200  200  200
POST   /budget/spend/{spend}/reversal                  here    302  403  403  403  403  302  404  403  403  403
POST   /budget/spend/{spend}/reversal                  there   302  403  403  403  403  404  302  403  403  403
POST   /budget/spend/{spend}/reversal                  missing 302  403  403  403  403  404  404  403  403  403
GET    /claims                                         -       302  403  403  403  200  200  200  200  200  200
GET    /claims/{claim}                                 here    302  403  403  403  200  200  404  200  404  200
GET    /claims/{claim}                                 there   302  403  403  403  404  404  200  200  200  200
GET    /claims/{claim}                                 missing 302  403  403  403  404  404  404  404  404  404
POST   /claims/{claim}/decision                        here    302  403  403  403  403  403  403  302  403  403
POST   /claims/{claim}/decision                        there   302  403  403  403  403  403  403  302  403  403
POST   /claims/{claim}/decision                        missing 302  403  403  403  403  403  403  404  403  403
GET    /meetings/{area}/{date}                         here    302  403  403  403  200  200  404  403  403  200
GET    /meetings/{area}/{date}                         there   302  403  403  403  404  404  200  403  403  200
GET    /meetings/{area}/{date}                         missing 302  403  403  403  404  404  404  403  403  404
GET    /meetings                                       -       302  403  403  403  200  200  200  403  403  200
GET    /meetings?area={area}                           here    302  403  403  403  200  200  404  403  403  200
GET    /meetings?area={area}                           there   302  403  403  403  404  404  200  403  403  200
GET    /meetings?area={area}                           missing 302  403  403  403  404  404  404  403  403  404
POST   /meetings/{area}/{date}                         here    302  403  403  403  302  302  404  403  403  302
POST   /meetings/{area}/{date}                         there   302  403  403  403  404  404  302  403  403  302
POST   /meetings/{area}/{date}                         missing 302  403  403  403  404  404  404  403  403  404
POST   /meetings/{area}/{date}/reviews/{review}        here    302  403  403  403  409  409  404  403  403  409
POST   /meetings/{area}/{date}/reviews/{review}        there   302  403  403  403  404  404  409  403  403  409
POST   /meetings/{area}/{date}/reviews/{review}        missing 302  403  403  403  404  404  404  403  403  404
GET    /areas/{area}/agenda?meeting={date}             here    302  403  403  403  200  200  404  403  403  200
GET    /areas/{area}/agenda?meeting={date}             there   302  403  403  403  404  404  200  403  403  200
GET    /reports                                        -       302  403  403  403  200  200  200  200  200  200
GET    /reports/value.csv                              -       302  403  403  403  200  200  200  200  200  200
GET    /reports/value.svg                              -       302  403  403  403  200  200  200  200  200  200
GET    /reports/exceptions                             -       302  403  200  200  200  200  200  403  200  200
GET    /reports/exceptions.csv                         -       302  403  200  200  200  200  200  403  200  200
GET    /reports/exceptions?organisation=whg            -       302  403  200  404  200  200  200  403  200  200
GET    /reports/exceptions?area=SW                     here    302  403  200  200  200  200  404  403  200  200
GET    /api/v1/reports/exceptions                      -       401  403  200  200  200  200  200  403  200  200
GET    /api/v1/reports/exceptions.csv                  -       401  403  200  200  200  200  200  403  200  200
GET    /api/v1/reports/exceptions?area=SW              here    401  403  200  200  200  200  404  403  200  200
GET    /api/v1/reports/exceptions?organisation=whg     -       401  403  200  404  200  200  200  403  200  200
GET    /api/v1/organisations/whg/exceptions            -       401  403  200  404  200  200  200  403  200  200
GET    /api/v1/organisations/whg/exceptions.csv        -       401  403  200  404  200  200  200  403  200  200
GET    /api/v1/organisations/no-such-org/exceptions    missing 401  403  404  404  404  404  404  403  404  404
GET    /reports/transparency.csv                       -       302  403  403  403  200  200  200  200  200  200
"""
# fmt: on

TODAY = "{date}"
NEW_CASE = {
    "title": "Overgrown hedge blocking the path",
    "description": "Outside number 4.",
    "category": "litter",
    "ward": "pleck",
}

# The body each request sends: JSON for the API, form fields for pages and Open311.
BODIES = {
    "POST /api/v1/cases": NEW_CASE,
    "PATCH /api/v1/cases/{case}": {"title": "Youths gathering by the shops"},
    "POST /api/v1/cases/{case}/notes": {"body": "Spoke to the neighbours.", "visibility": "councillor"},
    "POST /api/v1/cases/{case}/reopen": {"reason": "It has started again."},
    "POST /api/v1/cases/{case}/duplicate": {"of": "{other_ref}"},
    "POST /api/v1/cases/{case}/wait": {"waiting_on": "resident", "reason": "Waiting for the resident's photos."},
    "POST /api/v1/calendar/holidays": {"date": "2027-01-04", "name": "Council offices closed"},
    "PUT /api/v1/targets": {"kind": "task_accept", "organisation": "whg", "working_days": 3},
    "POST /api/v1/cases/{case}/tasks": {"organisation": "wm-fire"},
    "POST /api/v1/cases/{case}/classification": {"level": 3, "reason": "Weapons seen"},
    "POST /api/v1/cases/{case}/referral": {"reason": "More complicated than it looked."},
    "POST /api/v1/cases/{case}/lead": {"organisation": "wm-fire", "reason": "Fire risk in the flats"},
    "POST /api/v1/reviews/{review}/decision": {"outcome": "continue", "notes": "Patrols working"},
    "POST /api/v1/tasks/{task}/decline": {"reason": "Not ours."},
    "POST /api/v1/tasks/{task}/progress": {"note": "Visited on Tuesday."},
    "POST /api/v1/tasks/{task}/complete": {"outcome": "Lock fitted."},
    "POST /api/v1/cases/{case}/spend": {"amount_pence": 1_000, "description": "Padlock", "spent_on": TODAY},
    "POST /api/v1/spend/{spend}/reversal": {"reason": "Keyed twice."},
    "PUT /api/v1/budgets/{area}/{year}": {"amount_pence": 1_200_000},
    "POST /api/v1/cases/{case}/cost-avoided": {
        "outcomes": [{"description": "Eviction avoided", "unit_cost_pence": 700_000, "probability": "0.2"}]
    },
    "PATCH /api/v1/claims/{claim}": {
        "outcomes": [{"description": "Eviction avoided", "unit_cost_pence": 700_000, "probability": "0.3"}]
    },
    "POST /api/v1/claims/{claim}/decision": {"decision": "verified"},
    "POST /api/v1/follow-ups/{follow_up}/outcome": {"outcome": "confirmed"},
    "POST /api/v1/unit-costs": {
        "name": "Night in a hostel",
        "amount_pence": 4_500,
        "unit": "per night",
        "source": "Housing team",
        "year": 2026,
    },
    "PATCH /api/v1/unit-costs/{unit_cost}": {"amount_pence": 4_700},
    "POST /api/v1/systems-barriers": {"title": "No out-of-hours noise service", "borough_level": True},
    "POST /api/v1/tokens": {"email": "mgr@matrix.example", "name": "second laptop"},
    "POST /open311/v2/requests.json": {
        "api_key": "{open311_key}",
        "service_code": "fly-tipping",
        "lat": "52.577",
        "long": "-2.001",
        "description": "Sofa dumped.",
    },
    "POST /sign-in": {"email": "cllr@matrix.example", "password": "not the password"},
    "POST /requests/new": {
        "ward": "pleck",
        "category": "litter",
        "address": "4 Pleck Road",
        "description": "Bags of rubbish by the bus stop.",
    },
    "POST /requests/{ref}/referral": {"reason": "More complicated than it looked."},
    "POST /triage/{other_ref}/confirm": {"confirm-{other_id}-level": "{other_suggested}"},
    "POST /triage/{other_ref}/level": {"level-{other_id}-level": "2", "level-{other_id}-reason": "Repeat reports"},
    "POST /cases/{ref}/level": {"level-level": "3", "level-reason": "Weapons seen"},
    "POST /cases/{ref}/tasks": {"offer-organisation": "wm-fire"},
    "POST /cases/{ref}/lead": {"lead-organisation": "wm-fire", "lead-reason": "Fire risk in the flats"},
    "POST /cases/{ref}/spend": {
        "spend-amount": "10.00",
        "spend-description": "Padlock",
        "spend-spent_on": ["{day}", "{month}", "{year_now}"],
    },
    "POST /cases/{ref}/claims": {
        "claim-outcome": "Eviction avoided",
        "claim-unit_cost": "7000",
        "claim-probability": "0.2",
    },
    "POST /cases/{ref}/notes": {"note-body": "Spoke to the neighbours.", "note-visibility": "internal"},
    "POST /cases/{ref}/state": {
        "state-state": "resolved",
        "state-reason": "Quiet for a month",
        "state-version": "{version}",
        "state-confirmed": "yes",
    },
    "POST /cases/{ref}/reopen": {"reopen-reason": "It has started again.", "reopen-confirmed": "yes"},
    "POST /cases/{ref}/duplicate": {"duplicate-of": "{other_ref}", "duplicate-confirmed": "yes"},
    "POST /cases/{ref}/wait": {"wait-waiting_on": "resident", "wait-reason": "Waiting for the resident's photos."},
    "POST /budget/spend/{spend}/reversal": {"reason": "Keyed twice."},
    "POST /meetings/{area}/{date}/reviews/{review}": {"review-{review}-outcome": "continue"},
    "POST /meetings/{area}/{date}": {"attendees": "Sam Singh, Walsall Council\nSgt Jo Bell, West Midlands Police"},
    "POST /claims/{claim}/decision": {"decision": "verified"},
    "POST /triage/confirm": {"cases": "{other_ref}:{other_suggested}", "back": ""},
}

COLUMNS = list(ROLES)


def parse(table: str):
    rows = []
    for line in table.strip().splitlines()[1:]:
        method, path, on, *statuses = line.split()
        assert len(statuses) == len(COLUMNS), line
        rows.append((method, path, on, dict(zip(COLUMNS, (int(s) for s in statuses), strict=True))))
    return rows


ROWS = parse(MATRIX)


def _fill(template, side):
    if isinstance(template, str):
        return side.fill(template)
    if isinstance(template, dict):
        return {side.fill(k): _fill(v, side) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, side) for v in template]
    return template


def send(world, role, method, path_template, side):
    path = side.fill(path_template)
    body = _fill(BODIES.get(f"{method} {path_template}"), side)
    if path.startswith("/api/"):
        # Writes that need If-Match get '*': the matrix is about who, not about stale versions.
        return world.call(role, method, path, json=body, headers={"If-Match": "*"} if method != "GET" else {})
    if path.startswith("/open311/"):
        return world.api.open(path, method=method, data=body)
    client = world.page_client(role)
    return client.open(path, method=method, data=body, headers={"Accept": "text/html"})


@pytest.fixture
def world(app):
    with isolated_world(app, csrf=False) as built:
        yield built


# Only area staff and admins may see the reporting resident (the world's cases carry one).
RESIDENT = ("Mrs Resident", "resident@example.org")
MAY_SEE_RESIDENTS = {"supp", "mgr", "mgrX", "admin"}


def observe(world, method, path, on, shown=None):
    """Each caller's status; where the answer names the resident, (role, request) goes into shown."""
    side = {"there": world.there, "missing": world.missing}.get(on, world.here)
    seen = {}
    for role in COLUMNS:
        with world.iso.undone():
            response = send(world, role, method, path, side)
        seen[role] = response.status_code
        if shown is not None:
            body = response.get_data(as_text=True)
            shown.extend((role, f"{method} {path} [{on}] as {role}") for detail in RESIDENT if detail in body)
    return seen


def test_every_caller_gets_the_status_in_the_table_and_no_one_else_sees_the_resident(world):
    wrong, shown = [], []
    for method, path, on, expected in ROWS:
        seen = observe(world, method, path, on, shown)
        if seen != expected:
            wrong.append(f"{method} {path} [{on}]\n  expected {expected}\n  got      {seen}")
    assert not wrong, "\n".join(wrong)
    leaks = [where for role, where in shown if role not in MAY_SEE_RESIDENTS]
    assert not leaks, "\n".join(leaks)
    # The leak check means something only if those allowed do get the resident somewhere.
    assert {role for role, _where in shown} == MAY_SEE_RESIDENTS


def test_the_table_has_a_row_for_every_endpoint_and_method(app):
    adapter = app.url_map.bind("localhost")
    covered = set()
    for method, path, _on, _statuses in ROWS:
        concrete = re.sub(r"\{[a-z_]+\}", "1", path.split("?")[0])
        endpoint, _args = adapter.match(concrete, method=method)
        covered.add((endpoint, method))
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - covered == set()
