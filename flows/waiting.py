"""Waiting for a person's form, under a state name that says why ("Not accepted" after a refusal).

Prefect's `pause_flow_run` and `suspend_flow_run` always name their state "Paused" or
"Suspended", so a refused submission would look like any waiting run in the run list. This
proposes the same states (`Paused`, with `reschedule=True` for a suspend) under a name of ours,
stores the form the same way, and keeps Prefect's input keys (`suspended-attempt-2-schema`):
the UI finds the form through the keyset in the state's details, whatever the state's name.

The answer is returned as the submitted JSON, not loaded into the form's model: the server
checked it against the form's schema when it took it, and after a suspend the model is built
again from a fresh inbox listing, which a file chosen then may no longer be in. The service that
takes the answer checks every value again.
"""

from __future__ import annotations

import time
from typing import Any

from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.exceptions import Abort, FlowPauseTimeout, Pause
from prefect.input import RunInput, keyset_from_base_key, read_flow_run_input
from prefect.states import Paused, State
from prefect.utilities.engine import propose_state_sync

NOT_ACCEPTED = "Not accepted"  # the waiting state's name after a refused submission


def wait_for_form(form: type[RunInput], *, key: str, suspend: bool, name: str | None = None,
                  timeout: int | None = None, poll_seconds: float = 10.0) -> dict[str, Any]:
    """Wait (suspend, or pause in this process) until the run is resumed with the form; the submitted answer.

    `key` is the pause key: a wait whose key this run already used returns that wait's answer at once
    (a suspended run runs again from the top after its resume). `name` names the waiting state.
    """
    context = FlowRunContext.get()
    assert context is not None and context.flow_run is not None, "only a flow run waits for a form"
    run_id = context.flow_run.id
    kind = "suspended" if suspend else "paused"
    state: State[Any] = Paused(name=name or kind.capitalize(), timeout_seconds=timeout, reschedule=suspend,
                               pause_key=key)
    keyset = keyset_from_base_key(f"{kind}-{key}")
    state.state_details.run_input_keyset = {str(k): v for k, v in keyset.items()}
    with get_client(sync_client=True) as client:
        try:
            state = propose_state_sync(client, state, flow_run_id=run_id)
        except Abort as exc:
            raise RuntimeError(f"Flow run cannot wait for its form: {exc}") from None
        if state.is_running():  # this wait happened before and was answered: the server refused it again
            return _answer(keyset["response"], run_id)
        if not state.is_paused():
            raise RuntimeError(f"Flow run cannot wait for its form; the server answered {state.type.value}")
        form.save(keyset, flow_run_id=run_id)
        if suspend:
            raise Pause(state=state)  # this process ends; a resume schedules the run again from the top
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            time.sleep(poll_seconds)
            current = client.read_flow_run(run_id).state
            if current is not None and current.is_running():
                return _answer(keyset["response"], run_id)
            if time.monotonic() >= deadline:
                raise FlowPauseTimeout("Flow run was paused and never resumed.")


def _answer(key: str, run_id: Any) -> dict[str, Any]:
    value = read_flow_run_input(key, flow_run_id=run_id)
    return dict(value) if isinstance(value, dict) else {}
