"""Ingest: the corpus folder → cleaned documents with their dates and quality notes.

In: files in the corpus folder (.txt .md .html .pdf .docx) and `manifest.toml`. Out: an
`IngestResult` of `Document`s (cleaned text, kind, delivery date, reviewed and planned
years, speaker, quality notes) plus what was dropped. `loaders` reads a file's text,
`segmentation` splits a scraped page into its documents, `cleaning` rejoins broken
lines and recovers headings, `metadata` reads dates, speaker and the manifest,
`quality` flags damage and drops near-duplicates; `pipeline` runs them in order.
"""
