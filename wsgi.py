"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`. Never starts the scheduler."""

from jobs.cli import cli as jobs_cli
from jobs.cli import serve
from tokenmart import create_app

app = create_app()
app.cli.add_command(jobs_cli)
app.cli.add_command(serve)
