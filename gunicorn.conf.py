"""gunicorn settings for the web half: `gunicorn -c gunicorn.conf.py app:app`.

Chosen by measurement (bench/README.md, `bash bench/run_webhook_bench.sh`):
* worker class: gunicorn's sync worker, and the gthread worker's main loop,
  wait for the client to close after each reply; a client that closes 20 ms
  late cut the bare echo to 84 req/s (sync) and 756 req/s (gthread) against
  ~1,850 with a prompt client. ``wechat_bot.serving.ThreadWorker`` is gthread
  with that wait moved to a background thread: 1,846 req/s with the late client.
* workers: one per core (the work is CPU-bound Python: XML, AES, matching);
  threads: 8 per worker, so a reply waiting on Redis, the database or a
  WeChat retry's claim never idles a core.
* malloc: each worker caps glibc's arenas at 2 (wechat_bot/serving.py) and is
  replaced by a fresh one after max_requests (50,000 + up to 5,000 jitter, so the
  workers do not restart together): in a 24-minute soak at 150 req/s resident memory
  still crept up ~0.15 MiB a minute per worker after warm-up, outside Python's own
  heap (bench/README.md). A county account's few thousand messages a day reach
  50,000 in weeks; a restart costs one worker ~1.5 s of start-up while the others
  answer, and drops no request (tests/server/test_worker_recycling.py).
Every value can be overridden from the environment (systemd unit, shell);
WECHAT_BOT_WORKER_CLASS=sync reproduces the comparison (bench/README.md).
"""
import os

bind = os.environ.get("WECHAT_BOT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WECHAT_BOT_WORKERS", os.cpu_count() or 2))
worker_class = os.environ.get("WECHAT_BOT_WORKER_CLASS", "wechat_bot.serving.ThreadWorker")
threads = int(os.environ.get("WECHAT_BOT_THREADS", 8))
# WeChat gives up after 5 s and retries; a request still running after 30 s is stuck.
timeout = 30
graceful_timeout = 20
# A bound on slow growth of C-level memory (see above); 0 turns recycling off.
max_requests = int(os.environ.get("WECHAT_BOT_MAX_REQUESTS", 50_000))
max_requests_jitter = max_requests // 10
keepalive = 5
# Each worker builds its own app (its own database pool and Redis connections).
preload_app = False
# Access log without query strings: WeChat's carry openid, signature and nonce.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("WECHAT_BOT_LOG_LEVEL", "info")


def on_starting(server):  # type: ignore[no-untyped-def]
    """Before any worker starts: a configuration or instance-folder error, a real account
    with the example contact details, or a database schema other than the code's stops the
    master with one line (wechat_bot/startup.py)."""
    from wechat_bot.startup import check_before_serving

    check_before_serving()


def on_exit(server):  # type: ignore[no-untyped-def]
    """Every worker has stopped: the embedded Redis goes too, unless the scheduler or a
    CLI command still uses it (wechat_bot/serving.py ``release_embedded_redis``)."""
    from wechat_bot.serving import release_embedded_redis

    release_embedded_redis()
