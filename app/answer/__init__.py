"""Answer: a question and its passages → a grounded, cited answer or a refusal that helps.

In: a `SearchResult` (the analysed `Query` and its passages) and an `LLM` (or none, for
extractive answers). Out: an `Answer` (text with `[n]` markers, citations with highlight
offsets, refusal flag, the model's commitments and confidence, timings).
`candidates` picks and labels the sentences the model may choose from (by period,
structurally), `prompt` renders `prompts/*.j2`, `grounding` reads the model's committed
choice and checks the answer's figures against the chosen sentence, `texts` holds the
user-facing strings (refusals, verdicts, comparisons), and `answerer` runs the steps:
one lookup per simple question, two lookups and a computed difference for a comparison,
a verdict from the sentence's own direction for a yes/no question.
"""
