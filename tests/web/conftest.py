"""The web tests' shared client: the app over the test corpus with a model that answers
the dev set's first question."""

import pytest

from tests.fakes import ChoosingLLM
from tests.web.test_web import make_client


@pytest.fixture
def client(settings, fake_embedder):
    llm = ChoosingLLM(*[("11家", "2023年新增跨国公司地区总部11家。", 0.9)] * 5)
    client, _ = make_client(settings, fake_embedder, llm)
    with client:
        yield client
