"""Interface strings, Chinese by default and English when the browser or the user asks."""

from __future__ import annotations

from starlette.requests import Request

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "徐汇区政府工作报告问答",
        "tagline": "依据徐汇区政府工作报告回答问题，每个答案都附可点击查看的原文出处。",
        "ask": "提问",
        "placeholder": "例如：2023年新增多少跨国公司地区总部？",
        "examples": "示例问题",
        "mode": "方式",
        "mode_llm": "模型作答",
        "mode_extractive": "原文摘句（即时）",
        "year": "年份",
        "any_year": "全部年份",
        "document": "文件",
        "any_document": "全部文件",
        "answer": "答案",
        "sources": "出处",
        "retrieved": "相关段落",
        "thinking": "正在检索和作答…",
        "checking": "这个回答未通过核对，换个顺序再看一遍候选句…",
        "busy": "系统繁忙，正在重试…",
        "error": "出错了",
        "refused": "报告中没有找到答案",
        "corrected": "模型的回答未通过核对或经过计算，最终答案为：",
        "lang": "zh",
        "table_year": "年份",
        "table_figure": "数值",
        "table_phase": "口径",
        "table_source": "来源",
        "table_missing": "报告未载",
        "table_uncovered": "无文件涉及",
        "table_csv": "下载 CSV",
        "phase_actual": "实际",
        "phase_expected": "预计",
        "phase_target": "目标",
        "documents": "文件库",
        "home": "问答",
        "kind": "类型",
        "delivered": "日期",
        "reviews": "回顾年份",
        "plans": "计划年份",
        "speaker": "报告人",
        "quality": "质量提示",
        "open_document": "查看全文",
        "upload": "上传文件",
        "upload_hint": "支持 .txt .md .html .pdf .docx；上传后自动重建索引，旧索引在新索引完成前继续服务。",
        "admin_token": "管理口令",
        "delete": "删除",
        "reindex": "重建索引",
        "indexing": "正在建立索引",
        "index_failed": "上次建立索引失败，仍在使用之前的索引：",
        "dropped": "已去除的重复文件",
        "skipped": "未编入索引的文件",
        "sections": "章节",
        "language": "English",
        "other_lang": "en",
        "close": "关闭",
        "seconds": "秒",
        "conflict": "另一来源的说法不同（未采用）",
        "admin_off": "未设置管理口令（XUHUI_ADMIN_TOKEN），上传与删除已关闭。",
        "read_as": "理解为：",
        "new_conversation": "新对话",
        "conversation": "本次对话",
        "conversation_link": "对话链接",
        "export_md": "导出 Markdown",
        "helpful": "有用",
        "not_helpful": "没用",
        "comment_placeholder": "哪里不对？（可选）",
        "send_feedback": "提交",
        "thanks": "已记录，谢谢！",
        "log": "提问记录",
        "log_hint": "最近的提问、结果、耗时和反馈。被拒答的问题说明报告里没有答案，可据此补充文件。",
        "outcome": "结果",
        "outcome_any": "全部结果",
        "outcome_answered": "已回答",
        "outcome_refused": "拒答",
        "outcome_repaired": "经修正",
        "outcome_error": "出错",
        "rating": "反馈",
        "rating_any": "全部反馈",
        "rating_up": "👍 有用",
        "rating_down": "👎 没用",
        "rating_none": "无反馈",
        "words": "关键词",
        "filter": "筛选",
        "export_csv": "导出 CSV",
        "export_jsonl": "导出 JSONL",
        "when": "时间",
        "question": "问题",
        "latency": "耗时",
        "comment": "意见",
        "log_store_off": "对话记录不可用：",
    },
    "en": {
        "title": "Xuhui Government Work Report Q&A",
        "tagline": "Answers from the Xuhui District government work reports, each with the passages it rests on.",
        "ask": "Ask",
        "placeholder": "e.g. How many regional headquarters of multinationals were added in 2023?",
        "examples": "Example questions",
        "mode": "Mode",
        "mode_llm": "Model answer",
        "mode_extractive": "Quote sentences (instant)",
        "year": "Year",
        "any_year": "All years",
        "document": "Document",
        "any_document": "All documents",
        "answer": "Answer",
        "sources": "Sources",
        "retrieved": "Related passages",
        "thinking": "Searching and answering…",
        "checking": "That answer did not pass the checks; looking at the sentences again…",
        "busy": "Busy, retrying…",
        "error": "Something went wrong",
        "refused": "The reports do not answer this",
        "corrected": "The model's draft was checked or computed on; the answer is:",
        "lang": "en",
        "table_year": "Year",
        "table_figure": "Figure",
        "table_phase": "Phase",
        "table_source": "Source",
        "table_missing": "not stated in the reports",
        "table_uncovered": "no document covers it",
        "table_csv": "Download CSV",
        "phase_actual": "actual",
        "phase_expected": "expected",
        "phase_target": "target",
        "documents": "Library",
        "home": "Ask",
        "kind": "Kind",
        "delivered": "Date",
        "reviews": "Reviews",
        "plans": "Plans",
        "speaker": "Speaker",
        "quality": "Quality notes",
        "open_document": "Open document",
        "upload": "Upload a document",
        "upload_hint": ".txt .md .html .pdf .docx; the index is rebuilt in the background and the old one serves until it is done.",
        "admin_token": "Admin token",
        "delete": "Delete",
        "reindex": "Re-index",
        "indexing": "Indexing",
        "index_failed": "The last indexing failed; the previous index is still serving:",
        "dropped": "Dropped duplicates",
        "skipped": "Files not indexed",
        "sections": "Sections",
        "language": "中文",
        "other_lang": "zh",
        "close": "Close",
        "seconds": "s",
        "conflict": "Another source states it otherwise (not used)",
        "admin_off": "No admin token (XUHUI_ADMIN_TOKEN) is set: upload and delete are off.",
        "read_as": "Read as: ",
        "new_conversation": "New conversation",
        "conversation": "This conversation",
        "conversation_link": "Link to this conversation",
        "export_md": "Export Markdown",
        "helpful": "Helpful",
        "not_helpful": "Not helpful",
        "comment_placeholder": "What was wrong? (optional)",
        "send_feedback": "Send",
        "thanks": "Noted, thank you!",
        "log": "Question log",
        "log_hint": "Recent questions, their outcome, latency and feedback. Refused questions are what the reports could not answer: candidates for new documents.",
        "outcome": "Outcome",
        "outcome_any": "Any outcome",
        "outcome_answered": "answered",
        "outcome_refused": "refused",
        "outcome_repaired": "repaired",
        "outcome_error": "error",
        "rating": "Feedback",
        "rating_any": "Any feedback",
        "rating_up": "👍 helpful",
        "rating_down": "👎 not helpful",
        "rating_none": "none",
        "words": "Words",
        "filter": "Filter",
        "export_csv": "Export CSV",
        "export_jsonl": "Export JSONL",
        "when": "When",
        "question": "Question",
        "latency": "Latency",
        "comment": "Comment",
        "log_store_off": "The conversation store is unavailable: ",
    },
}


