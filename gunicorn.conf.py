"""gunicorn settings for the `web` process (see Procfile and docs/operations.md).

Read through the same strict helpers as golfshots/settings.py, so PORT=80x
stops the server with a message instead of binding somewhere unexpected.
"""

from golfshots.env import Env

env = Env()

port = env.int("PORT", 8000, minimum=1)
bind = [f"0.0.0.0:{port}"]
workers = env.int("WEB_CONCURRENCY", 2, minimum=1)
# Sync workers: every view is short and database-bound; slow work goes to Celery.
worker_class = "sync"
timeout = 30
# The platform sends SIGTERM and waits about 30 s before SIGKILL; finish the
# requests in flight well inside that.
graceful_timeout = 25
# Recycle workers now and then so a slow leak cannot grow without bound; the
# jitter keeps them from all restarting at once.
max_requests = env.int("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = env.int("GUNICORN_MAX_REQUESTS_JITTER", 100, minimum=0)

accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Only the platform's router may set X-Forwarded-Proto/For (SECURE_PROXY_SSL_HEADER trusts it).
forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Nobody steers a running server through gunicornc here, and the control
# socket would be written under $HOME, which a platform may mount read-only.
control_socket_disable = True
