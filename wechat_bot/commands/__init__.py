"""CLI commands, one module per area; `register` attaches them to the root group."""
from __future__ import annotations

import click


def register(main: click.Group) -> None:
    from . import database, server

    for module in (server, database):
        module.register(main)
