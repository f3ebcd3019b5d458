"""[publish] sweep_seconds (default 30) and mode ("mass" | "publish"), validated at start."""
from __future__ import annotations

import pytest

from wechat_bot.config import ConfigError

from .test_config import load


def test_defaults_are_a_30_second_sweep_and_mass_send(tmp_path):
    settings = load(tmp_path, "")
    assert settings.publish.sweep_seconds == 30 and settings.publish.mode == "mass"
    assert load(tmp_path, '[publish]\nmode = "publish"\n').publish.mode == "publish"


def test_an_unknown_mode_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"publish\.mode.*mass.*publish"):
        load(tmp_path, '[publish]\nmode = "push"\n')
