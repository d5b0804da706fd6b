"""Figures as data: every figure the documents state, one row each (`extract`), kept in a
table built and saved with the index (`table`), exported as CSV (`export`)."""
