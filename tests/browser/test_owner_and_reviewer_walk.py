"""The whole path of issue 13 in a real browser: the program manager starts a phase from the deployment's
form, an owner follows their mail's link and completes an evidence request with a file from the inbox
(after a mistyped code that was not accepted), the reviewer rejects it, the owner resubmits, the
reviewer accepts, and a cancelled owner run is replaced by the next sweep.

It runs on its own stack (stack.py: `prefect server start` and `aimsflow serve` on loopback) and its
own program. Every step is saved as a screenshot in the test's folder; with AIMSFLOW_UPDATE_SCREENSHOT=1
also as docs/walk-<n>-<step>.png, the README's pictures.
"""

from __future__ import annotations

import json
import mailbox
import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, sync_playwright

from aimsflow.notify import notices_in
from tests.browser.stack import CHROMIUM_ARGS, Stack, wait_until
from tests.browser.test_owner_form import (
    CONSOLE,
    RESUME_SECONDS,
    RUN_SECONDS,
    _events,
    form_field,
    mistyped,
    open_form,
    save_screenshot,
    submit,
    waiting_form,
)

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = "raffles"
PM, OWNER, TOP, AUDITOR = "Priya Raman", "Tan Wei Ming", "Mei Chen", "Nur Aisyah"
PEOPLE = [(PM, "program-manager", None), (OWNER, "owner", "technology"), (TOP, "top-management", None),
          (AUDITOR, "internal-auditor", None)]
NOTE = "Retention raised to 90 days; the policy is signed."
REASON = "the policy is not signed"
NEW_FILE = "log-retention-policy-2027.txt"
SIGNED_FILE = "log-retention-policy-2027-signed.txt"  # the claimed file left the inbox: a new one for the resubmission
LINK = re.compile(r"(http://\S+/runs/flow-run/[0-9a-f-]{36})")


def email_of(name: str) -> str:
    return f"{name.split()[0].lower()}@raffles.example"


def shot(page: Page, stack: Stack, name: str) -> None:
    save_screenshot(page, stack.root / name, ROOT / "docs" / name)


def set_up_program(stack: Stack) -> None:
    """A program in gap analysis whose log-retention evidence expires before an internal audit, via `aimsflow`."""
    stack.aimsflow("program", "create", "Raffles Reinsurance", "--scope", "claims AI, Singapore head office",
                   "--start", "2027-01-04", "--key", PROGRAM)
    for name, role, function in PEOPLE:
        stack.aimsflow("people", "add", PROGRAM, name, "--role", role, "--email", email_of(name),
                       *(["--function", function] if function else []))
    old = stack.root / "log-retention-policy-2026.txt"
    old.write_text("logs kept 30 days\n", encoding="utf-8")
    ev = stack.aimsflow_json("evidence", "add", PROGRAM, str(old), "--control", "A.6.2.8", "--valid-for", "10d",
                             "--by", OWNER)
    stack.aimsflow("evidence", "accept", ev["id"], "--by", PM)
    audit_day = date.fromisoformat(ev["collected"]) + timedelta(days=30)
    stack.aimsflow("audit", "schedule", PROGRAM, "internal", "--date", audit_day.isoformat(), "--auditor", AUDITOR,
                   "--scope", "9.2")


def notices(stack: Stack, to: str, item: str) -> list[dict[str, str]]:
    """Every notice about this item delivered to this person, oldest first (each digest split in its sections)."""
    if not stack.mailbox.exists():
        return []
    box = mailbox.mbox(str(stack.mailbox))
    try:
        return [n for m in box for n in notices_in(m)
                if n["to"] == email_of(to) and n["subject"].startswith(f"[{PROGRAM}] {item} ")]
    finally:
        box.close()


def code_and_link(notice: dict[str, str]) -> tuple[str, str]:
    code = re.search(r"Your personal (?:completion|review) code for this item: (\S+)", notice["body"])
    link = LINK.search(notice["body"])
    assert code and link, f"the notice carries no code or no link:\n{notice['body']}"
    return code.group(1), link.group(1)


def new_notice(stack: Stack, to: str, item: str, seen: int) -> dict[str, str] | None:
    found = notices(stack, to, item)
    return found[seen] if len(found) > seen else None


def run_ended(stack: Stack, run_id: str, name: str) -> bool:
    state = stack.flow_run(run_id).get("state") or {}
    if state.get("type") in ("FAILED", "CRASHED", "CANCELLED"):
        pytest.fail(f"run {run_id} ended {stack.state_of(run_id)}\n{stack.logs()}", pytrace=False)
    return state.get("type") == "COMPLETED" and state.get("name") == name


