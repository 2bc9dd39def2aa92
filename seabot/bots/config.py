"""Loading and validating ``config.toml`` into typed objects.

Every problem is collected (with its key path) before anything starts, so a
merchant fixes a config in one pass.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seabot.adapters.settings import LineConfig, TelegramConfig, WechatConfig
from seabot.bots.errors import ConfigError, UnknownBotError
from seabot.bots.interpolate import interpolate
from seabot.bots.orders_config import parse_orders
from seabot.bots.schema import Section
from seabot.commerce.settings import OrdersConfig
from seabot.core.faq import FaqEntry
from seabot.core.language import LANGUAGES
from seabot.core.llm.settings import DEFAULT_PROVIDER, CanarySpec, LLMSettings, ProviderSpec, TierSpec
from seabot.core.profile import BotProfile
from seabot.core.routing import RoutingConfigError, RoutingRules
from seabot.core.storage.errors import redact_url

__all__ = [
    "AppConfig",
    "BotConfig",
    "ServerConfig",
    "ConsoleConfig",
    "StorageConfig",
    "LLMConfig",
    "TierConfig",
    "ProviderConfig",
    "CanaryConfig",
    "DEFAULT_PROVIDER",
    "TelegramConfig",
    "LineConfig",
    "WechatConfig",
    "TIERS",
    "load_config",
    "config_path",
]

TIERS = ("fast", "balanced", "premium")
DEFAULT_CONFIG = "config.toml"
_BOT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # how platforms reach this server; printed webhook URLs use it
    max_body_bytes: int = 1024 * 1024
    concurrency: int = 32  # conversations answered in parallel
    max_backlog: int = 10_000  # inbox depth above which webhooks answer 503
    body_timeout_s: float = 10.0  # a request body that takes longer to arrive gets 408
    # a customer's lines are answered together once none has come for this long (0: one by one)
    coalesce_gap_s: float = 1.5
    # /metrics on this (public) port only with `Authorization: Bearer <metrics_token>`; it is
    # always on the console's own listener
    metrics_token: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    """The merchant's own listener (never the public webhook port): console pages, /metrics."""

    host: str = "127.0.0.1"
    port: int = 8081
    public_url: str = ""  # https:// → Secure cookies


@dataclass(frozen=True, slots=True)
class StorageConfig:
    path: Path = Path("data/seabot.db")
    url: str = ""  # postgresql://user:pass@host:5432/dbname: PostgreSQL instead of the file (replicas may share it)

    @property
    def simulation_path(self) -> Path:
        """Where `seabot simulate` keeps its own conversations, beside the live file."""
        db = self.path
        return db if str(db) == ":memory:" else db.with_name(f"{db.stem}.simulate{db.suffix or '.db'}")


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """``[llm.providers.<name>]``: another OpenAI-compatible API, with its own pool and breaker."""

    name: str
    base_url: str
    api_key: str = field(default="", repr=False)
    timeout_s: float | None = None
    stream: bool = False  # stream completions, which measures time to first token
    max_connections: int = 100


@dataclass(frozen=True, slots=True)
class CanaryConfig:
    """``[llm.tiers.<tier>.canary]``: ``share`` of the tier's conversations try this model/provider."""

    model: str
    provider: str
    share: float
    input_usd_per_mtok: float | None = None
    output_usd_per_mtok: float | None = None
    min_answers: int = 50
    max_error_rate_increase: float = 0.05
    max_p95_increase: float = 0.5


@dataclass(frozen=True, slots=True)
class TierConfig:
    name: str
    model: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    timeout_s: float | None = None
    max_history_tokens: int = 2000
    provider: str = DEFAULT_PROVIDER
    canary: CanaryConfig | None = None


