"""Schema migrations: an empty database migrated to head matches the models; rows survive upgrades."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from aimsflow import migrate
from models.db import engine_for


def diff_against_models(url: str) -> list[object]:
    with engine_for(url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_an_empty_database_migrated_to_head_matches_the_models(database_url: str) -> None:
    assert migrate.upgrade(database_url) == migrate.head_revision()
    assert diff_against_models(database_url) == []


def test_a_database_from_the_first_release_upgrades_without_losing_rows(database_url: str) -> None:
    url = database_url
    assert migrate.upgrade(url, migrate.FIRST_RELEASE) == migrate.FIRST_RELEASE
    with engine_for(url).begin() as conn:
        conn.execute(text(
            "INSERT INTO program (id, version, key, name, organization, scope, timezone, country, start_date, "
            "existing_certifications, state, cycle, risk_scale, created_at, major_verification_days, "
            "new_stage_2_after_months, stage_1_to_stage_2_months, reminder_days, escalate_to_pm_after_days, "
            "escalate_to_top_after_days, preparation_lead_days, impact_assessment_interval_months, "
            "evidence_valid_months) VALUES (1, 1, 'old-org', 'Old Org', 'Old Org', 'all AI', 'Asia/Singapore', "
            "'SG', '2027-01-04', '[]', 'gap_analysis', 1, 5, '2027-01-04 00:00:00', 90, 9, 6, '7,1', 3, 10, "
            "60, 12, 12)"))
    migrate.upgrade(url)
    with engine_for(url).connect() as conn:
        assert conn.execute(text("SELECT key, state FROM program")).all() == [("old-org", "gap_analysis")]
        # 0002 gave the existing program the common audit effort.
        assert conn.execute(text("SELECT surveillance_effort_percent, recertification_effort_percent "
                                 "FROM program")).all() == [(33, 67)]
        # 0005 split the restoration window from the new-Stage-2 limit, both capped at 6 months (ISO/IEC 17021-1).
        assert conn.execute(text("SELECT new_stage_2_after_months, restoration_window_months, "
                                 "readiness_lookback_months, policy_review_interval_months FROM program")).all() == [
            (6, 6, 12, 12)]
    assert diff_against_models(url) == []


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    first = migrate.upgrade(url)
    assert migrate.upgrade(url) == first == migrate.head_revision()
