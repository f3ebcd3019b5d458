"""Configuration: TOML file -> frozen, validated settings.

Read once at start. Every bad value stops start-up with one line naming the key
(``ConfigError``). Secrets can come from the environment instead of the file:
``WECHAT_BOT_<SECTION>_<KEY>``, e.g. ``WECHAT_BOT_WECHAT_APP_SECRET``.
"""
from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_CONFIG = "WECHAT_BOT_CONFIG"
DEFAULT_CONFIG_FILE = "config.toml"
ENV_PREFIX = "WECHAT_BOT_"
# Beside the config file: the same WECHAT_BOT_* variables, one KEY=VALUE a line, as
# systemd's EnvironmentFile reads them. Read by the bot itself, so the command line and a
# cron job see the same secrets as the two services (a `db upgrade` or a nightly backup
# without them would use the default SQLite file instead of the real database).
SECRETS_FILE = "secrets.env"
# Read by gunicorn.conf.py and the process, not settings: allowed in SECRETS_FILE, skipped.
_PROCESS_VARIABLES = frozenset({
    "WECHAT_BOT_BIND", "WECHAT_BOT_WORKERS", "WECHAT_BOT_THREADS", "WECHAT_BOT_WORKER_CLASS",
    "WECHAT_BOT_MAX_REQUESTS", "WECHAT_BOT_LOG_LEVEL", "WECHAT_BOT_DEBUG",
})

# Sandbox credentials: used only when no real WeChat credentials are configured.
# They are public on purpose; the sandbox talks to the built-in simulator only.
SANDBOX_APP_ID = "wxsandbox0000000001"
SANDBOX_APP_SECRET = "sandbox-secret-not-for-production"
SANDBOX_TOKEN = "sandboxtoken"
SANDBOX_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

