"""The bot with parts of its work taken away, to measure what each part costs under load.

    BENCH_APP=bench.ablation_app:app BENCH_ABLATE=match BENCH_CONCURRENCY=32 bash bench/run_webhook_bench.sh 15

BENCH_ABLATE is a comma-separated list of:
  match  every text but a 人工 request gets one fixed guide answer: no normalising,
         matching, emergency check or conversation context (人工 requests still open
         consultations, so the write path stays in the mix);
  discard  the answer is worked out as usual and then thrown away for the same fixed
         one: beside ``match``, it tells the cost of working the answer out from the
         cost of what a different answer leads to (a list offered, a longer reply);
  state  no Redis read or write per text message: ``citizen_state.glance`` knows nothing
         (no context, no offered list, no consultation marker; the database decides).
What remains with both is the envelope, XML, Flask, routing, subscribes and consultations:
the part of our cost no faster matcher or cheaper Redis use can remove.

A measuring tool only: it answers every question with the same guide.
"""
from __future__ import annotations

import os

from wechat_bot.services import citizen_state
from wechat_bot.startup import create_app_or_exit

ABLATE = {part.strip() for part in os.environ.get("BENCH_ABLATE", "").split(",") if part.strip()}
unknown = ABLATE - {"match", "discard", "state"}
if unknown:
    raise SystemExit(f"BENCH_ABLATE: unknown part(s) {', '.join(sorted(unknown))} (known: match, discard, state)")

app = create_app_or_exit()
services = app.extensions["wechat_bot"]

if ABLATE & {"match", "discard"}:
    real_respond = services.respond
    fixed = services.answer("身份证丢了怎么补办")
    work_out = "discard" in ABLATE and "match" not in ABLATE

    def respond(text, memory, now, pending_choices=()):  # type: ignore[no-untyped-def]
        if "人工" in text:
            return real_respond(text, memory, now, pending_choices)
        if work_out:
            real_respond(text, memory, now, pending_choices)
        return fixed

    services.respond = respond

if "state" in ABLATE:
    citizen_state.glance = lambda *args, **kwargs: citizen_state.Glance(may_be_open=False)