@dataclass(frozen=True, slots=True)
class LLMConfig:
    base_url: str = "https://api.openai.com/v1"
    api_key: str = field(default="", repr=False)
    timeout_s: float = 20.0
    deadline_s: float = 30.0
    max_retries: int = 2
    cache_ttl_s: float = 3600.0
    breaker_failures: int = 5
    breaker_cooldown_s: float = 10.0  # the longest wait between two probes of an open breaker
    breaker_probe_s: float = 1.0  # the first wait (doubled per failed probe)
    stream: bool = False  # for [llm]'s own provider
    tiers: Mapping[str, TierConfig] = field(default_factory=dict)
    providers: Mapping[str, ProviderConfig] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        """A model can be asked: [llm] has a key, or a tier uses a provider of its own."""
        return bool(self.api_key.strip()) or any(t.provider != DEFAULT_PROVIDER for t in self.tiers.values())

    def settings(self) -> LLMSettings:
        """The LLM layer's own typed settings."""
        return LLMSettings(
            base_url=self.base_url,
            api_key=self.api_key,
            timeout_s=self.timeout_s,
            deadline_s=self.deadline_s,
            max_retries=self.max_retries,
            cache_ttl_s=self.cache_ttl_s,
            breaker_failures=self.breaker_failures,
            breaker_cooldown_s=self.breaker_cooldown_s,
            breaker_probe_s=self.breaker_probe_s,
            tiers={name: _tier_spec(tier) for name, tier in self.tiers.items()},
            providers={
                DEFAULT_PROVIDER: ProviderSpec(DEFAULT_PROVIDER, self.base_url, self.api_key, stream=self.stream),
                **{
                    name: ProviderSpec(
                        name,
                        p.base_url,
                        p.api_key,
                        timeout_s=p.timeout_s,
                        stream=p.stream,
                        max_connections=p.max_connections,
                    )
                    for name, p in self.providers.items()
                },
            },
        )


def _tier_spec(tier: TierConfig) -> TierSpec:
    c = tier.canary
    canary = None
    if c is not None:
        canary = CanarySpec(
            model=c.model, provider=c.provider, share=c.share, input_usd_per_mtok=c.input_usd_per_mtok,
            output_usd_per_mtok=c.output_usd_per_mtok, min_answers=c.min_answers,
            max_error_rate_increase=c.max_error_rate_increase, max_p95_increase=c.max_p95_increase,
        )  # fmt: skip
    return TierSpec(
        name=tier.name, model=tier.model, input_usd_per_mtok=tier.input_usd_per_mtok,
        output_usd_per_mtok=tier.output_usd_per_mtok, timeout_s=tier.timeout_s,
        max_history_tokens=tier.max_history_tokens, provider=tier.provider, canary=canary,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class BotConfig:
    profile: BotProfile
    routing: RoutingRules
    telegram: TelegramConfig | None = None
    line: LineConfig | None = None
    wechat: WechatConfig | None = None
    orders: OrdersConfig | None = None  # [bots.<id>.orders]: where "where is my order?" is answered from

    @property
    def bot_id(self) -> str:
        return self.profile.bot_id

    @property
    def channels(self) -> dict[str, TelegramConfig | LineConfig | WechatConfig]:
        found = {"telegram": self.telegram, "line": self.line, "wechat": self.wechat}
        return {name: cfg for name, cfg in found.items() if cfg is not None}


@dataclass(frozen=True, slots=True)
class AppConfig:
    source: Path
    server: ServerConfig
    storage: StorageConfig
    llm: LLMConfig
    bots: Mapping[str, BotConfig]
    console: ConsoleConfig = ConsoleConfig()

    def bot(self, bot_id: str) -> BotConfig:
        try:
            return self.bots[bot_id]
        except KeyError:
            raise UnknownBotError(bot_id, sorted(self.bots)) from None


def config_path(cli_value: str | None, environ: Mapping[str, str]) -> Path:
    """``--config`` wins, then ``SEABOT_CONFIG``, then ``config.toml``."""
    return Path(cli_value or environ.get("SEABOT_CONFIG") or DEFAULT_CONFIG)


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> AppConfig:
    environ = os.environ if environ is None else environ
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found (give one with --config PATH or SEABOT_CONFIG)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"invalid TOML: {exc}"]) from exc
    problems: list[str] = []
    data = interpolate(raw, environ, "", problems)
    root = Section(data, "", problems)
    server = _server(root.sub("server"))
    console = _console(root.sub("console"))
    storage = _storage(root.sub("storage"), base=path.parent)
    llm = _llm(root.sub("llm"))
    bots_section = root.sub("bots")
    bots = {bot_id: _bot(bot_id, bots_section.sub(bot_id)) for bot_id in bots_section.names()}
    for bot_id in bots:
        if not _BOT_ID.match(bot_id):
            problems.append(f"bots.{bot_id}: a bot id may use letters, digits, '-' and '_' (at most 64)")
    if not bots:
        problems.append("bots: no bot is configured (add a [bots.<bot_id>] table)")
    bots_section.finish()
    root.finish()
    if problems:
        raise ConfigError(str(path), problems)
    return AppConfig(source=path, server=server, storage=storage, llm=llm, bots=bots, console=console)


