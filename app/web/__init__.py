"""Web: the FastAPI service (HTTP API and Jinja2 pages) over one `QAService`.

In: HTTP requests. Out: JSON, Server-Sent Events and HTML. `app` builds the
application (the only place routes are mounted), `deps` holds the shared dependencies
(the service, question validation, the admin token), `streaming` turns an answer's
events into SSE, `routes/` has one router per resource (health, answers, documents,
admin, pages), `gate` lets one generation run at a time with a bounded queue, `jobs`
runs re-indexing in the background, `uploads` checks and stores uploaded files, `i18n`
holds the page strings in Chinese and English.
"""
