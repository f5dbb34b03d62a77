"""Contract: re-encrypting every stored token under a new SECRET_KEY (store.ciphertexts, driven
by key_rotation.rotate_tokens), on each backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketing_etl.contracts.ciphertexts import TokenKind
from marketing_etl.contracts.store import Store
from marketing_etl.key_rotation import rotate_tokens
from marketing_etl.notifications.channels import ScheduleNotify, schedule_channels, stored_notify
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.tokens import TokenVault, load_fernet
from tests.storage.factory import T0
from tests.storage.test_connections import make_connection
from tests.storage.test_schedules import make_schedule

OLD_KEY, NEW_KEY = "the-old-secret-key", "the-new-secret-key"
WEBHOOK_SECRET, SLACK_URL = "a-webhook-secret-of-32-characters", "https://hooks.slack.test/services/T0/B0/x"
NO_NOTIFY = {TokenKind.NOTIFY_WEBHOOK: 0, TokenKind.NOTIFY_SLACK: 0}


def services(store: Store, secret_key: str) -> Services:
    settings = Settings(_env_file=None, secret_key=secret_key)
    return Services(settings, store, TokenVault(store, load_fernet(settings), 3600), Plugins())


def test_page_walks_every_ciphertext_in_id_order(store: Store) -> None:
    for job_id in ("j3", "j1", "j2"):
        store.put_token(job_id, f"c-{job_id}".encode(), expires_at=None)
    store.put_token("j0", b"expired", expires_at=T0 - timedelta(days=1))
    store.schedules.insert(make_schedule("s1"), b"c-s1")
    store.schedules.insert(make_schedule("s0"), None)  # no token: nothing to re-encrypt
    pages = store.ciphertexts
    assert pages.page(TokenKind.JOB, "", 2) == [("j0", b"expired"), ("j1", b"c-j1")]
    assert pages.page(TokenKind.JOB, "j1", 2) == [("j2", b"c-j2"), ("j3", b"c-j3")]
    assert pages.page(TokenKind.JOB, "j3", 2) == []
    assert pages.page(TokenKind.SCHEDULE, "", 10) == [("s1", b"c-s1")]


def test_replace_is_compare_and_set(store: Store) -> None:
    store.put_token("j", b"old", expires_at=None)
    store.schedules.insert(make_schedule("s"), b"old")
    pages = store.ciphertexts
    store.connections.insert(make_connection("c"), b"old")
    notify = {"webhook_url": "https://hooks.test/in", "webhook_secret": "old", "slack_webhook_url": "old",
              "email_to": ["ops@example.com"]}
    store.schedules.insert(make_schedule("n", notify=notify), None)
    owners = {TokenKind.JOB: "j", TokenKind.SCHEDULE: "s", TokenKind.CONNECTION: "c",
              TokenKind.NOTIFY_WEBHOOK: "n", TokenKind.NOTIFY_SLACK: "n"}
    for kind in TokenKind:
        assert not pages.replace(kind, owners[kind], b"stale", b"new")
        assert pages.replace(kind, owners[kind], b"old", b"new")
    assert not store.ciphertexts.replace(TokenKind.JOB, "missing", b"old", b"new")
    assert store.get_token("j", T0) == b"new"
    assert store.schedules.token("s") == b"new"
    assert store.connections.token("c") == b"new"
    kept = store.schedules.get("n")
    assert kept is not None
    assert kept.notify == {**notify, "webhook_secret": "new", "slack_webhook_url": "new"}


def notifying(store: Store, schedule_id: str, webhook_secret: str | None, slack_url: str | None) -> None:
    notify = {"webhook_secret": webhook_secret, "slack_webhook_url": slack_url}
    store.schedules.insert(make_schedule(schedule_id, notify=notify), None)


def test_notify_secrets_are_paged_only_where_set(store: Store) -> None:
    notifying(store, "both", "w", "s")
    notifying(store, "slack", None, "s2")
    store.schedules.insert(make_schedule("email", notify={"email_to": ["ops@example.com"]}), None)
    store.schedules.insert(make_schedule("none"), None)
    pages = store.ciphertexts
    assert pages.page(TokenKind.NOTIFY_WEBHOOK, "", 10) == [("both", b"w")]
    assert pages.page(TokenKind.NOTIFY_SLACK, "", 1) == [("both", b"s")]
    assert pages.page(TokenKind.NOTIFY_SLACK, "both", 10) == [("slack", b"s2")]


def test_a_notify_replaced_meanwhile_is_not_overwritten(store: Store) -> None:
    notifying(store, "n", "w1", "s1")
    (_, old_slack), = store.ciphertexts.page(TokenKind.NOTIFY_SLACK, "", 10)
    # The API replaces the schedule's channels (secrets encrypted afresh) between read and write.
    store.schedules.update("n", None, T0, notify={"webhook_secret": "w2", "slack_webhook_url": "s2"})
    assert not store.ciphertexts.replace(TokenKind.NOTIFY_SLACK, "n", old_slack, b"rotated")
    kept = store.schedules.get("n")
    assert kept is not None and kept.notify == {"webhook_secret": "w2", "slack_webhook_url": "s2"}


def test_rotation_with_two_keys(store: Store) -> None:
    old = services(store, OLD_KEY)
    for number in range(7):  # more than one page of 3
        old.vault.put(f"job-{number}", f"token-{number}")
    store.schedules.insert(make_schedule("sched"), old.vault.encrypt("schedule-token"))
    store.connections.insert(make_connection("conn"), old.vault.encrypt("connection-token"))
    given = ScheduleNotify(webhook_url="https://hooks.test/in", webhook_secret=WEBHOOK_SECRET,
                           slack_webhook_url=SLACK_URL, email_to=["ops@example.com"])
    store.schedules.insert(make_schedule("notifying", notify=stored_notify(old.vault, given)), None)

    both = services(store, f"{NEW_KEY},{OLD_KEY}")
    assert both.vault.get("job-0", T0) == "token-0"  # the old key still reads before rotating
    rotation = rotate_tokens(both, page_size=3)
    assert rotation.rotated == {TokenKind.JOB: 7, TokenKind.SCHEDULE: 1, TokenKind.CONNECTION: 1,
                                TokenKind.NOTIFY_WEBHOOK: 1, TokenKind.NOTIFY_SLACK: 1}
    assert rotation.unreadable == [] and rotation.changed_meanwhile == 0
    assert "1 schedule webhook secret(s), 1 schedule Slack URL(s)" in rotation.describe()

    new_only = services(store, NEW_KEY)
    assert [new_only.vault.get(f"job-{n}", T0) for n in range(7)] == [f"token-{n}" for n in range(7)]
    schedule_token = store.schedules.token("sched")
    assert schedule_token is not None and new_only.vault.decrypt(schedule_token) == "schedule-token"
    connection_token = store.connections.token("conn")
    assert connection_token is not None and new_only.vault.decrypt(connection_token) == "connection-token"
    assert services(store, OLD_KEY).vault.get("job-0", T0) is None  # the old key alone no longer reads
    schedule = store.schedules.get("notifying")
    assert schedule is not None
    channels = {c.kind.value: c for c in schedule_channels(new_only.vault, schedule)}
    assert channels["webhook"].secret == WEBHOOK_SECRET and channels["slack"].url == SLACK_URL
    assert channels["email"].recipients == ("ops@example.com",)
    assert schedule_channels(services(store, OLD_KEY).vault, schedule)[0].kind.value == "email"


def test_unreadable_tokens_are_reported_and_kept(store: Store) -> None:
    services(store, "a-lost-key").vault.put("lost-job", "t1")
    lost = services(store, "a-lost-key").vault
    store.schedules.insert(make_schedule("lost-schedule"), lost.encrypt("t2"))
    notifying(store, "lost-notify", None, lost.encrypt(SLACK_URL).decode())
    services(store, OLD_KEY).vault.put("fine-job", "t3")
    kept = {"lost-job": store.get_token("lost-job", T0)}

    rotation = rotate_tokens(services(store, f"{NEW_KEY},{OLD_KEY}"))
    assert rotation.rotated == {TokenKind.JOB: 1, TokenKind.SCHEDULE: 0, TokenKind.CONNECTION: 0, **NO_NOTIFY}
    assert rotation.unreadable == [
        (TokenKind.JOB, "lost-job"),
        (TokenKind.SCHEDULE, "lost-schedule"),
        (TokenKind.NOTIFY_SLACK, "lost-notify"),
    ]
    report = rotation.describe()
    assert "job lost-job" in report and "schedule lost-schedule" in report
    assert "schedule-slack-url lost-notify" in report and SLACK_URL not in report
    assert store.get_token("lost-job", T0) == kept["lost-job"]  # left in place, not deleted
    assert services(store, "a-lost-key").vault.get("lost-job", T0) == "t1"


def test_a_token_changed_during_rotation_is_not_overwritten(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    services(store, OLD_KEY).vault.put("j", "first")
    both = services(store, f"{NEW_KEY},{OLD_KEY}")
    read_page = store.ciphertexts.page

    def page_then_the_api_writes(kind: TokenKind, after: str, limit: int) -> list[tuple[str, bytes]]:
        page = read_page(kind, after, limit)
        if kind is TokenKind.JOB and page:
            both.vault.put("j", "second")  # a retry with a new token, between our read and write
        return page

    monkeypatch.setattr(store.ciphertexts, "page", page_then_the_api_writes)
    rotation = rotate_tokens(both)
    assert rotation.changed_meanwhile == 1 and rotation.rotated[TokenKind.JOB] == 0
    assert services(store, NEW_KEY).vault.get("j", T0) == "second"
