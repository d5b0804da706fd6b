"""Xuhui Report QA: local question answering over the Xuhui District government work reports."""

__version__ = "0.1.0"