def item_state(stack: Stack, item: str) -> str:
    return str(next(i for i in stack.aimsflow_json("work", "list", PROGRAM) if i["id"] == item)["state"])


def progress(stack: Stack) -> str:
    artifact = stack.api("GET", f"/artifacts/{PROGRAM}-progress/latest")
    return "" if artifact is None else str(artifact.get("data") or "")


def accepted_count(markdown: str) -> int:
    """The `accepted` column of the progress artifact's "Work items by state" table (0 when absent)."""
    section = markdown.split("## Work items by state", 1)[-1].strip().splitlines()
    header = [c.strip() for c in section[0].strip("|").split("|")]
    row = [c.strip() for c in section[2].strip("|").split("|")]
    return int(row[header.index("accepted")]) if "accepted" in header else 0


def choose(field: Locator, option: str) -> None:
    """Pick an option of a select or a multi-select of the classic UI (the keyboard opens it)."""
    page = field.page
    field.locator("button.p-select-button__control, .p-select-button__control, input").first.press("ArrowDown")
    page.locator(".p-select-option", has_text=option).first.click()
    page.keyboard.press("Escape")


def form_top(dialog: Locator) -> str:
    return dialog.locator("article.markdown-renderer").first.inner_text()


def reopened_saying(page: Page, url: str, words: str) -> Locator | None:
    """The run's form once its description (rendered after the dialog opens) starts with these words."""
    dialog = open_form(page, url)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if form_top(dialog).startswith(words):
            return dialog
        time.sleep(0.25)
    page.keyboard.press("Escape")
    return None


def the_run_waits(stack: Stack, run_id: str, attempt: int) -> str:
    return str(wait_until(lambda: waiting_form(stack, run_id, attempt), timeout=RUN_SECONDS,
                          what=f"run {run_id} to wait for its form (attempt {attempt})",
                          explain=lambda: stack.state_of(run_id) + "\n" + stack.logs()))


def owner_run_of(stack: Stack, item: str, *, besides: frozenset[str] = frozenset()) -> str | None:
    runs = [r for r in stack.flow_runs(tags=[f"owner:{OWNER}", f"item:{item}"])
            if r["id"] not in besides and (r.get("state") or {}).get("type") != "CANCELLED"]
    return str(runs[0]["id"]) if runs else None


