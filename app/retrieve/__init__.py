"""Retrieve: a question → its analysis (`Query`) and the best passages.

In: the question text and a `HybridIndex` with its `Embedder`. Out: a `SearchResult`
holding the analysed `Query` (years asked, report named, review or plan, what is asked,
language, key terms) and the top `Passage`s. `query` analyses a question once; every
later stage reads that analysis instead of re-parsing the text. `retriever` fuses dense
and BM25 ranks and boosts chunks about the asked year or the named report.
"""
