// duizhang explorer: uploads with progress, figure details, boilerplate toggle, compare chart.
"use strict";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;  // text only: report content is untrusted
  return e;
}

async function uploadFiles(files) {
  const log = document.getElementById("upload-log");
  let added = 0;
  for (const f of files) {
    const li = el("li", "", f.name + ": uploading…");
    log.appendChild(li);
    const body = new FormData();
    body.append("file", f);
    try {
      const r = await fetch("/api/upload", { method: "POST", body });
      const j = await r.json();
      if (!r.ok) { li.className = "failed"; li.textContent = j.detail; continue; }
      li.className = j.outcome;
      li.textContent = j.outcome + " — " + j.message;
      if (j.outcome === "added") added++;
    } catch (e) {
      li.className = "failed"; li.textContent = f.name + ": " + e;
    }
  }
  if (added) setTimeout(() => location.reload(), 600);
}

function setupUpload() {
  const zone = document.getElementById("upload");
  if (!zone) return;
  const input = document.getElementById("files");
  input.addEventListener("change", () => uploadFiles(input.files));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault(); zone.classList.remove("over");
    uploadFiles(e.dataTransfer.files);
  });
}

function setupDocument() {
  const info = document.getElementById("info");
  if (!info) return;
  document.querySelectorAll("mark.m").forEach((m) => {
    const show = () => { info.textContent = m.dataset.info; info.hidden = false; };
    m.addEventListener("click", show);
    m.addEventListener("focus", show);
  });
  const box = document.getElementById("hide-boiler");
  box.addEventListener("change", () => document.body.classList.toggle("hide-boiler", box.checked));
}

function drawCompare() {
  const node = document.getElementById("chart");
  if (!node || typeof echarts === "undefined") return;
  const years = JSON.parse(node.dataset.years);
  const series = JSON.parse(node.dataset.series).map((s) => ({
    name: s.name, type: "line", data: s.data, connectNulls: true,
    lineStyle: s.side === "target" ? { type: "dashed" } : {}, symbol: s.side === "target" ? "diamond" : "circle",
  }));
  const chart = echarts.init(node);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    // A scrolling legend on one line: with 20+ regions a wrapped one covered the plot.
    legend: { top: 0, type: "scroll" }, grid: { top: 48 },
    xAxis: { type: "category", data: years.map(String) }, yAxis: { type: "value", scale: true },
    series,
  });
  node.dataset.drawn = "1";
}

setupUpload();
setupDocument();
