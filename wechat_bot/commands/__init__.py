"""CLI commands, one module per area; `register` attaches them to the root group."""
from __future__ import annotations

import click


def register(main: click.Group) -> None:
    from . import consultations, database, guides, menu, notices, posts, publish, report, server, users

    for module in (server, database, users, notices, guides, menu, publish, posts, report, consultations):
        module.register(main)