def _server(s: Section) -> ServerConfig:
    d = ServerConfig()
    port = s.get("port", int, d.port)
    if not 0 < port < 65536:
        s.problem(f"must be a TCP port (1-65535), got {port}", "port")
    config = ServerConfig(
        host=s.text("host", d.host, non_empty=True),
        port=port,
        public_url=_https_url(s, "public_url", d.public_url),
        max_body_bytes=int(s.number("max_body_bytes", d.max_body_bytes, positive=True)),
        concurrency=int(s.number("concurrency", d.concurrency, positive=True)),
        max_backlog=int(s.number("max_backlog", d.max_backlog, positive=True)),
        body_timeout_s=s.number("body_timeout_s", d.body_timeout_s, positive=True),
        coalesce_gap_s=_coalesce_gap(s, d.coalesce_gap_s),
        metrics_token=s.text("metrics_token", d.metrics_token),
    )
    s.finish()
    return config


def _https_url(s: Section, key: str, default: str) -> str:
    """A public address the platforms reach: https (they refuse plain http webhooks)."""
    value = s.text(key, default).rstrip("/")
    if value and not value.startswith("https://"):
        s.problem(
            f"must be the https:// address the platforms reach, such as https://bot.example.com, got {value!r}", key
        )
    return value


def _coalesce_gap(s: Section, default: float) -> float:
    gap = s.number("coalesce_gap_s", default)
    if gap is not None and gap > 10:
        s.problem(
            f"must be at most 10 (seconds a customer's lines wait for the next one), got {gap:g}", "coalesce_gap_s"
        )
    return gap


def _console(s: Section) -> ConsoleConfig:
    d = ConsoleConfig()
    port = s.get("port", int, d.port)
    if not 0 < port < 65536:
        s.problem(f"must be a TCP port (1-65535), got {port}", "port")
    public_url = s.text("public_url", d.public_url).rstrip("/")
    if public_url and not public_url.startswith(("http://", "https://")):
        s.problem(f"must be an http(s) URL such as https://console.example.com, got {public_url!r}", "public_url")
    config = ConsoleConfig(host=s.text("host", d.host, non_empty=True), port=port, public_url=public_url)
    s.finish()
    return config


def _storage(s: Section, base: Path) -> StorageConfig:
    raw = s.text("path", str(StorageConfig().path), non_empty=True)
    url = s.text("url", "").strip()
    if url and not url.lower().startswith(("postgresql://", "postgres://")):
        s.problem(f"must be a postgresql:// URL, got {redact_url(url)!r}", "url")
    s.finish()
    path = Path(raw).expanduser()
    return StorageConfig(path=path if path.is_absolute() or raw == ":memory:" else base / path, url=url)


def _llm(s: Section) -> LLMConfig:
    d = LLMConfig()
    providers = _providers(s.sub("providers"))
    known = {DEFAULT_PROVIDER, *providers}
    tiers_section = s.sub("tiers")
    tiers: dict[str, TierConfig] = {}
    for name in tiers_section.names():
        t = tiers_section.sub(name)
        if name not in TIERS:
            t.problem(f"unknown tier {name!r}; tiers are {', '.join(TIERS)}")
            continue
        model = t.text("model", required=True, non_empty=True)
        provider = _provider_name(t, DEFAULT_PROVIDER, known)
        tiers[name] = TierConfig(
            name=name,
            model=model,
            input_usd_per_mtok=t.number("input_usd_per_mtok", 0.0),
            output_usd_per_mtok=t.number("output_usd_per_mtok", 0.0),
            timeout_s=t.number("timeout_s", None, positive=True),
            max_history_tokens=int(t.number("max_history_tokens", 2000, positive=True)),
            provider=provider,
            canary=_canary(t.sub("canary"), model, provider, known) if t.has("canary") else None,
        )
        t.finish()
    base_url = s.text("base_url", d.base_url, non_empty=True).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        s.problem(f"must be an http(s) URL such as https://api.openai.com/v1, got {base_url!r}", "base_url")
    api_key = s.text("api_key", d.api_key)
    if api_key.strip() and not tiers:
        s.problem("an api_key is set but no [llm.tiers.<fast|balanced|premium>] model is configured", "tiers")
    config = LLMConfig(
        base_url=base_url,
        api_key=api_key,
        timeout_s=s.number("timeout_s", d.timeout_s, positive=True),
        deadline_s=s.number("deadline_s", d.deadline_s, positive=True),
        max_retries=int(s.number("max_retries", d.max_retries)),
        cache_ttl_s=s.number("cache_ttl_s", d.cache_ttl_s),
        breaker_failures=int(s.number("breaker_failures", d.breaker_failures, positive=True)),
        breaker_cooldown_s=s.number("breaker_cooldown_s", d.breaker_cooldown_s),
        breaker_probe_s=s.number("breaker_probe_s", d.breaker_probe_s),
        stream=s.get("stream", bool, d.stream),
        tiers=tiers,
        providers=providers,
    )
    s.finish()
    return config


