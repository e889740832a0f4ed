"""Server-rendered pages (GOV.UK Design System) and operational endpoints."""

from flask import make_response, render_template, request
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

# Paths that never answer with a page, whatever the client accepts.
MACHINE_PATHS = ("/api/", "/open311/", "/healthz")

HEADINGS = {
    400: ("There is a problem with the request", "Go back, check what you entered and try again."),
    403: ("You cannot see this page", "Your account does not give you access to this page."),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you followed a link, the page may not be yours to see.",
    ),
    405: ("There is a problem with the request", "This page does not accept that kind of request."),
    413: ("The form was too large", "Go back and send less."),
    429: ("Too many attempts", "Wait a minute, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
    503: ("Sorry, the service is unavailable", "Try again in a few minutes."),
}


def _wants_page() -> bool:
    return not request.path.startswith(MACHINE_PATHS) and request.accept_mimetypes.accept_html


def _error_page(status: int, message: str):
    heading, advice = HEADINGS.get(status, HEADINGS[500] if status >= 500 else HEADINGS[400])
    if status == 400 and "CSRF" in message:
        heading, advice = "The form has expired", "Go back, reload the page and try again."
    return make_response(render_template("errors/error.html", title=heading, heading=heading, message=advice), status)


def register(app) -> None:
    from tasking import errors as error_handlers
    from tasking.extensions import login
    from tasking.web import (
        agenda,
        auth,
        console,
        health,
        landing,
        local_time,
        navigation,
        reports,
        requests,
        two_factor,
    )

    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("tasking"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    app.add_template_filter(local_time.local, "local")
    app.add_template_global(navigation.navigation, "navigation_for")
    app.add_template_global(navigation.home_endpoint, "home_endpoint")
    login.init_app(app)
    login.login_view = "auth.sign_in"
    login.login_message = "Sign in to see this page."
    login.login_message_category = "info"
    for blueprint in (landing.bp, health.bp, auth.bp, two_factor.bp, requests.bp, reports.bp, agenda.bp, console.bp):
        app.register_blueprint(blueprint)
    error_handlers.register_format(app, _wants_page, _error_page)
