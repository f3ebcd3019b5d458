"""The floor: a Flask app that answers every POST /wechat with "success" and does nothing
else (no signature, no XML, no AES). Under the same gunicorn settings it shows what the
server layer alone costs per request (bench/README.md, ``bench/server_cpu.py``)."""
from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/wechat", methods=["GET", "POST"])
def wechat() -> str:
    return "success"
