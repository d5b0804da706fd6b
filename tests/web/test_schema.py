"""The HTTP API against its own OpenAPI schema (schemathesis, fake models, bounded):
no 5xx, and every status, content type and body is the one the schema documents."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.index import build_index
from app.service import QAService
from app.web.app import create_app
from tests.fakes import ScriptedLLM

pytestmark = pytest.mark.slow
EXAMPLES = 30  # per operation: bounded, so the run takes seconds, not minutes
# Requests a schema-valid body may rightly fail with 422, for what a schema cannot say:
# an upload is accepted by what its bytes are (PDF, Word, HTML, text); a chat request needs
# a user's question with visible text that no assistant reply follows; a figures request
# spans at most 30 years.
BEYOND_SCHEMA = {"POST /api/admin/documents", "POST /v1/chat/completions", "GET /api/figures"}


def fuzz(operation):
    """A hypothesis test of one operation: every generated request, every check."""
    # Every other check holds for those, and every check for the other operations.
    excluded = [positive_data_acceptance] if operation.label in BEYOND_SCHEMA else []

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        case.call_and_validate(
            headers={"Authorization": "Bearer schema-token"}, excluded_checks=excluded
        )

    return check


def test_the_api_keeps_to_its_schema(settings, fake_embedder):
    service = QAService(
        settings, build_index(settings, fake_embedder), fake_embedder, ScriptedLLM()
    )
    app = create_app(settings.model_copy(update={"admin_token": "schema-token"}), service=service)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        try:
            fuzz(operation)()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = str(exc)[:600]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
