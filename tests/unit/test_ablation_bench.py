"""bench/ablation.py: its configurations, aid discovery and table (no model runs)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import ablation  # noqa: E402


def fake_code(root: Path, aids: tuple[str, ...] | None) -> Path:
    """A checkout whose `agentkit` package has (or lacks) `policy.aids.AID_NAMES`."""
    package = root / "agentkit"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    if aids is not None:
        (package / "policy").mkdir()
        (package / "policy" / "__init__.py").write_text("")
        (package / "policy" / "aids.py").write_text(f"AID_NAMES = {aids!r}\n")
    return root


def test_aid_names_come_from_the_code_under_test(tmp_path: Path) -> None:
    code = fake_code(tmp_path, ("routing", "quotes"))
    assert ablation.aid_names(code, fallback="x,y") == ["routing", "quotes"]


def test_aid_names_fall_back_to_the_flag(tmp_path: Path) -> None:
    code = fake_code(tmp_path, None)
    assert ablation.aid_names(code, fallback="a, b,") == ["a", "b"]
    assert ablation.aid_names(code, fallback=None) == []


def test_each_aid_off_in_turn_plus_all_on_and_plain() -> None:
    configs = ablation.configurations(["a", "b"], {"policy", "disable_aids"})
    assert configs == [
        ("small", "small", ""),
        ("-a", "small", "a"),
        ("-b", "small", "b"),
        ("plain", "plain", None),
    ]


def test_code_without_a_policy_setting_measures_its_default_only() -> None:
    assert ablation.configurations(["a"], {"model"}) == [("default", None, None)]


def summary(dev: tuple[int, int], held: tuple[int, int] | None) -> dict[str, Any]:
    def rate(p: int, t: int) -> dict[str, Any]:
        return {"overall": {"passed": p, "total": t, "rate": p / t}}

    sets = {"dev": rate(*dev)}
    if held:
        sets["held-out"] = rate(*held)
    return {"sets": sets}


def test_the_table_compares_with_all_aids_on() -> None:
    table = ablation.markdown_table(
        {
            "small": summary((8, 10), (6, 10)),
            "-a": summary((9, 10), (5, 10)),
            "plain": summary((5, 10), None),
        }
    )
    lines = table.splitlines()
    assert lines[2] == "| `small` | 8/10 (80%) | 6/10 (60%) | +0 pt | +0 pt |"
    assert lines[3] == "| `-a` | 9/10 (90%) | 5/10 (50%) | +10 pt | -10 pt |"
    assert lines[4] == "| `plain` | 5/10 (50%) | – | -30 pt | – |"


def test_quick_keeps_one_of_each_kind() -> None:
    configs = ablation.configurations(["a", "b", "c"], {"policy", "disable_aids"})
    assert [c[0] for c in ablation.quick_configs(configs)] == ["small", "-a", "plain"]
    assert ablation.quick_configs([("default", None, None)]) == [("default", None, None)]
