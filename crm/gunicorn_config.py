"""gunicorn settings: `gunicorn -c python:crm.gunicorn_config app:app`.

Workers are processes (the GIL makes threads share one core for Python work); each worker also
runs a few threads so that a slow client or a request waiting on SQLite's write lock does not idle
a whole process. Override with WEB_CONCURRENCY (workers), GUNICORN_THREADS and PORT/BIND.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# Restart a worker now and then, with jitter, so that slow leaks cannot pile up in a long-lived process.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # "-" for stdout; off by default (it costs throughput)
errorlog = "-"
# Each worker builds its own app and engine after the fork, so no database connection is shared.
preload_app = False
