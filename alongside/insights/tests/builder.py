"""Hand-built analysis tables for metric tests: a few rows, every value chosen by the test.

``Place`` collects rows for each table with sensible defaults and writes them as a tiny research
extract, so a test can run any metric on DuckDB and check the answer it worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from alongside.insights.engines import DuckDBEngine
from alongside.insights.extract import write_manifest
from alongside.insights.schema import TABLES

REFERENCE = dt.date(2026, 11, 1)
NHS_TEAM, VCSE_TEAM, EIP_TEAM = 1, 2, 3


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour))


class Place:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        self._keys = itertools.count(1)
        self.rows["teams"] = [
            _team(NHS_TEAM, "Central CMHT", "A06", 10, "Wyvern NHS Trust", "NHS"),
            _team(VCSE_TEAM, "Wellbeing Hub", "", 20, "Mind in Wyvern", "VCSE"),
            _team(EIP_TEAM, "Early intervention", "A14", 10, "Wyvern NHS Trust", "NHS"),
        ]
        self.rows["measure_rules"] = [
            {"measure": "phq9", "score_key": "total", "better": "lower", "reliable_change": 6.0},
            {"measure": "gbo", "score_key": "mean", "better": "higher", "reliable_change": 3.0},
            {"measure": "other", "score_key": "total", "better": "higher", "reliable_change": None},
        ]

    def key(self) -> int:
        return next(self._keys)

    def person(self, **groups: Any) -> int:
        key = self.key()
        row = {
            "person_key": key,
            "age_band": "25 to 34",
            "ethnic_category": "A",
            "ethnic_group": "White",
            "imd_quintile": "1",
            "sex": "Female",
            "locality": "Wyvern Central",
            "lsoa_code": "E01990000",
            "imd_decile": 1,
        }
        row.update({k: v for k, v in groups.items() if k in row})
        self.rows["people"].append(row)
        return key

    def referral(
        self,
        person: int | None,
        received: str,
        *,
        ended: str | None = None,
        team: int = NHS_TEAM,
        adult: bool = True,
        **fields: Any,
    ) -> int:
        key = self.key()
        person_row = next((p for p in self.rows["people"] if p["person_key"] == person), {})
        team_row = next(t for t in self.rows["teams"] if t["team_key"] == team)
        row = {
            "referral_key": key,
            "person_key": person,
            "received_at": at(received, 9),
            "received_on": dt.date.fromisoformat(received),
            "age_band": person_row.get("age_band", "25 to 34") if adult else "Under 18",
            "adult": adult,
            "ethnic_group": person_row.get("ethnic_group", "Not known"),
            "imd_quintile": person_row.get("imd_quintile", "Not known"),
            "sex": person_row.get("sex", "Not known"),
            "locality": person_row.get("locality", "Not known"),
            "referral_source": "GP practice",
            "source_code": "A1",
            "self_referral": False,
            "team_key": team,
            "organisation_key": team_row["organisation_key"],
            "provider_type": team_row["provider_type"],
            "team_type_code": team_row["team_type_code"],
            "state": "accepted",
            "accepted": True,
            "accepted_at": at(received, 12),
            "ended_at": at(ended, 17) if ended else None,
            "rejection_reason": "",
            "closure_reason": "",
            "bounce": False,
            "signposted": False,
            "handover_connected": False,
            "onward_from_key": None,
        }
        row.update(fields)
        self.rows["referrals"].append(row)
        return key

    def episode(
        self,
        referral: int,
        started: str,
        *,
        ended: str | None = None,
        plan_agreed: str | None = None,
        team: int = NHS_TEAM,
        intensity: str = "medium",
    ) -> int:
        key = self.key()
        ref = next(r for r in self.rows["referrals"] if r["referral_key"] == referral)
        team_row = next(t for t in self.rows["teams"] if t["team_key"] == team)
        self.rows["episodes"].append(
            {
                "episode_key": key,
                "referral_key": referral,
                "person_key": ref["person_key"],
                "team_key": team,
                "organisation_key": team_row["organisation_key"],
                "provider_type": team_row["provider_type"],
                "started_at": at(started, 12),
                "ended_at": at(ended, 16) if ended else None,
                "first_plan_agreed_on": dt.date.fromisoformat(plan_agreed) if plan_agreed else None,
            }
        )
        self.rows["intensity"].append(
            {"episode_key": key, "intensity": intensity, "changed_at": at(started, 12)}
        )
        return key

    def contact(
        self,
        episode: int,
        day: str,
        *,
        outcome: str = "attended",
        mode: str = "face_to_face",
        kind: str = "coaching",
        team: int = NHS_TEAM,
        hour: int = 11,
        practitioner: int = 900,
    ) -> int:
        key = self.key()
        ep = next(e for e in self.rows["episodes"] if e["episode_key"] == episode)
        team_row = next(t for t in self.rows["teams"] if t["team_key"] == team)
        self.rows["contacts"].append(
            {
                "contact_key": key,
                "referral_key": ep["referral_key"],
                "episode_key": episode,
                "person_key": ep["person_key"],
                "practitioner_key": practitioner,
                "team_key": team,
                "provider_type": team_row["provider_type"],
                "team_type_code": team_row["team_type_code"],
                "starts_at": at(day, hour),
                "contact_on": dt.date.fromisoformat(day),
                "mode": mode,
                "direct": mode in ("face_to_face", "phone", "video"),
                "outcome": outcome,
                "attended": outcome == "attended",
                "kind": kind,
                "assessment": kind == "assessment",
                "intervention": kind in ("coaching", "peer_support", "group"),
                "duration_minutes": 50,
            }
        )
        return key

    def score(self, episode: int, day: str, value: float, measure: str = "phq9") -> int:
        key = self.key()
        ep = next(e for e in self.rows["episodes"] if e["episode_key"] == episode)
        rule = next(r for r in self.rows["measure_rules"] if r["measure"] == measure)
        self.rows["scores"].append(
            {
                "episode_key": episode,
                "referral_key": ep["referral_key"],
                "person_key": ep["person_key"],
                "response_key": key,
                "measure": measure,
                "score_key": rule["score_key"],
                "snomed": "",
                "value": float(value),
                "completed_at": at(day, 14),
            }
        )
        return key

    def plan_version(
        self, episode: int, number: int, written: str, *, review: str | None, agreed: str | None
    ) -> None:
        self.rows["plan_versions"].append(
            {
                "episode_key": episode,
                "number": number,
                "created_at": at(written, 15),
                "agreed_on": dt.date.fromisoformat(agreed) if agreed else None,
                "review_on": dt.date.fromisoformat(review) if review else None,
            }
        )

    def allocation(self, episode: int, worker: int, started: str, ended: str | None = None) -> None:
        self.rows["allocations"].append(
            {
                "episode_key": episode,
                "key_worker_key": worker,
                "started_at": at(started, 12),
                "ended_at": at(ended, 12) if ended else None,
            }
        )

    def step(self, episode: int, intensity: str, day: str) -> None:
        self.rows["intensity"].append(
            {"episode_key": episode, "intensity": intensity, "changed_at": at(day, 13)}
        )

    def agreement(
        self,
        supervisee: int,
        supervisor: int,
        starts: str,
        *,
        ends: str | None = None,
        terms: dict[str, int] | None = None,
        team: int | None = NHS_TEAM,
        is_supervisor: bool = False,
    ) -> int:
        """A supervision agreement with its terms (kind: every so many weeks), by default
        monthly individual and quarterly group supervision. The supervisee's team is their
        first active care membership's (``None``: they have none)."""
        key = self.key()
        team_row = next((t for t in self.rows["teams"] if t["team_key"] == team), None)
        for kind, weeks in (terms or {"individual": 4, "group": 13}).items():
            self.rows["supervision_terms"].append(
                {
                    "agreement_key": key,
                    "supervisee_key": supervisee,
                    "supervisor_key": supervisor,
                    "kind": kind,
                    "every_weeks": weeks,
                    "starts_on": dt.date.fromisoformat(starts),
                    "ends_on": dt.date.fromisoformat(ends) if ends else None,
                    "team_key": team,
                    "organisation_key": team_row["organisation_key"] if team_row else None,
                    "provider_type": team_row["provider_type"] if team_row else "Not known",
                    "supervisee_is_supervisor": is_supervisor,
                }
            )
        return key

    def supervision(self, supervisor: int, kind: str, day: str, *attendees: int) -> int:
        """A supervision session held, with a row for each supervisee who attended."""
        key = self.key()
        for supervisee in attendees:
            self.rows["supervision_attendance"].append(
                {
                    "session_key": key,
                    "supervisee_key": supervisee,
                    "supervisor_key": supervisor,
                    "kind": kind,
                    "held_on": dt.date.fromisoformat(day),
                }
            )
        return key

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, table in TABLES.items():
            schema = table.schema.to_pyarrow()
            data = pa.Table.from_pylist(self.rows[name], schema=schema)
            pq.write_table(data, directory / f"{name}.parquet")
        counts = {name: len(rows) for name, rows in self.rows.items()}
        write_manifest(directory, reference_date=REFERENCE, rows=counts)
        return directory

    def engine(self, directory: Path) -> DuckDBEngine:
        return DuckDBEngine(self.write(directory))


def _team(key: int, name: str, code: str, org: int, org_name: str, provider: str) -> dict:
    return {
        "team_key": key,
        "team_name": name,
        "team_type_code": code,
        "organisation_key": org,
        "organisation_name": org_name,
        "provider_type": provider,
    }
