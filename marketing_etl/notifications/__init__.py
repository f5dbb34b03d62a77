"""Notifications: events worth telling someone about (a job failed, totals differ, a schedule
failed twice in a row, a connection expiring, the Graph API version ending), sent to webhooks,
Slack and e-mail through the outbox in the store (contracts/notifications.py).

events.py enqueues after the event is recorded, never raising into a job; delivery.py sends
what is due, retrying with back-off, from the loop (loop.py) that `serve` and
`marketing-etl scheduler` run.
"""
