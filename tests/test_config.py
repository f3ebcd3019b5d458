"""Configuration is validated once at start; a bad value names its key."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.startup_support import REAL_ACCOUNT, REAL_BUREAU, cli, gunicorn, start, the_one_refusal
from wechat_bot.config import SANDBOX_APP_ID, ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def load(tmp_path: Path, text: str, environ: dict[str, str] | None = None):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ=environ or {}, instance_path=tmp_path / "instance")


def test_no_file_means_sandbox_with_builtin_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={}, instance_path=tmp_path)
    assert settings.sandbox
    assert settings.wechat.app_id == SANDBOX_APP_ID
    assert settings.bureau.timezone == "Asia/Shanghai"
    assert settings.source == "built-in defaults"


def test_the_example_file_loads_as_sandbox(tmp_path):
    settings = load(tmp_path, (ROOT / "config.example.toml").read_text(encoding="utf-8"))
    assert settings.sandbox
    assert settings.bureau.name == "略阳县公安局"
    assert "示例" in settings.bureau.address  # empty means default, and the default says it is an example


def test_real_credentials_leave_sandbox(tmp_path):
    settings = load(tmp_path, '[wechat]\napp_id = "wx1234567890abcdef"\napp_secret = "s"\ntoken = "tok123"\n')
    assert not settings.sandbox
    assert settings.wechat.app_id == "wx1234567890abcdef"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[wechat]\nencoding_aes_key = "tooshort"\n', "wechat.encoding_aes_key"),
        ('[wechat]\nencoding_aes_key = "' + "a" * 42 + '!"\n', "wechat.encoding_aes_key"),
        ('[wechat]\naccount_type = "enterprise"\n', "wechat.account_type"),
        ('[wechat]\napp_id = "wx1234567890abcdef"\n', "wechat.app_secret"),
        ('[wechat]\napp_id = "notanappid"\napp_secret = "s"\ntoken = "tok"\n', "wechat.app_id"),
        ('[wechat]\ntoken = "有中文"\n', "wechat.token"),
        ('[storage]\nredis_url = "localhost:6379"\n', "storage.redis_url"),
        ('[storage]\ndatabase_url = "just-a-file.db"\n', "storage.database_url"),
        ('[bureau]\ntimezone = "Mars/Olympus"\n', "bureau.timezone"),
        ('[publish]\nsweep_seconds = "often"\n', "publish.sweep_seconds"),
        ('[publish]\nsweep_seconds = 1\n', "publish.sweep_seconds"),
        ('[wechat]\nappid = "wx1"\n', "wechat.appid"),
        ('[wechta]\napp_id = "wx1"\n', "[wechta]"),
        ("[wechat\n", "TOML"),
    ],
)
def test_bad_value_stops_with_one_line_naming_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    message = str(info.value)
    assert key in message
    assert "\n" not in message


def test_secrets_can_come_from_the_environment(tmp_path):
    settings = load(
        tmp_path,
        '[wechat]\napp_id = "wx1234567890abcdef"\ntoken = "tok123"\n',
        environ={"WECHAT_BOT_WECHAT_APP_SECRET": "from-env", "WECHAT_BOT_STORAGE_REDIS_URL": "redis://127.0.0.1:6379/1"},
    )
    assert settings.wechat.app_secret == "from-env"
    assert settings.storage.redis_url == "redis://127.0.0.1:6379/1"
    assert not settings.sandbox


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="不存在"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_instance_folder_sits_beside_the_config_file(tmp_path, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "config.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(folder / "config.toml", environ={})
    assert settings.instance_path == (folder / "instance").resolve()


@pytest.mark.parametrize("value", ["60.5", '"60秒"', "true"])
def test_sweep_seconds_must_be_a_whole_number(tmp_path, value):
    with pytest.raises(ConfigError, match="publish.sweep_seconds"):
        load(tmp_path, f"[publish]\nsweep_seconds = {value}\n")


def test_a_directory_or_non_utf8_file_is_a_clear_config_error(tmp_path):
    with pytest.raises(ConfigError, match="不是文件"):
        load_settings(tmp_path, environ={})
    bad = tmp_path / "gbk.toml"
    bad.write_bytes("[bureau]\nname = \"略阳县公安局\"\n".encode("gbk"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_settings(bad, environ={})


def test_trusted_proxies_is_bounded(tmp_path):
    assert load(tmp_path, "[web]\ntrusted_proxies = 1\n").web.trusted_proxies == 1
    with pytest.raises(ConfigError, match="web.trusted_proxies"):
        load(tmp_path, "[web]\ntrusted_proxies = 9\n")


def test_a_real_account_refuses_to_serve_with_the_example_contact_details(tmp_path):
    from wechat_bot.config import require_ready_to_serve

    settings = load(tmp_path, REAL_ACCOUNT + '[bureau]\nphone = "0916-0000000"\n')
    with pytest.raises(ConfigError) as refused:
        require_ready_to_serve(settings)
    message = str(refused.value)
    assert "bureau.address" in message and "bureau.office_hours" in message and "bureau.phone" not in message
    assert "\n" not in message
    require_ready_to_serve(load(tmp_path, REAL_ACCOUNT + REAL_BUREAU))  # filled in: serves
    require_ready_to_serve(load(tmp_path, ""))  # the sandbox may use the examples


def test_run_web_and_scheduler_refuse_to_start_with_one_clear_line(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(REAL_ACCOUNT, encoding="utf-8")
    for command in (["run"], ["web"], ["scheduler"]):
        result = start(cli(config, *command), tmp_path)
        assert result.returncode == 1, (command, result.stderr)
        assert "仍是示例内容" in result.stderr and "Traceback" not in result.stderr


def test_gunicorn_refuses_once_before_forking_a_worker(tmp_path):
    """The systemd unit runs gunicorn itself: its master checks before forking, so the
    officer reads the reason once, and no worker starts to print it again."""
    (tmp_path / "config.toml").write_text(REAL_ACCOUNT, encoding="utf-8")
    refusal = the_one_refusal(start(gunicorn("--workers", "2"), tmp_path), "仍是示例内容")
    assert refusal.startswith("配置错误：bureau.address")


# secrets.env beside the config file: the services (systemd's EnvironmentFile) and the
# command line alike read it, so `db upgrade` and the nightly backup reach the same database.

SECRETS = """# 机密项
WECHAT_BOT_WECHAT_APP_SECRET=from-secrets-file

