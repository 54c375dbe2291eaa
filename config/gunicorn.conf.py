"""gunicorn in production (README "Deploying"): `gunicorn -c config/gunicorn.conf.py config.wsgi`.

gunicorn listens on the loopback only; the reverse proxy in front of it ends TLS and passes
the client's address in X-Forwarded-For (the application reads it only from the addresses in
MIMAMORI_TRUSTED_PROXIES). Logs go to standard output and error, i.e. to the journal under
systemd (deploy/mimamori.service), from where they are rotated and shipped off the host.
Every value can be changed from the environment (GUNICORN_*).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: every request is short and database-bound. (2 × cores) + 1 is gunicorn's advice.
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a CSV export of a fiscal year
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak can never take the service down.
max_requests = 2000
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm"  # noqa: S108 - heartbeat files; /dev/shm is a tmpfs under systemd
# Requests: no long lines or huge headers (nothing legitimate sends them).
limit_request_line = 8190
limit_request_fields = 100

# gunicorn itself sets wsgi.url_scheme from X-Forwarded-Proto only for these addresses; Django
# reads the same header (SECURE_PROXY_SSL_HEADER, production settings).
forwarded_allow_ips = os.environ.get("MIMAMORI_TRUSTED_PROXIES", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client as the proxy saw it, then the request line, status, size and time in seconds.
# Addresses only: names never travel in a URL (the name search is a POST).
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(b)s %(L)s'
proc_name = "mimamori"
umask = 0o027
