"""Text primitives shared by every stage, each in exactly one place.

In: plain strings. Out: facts about them. `cjk` (Chinese-character classes and how
Chinese a text is), `sentences` (sentence spans), `numbers` (figures as written, whole-
number matching, computed differences), `markers` (the `[n]` citation markers),
`years` (explicit and Chinese-numeral years, five-year-plan periods, years a text
mentions), `visible` (what of a text can be seen) and `spreadsheet` (CSV cells a
spreadsheet will not run as formulas). Nothing here knows about documents, indexes or
models.
"""
