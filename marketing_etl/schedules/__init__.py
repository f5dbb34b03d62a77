"""Recurring reports: schedules (cron + time zone + a job body with relative dates) and the
scheduler that turns each due firing into an ordinary job.

This package imports nothing at package level, so the storage backends can use its model
without pulling in the job lifecycle.
"""
