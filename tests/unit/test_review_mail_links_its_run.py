"""The reviewer's notice links to their review run when the Prefect UI's address is known, as the owner's does."""

from __future__ import annotations

from aimsflow.render import render_mail

CONTEXT = {"program": "merlion", "name": "Priya Raman", "item_id": "WI-31", "title": "Renew evidence for A.6.2.8",
           "why": "evidence for A.6.2.8", "run_name": "merlion · WI-31 · review · Priya Raman", "code": "ABCD-EFGH"}


def test_the_review_notice_carries_the_link_to_its_review_run_when_the_ui_address_is_known() -> None:
    _, body = render_mail("review", **CONTEXT, run_url="http://127.0.0.1:4200/runs/flow-run/1234")
    assert "choose Resume" in body and ": http://127.0.0.1:4200/runs/flow-run/1234" in body
    assert "ABCD-EFGH" in body


def test_the_review_notice_without_a_ui_address_tells_the_reviewer_how_to_find_the_run_by_its_tag() -> None:
    _, body = render_mail("review", **CONTEXT, run_url=None)
    assert "tag reviewer:Priya Raman" in body and "http" not in body
