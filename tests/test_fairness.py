"""The catalogue is fair: for every scenario and three seeds, the evidence the lab shows
supports its key (issue 11).

ONE sweep (module-scoped) audits every scenario file x seed offline, through the same
monitoring the candidate sees (lab.catalogue.audit: the model fitted in process, the
production stream replayed, harm measured); every test below reads that sweep. The table
(scenario x seed: onset and first-alarm windows, suspect rank of the injected features,
realised drop) is printed and written as JSON under the pytest tmp dir.

Scope via LAB_FAIRNESS_SCENARIOS="id1 id2" (all scenario files by default).
"""

from __future__ import annotations

import json
import os
import time

import pytest

from lab.catalogue import audit_many
from lab.scenario import list_scenarios

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # one sweep: minutes

SEEDS = (0, 1, 2)
MAX_DELAY = 2          # windows from the onset to the first alarm, for a harmful fault
TOP = 3                # an injected feature visible in the inputs ranks in the top three
DROP = 0.02            # a harmful fault lowers realised precision or recall this much ...
COST_RISE = 0.05       # ... or raises the realised cost per day this much (relative)
# Faults that blind the monitor without changing a decision measure as harmless to the
# model, yet the key rightly asks to fix the label feed: exempt from "nothing <=> harmless".
BLINDING = {"label_outage", "feedback_loop"}


def _scenarios():
    wanted = os.environ.get("LAB_FAIRNESS_SCENARIOS", "").split()
    found = list_scenarios()
    return [s for s in found if s.id in wanted] if wanted else found


def _drop(a) -> dict[str, float | None]:
    out = {}
    for metric in ("precision", "recall", "cost_per_day"):
        b, f = a.before.get(metric), a.after.get(metric)
        out[metric] = None if b is None or f is None else round(f - b, 4)
    return out


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    home = tmp_path_factory.mktemp("fairness-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("LAB_HOME", str(home))
    from lab.config import get_settings

    get_settings.cache_clear()
    audits = audit_many(_scenarios(), SEEDS)  # in two processes: it takes minutes
    mp.undo()
    get_settings.cache_clear()
    rows = [{**a.to_dict(), "realised_change": _drop(a)} for a in audits]
    path = tmp_path_factory.mktemp("fairness") / "fairness.json"
    path.write_text(json.dumps(rows, indent=1, default=str))
    print(f"\nfairness table ({path}):")
    print(f"{'scenario':40} seed onset alarm delay  ranks                  hurts  "
          "dP     dR     dCost/day")
    for a, r in zip(audits, rows):
        d = r["realised_change"]
        print(f"{a.scenario:40} {a.seed:4} {a.onset_window!s:>5} {a.first_alarm!s:>5} "
              f"{a.alarm_delay!s:>5}  {json.dumps(a.ranks):22} {a.hurts!s:6} "
              f"{d['precision']!s:6} {d['recall']!s:6} {d['cost_per_day']!s}")
    return audits


def _failures(audits, predicate, describe):
    return [describe(a) for a in audits if not predicate(a)]


KNOWN_GAPS = pytest.mark.xfail(strict=False, reason=(
    "issue 11 still open; in the last sweep (CI, 63 audits): pay-chargebacks-after-checkout-"
    "launch and wiki-spam-slipping-through, seed 1, never alarm although the fault hurts; "
    "pay-reviewers-buried-in-good-orders: a rarer fraud lowers the model's regret (harmless "
    "by the harm rule), yet its key's re-threshold saves 30% a day (docs/remediation.md): "
    "that key is judged by remedy outcomes, not by harm; sla-breaches-pile-up's key accepts "
    "'nothing' although the fault measures harmful and doing nothing costs twice a "
    "re-threshold (30,059 against 15,304 a day)"))


@KNOWN_GAPS
def test_a_harmful_fault_alarms_within_two_windows_of_its_onset(sweep):
    late = _failures([a for a in sweep if a.hurts], lambda a: a.alarm_delay is not None
                     and 0 <= a.alarm_delay <= MAX_DELAY,
                     lambda a: (a.scenario, a.seed, a.onset_window, a.first_alarm))
    assert not late, late


@KNOWN_GAPS
def test_measured_harm_matches_the_key(sweep):
    # The key accepts "do nothing" exactly when the fault does not hurt the model.
    judged = [a for a in sweep if not BLINDING & set(a.kinds)]
    wrong = _failures(judged, lambda a: ("nothing" in a.actions) == (not a.hurts),
                      lambda a: (a.scenario, a.seed, a.actions, a.hurts))
    assert not wrong, wrong


def test_an_injected_feature_visible_in_the_inputs_ranks_in_the_top_three(sweep):
    missed = _failures([a for a in sweep if a.visible and a.hurts],
                       lambda a: min((r for r in a.ranks.values() if r), default=99) <= TOP,
                       lambda a: (a.scenario, a.seed, a.ranks))
    assert not missed, missed


def test_realised_performance_drops_where_the_fault_hurts(sweep):
    def dropped(a) -> bool:
        b, f = a.before, a.after
        falls = [b[m] - f[m] >= DROP for m in ("precision", "recall")
                 if b.get(m) is not None and f.get(m) is not None]
        rise = (b.get("cost_per_day") and f.get("cost_per_day") is not None
                and f["cost_per_day"] >= b["cost_per_day"] * (1 + COST_RISE))
        return any(falls) or bool(rise)

    # A label outage leaves no realised numbers after its onset, and a training-time fault
    # (label leakage) none before it, as it acts from the first window: nothing to compare.
    held = _failures([a for a in sweep if a.hurts and a.after.get("precision") is not None
                      and a.before.get("precision") is not None],
                     dropped, lambda a: (a.scenario, a.seed, a.before, a.after))
    assert not held, held


def test_controls_and_benign_shifts_never_alarm(sweep):
    # Benign by the key ("do nothing" first) and by measurement; a broken pipeline that
    # measures harmless still deserves its data-quality alarm.
    benign = [a for a in sweep if not a.hurts and (not a.kinds or a.actions[0] == "nothing")]
    noisy = _failures(benign, lambda a: a.alarms == 0,
                      lambda a: (a.scenario, a.seed, a.alarms, a.warnings))
    assert not noisy, noisy


def test_no_alarm_before_the_onset(sweep):
    early = _failures([a for a in sweep if a.onset_window is not None],
                      lambda a: a.false_alarms == 0,
                      lambda a: (a.scenario, a.seed, a.false_alarms))
    assert not early, early


def test_one_scenario_per_world_runs_the_real_loop_in_time(lab_home):
    from lab.loop import run_loop

    per_world = {}
    for spec in _scenarios():
        per_world.setdefault(spec.world.kind, spec)
    times = {}
    for world, spec in per_world.items():
        started = time.perf_counter()
        # At a reduced size: the whole loop of every world must work; its time at the
        # default size is measured by `python benchmarks/run.py` (the machine may be busy).
        result = run_loop(spec, seed=0, rows=4000,
                          reference_rows=min(spec.reference_rows, 20_000))
        times[spec.id] = round(time.perf_counter() - started, 1)
        assert result.traffic.summary()["errors_by_status"].keys() <= {"422"}, world
        assert result.monitoring is not None and result.monitoring.windows, world
    # The times are printed for the record, not asserted.
    print(f"\nheadless loop seconds per world: {times}")
    assert set(times) == {s.id for s in per_world.values()}