def choose_language(request: Request) -> str:
    """?lang= first, then the cookie, then the browser's Accept-Language; Chinese by default."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in STRINGS:
            return candidate
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()
    return "en" if first.startswith("en") else "zh"


KINDS = {
    "zh": {
        "work_report": "政府工作报告",
        "plan_report": "计划执行情况报告",
        "budget_report": "预算执行情况报告",
        "news": "新闻",
        "feature": "专题报道",
    },
    "en": {
        "work_report": "work report",
        "plan_report": "plan-execution report",
        "budget_report": "budget report",
        "news": "news",
        "feature": "feature",
    },
}
# How a metadata field was found (Found.how in app.ingest.metadata).
SOURCES = {
    "zh": {
        "title": "标题行",
        "heading": "章节标题",
        "delivery_line": "大会报告行",
        "date_field": "日期字段",
        "date_line": "日期行",
        "page": "网页条目",
        "period": "时期表述",
        "lead": "导语",
        "derived": "推算",
        "shape": "文本形态",
        "text": "正文",
        "manifest": "manifest.toml",
    },
    "en": {
        "title": "title line",
        "heading": "heading",
        "delivery_line": "delivery line",
        "date_field": "date field",
        "date_line": "date line",
        "page": "page listing",
        "period": "period phrase",
        "lead": "lead sentence",
        "derived": "derived",
        "shape": "text shape",
        "text": "text",
        "manifest": "manifest.toml",
    },
}
FIELDS = {
    "zh": {
        "title": "标题",
        "kind": "类型",
        "delivered": "日期",
        "reviewed_years": "回顾年份",
        "planned_years": "计划年份",
        "speaker": "报告人",
    },
    "en": {
        "title": "title",
        "kind": "kind",
        "delivered": "date",
        "reviewed_years": "reviewed years",
        "planned_years": "planned years",
        "speaker": "speaker",
    },
}
# Quality notes by code; each says what the administrator can do about it.
NOTES = {
    "zh": {
        "missing_character": "常用字“{char}”从未出现（按篇幅约应出现{expected}次），可能在抓取时丢失；如有完整版本，请上传替换。",
        "spaced_characters": "汉字之间有{count}处空格（OCR或报纸排版），已去除。",
        "broken_lines": "{broken}/{total}行在句中断开，已重新拼接。",
        "no_paragraphs": "有一行长达{longest}字、没有分段；已按正文中的标题恢复章节。",
        "duplicate_dropped": "{dropped}（{chars}字）与本文件近乎重复，已保留更完整的这一份。",
        "chrome_dropped": "已去除{lines}行网页导航、索引字段或页脚，例如：{examples}",
        "instructions": "{sentences}句是对AI助手下的指令，而非关于徐汇的陈述（从不用于回答），例如：{example}",
        "boilerplate_dropped": "已去除{blocks}段从未提及“{subject}”的网站模板文字。",
        "manifest_overrides": "manifest.toml 将{field}设为“{manifest}”，正文显示为“{text}”；如正文正确，请删去该项。",
        "no_date": "正文中没有报告或发布日期：请在 corpus/manifest.toml 中为 {file} 填写 delivered。",
        "id_renamed": "编号 {id} 已属于 {other} 中的文件，本文件的编号改为 {new_id}；给其中一个文件改名即可分开。",
    },
    "en": {
        "missing_character": "The common character '{char}' never occurs (about {expected} expected): probably lost in scraping; upload a complete copy to replace it.",
        "spaced_characters": "{count} spaces between Chinese characters (OCR or newspaper layout); removed.",
        "broken_lines": "{broken} of {total} lines end mid-sentence; rejoined.",
        "no_paragraphs": "A line of {longest} characters with no paragraph breaks; sections recovered from the headings in the text.",
        "duplicate_dropped": "{dropped} ({chars} characters) nearly duplicates this document; the more complete copy was kept.",
        "chrome_dropped": "{lines} line(s) of site navigation, index fields or footers dropped, e.g. {examples}",
        "instructions": "{sentences} sentence(s) addressed to an AI assistant, not about the district (never used to answer), e.g. {example}",
        "boilerplate_dropped": "{blocks} block(s) of site text that never mention {subject} dropped.",
        "manifest_overrides": "manifest.toml sets the {field} to '{manifest}'; the text says '{text}'. If the text is right, remove that entry.",
        "no_date": "No delivery or publication date in the text: add `delivered` for {file} to corpus/manifest.toml.",
        "id_renamed": "The id {id} belongs to a document from {other}, so this one's id is {new_id}; rename one of the files to keep them apart.",
    },
}


def kind_label(kind: str, lang: str) -> str:
    return KINDS[lang].get(kind, kind)


def source_label(provenance: dict, name: str, lang: str) -> str:
    """Where a field came from, in the reader's language ("章节标题：2024年工作回顾")."""
    source = provenance.get(name)
    if not source:
        return ""
    label = SOURCES[lang].get(source["how"], source["how"])
    evidence = source.get("evidence") or ""
    if evidence and source["how"] not in ("manifest", "shape"):
        return f"{label}{'：' if lang == 'zh' else ': '}{evidence[:30]}"
    return label


def note_text(note, lang: str) -> str:
    """A quality note in the reader's language; its English message when it has no params."""
    template = NOTES[lang].get(note.code)
    params = dict(note.params or {})
    if template is None or not params:
        return note.message
    if note.code == "manifest_overrides":
        params["field"] = FIELDS[lang].get(str(params.get("field")), params.get("field"))
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return note.message


def install(environment) -> None:
    """Make the labels available to the templates."""
    environment.globals.update(
        kind_label=kind_label, source_label=source_label, note_text=note_text
    )
