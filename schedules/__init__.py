"""The scheduler process: APScheduler jobs under a Redis lease."""
