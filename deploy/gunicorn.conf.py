"""Gunicorn settings for Affluence in production (`gunicorn -c deploy/gunicorn.conf.py wsgi:app`).

Threaded sync workers (gthread), never gevent: SQLite and psycopg block (PITFALLS). The
scheduler is NOT started here: it runs as its own service (affluence-scheduler), once.
"""

import multiprocessing
import os

# nginx reaches gunicorn on this socket only; nothing else can forge X-Forwarded-For.
bind = os.environ.get("AFFLUENCE_BIND", "unix:/run/affluence/gunicorn.sock")
worker_class = "gthread"
workers = int(os.environ.get("AFFLUENCE_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("AFFLUENCE_THREADS", 8))
# A report compile on the Reports page waits REPORTS_WAIT_SECONDS (25 s) at most.
timeout = 60
graceful_timeout = 30
keepalive = 10
# Workers are recycled now and then: a slow leak never grows for weeks.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# The access log never holds the query string: a login's ?next= is harmless, but why keep it.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = "127.0.0.1"
