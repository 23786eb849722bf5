"""Delivering the outbox: the one task with I/O beyond the database, so the one that retries."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.settings import PREFECT_UI_URL

from aimsflow import notify


class DeliveryFailed(Exception):
    """Some notices could not be sent; they stay in the outbox and a retry sends them."""


@task(name="deliver-notifications", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=10)
def deliver_notifications() -> dict[str, int]:
    """Send every unsent notice over SMTP or to the mailbox file, with links to the runs in Prefect's UI;
    raise (and retry) while some fail."""
    result = notify.deliver_pending(ui=PREFECT_UI_URL.value())  # links to the runs in the mail
    if result.failed:
        raise DeliveryFailed(f"{result.failed} notices failed ({result.sent} sent); they stay in the outbox")
    return {"sent": result.sent, "failed": result.failed, "held": result.held, "messages": result.messages}
