"""Answer: a question and its passages → a verified, cited answer or a helpful refusal.

In: a `SearchResult` (the analysed question and its passages) and an `LLM` (or none, for
extractive answers). Out: an `Answer` (text with `[n]` markers, citations with
highlight offsets, refusal flag, verification record, timings). `context` picks the
sentences shown to the model, `prompt` renders `prompts/*.j2`, `checks` verifies
citations, figures and years, `repair` re-cites or fixes units, `comparison` states
two years' figures and their difference, `extractive` quotes sentences, `texts` holds
the user-facing strings, and `answerer` runs the named steps in order.
"""
