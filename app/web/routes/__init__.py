"""One router per resource: health, answers, documents, admin, pages."""
