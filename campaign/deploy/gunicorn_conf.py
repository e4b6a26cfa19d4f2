"""gunicorn settings: `gunicorn -c python:campaign.deploy.gunicorn_conf wsgi:app`.

The environment picks the address and the number of workers. Metrics: every worker writes to
PROMETHEUS_MULTIPROC_DIR (made here when unset, before any worker imports prometheus_client),
and a worker that exits is marked dead so its gauges drop out of the sums.
"""

import multiprocessing
import os
import tempfile

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="campaign-metrics-")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
timeout = 30
graceful_timeout = 30
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
capture_output = errorlog != "-"  # the app's request lines go to the same file
# The proxy is on this machine or names itself in TRUSTED_PROXIES; gunicorn's own check agrees.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
