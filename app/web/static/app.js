// Xuhui Report QA: the page's behaviour. No framework, no build step, nothing from a CDN.
// Everything that comes from a document or a user is inserted as text, never as HTML.
"use strict";

const T = JSON.parse(document.getElementById("i18n").textContent);
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

// ------------------------------------------------------------------ answers

let citations = {};

function renderAnswer(container, text) {
  // "[1]" / "[1, 2]" markers become chips that open their passage; the rest is text.
  container.replaceChildren();
  const pattern = /\[(\s*\d+(?:\s*[,，、]\s*\d+)*\s*)\]/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    container.append(document.createTextNode(text.slice(last, match.index)));
    for (const n of match[1].split(/[,，、]/).map((s) => s.trim())) {
      container.append(el("button", { type: "button", class: "chip", "data-n": n, onclick: () => openPassage(n) }, n));
    }
    last = match.index + match[0].length;
  }
  container.append(document.createTextNode(text.slice(last)));
}

function renderPoints(container, answer) {
  // An open question's answer: its lead line, the points as a list, then what is not shown.
  const lines = answer.answer.split("\n");
  const lead = el("p", { class: "lead" });
  renderAnswer(lead, lines[0]);
  const list = el("ol", { class: "points" });
  for (const point of answer.points) {
    const item = el("li");
    renderAnswer(item, point.text);
    list.append(item);
  }
  container.replaceChildren(lead, list);
  const rest = lines.slice(1 + answer.points.length).join(" ");
  if (rest) {
    const more = el("p", { class: "more" });
    renderAnswer(more, rest);
    container.append(more);
  }
}