WECHAT_BOT_STORAGE_DATABASE_URL = "sqlite:////srv/real.sqlite3"
WECHAT_BOT_BIND=127.0.0.1:8000
"""


def test_secrets_beside_the_config_file_are_settings_and_the_environment_still_wins(tmp_path):
    (tmp_path / "secrets.env").write_text(SECRETS, encoding="utf-8")
    settings = load(tmp_path, REAL_ACCOUNT.replace('app_secret = "s"\n', ""))
    assert settings.wechat.app_secret == "from-secrets-file"
    assert settings.storage.database_url == "sqlite:////srv/real.sqlite3"  # quotes taken off
    assert not settings.sandbox
    overridden = load(tmp_path, REAL_ACCOUNT, environ={"WECHAT_BOT_WECHAT_APP_SECRET": "from-environment"})
    assert overridden.wechat.app_secret == "from-environment"


def test_a_wrong_line_in_secrets_names_its_line_but_never_shows_a_value(tmp_path):
    (tmp_path / "secrets.env").write_text("WECHAT_BOT_WECHAT_APP_SECRET=ok\nWECHAT_BOT_WECHAT_APPSECRET=hunter2\n",
                                          encoding="utf-8")
    with pytest.raises(ConfigError) as wrong:
        load(tmp_path, REAL_ACCOUNT)
    message = str(wrong.value)
    assert "第 2 行" in message and "WECHAT_BOT_WECHAT_APPSECRET" in message and "hunter2" not in message
    (tmp_path / "secrets.env").write_text("app_secret: hunter2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="第 1 行") as wrong:
        load(tmp_path, REAL_ACCOUNT)
    assert "hunter2" not in str(wrong.value)


def test_unreadable_secrets_stop_start_up_with_one_line(tmp_path):
    (tmp_path / "secrets.env").mkdir()
    with pytest.raises(ConfigError, match="无法读取"):
        load(tmp_path, REAL_ACCOUNT)


def test_the_command_line_migrates_the_database_named_in_secrets(tmp_path):
    """As the README's step 5 runs it: only the config file is named; the database URL is in secrets.env."""
    real = tmp_path / "real.sqlite3"
    (tmp_path / "config.toml").write_text(REAL_ACCOUNT + REAL_BUREAU, encoding="utf-8")
    (tmp_path / "secrets.env").write_text(f"WECHAT_BOT_STORAGE_DATABASE_URL=sqlite:///{real}\n", encoding="utf-8")
    result = start(cli(tmp_path / "config.toml", "db", "upgrade"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert real.exists() and not (tmp_path / "instance" / "wechat_bot.sqlite3").exists()