def _providers(s: Section) -> dict[str, ProviderConfig]:
    found = {}
    for name in s.names():
        p = s.sub(name)
        if name == DEFAULT_PROVIDER:
            p.problem(f"{DEFAULT_PROVIDER!r} is [llm]'s own base_url and api_key; name this provider otherwise")
            p.finish()
            continue
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", name):
            p.problem("a provider name may use letters, digits, '.', '-' and '_' (at most 64)")
        base_url = p.text("base_url", required=True, non_empty=True).rstrip("/")
        if base_url and not base_url.startswith(("http://", "https://")):
            p.problem(f"must be an http(s) URL such as https://api.deepseek.com/v1, got {base_url!r}", "base_url")
        found[name] = ProviderConfig(
            name=name,
            base_url=base_url,
            api_key=p.text("api_key", ""),
            timeout_s=p.number("timeout_s", None, positive=True),
            stream=p.get("stream", bool, False),
            max_connections=int(p.number("max_connections", 100, positive=True)),
        )
        p.finish()
    return found


def _provider_name(s: Section, default: str, known: set[str]) -> str:
    name = s.text("provider", default, non_empty=True)
    if name not in known:
        choices = ", ".join(sorted(known))
        s.problem(f"unknown provider {name!r}; add [llm.providers.{name}] or use one of: {choices}", "provider")
    return name


def _canary(c: Section, tier_model: str, tier_provider: str, known: set[str]) -> CanaryConfig:
    model = c.text("model", tier_model, non_empty=True)
    provider = _provider_name(c, tier_provider, known)
    share = c.number("share")  # required
    if not 0.0 <= share <= 1.0:
        c.problem(f"must be between 0 and 1 (a share of the tier's conversations), got {share:g}", "share")
    if (model, provider) == (tier_model, tier_provider):
        c.problem("names the tier's own model and provider; a canary needs another model or provider")
    config = CanaryConfig(
        model=model,
        provider=provider,
        share=share,
        input_usd_per_mtok=c.number("input_usd_per_mtok", None),
        output_usd_per_mtok=c.number("output_usd_per_mtok", None),
        min_answers=int(c.number("min_answers", 50, positive=True)),
        max_error_rate_increase=c.number("max_error_rate_increase", 0.05),
        max_p95_increase=c.number("max_p95_increase", 0.5),
    )
    c.finish()
    return config


def _bot(bot_id: str, s: Section) -> BotConfig:
    languages_raw = s.get("languages", list, list(LANGUAGES))
    languages = tuple(str(code) for code in languages_raw)
    for i, code in enumerate(languages):
        if code not in LANGUAGES:
            s.problem(f"unknown language code {code!r}; supported: {', '.join(LANGUAGES)}", f"languages[{i}]")
    if not languages:
        s.problem("must list at least one language", "languages")
    default_language = s.text("default_language", languages[0] if languages else "en")
    if default_language not in languages:
        s.problem(f"{default_language!r} is not one of this bot's languages {list(languages)}", "default_language")
    faq = _faq(s, languages)
    routing_table = s.get("routing", dict, {})
    try:
        routing = RoutingRules.default().extended(routing_table)
    except RoutingConfigError as exc:
        s.problems.extend(f"{s.key('')}{problem}" for problem in exc.problems)
        routing = RoutingRules.default()
    profile = BotProfile(
        bot_id=bot_id,
        display_name=s.text("display_name", bot_id, non_empty=True),
        persona=s.text("persona", ""),
        languages=languages,
        default_language=default_language,
        faq=faq,
        daily_budget_usd=s.number("daily_budget_usd", None),
        conversation_budget_usd=s.number("conversation_budget_usd", None),
        rate_limit_per_minute=s.number("rate_limit_per_minute", None, positive=True),
        handoff_webhook=_http_url(s, "handoff_webhook"),
        postback_replies=_postbacks(s.sub("postbacks"), languages),
        routing=dict(routing_table),
    )
    telegram = _telegram(s.sub("telegram")) if s.has("telegram") else None
    line = _line(s.sub("line")) if s.has("line") else None
    wechat = _wechat(s.sub("wechat")) if s.has("wechat") else None
    orders = parse_orders(s.sub("orders")) if s.has("orders") else None
    s.finish()
    return BotConfig(profile=profile, routing=routing, telegram=telegram, line=line, wechat=wechat, orders=orders)


