"""The catalogue is fair: for every scenario and three seeds, the evidence the lab shows
supports its key (issue 11).

ONE sweep (module-scoped) audits every scenario file x seed offline, through the same
monitoring the candidate sees (lab.catalogue.audit: the model fitted in process, the
production stream replayed, harm measured, every remedy run on the next week); every test
below reads that sweep. The table (scenario x seed: onset and first-alarm windows, suspect
rank of the injected features, realised drop, the best remedy and its saving against doing
nothing) is printed and written as JSON under the pytest tmp dir.

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
# Faults that blind the monitor without changing a decision cost nothing extra on the next
# week, yet the key rightly asks to fix the label feed: exempt from "nothing <=> no remedy
# saves materially".
BLINDING = {"label_outage", "feedback_loop"}
# A serving lesson (latency at the service, nothing in the data) is not judged by the
# remedies either: they change the model's decisions, its key's "nothing" says to leave the
# model alone, and docs/remediation.md leaves serving out of the remedy evaluation.
SERVING = "serving-latency"


def _serving_only(a) -> bool:
    return SERVING in a.topics and set(a.categories) <= {"service"}


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
          "dP      dR      dCost/day  best remedy (saves)        nothing ok  secs")
    for a, r in zip(audits, rows):
        d = r["realised_change"]
        best = f"{a.best_remedy} ({a.saving():.0%})" if a.best_remedy else "-"
        print(f"{a.scenario:40} {a.seed:4} {a.onset_window!s:>5} {a.first_alarm!s:>5} "
              f"{a.alarm_delay!s:>5}  {json.dumps(a.ranks):22} {a.hurts!s:6} "
              f"{d['precision']!s:7} {d['recall']!s:7} {d['cost_per_day']!s:10} "
              f"{best:26} {a.nothing_acceptable!s:11} {a.seconds}")
    return audits


def _failures(audits, predicate, describe):
    return [describe(a) for a in audits if not predicate(a)]


def test_a_harmful_fault_alarms_within_two_windows_of_its_onset(sweep):
    late = _failures([a for a in sweep if a.hurts], lambda a: a.alarm_delay is not None
                     and 0 <= a.alarm_delay <= MAX_DELAY,
                     lambda a: (a.scenario, a.seed, a.onset_window, a.first_alarm))
    assert not late, late


def test_measured_harm_matches_the_key(sweep):
    # The key accepts "do nothing" exactly when no remedy beats it materially on the same
    # next week (by more than MATERIAL of its cost a day): measured by the remedies'
    # outcomes, since a fault can leave the model's regret alone and still leave a cheap fix
    # (a rarer fraud: the old threshold holds too many genuine payments).
    judged = [a for a in sweep if not BLINDING & set(a.kinds) and not _serving_only(a)]
    unmeasured = [(a.scenario, a.seed) for a in judged if a.nothing_acceptable is None]
    assert not unmeasured, unmeasured
    wrong = _failures(judged, lambda a: ("nothing" in a.actions) == a.nothing_acceptable,
                      lambda a: (a.scenario, a.seed, a.actions, a.remedies))
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
