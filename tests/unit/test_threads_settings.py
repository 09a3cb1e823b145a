"""The threads and decoder settings: defaults, the old `n_threads` name, and errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentkit.config import Settings, load_settings
from agentkit.errors import ConfigError
from agentkit.llm.threads import (
    IDLE_SHARE,
    CpuWatch,
    ThreadCounts,
    available_cpus,
    default_threads,
    describe_threads,
    physical_cores,
    thread_counts,
)


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("AGENTKIT_"):
            monkeypatch.delenv(name)
    path = tmp_path / "config.toml"
    monkeypatch.setenv("AGENTKIT_CONFIG", str(path))
    return path


def test_default_leaves_a_core_free() -> None:
    assert 1 <= physical_cores() <= available_cpus()
    assert default_threads() == max(1, physical_cores() - 1)
    counts = thread_counts(None)
    assert (counts.decode, counts.batch, counts.source) == (default_threads(),) * 2 + ("default",)


def test_prompts_take_every_core_only_on_an_idle_machine() -> None:
    counts = thread_counts(None)
    assert counts.idle_batch == physical_cores()
    assert counts.batch_for(None) == counts.batch  # load unknown: leave the core free
    assert counts.batch_for(IDLE_SHARE) == counts.batch
    assert counts.batch_for(0.0) == counts.idle_batch
    fixed = ThreadCounts(decode=2, batch=2, source="setting")
    assert fixed.batch_for(0.0) == 2


def test_cpu_watch_sees_another_process_but_not_this_one() -> None:
    watch = CpuWatch()
    deadline = time.process_time() + 0.5
    while time.process_time() < deadline:  # this process's own work is not "others"
        pass
    mine = watch.others_busy()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
        watch.others_busy()  # start the interval with the competitor running
        time.sleep(1.0)
        theirs = watch.others_busy()
    finally:
        busy.kill()
        busy.wait()
    assert mine is not None and theirs is not None
    assert theirs >= 0.8  # the competitor kept one core busy
    assert mine < theirs


def test_a_setting_overrides_both_counts() -> None:
    counts = thread_counts(3)
    assert (counts.decode, counts.batch, counts.source) == (3, 3, "setting")
    assert describe_threads(counts).startswith("3 decode, 3 batch, embedder 3 (from the threads")


def test_threads_from_file_env_and_cli(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text("threads = 2\n")
    assert load_settings().settings.threads == 2
    monkeypatch.setenv("AGENTKIT_THREADS", "3")
    assert load_settings().settings.threads == 3
    resolved = load_settings({"threads": 4})
    assert resolved.settings.threads == 4 and resolved.sources["threads"] == "cli"


def test_n_threads_is_still_accepted(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text("n_threads = 2\n")
    resolved = load_settings()
    assert resolved.settings.threads == 2 and resolved.sources["threads"] == "file"
    monkeypatch.setenv("AGENTKIT_N_THREADS", "5")
    assert load_settings().settings.threads == 5
    monkeypatch.setenv("AGENTKIT_THREADS", "6")  # the current name wins over the old one
    assert load_settings().settings.threads == 6
    # A journal written before the rename stores n_threads; resuming it still validates.
    old = Settings.model_validate({"n_threads": 7})
    assert old.threads == 7 and old.n_threads == 7


def test_bad_threads_and_decoder_are_one_line_errors(config_file: Path) -> None:
    config_file.write_text("threads = 0\n")
    with pytest.raises(ConfigError, match=r"invalid setting 'threads' = 0 from config file"):
        load_settings()
    config_file.write_text('decoder = "xgrammar"\n')
    with pytest.raises(ConfigError, match=r"invalid setting 'decoder'"):
        load_settings()


def test_decoder_defaults_to_llguidance(config_file: Path) -> None:
    assert load_settings().settings.decoder == "llguidance"
    config_file.write_text('decoder = "gbnf"\n')
    assert load_settings().settings.decoder == "gbnf"