function csvOf(table) {
  // The table as CSV: year, figure as written, numeric value, unit, phase, source, citation.
  // Text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
  // single quote, as the server's CSV files do; numbers stay numbers.
  const safe = (v) => (typeof v === "string" && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
  const quote = (v) => `"${String(safe(v) ?? "").replaceAll('"', '""')}"`;
  const lines = [["year", "figure", "value", "unit", "phase", "source", "citation"].join(",")];
  for (const r of table.rows) {
    lines.push([r.year, r.stated ? r.written : "", r.stated ? r.value : "", r.unit || "",
      r.phase || "", r.source || "", r.citation || ""].map(quote).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

function chartOf(table) {
  // A line chart of the stated years (SVG, drawn here: nothing from a CDN). Years the
  // reports do not state are gaps on the axis, not zeros.
  const NS = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs, text) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const rows = table.rows;
  const values = rows.filter((r) => r.stated && typeof r.value === "number").map((r) => r.value);
  const chart = svg("svg", { viewBox: "0 0 480 200", class: "chart", role: "img", "aria-label": table.indicator });
  if (values.length < 2) return null;
  const lo = Math.min(0, ...values), hi = Math.max(...values);
  const x = (i) => 40 + (i * 420) / Math.max(rows.length - 1, 1);
  const y = (v) => 170 - ((v - lo) / (hi - lo || 1)) * 140;
  chart.append(svg("line", { x1: 40, y1: 170, x2: 460, y2: 170, class: "axis" }));
  let path = "";
  rows.forEach((r, i) => {
    chart.append(svg("text", { x: x(i), y: 190, "text-anchor": "middle", class: "tick" }, r.year));
    if (!r.stated || typeof r.value !== "number") {
      path += " ";
      return;
    }
    path += `${path.trim() && !path.endsWith(" ") ? "L" : "M"}${x(i)},${y(r.value)}`;
    chart.append(svg("circle", { cx: x(i), cy: y(r.value), r: 4, class: `dot ${r.phase}` }));
    chart.append(svg("text", { x: x(i), y: y(r.value) - 8, "text-anchor": "middle", class: "label" }, r.written));
  });
  chart.prepend(svg("path", { d: path.trim(), class: "line" }));
  return chart;
}

function renderTable(container, answer) {
  // A figures answer: its lead line, a table (year, figure, phase, source chip), a chart
  // and a CSV download; the lines after the years (missing years, other names) below.
  const table = answer.table;
  const lines = answer.answer.split("\n");
  const lead = el("p", { class: "lead" });
  renderAnswer(lead, lines[0]);
  const head = el("tr", {}, ...[T.table_year, T.table_figure, T.table_phase, T.table_source].map((h) => el("th", {}, h)));
  const body = el("tbody");
  for (const r of table.rows) {
    const source = el("td");
    if (r.stated) {
      source.append(el("button", { type: "button", class: "chip", onclick: () => openPassage(String(r.citation)) }, r.citation), " ", r.source);
    }
    body.append(el("tr", { class: r.stated ? "" : "missing" },
      el("td", {}, r.year),
      el("td", {}, r.stated ? (table.lang === "en" ? r.english : r.written) : (r.uncovered ? T.table_uncovered : T.table_missing)),
      el("td", {}, r.stated ? T[`phase_${r.phase}`] || r.phase : ""),
      source));
  }
  const grid = el("table", { class: "figures" }, el("thead", {}, head), body);
  const download = el("a", { class: "csv", download: `${table.indicator || "figures"}.csv` }, T.table_csv);
  download.href = URL.createObjectURL(new Blob(["\ufeff" + csvOf(table)], { type: "text/csv" }));
  container.replaceChildren(lead, grid);
  const chart = chartOf(table);
  if (chart) container.append(chart);
  container.append(el("p", {}, download));
  const stated = table.rows.filter((r) => r.stated).length;
  const rest = lines.slice(1 + stated).join(" ");
  if (rest) {
    const more = el("p", { class: "more" });
    renderAnswer(more, rest);
    container.append(more);
  }
}

function openPassage(n) {
  const c = citations[n];
  if (!c) return;
  $("passage-title").textContent = `[${c.n}] ${c.title}`;
  $("passage-section").textContent = `${c.section || "—"} · ${c.label}`;
  const box = $("passage-text");
  box.replaceChildren();
  // Highlight the quoted sentences inside the passage (offsets are in the document).
  let cursor = c.start;
  for (const [s, e] of c.highlights) {
    if (s < cursor) continue;
    box.append(document.createTextNode(c.text.slice(cursor - c.start, s - c.start)));
    box.append(el("mark", {}, c.text.slice(s - c.start, e - c.start)));
    cursor = e;
  }
  box.append(document.createTextNode(c.text.slice(cursor - c.start)));
  const ranges = c.highlights.map(([s, e]) => `${s}-${e}`).join(",") || `${c.start}-${c.end}`;
  $("passage-link").href = `/documents/${encodeURIComponent(c.doc_id)}?hl=${ranges}#hl`;
  $("passage").showModal();
}

function showFinal(answer) {
  citations = {};
  for (const c of answer.citations) citations[String(c.n)] = c;
  const box = $("answer");
  const streamed = box.dataset.streamed || "";
  if (answer.points && answer.points.length) renderPoints(box, answer);
  else if (answer.table && answer.table.rows && !answer.refused && answer.verification.form === "series") renderTable(box, answer);
  else renderAnswer(box, answer.answer);
  box.classList.toggle("refused", answer.refused);
  const outcome = answer.verification && answer.verification.outcome;
  const corrected = outcome && !["answered", "answered: points", "answered: table"].includes(outcome);
  $("note").textContent = corrected && streamed ? T.corrected : "";
  $("source-note").textContent = answer.source_note || "";
  const list = $("citations");
  list.replaceChildren();
  // Another document's differing statement is listed apart, after the evidence, and says so.
  for (const c of answer.citations) {
    list.append(
      el("li", c.conflict ? { class: "conflict" } : {},
        el("button", { type: "button", class: "chip", onclick: () => openPassage(String(c.n)) }, c.n),
        " ",
        c.conflict ? el("strong", { class: "conflict-label" }, T.conflict + " · ") : "",
        el("span", { class: "meta" }, `${c.title} · ${c.section || "—"} · ${c.label}`),
        el("span", { class: "quote" }, c.quote),
      ),
    );
  }
  const retrieved = $("retrieved");
  retrieved.replaceChildren();
  for (const p of answer.retrieved.slice(0, 8)) {
    retrieved.append(
      el("li", {},
        el("a", { href: `/documents/${encodeURIComponent(p.doc_id)}?hl=${p.start}-${p.end}#hl` }, p.title),
        el("div", { class: "meta" }, `${p.section || "—"} · ${p.years.join(", ")}`),
        el("div", {}, p.text.length > 160 ? p.text.slice(0, 160) + "…" : p.text),
      ),
    );
  }
  const seconds = (answer.timings.total_ms / 1000).toFixed(1);
  $("status").textContent = `${seconds} ${T.seconds}`;
  if (answer.conversation_id) {
    if (answer.conversation_id !== conversationId) $("turns").replaceChildren();
    setConversation(answer.conversation_id);
    writable = true; // the answer's conversation is this browser's own
    const resolved = answer.resolution && answer.resolution.question;
    const asked = (answer.resolution && answer.resolution.original) || answer.question;
    appendTurn({ question: asked, resolved, answer: answer.answer, refused: answer.refused });
  }
  showFeedback(answer.turn_id);
}

// ------------------------------------------------------------------ conversation

let conversationId = new URLSearchParams(location.search).get("c");
// False for a shared conversation another browser started: it reads, but a question asked
// here starts this browser's own conversation (only its owner may add to it).
let writable = true;
let currentTurn = null;

function setConversation(id) {
  conversationId = id;
  const url = new URL(location.href);
  if (id) url.searchParams.set("c", id);
  else url.searchParams.delete("c");
  history.replaceState(null, "", url);
  $("thread").hidden = !id;
  if (id) {
    $("conversation-link").href = url.toString();
    $("conversation-export").href = `/api/conversations/${encodeURIComponent(id)}/export.md`;
  }
}

function appendTurn(turn) {
  const item = el("li", {}, el("span", { class: "q" }, turn.question));
  if (turn.resolved && turn.resolved !== turn.question) {
    item.append(el("div", { class: "resolved" }, T.read_as + turn.resolved));
  }
  const answer = el("span", { class: turn.refused ? "a refused" : "a" });
  answer.textContent = turn.answer || turn.error || "";
  item.append(answer);
  $("turns").append(item);
}

async function openConversation(id) {
  const response = await fetch(`/api/conversations/${encodeURIComponent(id)}`);
  if (!response.ok) return setConversation(null); // gone, or the store is off
  const conversation = await response.json();
  setConversation(id);
  writable = conversation.writable !== false;
  $("turns").replaceChildren();
  for (const turn of conversation.turns) appendTurn(turn);
}

function showFeedback(turnId) {
  currentTurn = turnId;
  $("feedback").hidden = !turnId;
  if (!turnId) return;
  for (const id of ["thumb-up", "thumb-down"]) $(id).classList.remove("chosen");
  $("feedback-comment").hidden = true;
  $("feedback-send").hidden = true;
  $("feedback-comment").value = "";
  $("feedback-status").textContent = "";
  $("answer-export").href = `/api/answers/${encodeURIComponent(turnId)}/export.md`;
}

async function sendFeedback(rating) {
  const body = { rating, comment: rating === "down" ? $("feedback-comment").value.trim() : "" };
  const response = await fetch(`/api/answers/${encodeURIComponent(currentTurn)}/feedback`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  $("thumb-up").classList.toggle("chosen", rating === "up");
  $("thumb-down").classList.toggle("chosen", rating === "down");
  $("feedback-status").textContent = response.ok ? T.thanks : `${T.error}: ${response.status}`;
}

function ask(event, attempt = 0) {
  if (event) event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  const params = new URLSearchParams({ question, mode: $("mode").value });
  if ($("year").value) params.set("year", $("year").value);
  if ($("doc").value) params.set("doc_id", $("doc").value);
  if (conversationId && writable) params.set("conversation_id", conversationId);
  $("resolved").hidden = true;
  showFeedback(null);
  $("result").hidden = false;
  const box = $("answer");
  box.textContent = "";
  box.dataset.streamed = "";
  box.classList.remove("refused");
  for (const id of ["note", "source-note"]) $(id).textContent = "";
  $("citations").replaceChildren();
  $("status").textContent = T.thinking;
  $("ask-button").disabled = true;
  const source = new EventSource(`/api/ask/stream?${params}`);
  let finished = false;
  source.addEventListener("resolved", (e) => {
    const resolution = JSON.parse(e.data);
    if (resolution.how !== "standalone") {
      $("resolved").textContent = T.read_as + resolution.question;
      $("resolved").hidden = false;
    }
  });
  source.addEventListener("token", (e) => {
    box.dataset.streamed += JSON.parse(e.data);
    box.textContent = box.dataset.streamed;
  });
  source.addEventListener("checking", () => {
    // the streamed answer was refused by the checks: a second look follows
    box.dataset.streamed = "";
    box.textContent = "";
    $("status").textContent = T.checking;
  });
  source.addEventListener("answer", (e) => {
    finished = true;
    showFinal(JSON.parse(e.data));
  });
  const retry = (delay) => {
    $("status").textContent = T.busy;
    setTimeout(() => ask(null, attempt + 1), delay);
  };
  source.addEventListener("busy", (e) => {
    finished = true;
    retry(JSON.parse(e.data).retry_after * 1000);
  });
  source.addEventListener("error", (e) => {
    if (e.data) {
      finished = true;
      $("status").textContent = `${T.error}: ${JSON.parse(e.data).detail}`;
    }
  });
  const done = () => {
    source.close();
    $("ask-button").disabled = false;
  };
  source.onerror = async () => {
    done();
    if (finished) return;
    // A 503 before the stream started: the model is busy; 422: bad question.
    const response = await fetch(`/api/ask/stream?${params}`, { method: "GET" }).catch(() => null);
    if (response && response.status === 503 && attempt < 10) retry(5000);
    else if (response && !response.ok) {
      const body = await response.json().catch(() => ({}));
      $("status").textContent = `${T.error}: ${JSON.stringify(body.detail || response.status)}`;
    }
  };
  source.addEventListener("answer", done);
}

if ($("ask-form")) {
  $("ask-form").addEventListener("submit", ask);
  if (conversationId) openConversation(conversationId);
  $("new-conversation").addEventListener("click", () => {
    setConversation(null);
    $("turns").replaceChildren();
    $("result").hidden = true;
    $("question").focus();
  });
  $("thumb-up").addEventListener("click", () => sendFeedback("up"));
  $("thumb-down").addEventListener("click", () => {
    $("feedback-comment").hidden = false;
    $("feedback-send").hidden = false;
    $("feedback-comment").focus();
    sendFeedback("down");
  });
  $("feedback-send").addEventListener("click", () => sendFeedback("down"));
  $("question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) ask(e);
  });
  for (const button of document.querySelectorAll(".example")) {
    button.addEventListener("click", () => {
      $("question").value = button.textContent;
      ask(null);
    });
  }
}

// ------------------------------------------------------------------ documents (admin)

function token() {
  const value = $("token").value || localStorage.getItem("xuhui-admin-token") || "";
  if ($("token").value) localStorage.setItem("xuhui-admin-token", value);
  return value;
}

async function follow(job) {
  const bar = $("progress");
  bar.hidden = false;
  for (;;) {
    const response = await fetch(`/api/jobs/${job.job_id}`);
    const state = await response.json();
    bar.value = state.progress;
    $("upload-status").textContent = `${T.indexing}: ${state.message}`;
    if (state.status === "done") return location.reload();
    if (state.status === "failed") {
      $("upload-status").textContent = `${T.error}: ${state.message}`;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

async function adminCall(url, options) {
  const response = await fetch(url, { ...options, headers: { "X-Admin-Token": token() } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    $("upload-status").textContent = `${T.error}: ${typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)}`;
    return;
  }
  follow(body.job);
}

if ($("upload-form")) {
  $("token").value = localStorage.getItem("xuhui-admin-token") || "";
  $("upload-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData();
    data.append("file", $("file").files[0]);
    adminCall("/api/admin/documents", { method: "POST", body: data });
  });
  $("reindex").addEventListener("click", () => adminCall("/api/admin/reindex", { method: "POST" }));
  for (const button of document.querySelectorAll(".delete")) {
    button.addEventListener("click", () => {
      if (confirm(`${T.delete} ${button.dataset.name}?`)) {
        adminCall(`/api/admin/documents/${encodeURIComponent(button.dataset.name)}`, { method: "DELETE" });
      }
    });
  }
}

// ------------------------------------------------------------------ question log (admin)

function logQuery(format) {
  const params = new URLSearchParams({ format, limit: "500" });
  for (const [key, id] of [["outcome", "log-outcome"], ["rating", "log-rating"], ["q", "log-words"]]) {
    if ($(id).value.trim()) params.set(key, $(id).value.trim());
  }
  return `/api/admin/log?${params}`;
}

async function loadLog(event) {
  if (event) event.preventDefault();
  const response = await fetch(logQuery("json"), { headers: { "X-Admin-Token": token() } });
  const body = await response.json().catch(() => ({}));
  const rows = $("log-rows");
  rows.replaceChildren();
  if (!response.ok) {
    $("log-status").textContent = `${T.error}: ${body.detail || response.status}`;
    return;
  }
  $("log-status").textContent = `${body.turns.length}`;
  for (const turn of body.turns) {
    const question = el("td", {}, turn.question);
    if (turn.resolved !== turn.question) question.append(el("div", { class: "resolved" }, T.read_as + turn.resolved));
    rows.append(
      el("tr", { class: `outcome-${turn.outcome}` },
        el("td", {}, turn.created.replace("T", " ")),
        question,
        el("td", {}, T[`outcome_${turn.outcome}`] || turn.outcome),
        el("td", {}, turn.latency_ms == null ? "—" : `${(turn.latency_ms / 1000).toFixed(1)} ${T.seconds}`),
        el("td", {}, turn.rating ? T[`rating_${turn.rating}`] : ""),
        el("td", {}, turn.comment || turn.error || ""),
      ),
    );
  }
}

async function exportLog(format) {
  const response = await fetch(logQuery(format), { headers: { "X-Admin-Token": token() } });
  if (!response.ok) {
    $("log-status").textContent = `${T.error}: ${response.status}`;
    return;
  }
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `questions.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
}

if ($("log-form")) {
  $("token").value = localStorage.getItem("xuhui-admin-token") || "";
  $("log-form").addEventListener("submit", loadLog);
  for (const button of document.querySelectorAll(".log-export")) {
    button.addEventListener("click", () => exportLog(button.dataset.format));
  }
  if ($("token").value) loadLog(null);
}

if (location.hash === "#hl" && $("hl")) $("hl").scrollIntoView({ block: "center" });