def test_a_phase_started_in_the_deployment_form_walks_from_owner_to_reviewer_and_back_and_a_lost_run_is_replaced(
        stack: Stack, chromium: Path) -> None:
    started = time.monotonic()
    timings = stack.timings
    set_up_program(stack)
    (stack.inbox / NEW_FILE).write_text("logs kept 90 days; signed by the CISO\n", encoding="utf-8")
    deployment = stack.api("GET", "/deployments/name/start-phase/start-phase")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.set_default_timeout(60_000)
            page.on("console", lambda m: CONSOLE.append(f"{m.type}: {m.text[:300]}") if m.type == "error" else None)

            # 1. The program manager starts the phase from the deployment's custom-run form, phase from the list.
            page.goto(f"{stack.base_url}/deployments/deployment/{deployment['id']}/run")
            form_field(page.locator("body"), "Program").locator("input, textarea").first.fill(PROGRAM)
            phase = form_field(page.locator("body"), "Phase")
            phase.get_by_role("button", name="str", exact=True).click()  # an optional choice: its value, not None
            choose(phase, "gap_analysis")
            assert "gap_analysis" in phase.inner_text()
            shot(page, stack, "walk-1-start-phase.png")
            page.get_by_role("button", name="Submit", exact=True).click()

            def phase_run() -> str | None:
                runs = stack.api("POST", "/flow_runs/filter", {"deployments": {"id": {"any_": [deployment["id"]]}}})
                return str(runs[0]["id"]) if runs else None

            phase_run_id = wait_until(phase_run, timeout=60, what="the start-phase run the form created")
            wait_until(lambda: run_ended(stack, phase_run_id, "Completed"), timeout=RUN_SECONDS,
                       what="the start-phase run to complete", explain=lambda: stack.state_of(phase_run_id))
            params = stack.flow_run(phase_run_id)["parameters"]
            assert (params["program"], params["phase"]) == (PROGRAM, "gap_analysis"), params
            timings["phase started in the UI"] = time.monotonic() - started

            # The evidence expiring before the audit is requested from its owner (a reviewed kind of work).
            freshness = json.loads(stack.aimsflow("run", "evidence-freshness", PROGRAM, "--remote", "--json"))
            wait_until(lambda: run_ended(stack, freshness["flow_run"], "Completed"), timeout=RUN_SECONDS,
                       what="the evidence-freshness run to complete",
                       explain=lambda: stack.state_of(freshness["flow_run"]))
            item = next(i["id"] for i in stack.aimsflow_json("work", "list", PROGRAM) if i["kind"] == "evidence")
            # Its notice goes out with the next delivery (deliver-notifications is scheduled; here it is run).
            delivery = json.loads(stack.aimsflow("run", "deliver", "--remote", "--json"))
            wait_until(lambda: run_ended(stack, delivery["flow_run"], "Completed"), timeout=RUN_SECONDS,
                       what="the deliver-notifications run to complete",
                       explain=lambda: stack.state_of(delivery["flow_run"]))

            # 2. The owner follows their mail's link to the item's run.
            first = wait_until(lambda: new_notice(stack, OWNER, item, 0), timeout=RUN_SECONDS,
                               what=f"{OWNER}'s notice of {item}")
            code, link = code_and_link(first)
            run_id = link.rsplit("/", 1)[1]
            assert owner_run_of(stack, item) == run_id
            the_run_waits(stack, run_id, 1)
            page.goto(link)
            dialog = open_form(page)
            form_field(dialog, "Completion code").locator("textarea").fill(mistyped(code))
            form_field(dialog, "Note").locator("textarea").fill(NOTE)
            shot(page, stack, "walk-2-owner-form.png")
            submit(dialog, stack.root / "submit-wrong-code.png")
            the_run_waits(stack, run_id, 2)
            page.goto(link)
            page.get_by_text("Not accepted", exact=True).first.wait_for()
            dialog = wait_until(lambda: reopened_saying(page, link, "Not accepted:"), timeout=RESUME_SECONDS,
                                what="the reopened form to say why the code was refused")
            assert "completion code is not right" in form_top(dialog), form_top(dialog)
            assert form_field(dialog, "Note").locator("textarea").input_value() == NOTE
            assert form_field(dialog, "Completion code").locator("textarea").input_value() == ""
            shot(page, stack, "walk-3-owner-not-accepted.png")
            assert item_state(stack, item) == "open"

            form_field(dialog, "Completion code").locator("textarea").fill(code)
            choose(form_field(dialog, "Evidence from the inbox"), NEW_FILE)
            assert NEW_FILE in form_field(dialog, "Evidence from the inbox").inner_text()
            shot(page, stack, "walk-4-owner-file-from-inbox.png")
            submit(dialog, stack.root / "submit-right-code.png")
            wait_until(lambda: run_ended(stack, run_id, "Submitted"), timeout=RESUME_SECONDS,
                       what=f"the owner run of {item} to end Submitted", explain=lambda: stack.state_of(run_id))
            assert item_state(stack, item) == "submitted"
            assert not (stack.inbox / NEW_FILE).exists(), "a claimed file leaves the inbox"
            (stack.inbox / SIGNED_FILE).write_text("logs kept 90 days; signed by the CISO on 2026-11-30\n",
                                                   encoding="utf-8")
            timings["owner submitted"] = time.monotonic() - started

            # 3. The reviewer follows their notice's link and rejects, with a reason.
            review = wait_until(lambda: new_notice(stack, PM, item, 0), timeout=RUN_SECONDS,
                                what=f"{PM}'s review notice of {item}")
            review_code, review_link = code_and_link(review)
            review_run = review_link.rsplit("/", 1)[1]
            assert f"reviewer:{PM}" in stack.flow_run(review_run)["tags"]
            the_run_waits(stack, review_run, 1)
            dialog = open_form(page, review_link)
            wait_until(lambda: NEW_FILE in form_top(dialog), timeout=10, every=0.25,  # rendered after it opens
                       what="the review form to list the evidence", explain=lambda: form_top(dialog))
            form_field(dialog, "Review code").locator("textarea").fill(review_code)
            choose(form_field(dialog, "Decision"), "reject")
            form_field(dialog, "Reason").locator("textarea").fill(REASON)
            shot(page, stack, "walk-5-reviewer-rejects.png")
            submit(dialog, stack.root / "submit-reject.png")
            wait_until(lambda: run_ended(stack, review_run, "Rejected"), timeout=RESUME_SECONDS,
                       what=f"the review run of {item} to end Rejected", explain=lambda: stack.state_of(review_run))

            # The owner gets a new run and a new code; its form shows the reason on top.
            again = wait_until(lambda: new_notice(stack, OWNER, item, 1), timeout=RUN_SECONDS,
                               what=f"{OWNER}'s second notice of {item}")
            code2, link2 = code_and_link(again)
            run2 = link2.rsplit("/", 1)[1]
            assert run2 != run_id and code2 != code
            top = the_run_waits(stack, run2, 1)
            assert REASON in top, top
            dialog = open_form(page, link2)
            wait_until(lambda: REASON in form_top(dialog), timeout=10, every=0.25,
                       what="the new owner form to show the reviewer's reason", explain=lambda: form_top(dialog))
            form_field(dialog, "Completion code").locator("textarea").fill(code2)
            form_field(dialog, "Note").locator("textarea").fill(NOTE + " Signed copy attached.")
            choose(form_field(dialog, "Evidence from the inbox"), SIGNED_FILE)
            shot(page, stack, "walk-6-owner-resubmits.png")
            submit(dialog, stack.root / "submit-again.png")
            wait_until(lambda: run_ended(stack, run2, "Submitted"), timeout=RESUME_SECONDS,
                       what=f"the second owner run of {item} to end Submitted", explain=lambda: stack.state_of(run2))

            # The reviewer accepts in the new review run, with their new code.
            review2 = wait_until(lambda: new_notice(stack, PM, item, 1), timeout=RUN_SECONDS,
                                 what=f"{PM}'s second review notice of {item}")
            review_code2, review_link2 = code_and_link(review2)
            review_run2 = review_link2.rsplit("/", 1)[1]
            assert review_run2 != review_run
            the_run_waits(stack, review_run2, 1)
            dialog = open_form(page, review_link2)
            form_field(dialog, "Review code").locator("textarea").fill(review_code2)
            choose(form_field(dialog, "Decision"), "accept")
            shot(page, stack, "walk-7-reviewer-accepts.png")
            submit(dialog, stack.root / "submit-accept.png")
            wait_until(lambda: run_ended(stack, review_run2, "Accepted"), timeout=RESUME_SECONDS,
                       what=f"the review run of {item} to end Accepted", explain=lambda: stack.state_of(review_run2))
            assert item_state(stack, item) == "accepted"
            wait_until(lambda: accepted_count(progress(stack)) >= 1, timeout=RESUME_SECONDS,
                       what=f"the {PROGRAM}-progress artifact to count the accepted item",
                       explain=lambda: progress(stack))
            timings["item accepted"] = time.monotonic() - started

            # 4. An owner run cancelled by mistake is replaced by the next sweep.
            other = next(i["id"] for i in stack.aimsflow_json("work", "list", PROGRAM, "--owner", OWNER)
                         if i["kind"] == "clause_assessment")
            lost = owner_run_of(stack, other)
            assert lost is not None
            stack.api("POST", f"/flow_runs/{lost}/set_state",
                      {"state": {"type": "CANCELLED", "name": "Cancelled"}, "force": True})
            sweep = json.loads(stack.aimsflow("run", "sweep", PROGRAM, "--remote", "--json"))
            wait_until(lambda: run_ended(stack, sweep["flow_run"], "Completed"), timeout=RUN_SECONDS,
                       what="the deadline sweep to complete", explain=lambda: stack.state_of(sweep["flow_run"]))
            replacement = wait_until(lambda: owner_run_of(stack, other, besides=frozenset({lost})), timeout=RUN_SECONDS,
                                     what=f"a new owner run of {other}")
            the_run_waits(stack, replacement, 1)
            page.goto(f"{stack.base_url}/runs/flow-run/{replacement}")
            page.get_by_role("button", name="Resume", exact=True).wait_for()  # the owner can take it up again
            shot(page, stack, "walk-8-run-replaced.png")
        finally:
            browser.close()

    assert [t for _, t, _ in _events(stack.database_url, other)].count("run_replaced") == 1
    triggers = [t for _, t, _ in _events(stack.database_url, item)]
    assert triggers.count("submit") == 2 and "reject" in triggers, triggers
    assert triggers.index("reject") < max(i for i, t in enumerate(triggers) if t == "accept"), triggers
    stack.aimsflow("trail", "verify")
    timings["run replaced"] = time.monotonic() - started
    print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
