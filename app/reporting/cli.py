"""Commands: compile reports by hand, generate demo data, run the scheduler."""

from flask.cli import AppGroup

report_cli = AppGroup("report", help="Compile activity reports by hand.")
demo_cli = AppGroup("demo", help="Generate realistic demo data.")
scheduler_cli = AppGroup("scheduler", help="Run the report scheduler (one process).")
