// The Ask page: post the question, read the NDJSON stream, render the answer as it arrives.
"use strict";

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function details(summary, body) {
  const box = el("details");
  box.appendChild(el("summary", summary));
  box.appendChild(el("pre", body));
  return box;
}

function figuresTable(rows) {
  if (!rows || !rows.length) return null;
  const table = el("table", undefined, "figures");
  const head = table.createTHead().insertRow();
  Object.keys(rows[0]).forEach((k) => head.appendChild(el("th", k)));
  const body = table.createTBody();
  rows.slice(0, 50).forEach((row) => {
    const tr = body.insertRow();
    Object.values(row).forEach((v) => {
      tr.insertCell().textContent = typeof v === "number" ? (Number.isInteger(v) ? v.toLocaleString() : v.toFixed(4)) : String(v);
    });
  });
  return table;
}

function csvLink(rows) {
  const keys = Object.keys(rows[0]);
  const quote = (v) => '"' + String(v === null || v === undefined ? "" : v).replace(/"/g, '""') + '"';
  const text = [keys.map(quote).join(",")].concat(rows.map((r) => keys.map((k) => quote(r[k])).join(","))).join("\n");
  const link = el("a", "Download these figures (CSV)", "downloads");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  link.download = "answer.csv";
  return link;
}

function renderAnswer(turn, answer) {
  const rows = figuresTable(answer.rows);
  if (rows) { turn.appendChild(rows); turn.appendChild(csvLink(answer.rows)); }
  if (answer.chart_svg) {
    const chart = el("div", undefined, "answer-chart");
    chart.innerHTML = answer.chart_svg; // server-drawn SVG, every label escaped there
    turn.appendChild(chart);
  }
  turn.appendChild(el("p", "Confidence " + Number(answer.confidence || 0).toFixed(2) + " · intent " + answer.intent, "muted"));
  turn.appendChild(details("Plan (tool calls)", JSON.stringify(answer.tool_calls || [], null, 2)));
  if (answer.sql && answer.sql.length) turn.appendChild(details("SQL", answer.sql.join("\n\n")));
  const cites = answer.citations || {};
  const list = el("ul", undefined, "citations");
  (cites.sources || []).forEach((s) => list.appendChild(el("li", "table " + s)));
  (cites.kb || []).forEach((k) => list.appendChild(el("li", "knowledge base " + k.source)));
  if (cites.run_id) list.appendChild(el("li", "run " + cites.run_id + ", model " + (cites.model_version || "—")));
  turn.appendChild(el("p", "Sources", "muted"));
  turn.appendChild(list);
}

async function ask(form, chat, question) {
  const turn = el("article", undefined, "turn");
  turn.appendChild(el("p", question, "q"));
  const status = el("p", "Sending…", "status");
  const text = el("p", "", "a");
  turn.append(status, text);
  chat.appendChild(turn);
  const response = await fetch("/app/ask/stream", {
    method: "POST", credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": form.dataset.csrf },
    body: JSON.stringify({ question: question }),
  });
  if (!response.ok || !response.body) {
    status.textContent = "The question was refused (" + response.status + ").";
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n")) >= 0) {
      const event = JSON.parse(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 1);
      if (event.type === "status") status.textContent = event.text;
      else if (event.type === "text") text.textContent += event.text;
      else if (event.type === "error") status.textContent = event.text;
      else if (event.type === "answer") { status.remove(); turn.classList.add("done"); renderAnswer(turn, event.answer); }
    }
  }
}

window.engageChat = function () {
  const form = document.getElementById("ask-form");
  if (!form) return;
  const chat = document.getElementById("chat");
  const box = document.getElementById("question");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = box.value.trim();
    if (!question) return;
    box.value = "";
    const button = form.querySelector("button");
    button.disabled = true;
    try { await ask(form, chat, question); } finally { button.disabled = false; box.focus(); }
  });
};