def _http_url(s: Section, key: str) -> str | None:
    value = s.text(key, "")
    if value and not value.startswith(("http://", "https://")):
        s.problem(f"must be an http(s) URL that receives the JSON notice, got {value!r}", key)
    return value or None


def _postbacks(s: Section, languages: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``[bots.<id>.postbacks]``: ``"<postback data>" = { en = "…", th = "…" }``."""
    replies: dict[str, dict[str, str]] = {}
    for data in s.names():
        table = s.sub(data)
        answers: dict[str, str] = {}
        for lang in table.names():
            if lang not in LANGUAGES:
                table.problem(f"unknown language code {lang!r}; supported: {', '.join(LANGUAGES)}", lang)
                table.raw(lang)
                continue
            answers[lang] = table.text(lang, required=True, non_empty=True)
        table.finish()
        if not answers:
            s.problem('needs a reply in at least one language, e.g. { en = "Added to your cart" }', data)
        replies[data] = answers
    s.finish()
    return replies


def _faq(s: Section, languages: tuple[str, ...]) -> tuple[FaqEntry, ...]:
    entries = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(s.get("faq", list, [])):
        e = Section(raw, s.key(f"faq[{i}]"), s.problems)
        topic = e.text("topic", "")
        if not topic.strip():
            e.problem("is required: a short name for what the entry answers (shipping, returns, …)", "topic")
            topic = f"faq{i + 1}"
        elif topic in seen:
            e.problem(f"{topic!r} is already the topic of faq[{seen[topic]}]; topics must be unique", "topic")
        seen.setdefault(topic, i)
        if not e.has("q"):
            e.problem('is required: sample questions per language, q.<lang> = ["…"]', "q")
        questions = _per_language(e, "q", list, languages)
        answers = _per_language(e, "a", str, languages)
        e.finish()
        entries.append(
            FaqEntry(
                topic=topic,
                questions={lang: tuple(str(q) for q in qs) for lang, qs in questions.items()},
                answers=answers,
            )
        )
    return tuple(entries)


def _per_language(e: Section, name: str, kind: type, languages: tuple[str, ...]) -> dict[str, Any]:
    table = e.sub(name)
    found: dict[str, Any] = {}
    for lang in table.names():
        if lang not in LANGUAGES:
            table.problem(f"unknown language code {lang!r}; supported: {', '.join(LANGUAGES)}", lang)
            table.raw(lang)
            continue
        value: Any = table.get(lang, kind)
        if kind is list and not all(isinstance(q, str) and q.strip() for q in value):
            table.problem("must be a list of non-empty strings", lang)
        if kind is str and not value.strip():
            table.problem("must not be empty", lang)
        found[lang] = value
    missing = [lang for lang in languages if lang not in found]
    if missing:
        e.problem(f"missing languages: {', '.join(missing)}", name)
    table.finish()
    return found


def _telegram(s: Section) -> TelegramConfig:
    config = TelegramConfig(
        token=s.text("token", required=True, non_empty=True),
        secret_token=s.text("secret_token", ""),
        api_base=_api_base(s, "https://api.telegram.org"),
    )
    if config.secret_token and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", config.secret_token):
        s.problem("must be 1-256 characters of A-Z, a-z, 0-9, '_' and '-' (Telegram's rule)", "secret_token")
    s.finish()
    return config


def _line(s: Section) -> LineConfig:
    config = LineConfig(
        channel_secret=s.text("channel_secret", required=True, non_empty=True),
        access_token=s.text("access_token", required=True, non_empty=True),
        api_base=_api_base(s, "https://api.line.me"),
    )
    s.finish()
    return config


def _wechat(s: Section) -> WechatConfig:
    config = WechatConfig(
        token=s.text("token", required=True, non_empty=True),
        app_id=s.text("app_id", required=True, non_empty=True),
        app_secret=s.text("app_secret", ""),
        encoding_aes_key=s.text("encoding_aes_key", ""),
        api_base=_api_base(s, "https://api.weixin.qq.com"),
    )
    if not config.app_secret.strip():
        s.problem("is required: answers slower than WeChat's 4 s passive window go out through the "
                  "customer-service API, which needs the AppSecret from the WeChat console", "app_secret")  # fmt: skip
    if config.encoding_aes_key and len(config.encoding_aes_key) != 43:
        s.problem("must be the 43-character EncodingAESKey from the WeChat console", "encoding_aes_key")
    s.finish()
    return config


def _api_base(s: Section, default: str) -> str:
    value = s.text("api_base", default).rstrip("/")
    if not value.startswith(("http://", "https://")):
        s.problem(f"must be the platform API root such as {default}, got {value!r}", "api_base")
    return value