_AES_KEY_RE = re.compile(r"[A-Za-z0-9]{43}")
_TOKEN_RE = re.compile(r"[A-Za-z0-9]{3,32}")
_APP_ID_RE = re.compile(r"wx[0-9a-zA-Z]{14,30}")


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the key."""


@dataclass(frozen=True)
class WeChatSettings:
    app_id: str = ""
    app_secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    previous_encoding_aes_key: str = ""
    account_type: str = "subscription"
    api_base_url: str = ""


@dataclass(frozen=True)
class StorageSettings:
    database_url: str = ""
    redis_url: str = ""


@dataclass(frozen=True)
class BureauSettings:
    name: str = "略阳县公安局"
    account_name: str = "略阳公安"
    timezone: str = "Asia/Shanghai"
    address: str = "（示例地址，请在配置文件 [bureau] address 中填写）"
    phone: str = "（示例电话，请在配置文件 [bureau] phone 中填写）"
    office_hours: str = "周一至周五 上午8:00-12:00，下午14:30-18:00（示例，请在配置中填写）"


@dataclass(frozen=True)
class PublishSettings:
    sweep_seconds: int = 30
    # "mass": 群发 to all followers (quota: 订阅号 1/day, 服务号 4/month); "publish": 发布 without push.
    mode: str = "mass"


@dataclass(frozen=True)
class WebSettings:
    secret_key: str = ""
    public_url: str = ""
    # Reverse proxies (nginx) in front of the app whose X-Forwarded-For we trust.
    trusted_proxies: int = 0


@dataclass(frozen=True)
class ReviewSettings:
    """先审后发: how many review steps a notice passes, and what each is called."""

    steps: int = 2
    # Empty = the names for `steps`: 初审 → 审发, or 初审 → 审核（保密） → 审发.
    step_names: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        if self.step_names:
            return self.step_names
        return DEFAULT_STEP_NAMES.get(self.steps, DEFAULT_STEP_NAMES[2])


DEFAULT_STEP_NAMES = {2: ("初审", "审发"), 3: ("初审", "审核（保密）", "审发")}


@dataclass(frozen=True)
class PrivacySettings:
    # Words staff never want published (internal code names, places…); the
    # privacy scan flags them like personal data.
    sensitive_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsultationSettings:
    """留言办理: how long message texts are kept, and the response targets in working days."""

    keep_days: int = 180
    target_days_consult: int = 3     # 咨询
    target_days_suggestion: int = 3  # 建议
    target_days_complaint: int = 7   # 投诉
    target_days_help: int = 7        # 求助

    def target_days(self, kind: str) -> int:
        return {
            "咨询": self.target_days_consult, "建议": self.target_days_suggestion,
            "投诉": self.target_days_complaint, "求助": self.target_days_help,
        }.get(kind, self.target_days_consult)


@dataclass(frozen=True)
class Settings:
    wechat: WeChatSettings = field(default_factory=WeChatSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    bureau: BureauSettings = field(default_factory=BureauSettings)
    publish: PublishSettings = field(default_factory=PublishSettings)
    web: WebSettings = field(default_factory=WebSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    consultations: ConsultationSettings = field(default_factory=ConsultationSettings)
    instance_path: Path = Path("instance")
    source: str = "built-in defaults"
    # No real WeChat credentials: run against the built-in simulator.
    sandbox: bool = True

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bureau.timezone)


_SECTIONS = {
    "wechat": WeChatSettings,
    "storage": StorageSettings,
    "bureau": BureauSettings,
    "publish": PublishSettings,
    "web": WebSettings,
    "review": ReviewSettings,
    "privacy": PrivacySettings,
    "consultations": ConsultationSettings,
}
_SECRET_KEYS = {
    ("wechat", "app_secret"),
    ("wechat", "token"),
    ("wechat", "encoding_aes_key"),
    ("wechat", "previous_encoding_aes_key"),
    ("storage", "database_url"),
    ("storage", "redis_url"),
    ("web", "secret_key"),
}


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The file to read: --config, else $WECHAT_BOT_CONFIG, else ./config.toml if present."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(ENV_CONFIG)
    if from_env:
        return Path(from_env)
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.exists() else None


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    overrides: dict[str, dict[str, Any]] | None = None,
    environ: dict[str, str] | None = None,
    instance_path: Path | None = None,
) -> Settings:
    """Read, merge (file < SECRETS_FILE beside it < environment < overrides) and validate the settings."""
    chosen = config_path(path)
    raw: dict[str, Any] = {}
    variables: Mapping[str, str] = os.environ if environ is None else environ
    if chosen is not None:
        raw = _read_toml(chosen)
        secrets = _read_secrets(chosen.resolve().parent / SECRETS_FILE)
        if secrets:
            variables = {**secrets, **variables}  # the environment still wins
    merged = _merge_env(raw, variables)
    for section, values in (overrides or {}).items():
        merged.setdefault(section, {}).update(values)
    settings = _build(merged)
    # instance/ sits beside the config file (or in the working directory without
    # one), so cron jobs and services started elsewhere find the same data.
    default_instance = chosen.resolve().parent / "instance" if chosen is not None else Path("instance")
    settings = replace(
        settings,
        instance_path=(instance_path or default_instance).resolve(),
        source=str(chosen) if chosen else "built-in defaults",
    )
    _validate(settings)
    return _with_sandbox_defaults(settings)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ConfigError(f"配置文件不存在：{path}")
    if not path.is_file():
        raise ConfigError(f"配置文件路径不是文件：{path}")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 不是有效的 UTF-8 TOML：{exc}") from None
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc.strerror or exc}") from None


def _setting_variables() -> dict[str, tuple[str, str]]:
    """WECHAT_BOT_<SECTION>_<KEY> -> (section, key), for every setting."""
    return {f"{ENV_PREFIX}{section}_{f.name}".upper(): (section, f.name)
            for section, cls in _SECTIONS.items() for f in fields(cls)}


def _read_secrets(path: Path) -> dict[str, str]:
    """The settings in SECRETS_FILE ({} without one). Blank lines and # comments are skipped;
    a value may be quoted. An unknown variable is an error naming its line, never its value."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except PermissionError:
        raise ConfigError(
            f"无法读取 {path}（运行本程序的用户没有读权限）；请执行 chown root:运行用户 {path} && chmod 640 {path}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} 不是 UTF-8 文本") from None
    except OSError as exc:
        raise ConfigError(f"无法读取 {path}：{exc.strerror or exc}") from None
    settings = _setting_variables()
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, equals, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not (name in settings or name in _PROCESS_VARIABLES):
            shown = name if name.isascii() and name.replace("_", "").isalnum() else "（无法识别）"
            raise ConfigError(
                f"{path} 第 {number} 行：{shown}: 应为“WECHAT_BOT_节_项=值”，如 WECHAT_BOT_WECHAT_APP_SECRET=…"
            )
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if name in settings:
            found[name] = value
    return found


