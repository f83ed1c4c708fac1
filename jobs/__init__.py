"""Scheduled jobs: a declarative registry run by APScheduler in one process.

tokenmart never imports jobs; jobs call tokenmart's services.
"""
