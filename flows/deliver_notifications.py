"""deliver-notifications: send the outbox over SMTP, or append it to the mailbox file."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.report import publish
from tasks import notifications


@flow(name="deliver-notifications")
def deliver_notifications() -> dict[str, Any]:
    """Deliver every unsent notice (the task retries while some fail)."""
    result = notifications.deliver_notifications()
    held = f" {result['held']} assignments wait for their owner runs." if result.get("held") else ""
    publish("deliver-notifications", [f"Sent {result['sent']} notices in {result.get('messages', 0)} messages.{held}"],
            key="deliver-notifications")
    return result
