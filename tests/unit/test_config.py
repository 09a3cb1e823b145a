"""Settings: precedence, sources, and one-line errors that name the key and its origin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app
from agentkit.config import load_settings
from agentkit.errors import ConfigError


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AGENTKIT_HOME")  # so every setting starts at its default
    return tmp_path / "config.toml"  # AGENTKIT_CONFIG points here (isolated_env)


def test_defaults_when_nothing_is_set(config_file: Path) -> None:
    resolved = load_settings()
    assert resolved.settings.n_ctx == 4096
    assert set(resolved.sources.values()) == {"default"}
    assert resolved.config_file == config_file


def test_precedence_cli_over_env_over_file_over_default(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text("n_ctx = 1024\ntemperature = 0.5\nmax_steps = 3\n")
    monkeypatch.setenv("AGENTKIT_N_CTX", "2048")
    monkeypatch.setenv("AGENTKIT_TEMPERATURE", "0.7")
    resolved = load_settings({"n_ctx": 8192, "model": None})
    s, src = resolved.settings, resolved.sources
    assert (s.n_ctx, src["n_ctx"]) == (8192, "cli")
    assert (s.temperature, src["temperature"]) == (0.7, "env")
    assert (s.max_steps, src["max_steps"]) == (3, "file")
    assert (s.seed, src["seed"]) == (0, "default")
    assert src["model"] == "default"  # None on the command line means "not given"


def test_env_home_beats_file_home(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text(f'home = "{tmp_path / "from-file"}"\n')
    monkeypatch.setenv("AGENTKIT_HOME", str(tmp_path / "from-env"))
    resolved = load_settings()
    assert resolved.sources["home"] == "env"
    assert resolved.settings.journal_path == tmp_path / "from-env" / "journal.db"


def test_env_values_are_coerced(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKIT_YES", "true")
    monkeypatch.setenv("AGENTKIT_ALLOW_TOOLS", "calc, read_file,")
    monkeypatch.setenv("AGENTKIT_MODEL", "")  # empty means unset
    s = load_settings().settings
    assert s.yes is True and s.allow_tools == ["calc", "read_file"] and s.model is None


def test_paths_expand_home(config_file: Path) -> None:
    config_file.write_text('workspace = "~/work"\n')
    assert load_settings().settings.workspace == Path("~/work").expanduser()


def test_bad_type_in_file_names_key_and_file(config_file: Path) -> None:
    config_file.write_text('n_ctx = "big"\n')
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "'n_ctx'" in message and str(config_file) in message and "'big'" in message


def test_out_of_range_in_file(config_file: Path) -> None:
    config_file.write_text("temperature = 9.0\n")
    with pytest.raises(ConfigError, match=r"'temperature'.*config file.*less than or equal"):
        load_settings()


def test_unknown_key_in_file_suggests_a_fix(config_file: Path) -> None:
    config_file.write_text("n_cxt = 100\n")
    with pytest.raises(ConfigError, match=r"unknown key 'n_cxt'.*did you mean 'n_ctx'"):
        load_settings()


def test_broken_toml_names_the_file(config_file: Path) -> None:
    config_file.write_text("n_ctx = = 3\n")
    with pytest.raises(ConfigError, match=f"cannot read config file {config_file}.*line 1"):
        load_settings()


def test_bad_env_var_names_the_variable(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKIT_MAX_STEPS", "many")
    with pytest.raises(ConfigError, match="'max_steps' = 'many' from environment variable"):
        load_settings()


def test_bad_cli_value_names_the_command_line(config_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"'gpu_layers'.*command line.*integer or 'auto'"):
        load_settings({"gpu_layers": "lots"})


# --- the CLI ---------------------------------------------------------------------------


def test_config_show_lists_values_and_sources(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text("max_steps = 5\n")
    monkeypatch.setenv("AGENTKIT_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()}
    assert lines["max_steps"][1:] == ["5", "file"]
    assert lines["home"][2] == "env" and lines["n_ctx"][2] == "default"
    assert str(config_file) in result.output


def test_config_show_json(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKIT_N_CTX", "512")
    result = CliRunner().invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["settings"]["n_ctx"] == {"value": 512, "source": "env"}
    assert data["config_file"] == str(config_file) and data["config_file_exists"] is False


def test_config_show_invalid_file_is_one_line_error(config_file: Path) -> None:
    config_file.write_text("n_ctx = [1]\n")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "'n_ctx'" in result.output
    assert "Traceback" not in result.output


def test_config_path_works_even_when_the_file_is_broken(config_file: Path) -> None:
    config_file.write_text("not toml [")
    result = CliRunner().invoke(app, ["config", "path"])
    assert result.exit_code == 0 and result.output.strip() == str(config_file)
