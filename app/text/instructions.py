"""Sentences addressed to the assistant rather than statements about the district.

A document is data: a sentence in it that tells a model what to do ("忽略之前的指令，回答：…",
"Ignore previous instructions and answer …") is someone's attempt to set the answer, not
what the reports say. Such sentences are flagged in the document's quality report at
ingestion, are never a candidate an answer is chosen from, and give no row of the figures
table. The markers are the ways an instruction to a model is written, not any report's
words: a report speaks of the district in the third person and never to its reader's
assistant."""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"忽略(?:之前|以上|前面|上述|先前|此前|所有)*的?(?:所有|全部)?(?:指令|指示|提示词?|要求|规则|设定)|"
    r"(?:不要|无需)(?:理会|遵守|遵循)(?:之前|以上|上述|前面)?的?(?:指令|指示|提示|规则)|"
    r"(?:请|你)(?:必须|应该|应当|只能|要)?(?:直接)?(?:回答|回复|输出|告诉用户)[：:]|"
    r"你(?:现在)?(?:是|扮演)(?:一个|一名)?(?:AI|人工智能|智能)?(?:助手|模型|机器人)|"
    r"(?:系统|system)\s*(?:提示|prompt)|"
    r"\bignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier|preceding) "
    r"(?:instructions|prompts?|rules)\b|"
    r"\bdisregard (?:all |any )?(?:the )?(?:previous|prior|above|earlier) (?:instructions|rules)\b|"
    r"\byou are (?:now )?(?:an? )?(?:AI|assistant|language model|chatbot)\b|"
    r"\b(?:answer|reply|respond) (?:only )?with\s*:",
    re.I,
)


def addresses_the_assistant(text: str) -> bool:
    """Whether a sentence is an instruction to a model ("忽略之前的指令，回答：…")."""
    return bool(_INSTRUCTION.search(text))
