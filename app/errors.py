"""Domain errors. The CLI and the HTTP edge translate these; nothing deeper knows about either."""


class XuhuiQAError(Exception):
    """Base class for every error the service reports to a user."""


class BadInputError(XuhuiQAError):
    """The user's input (a question, a file, a folder) cannot be used."""


class UnreadableDocumentError(BadInputError):
    """A document file exists but its text cannot be extracted."""


class DocumentTooLargeError(BadInputError):
    """A document holds more text than one document may (`max_document_chars`): HTTP 413."""


class ModelMissingError(XuhuiQAError):
    """A packaged model is not assembled yet, or its checksum does not match."""


class IndexMissingError(XuhuiQAError):
    """No index has been built for the corpus yet."""


class NotFoundError(BadInputError):
    """A named document, file or job that does not exist (HTTP 404)."""


class ConflictError(BadInputError):
    """A change that conflicts with the library as it is, such as a document id another
    file holds (HTTP 409)."""


class ReadOnlyError(XuhuiQAError):
    """A write to a conversation (a turn, feedback) by someone who is not its owner:
    HTTP 403. Its link reads it; only the client that started it adds to it."""


class StorageError(XuhuiQAError):
    """The data folder cannot be written (full disk, read-only): HTTP 507."""


class StoreUnavailable(XuhuiQAError):
    """The conversation store cannot be used just now: its file is corrupt, locked by
    another process past the wait, or cannot be written (HTTP 503). The next call tries
    again."""


class BackendUnavailable(XuhuiQAError):
    """The retrieval backend (a Milvus server) cannot be reached or did not answer in time
    (HTTP 503). The next search tries again."""


class ContextUnreadableError(StoreUnavailable):
    """A follow-up's earlier turns cannot be read, so it is not answered as if it were a
    new question (HTTP 503)."""


class BusyError(XuhuiQAError):
    """More questions are waiting for the model than the queue allows."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("the model is busy; retry shortly")
        self.retry_after = retry_after


class LLMError(XuhuiQAError):
    """The model failed or could not be reached."""


class IndexDamagedError(IndexMissingError):
    """A build on disk is incomplete, corrupt, or made for another embedder."""


class PromptError(XuhuiQAError):
    """A prompt template is missing or was rendered without one of its variables."""
