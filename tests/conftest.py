from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.models import assets
from app.settings import Settings
from tests.fakes import HashEmbedder

REPO = Path(__file__).resolve().parent.parent
SAMPLE_REPORT = """上海市徐汇区 区长 张 三
2023年工作回顾
一年来,全区经济社会发展总体平稳、稳中有进。新增跨国公司地区总部11家,累计总量保持中心城区第一。预计全年实到外资17.1亿美元,同比增长37.3%。
(一)科技创新
集聚人工智能企业1500余家,备案大模型83个。
2024年主要任务
(一)稳增长
固定资产投资总额增长10%。新增各类绿地8公顷。
"""


def write_sample_corpus(root: Path) -> Path:
    """A corpus folder with one small 2024 report and its manifest entry."""
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "report2024.txt").write_text(SAMPLE_REPORT, encoding="utf-8")
    (corpus / "manifest.toml").write_text(
        '["report2024.txt"]\ntitle = "2024年徐汇区政府工作报告"\nkind = "work_report"\ndelivered = "2024-01-10"\n',
        encoding="utf-8",
    )
    return corpus


@pytest.fixture
def sample_corpus(tmp_path: Path) -> Path:
    return write_sample_corpus(tmp_path)


@pytest.fixture
def settings(tmp_path: Path, sample_corpus: Path) -> Settings:
    return Settings(
        corpus_dir=sample_corpus,
        index_dir=tmp_path / "index",
        models_dir=tmp_path / "models",
        show_progress=False,
        chunk_size=120,
        chunk_overlap=10,
    )


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def real_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("real") / "corpus"
    shutil.copytree(REPO / "corpus", target)
    return target


@pytest.fixture(scope="session")
def real_settings(real_corpus, tmp_path_factory) -> Settings:
    settings = Settings(
        corpus_dir=real_corpus, index_dir=tmp_path_factory.mktemp("index"), show_progress=False
    )
    if not (assets.e5_path(settings.models_dir) / "ASSEMBLED.json").is_file():
        pytest.fail("the embedder is not assembled: run `make models`")
    return settings


@pytest.fixture(scope="session")
def real_embedder(real_settings):
    from app.models.embedder import embedder_from_settings

    return embedder_from_settings(real_settings)


@pytest.fixture(scope="session")
def real_index(real_settings, real_embedder):
    from app.index import build_index

    return build_index(real_settings, real_embedder)


@pytest.fixture(scope="session")
def retriever(real_index, real_embedder, real_settings):
    from app.retrieve.retriever import Retriever

    return Retriever(real_index, real_embedder, real_settings)


@pytest.fixture(scope="session")
def postgres_server():
    """One scratch PostgreSQL server for the whole session (`tests.postgres`), started the
    first time a test asks for it; the test fails, saying what to install, without one."""
    from tests.postgres import PostgresServer

    server = PostgresServer()
    yield server
    server.destroy()


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the session's server (which a test may have stopped),
    dropped after the test."""
    if not postgres_server.running():
        postgres_server.start()
    url = postgres_server.new_database()
    yield url
    if not postgres_server.running():
        postgres_server.start()
    postgres_server.drop_database(url)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database(request, tmp_path) -> str:
    """Where a test's conversation store lives, on each back end in turn: a SQLite file's
    path, or a fresh PostgreSQL database's URL (`Settings.database`)."""
    if request.param == "sqlite":
        return str(tmp_path / "data" / "qa.sqlite3")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def open_test_store(database):
    """Opens stores on the test's database (as many as a test wants, as replicas would);
    each is closed after the test."""
    from app.converse.store import open_store

    opened = []

    def open_one(wait_s: float = 15.0):
        store = open_store(Settings(database=database, database_wait_s=wait_s))
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()