def _merge_env(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    merged = {section: dict(values) for section, values in raw.items() if isinstance(values, dict)}
    for key in raw:
        if not isinstance(raw[key], dict):
            raise ConfigError(f"{key}: 顶层只能是 [section] 表，未知的键")
    for name, (section, key) in _setting_variables().items():
        if name in environ:
            merged.setdefault(section, {})[key] = environ[name]
    return merged


def _build(merged: dict[str, Any]) -> Settings:
    parts: dict[str, Any] = {}
    for section, values in merged.items():
        cls = _SECTIONS.get(section)
        if cls is None:
            raise ConfigError(f"[{section}]: 未知的配置节（可用：{', '.join(_SECTIONS)}）")
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"{section}.{key}: 未知的配置项")
            if value == "":
                continue  # an empty value means "use the default", as the example file says
            expected = type(getattr(cls(), key))
            kwargs[key] = _coerce(section, key, value, expected)
        parts[section] = cls(**kwargs)
    return Settings(**parts)


def _coerce(section: str, key: str, value: Any, expected: type) -> Any:
    if expected is tuple:
        # A TOML array of strings; from the environment, one string split on commas.
        if isinstance(value, str):
            value = re.split(r"[,，\n]", value)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{section}.{key}: 应为字符串列表，例如 [\"甲\", \"乙\"]，实际为 {value!r}")
        return tuple(item.strip() for item in value if item.strip())
    if expected is int:
        # An int from TOML, or digits from an environment variable; never 60.5 or "60秒".
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise ConfigError(f"{section}.{key}: 应为整数，实际为 {value!r}")
    if not isinstance(value, str):
        raise ConfigError(f"{section}.{key}: 应为字符串，实际为 {value!r}")
    return value.strip()


