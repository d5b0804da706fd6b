"""The one settings class. Every field is an environment variable with the prefix XUHUI_."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# An admin token shorter than this, or of fewer different characters, is easy to guess: the
# service starts (12 characters is the floor), with a warning at start-up.
STRONG_TOKEN_CHARS = 16
STRONG_TOKEN_DISTINCT = 8
POSTGRES_SCHEMES = ("postgresql", "postgres")  # what libpq takes as a URL


class Settings(BaseSettings):
    """Paths, models and retrieval knobs; read from XUHUI_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="XUHUI_", extra="ignore")

    corpus_dir: Path = Field(
        REPO_ROOT / "corpus",
        description="Folder of source documents (.txt .md .html .pdf .docx) and manifest.toml.",
    )
    index_dir: Path = Field(
        REPO_ROOT / "index", description="Where built indexes and the embedding cache live."
    )
    models_dir: Path = Field(
        REPO_ROOT / ".models",
        description="Cache folder where the packaged models are assembled (ignored by git).",
    )
    embedder: str = Field(
        "e5-small-q4",
        description="Embedding model: 'e5-small-q4' (the packaged one) or any "
        "sentence-transformers model path.",
    )
    query_prefix: str = Field("query: ", description="Prefix the embedder wants before queries.")
    passage_prefix: str = Field(
        "passage: ", description="Prefix the embedder wants before passages."
    )
    embed_batch_size: int = Field(16, ge=1, description="Passages embedded per batch.")
    chunk_size: int = Field(
        360, ge=50, description="Longest chunk, in characters, before a section is split."
    )
    chunk_overlap: int = Field(40, ge=0, description="Characters shared by neighbouring chunks.")
    subject_terms: list[str] = Field(
        default_factory=lambda: ["徐汇"],
        description="Words that mark text as about the subject; page blocks without any are "
        "dropped as site boilerplate.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages returned by a search.")
    search_candidates: int = Field(
        400,
        ge=10,
        le=16384,
        description="Hits one search asks a Milvus backend for, per leg (chunks, sentences, "
        "BM25), before fusion; the in-process backend scores every row.",
    )
    index_backend: Literal["faiss", "milvus"] = Field(
        "faiss",
        description="Where the vectors and the BM25 index live: 'faiss' (in this process, "
        "saved with each build) or 'milvus' (shared by every replica; see milvus_uri). The "
        "build folder (chunks, documents, figures) stays in index_dir either way.",
    )
    follow_interval_s: float = Field(
        5.0,
        ge=0,
        description="How often the web service looks for a build that another process (a "
        "replica sharing index_dir, or `xuhui-qa index`) put in service, and serves it; 0 = "
        "never.",
    )
    milvus_uri: str = Field(
        "",
        description="Milvus to use when index_backend is 'milvus': a file path is Milvus Lite "
        "(embedded, one machine), an http:// or https:// address a Milvus server; empty = "
        "milvus.db in index_dir.",
    )
    milvus_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Longest one call to Milvus may take, retries included; past it that "
        "search or write fails (503) and the next one tries again.",
    )
    milvus_token: str | None = Field(
        None, description="Milvus credentials ('user:password' or an API key), if it wants any."
    )
    milvus_collection: str = Field(
        "xuhui",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="Prefix of the Milvus collections (<prefix>_chunks_<dim>, "
        "<prefix>_sentences_<dim>): two libraries on one Milvus need two prefixes.",
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    lexical_weight: float = Field(
        1.0, ge=0, description="Weight of the BM25 ranks in the fusion (0 = dense only)."
    )
    sentence_weight: float = Field(
        0.5,
        ge=0,
        description="Share of a chunk's best single-sentence similarity added to its own.",
    )
    year_boost: float = Field(
        0.6, ge=0, description="Relative score boost for chunks about the question's year."
    )
    threads: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="CPU threads for the models.",
    )
    show_progress: bool = Field(True, description="Show progress bars on long work.")
    prompts_dir: Path = Field(
        REPO_ROOT / "prompts", description="Prompt templates (*.j2) and worked examples."
    )
    llm_backend: Literal["llama_cpp", "openai"] = Field(
        "llama_cpp",
        description="'llama_cpp' runs a GGUF model in-process; 'openai' calls an "
        "OpenAI-compatible chat endpoint (llama.cpp server, vLLM).",
    )
    llm_model: str = Field(
        "qwen2.5-coder-1.5b",
        description="GGUF model: a packaged name (qwen2.5-coder-1.5b, qwen2.5-coder-0.5b) or a "
        "path to a .gguf file.",
    )
    llm_n_ctx: int = Field(
        2048, ge=512, description="Context window of the local model, in tokens."
    )
    openai_base_url: str = Field(
        "http://127.0.0.1:8080/v1", description="Base URL of the OpenAI-compatible endpoint."
    )
    openai_model: str = Field(
        "local", description="Model name sent to the OpenAI-compatible endpoint."
    )
    openai_api_key: str | None = Field(
        None, description="Bearer key for the endpoint, if it needs one."
    )
    answer_mode: Literal["llm", "extractive"] = Field(
        "llm", description="'llm' writes the answer with the model; 'extractive' quotes sentences."
    )
    retrieve_for_answer: int = Field(
        8, ge=1, le=50, description="Passages retrieved before selecting the answer's context."
    )
    candidate_count: int = Field(
        6, ge=1, le=9, description="Most candidate sentences shown to the model, numbered 1-9."
    )
    context_chars: int = Field(
        360,
        ge=60,
        description="Characters of candidate sentences shown to the model (prompt tokens are "
        "the cost on a CPU).",
    )
    min_confidence: float = Field(
        0.85,
        ge=0,
        le=1,
        description="Least probability of the model's chosen sentence (from its token "
        "log-probabilities) for an answer to a Chinese question; below it the service says "
        "it found no sure answer. Calibrated by `make calibrate`.",
    )
    min_confidence_en: float = Field(
        0.5,
        ge=0,
        le=1,
        description="The same for an English question, whose choice among Chinese sentences "
        "is less sure (calibrated apart).",
    )
    decision: Literal["calibrated", "threshold"] = Field(
        "calibrated",
        description="How the service decides to answer: 'calibrated' (a fitted estimate from "
        "the choice's probability, its margin, the probability of none, the question's "
        "language and span; `calibration_file`) or 'threshold' (the choice's probability "
        "against min_confidence / min_confidence_en alone).",
    )
    calibration_file: Path | None = Field(
        None,
        description="The fitted decision (JSON, written by eval/calibrate.py); default "
        "prompts_dir/calibration.json.",
    )
    open_max_points: int = Field(
        6, ge=1, le=12, description='Most points in an open question\'s answer ("有哪些…").'
    )
    open_max_points_en: int = Field(
        4,
        ge=1,
        le=12,
        description="Most points in an English open answer: each is rendered by the model "
        "(about 3 s a point on two cores).",
    )
    open_point_tokens: int = Field(
        80, ge=16, description="Longest English rendering of one point, in tokens."
    )
    figure_match: float = Field(
        0.75,
        ge=0,
        le=1,
        description="How surely a figures-table row's indicator must be the asked one (1: "
        "the same name; 0.9: an abbreviation; below, the share of the asked name's "
        "character pairs it holds) to answer a series or a comparison from it.",
    )
    open_passages: int = Field(
        20, ge=1, le=100, description="Passages retrieved for an open question's topic."
    )
    open_relevance_band: float = Field(
        0.12,
        ge=0,
        description="How far below the best sentence's relevance an open answer's points may "
        "fall; what lies further is not about the question. Chosen on half A of "
        "eval/open.jsonl (0.08 and 0.12 tie on its Chinese questions; 0.12 keeps more of an "
        "English question's points).",
    )
    open_diversity: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Weight of a sentence's similarity to the points already chosen "
        "(maximal marginal relevance): higher spreads the points over more subjects.",
    )
    second_look: bool = Field(
        True,
        description="When the model's answer is refused but it chose a sentence (unsure, a "
        "figure the sentence does not hold, its own refusal), ask once more with the "
        "candidates in reverse order: a small model's choice leans to the first numbers.",
    )
    agree_confidence: float = Field(
        0.5,
        ge=0,
        le=1,
        description="When both looks are unsure but agree (the same sentence, or the same "
        "figures), the least probability each must have given its choice: a majority.",
    )
    llm_grammar: bool = Field(
        True,
        description="Constrain the reply's leading [n] with a grammar (llama.cpp and its server); "
        "turn off for a serving engine that rejects the `grammar` field.",
    )
    answer_max_tokens: int = Field(120, ge=16, description="Longest answer, in tokens.")
    host: str = Field("127.0.0.1", description="Address the web service listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the web service listens on.")
    admin_token: str | None = Field(
        None,
        description="Token for the admin endpoints (upload, re-index, delete); unset = they are "
        "off. At least 12 characters; one under 16, or of fewer than 8 different characters, "
        "is warned about at start-up.",
    )
    max_question_chars: int = Field(500, ge=10, description="Longest question accepted.")
    max_queue: int = Field(
        4, ge=0, description="Questions that may wait for the model; past it the API answers 503."
    )
    generation_timeout_s: float = Field(
        90.0, gt=0, description="Time limit of one answer's generation, in seconds."
    )
    max_upload_mb: float = Field(20.0, gt=0, description="Largest document upload, in MB.")
    max_unpacked_mb: float = Field(
        100.0, gt=0, description="Largest a .docx upload may unpack to, in MB (zip bombs)."
    )
    max_document_chars: int = Field(
        2_000_000,
        ge=1000,
        description="Most characters of text one document may hold once extracted (a long "
        "report holds about 50,000); an upload past it is refused (413), a corpus file past "
        "it is not indexed and the index report says so. A .docx whose XML would unpack to "
        "more than 32 bytes a character of this is refused before it is read.",
    )
    database: str = Field(
        "",
        description="Where conversations, answers, feedback and the indexing jobs are kept: "
        "empty = the SQLite file conversations.sqlite3 in index_dir (the data volume); a "
        "path = that SQLite file; postgresql://user:password@host:5432/name = that "
        "PostgreSQL database, which several replicas may share.",
    )
    database_wait_s: float = Field(
        15.0,
        gt=0,
        description="How long one call to the conversation store waits for a database file "
        "that another process has locked (or that cannot be opened), or for a PostgreSQL "
        "server that cannot be reached, before that call gives up.",
    )
    max_turns: int = Field(
        100, ge=1, description="Most turns one conversation may hold; past it the API answers 422."
    )
    max_history_chars: int = Field(
        12000,
        ge=100,
        description="Most characters of earlier turns a chat request may carry (OpenAI endpoint).",
    )
    chat_open: bool = Field(
        True,
        description="Whether /v1/chat/completions and /mcp answer without a key; when false they "
        "need the admin token (or one of chat_keys) as a Bearer key.",
    )
    chat_keys: list[str] = Field(
        default_factory=list,
        description="Bearer keys accepted by /v1 and /mcp besides the admin token.",
    )
    parse_memory_mb: int = Field(
        3072,
        ge=256,
        description="Most memory the child process that parses one PDF, Word or HTML file may "
        "use; past it the file is set aside, the service goes on.",
    )
    parse_timeout_s: float = Field(
        1800.0,
        gt=0,
        description="Longest the parse of one such file may take (OCR of a long scan included); "
        "an upload's check gets at most 120 s.",
    )
    max_body_kb: int = Field(
        64, ge=1, description="Largest JSON request body, in KB (uploads have max_upload_mb)."
    )

    @field_validator("subject_terms")
    @classmethod
    def _non_empty_terms(cls, terms: list[str]) -> list[str]:
        terms = [t.strip() for t in terms if t.strip()]
        if not terms:
            raise ValueError("subject_terms needs at least one word")
        return terms

    @field_validator("milvus_uri")
    @classmethod
    def _milvus_lite_file(cls, uri: str) -> str:
        uri = uri.strip()
        if uri and "://" not in uri and not uri.endswith(".db"):
            raise ValueError(
                "milvus_uri must be an http:// or https:// address of a Milvus server, or a "
                "Milvus Lite file whose name ends in .db"
            )
        return uri

    @field_validator("admin_token")
    @classmethod
    def _token_long_enough(cls, token: str | None) -> str | None:
        if token is not None and len(token.strip()) < 12:
            raise ValueError(
                "admin_token must be at least 12 characters (or unset to disable admin)"
            )
        return token

    @property
    def admin_token_weakness(self) -> str | None:
        """Why the admin token is easy to guess (too short, too few different characters),
        or None when it is not, or unset."""
        if self.admin_token is None:
            return None
        token = self.admin_token.strip()
        distinct = len(set(token))
        reasons = []
        if len(token) < STRONG_TOKEN_CHARS:
            reasons.append(f"{len(token)} characters, fewer than {STRONG_TOKEN_CHARS}")
        if distinct < STRONG_TOKEN_DISTINCT:
            plural = "" if distinct == 1 else "s"
            reasons.append(f"only {distinct} different character{plural}")
        return "; ".join(reasons) or None

    @field_validator("database", mode="before")
    @classmethod
    def _database_path_or_url(cls, value: object) -> str:
        """A SQLite file's path, or a PostgreSQL URL; any other URL is refused (the message
        never repeats the value: it may hold a password)."""
        text = "" if value is None else str(value).strip()
        scheme, found, _ = text.partition("://")
        if not found:
            return text
        if scheme.lower() not in POSTGRES_SCHEMES:
            raise ValueError(
                f"database must be a postgresql://user:password@host:port/name URL or the "
                f"path of a SQLite file, not a {scheme}:// URL"
            )
        return text

    @property
    def database_url(self) -> str | None:
        """The PostgreSQL URL `database` names, or None for SQLite."""
        text = str(self.database or "")
        return text if text.partition("://")[0].lower() in POSTGRES_SCHEMES else None

    @property
    def milvus_address(self) -> str:
        """The Milvus URI to connect to (Milvus Lite's file in index_dir by default)."""
        return self.milvus_uri or str(self.index_dir / "milvus.db")

    @property
    def database_path(self) -> Path:
        """The SQLite file (when `database` is no PostgreSQL URL)."""
        if self.database and not self.database_url:
            return Path(self.database)
        return self.index_dir / "conversations.sqlite3"

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self
