"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask command (`flask --app wsgi`)."""

from tasking import create_app, heap
from tasking.services import calendar

app = create_app()
calendar.prepare(app.extensions["tasking.policy"])
# What start-up made lives as long as the process: out of the collector's way (tasking/heap.py).
heap.settle()