def _validate(settings: Settings) -> None:
    wx = settings.wechat
    if bool(wx.app_id) != bool(wx.app_secret):
        missing = "app_secret" if wx.app_id else "app_id"
        raise ConfigError(f"wechat.{missing}: 必须与另一项同时填写（都不填则进入沙箱模式）")
    if wx.app_id:
        if not _APP_ID_RE.fullmatch(wx.app_id):
            raise ConfigError(f"wechat.app_id: 应以 wx 开头，由字母和数字组成，实际为 {wx.app_id!r}")
        if not wx.token:
            raise ConfigError("wechat.token: 使用正式公众号时必须填写（与公众平台“服务器配置”一致）")
    if wx.token and not _TOKEN_RE.fullmatch(wx.token):
        raise ConfigError("wechat.token: 应为 3-32 位英文字母或数字")
    for key in ("encoding_aes_key", "previous_encoding_aes_key"):
        value = getattr(wx, key)
        if value and not _AES_KEY_RE.fullmatch(value):
            raise ConfigError(
                f"wechat.{key}: 应为 43 位英文字母或数字（实际 {len(value)} 位），"
                "请从公众平台“服务器配置”复制 EncodingAESKey"
            )
    if wx.account_type not in ("subscription", "service"):
        raise ConfigError(
            f"wechat.account_type: 只能是 \"subscription\"（订阅号）或 \"service\"（服务号），实际为 {wx.account_type!r}"
        )
    if wx.api_base_url and not re.match(r"https?://", wx.api_base_url):
        raise ConfigError("wechat.api_base_url: 应以 http:// 或 https:// 开头")
    db = settings.storage.database_url
    if db and "://" not in db:
        raise ConfigError(f"storage.database_url: 不是有效的数据库地址（例如 postgresql://user@host/db），实际为 {db!r}")
    rurl = settings.storage.redis_url
    if rurl and not re.match(r"(rediss?|unix)://", rurl):
        raise ConfigError(f"storage.redis_url: 应以 redis://、rediss:// 或 unix:// 开头，实际为 {rurl!r}")
    try:
        ZoneInfo(settings.bureau.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"bureau.timezone: 未知的时区 {settings.bureau.timezone!r}（例如 Asia/Shanghai）") from None
    if not 5 <= settings.publish.sweep_seconds <= 3600:
        raise ConfigError("publish.sweep_seconds: 应在 5 到 3600 秒之间")
    if settings.publish.mode not in ("mass", "publish"):
        raise ConfigError(
            f"publish.mode: 只能是 \"mass\"（群发，推送给关注者）或 \"publish\"（发布，不推送），实际为 {settings.publish.mode!r}"
        )
    if not 0 <= settings.web.trusted_proxies <= 5:
        raise ConfigError("web.trusted_proxies: 应为 0 到 5 之间的整数（前面有几层 nginx 等反向代理）")
    if settings.web.public_url and not re.match(r"https?://", settings.web.public_url):
        raise ConfigError("web.public_url: 应以 http:// 或 https:// 开头")
    cons = settings.consultations
    if not 7 <= cons.keep_days <= 3650:
        raise ConfigError("consultations.keep_days: 留言内容保存天数应在 7 到 3650 之间")
    for f in fields(ConsultationSettings):
        if f.name.startswith("target_days_") and not 1 <= getattr(cons, f.name) <= 60:
            raise ConfigError(f"consultations.{f.name}: 办理时限应为 1 到 60 个工作日")
    review = settings.review
    if review.steps not in (2, 3):
        raise ConfigError(f"review.steps: 审核步骤只能是 2 或 3，实际为 {review.steps}")
    if review.step_names and len(review.step_names) != review.steps:
        raise ConfigError(
            f"review.step_names: 应有 {review.steps} 个名称（与 review.steps 一致），实际 {len(review.step_names)} 个"
        )


def go_live_problems(settings: Settings) -> list[str]:
    """The [bureau] keys still holding the example texts (citizens read them in every answer)."""
    examples = BureauSettings()
    return [f"bureau.{key}" for key in ("address", "phone", "office_hours")
            if getattr(settings.bureau, key) in ("", getattr(examples, key)) or "示例" in getattr(settings.bureau, key)]


def require_ready_to_serve(settings: Settings) -> None:
    """A real account does not start answering citizens with "示例电话"; the sandbox may."""
    missing = go_live_problems(settings)
    if missing and not settings.sandbox:
        raise ConfigError(
            f"{'、'.join(missing)}: 仍是示例内容。正式公众号上线前请在配置文件 [bureau] 中填写真实的"
            "办事大厅地址、咨询电话和办公时间（群众会在每条办事指南回复中看到）"
        )


def _with_sandbox_defaults(settings: Settings) -> Settings:
    wx = settings.wechat
    if wx.app_id and wx.app_secret:
        return replace(settings, sandbox=False)
    return replace(
        settings,
        sandbox=True,
        wechat=replace(
            wx,
            app_id=SANDBOX_APP_ID,
            app_secret=SANDBOX_APP_SECRET,
            token=wx.token or SANDBOX_TOKEN,
            encoding_aes_key=wx.encoding_aes_key or SANDBOX_AES_KEY,
        ),
    )


def is_secret(section: str, key: str) -> bool:
    return (section, key) in _SECRET_KEYS
