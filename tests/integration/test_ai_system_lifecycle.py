"""An AI system moves through its lifecycle from the CLI; going live and retiring change what the gates ask."""

from __future__ import annotations

from tests.integration.conftest import PROGRAM, Journey, Refuse


def systems(journey: Journey) -> dict[str, dict[str, object]]:
    return {s["name"]: s for s in journey.run.json("inventory", "list", PROGRAM)}


def test_deploying_an_assessed_system_makes_its_assessment_stale_and_asks_for_a_new_one(journey: Journey) -> None:
    journey.to_phase("controls_implementation")
    journey.decide_soa()
    journey.complete_phase_work("controls_implementation")
    assert journey.status()["gate"]["passes"]
    run = journey.run
    deployed = run.json("inventory", "advance", PROGRAM, "underwriting-assistant", "deploy",
                        "--reason", "live for all underwriters")
    assert (deployed["from"], deployed["status"], deployed["impact_assessment"]) == (
        "in-development", "deployed", "stale")
    assert deployed["opened"]
    assert systems(journey)["underwriting-assistant"]["status"] == "deployed"
    assert "AI system underwriting-assistant: impact assessment stale" in journey.status()["gate"]["missing"]

    retired = run.json("inventory", "advance", PROGRAM, "underwriting-assistant", "retire",
                       "--reason", "replaced by the pricing engine")
    assert retired["cancelled"] == [deployed["opened"]]
    assert journey.status()["gate"]["passes"], "a retired system leaves the gates"
    assert "every chain intact" in run.ok("trail", "verify").stdout


def test_a_move_the_lifecycle_does_not_allow_is_refused_and_changes_nothing(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    line = refuse("inventory", "advance", PROGRAM, "claims-triage", "develop")
    assert "claims-triage" in line and "deployed" in line
    line = refuse("inventory", "advance", PROGRAM, "claims-triage", "launch")
    assert "launch" in line and "deploy" in line
    line = refuse("inventory", "advance", PROGRAM, "no-such-system", "retire")
    assert "no-such-system" in line
