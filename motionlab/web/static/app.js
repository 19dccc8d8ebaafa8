// The page: builds each task's options from /api/tasks, uploads, polls the job, and draws its result.
"use strict";

const $ = (id) => document.getElementById(id);
let TASKS = {};

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function optionInput(option) {
  const label = document.createElement("label");
  label.textContent = option.label;
  label.title = option.help || "";
  let input;
  if (option.kind === "choice") {
    input = document.createElement("select");
    if (option.default === null) input.appendChild(new Option("(default)", "", true, true));
    for (const choice of option.choices) input.appendChild(new Option(choice, choice, false, choice === option.default));
  } else {
    input = document.createElement("input");
    input.type = "number";
    if (option.minimum !== null) input.min = option.minimum;
    if (option.maximum !== null) input.max = option.maximum;
    input.placeholder = option.default === null ? "default" : String(option.default);
    if (option.default !== null) input.value = option.default;
  }
  input.name = option.name;
  input.id = "option-" + option.name;
  label.appendChild(input);
  return label;
}

function showOptions() {
  const task = TASKS[$("task").value];
  $("options").replaceChildren(...(task ? task.options.map(optionInput) : []));
}

async function loadTasks() {
  const answer = await (await fetch("/api/tasks")).json();
  for (const task of answer.tasks) {
    TASKS[task.name] = task;
    const option = new Option(task.label + (task.available ? "" : " (not installed)"), task.name);
    option.disabled = !task.available;
    $("task").appendChild(option);
  }
  const first = answer.tasks.find((task) => task.available);
  if (first) $("task").value = first.name;
  showOptions();
  $("limits").textContent = `Up to ${(answer.limits.max_bytes / 2 ** 20).toFixed(0)} MiB and ` +
    `${answer.limits.max_seconds.toFixed(0)} s of video; results are kept ${(answer.keep_seconds / 60).toFixed(0)} min.`;
}

async function submitJob(event) {
  event.preventDefault();
  showError("");
  $("result").hidden = true;
  const form = new FormData();
  form.append("task", $("task").value);
  for (const input of $("options").querySelectorAll("input, select")) {
    if (input.value !== "") form.append(input.name, input.value);
  }
  if (!$("file").files.length) return showError("Choose a video file first.");
  form.append("file", $("file").files[0]);
  $("submit").disabled = true;
  $("running").hidden = false;
  $("progress").value = 0;
  $("status").textContent = "uploading";
  try {
    const response = await fetch("/api/jobs", { method: "POST", body: form });
    const answer = await response.json();
    if (response.status !== 202) throw new Error(answer.error || `HTTP ${response.status}`);
    await followJob(answer.id);
  } catch (error) {
    $("running").hidden = true;
    showError(error.message);
  } finally {
    $("submit").disabled = false;
  }
}

async function followJob(id) {
  for (;;) {
    const response = await fetch(`/api/jobs/${id}`);
    const job = await response.json();
    if (!response.ok) throw new Error(job.error || `HTTP ${response.status}`);
    $("progress").value = job.progress;
    $("status").textContent = `${job.status} ${(100 * job.progress).toFixed(0)} %`;
    if (job.status === "failed") throw new Error(job.error);
    if (job.status === "done") {
      $("running").hidden = true;
      return showResult(job);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function paragraph(text, className) {
  const element = document.createElement("p");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

const RENDERERS = {
  speed(job) {
    const { speeds_mps: speeds, fps } = job.result;
    const times = speeds.map((_, i) => i / fps);
    const mean = speeds.reduce((a, b) => a + b, 0) / Math.max(speeds.length, 1);
    return [paragraph(`mean ${mean.toFixed(1)} m/s (${(3.6 * mean).toFixed(0)} km/h), top ` +
                      `${Math.max(...speeds).toFixed(1)} m/s over ${speeds.length} frames`),
            lineChart(times, speeds, "time (s)", "speed (m/s)")];
  },
  count(job) {
    const { count, frames, fps } = job.result;
    const big = paragraph(`${count} jumps`, "big");
    big.id = "count";
    big.dataset.count = count;
    const times = frames.map((frame) => frame / fps);
    const parts = [big, timeline(times, job.video.seconds, "time (s): one red line per jump")];
    if (times.length > 1) {  // jumps per minute, from the gap to the previous jump
      const rate = times.slice(1).map((t, i) => 60 / (t - times[i]));
      parts.push(lineChart(times.slice(1), rate, "time (s)", "jumps per minute"));
    }
    return parts;
  },
  classify(job) {
    const scores = job.result.probabilities || job.result.scores || {};
    const pairs = Object.entries(scores).sort((a, b) => b[1] - a[1]);
    const top = job.result.label || job.result.class || (pairs[0] || ["?"])[0];
    return [paragraph(String(top), "big"), barChart(pairs.map((p) => p[0]), pairs.map((p) => p[1]))];
  },
  "predict-next"(job) {
    const video = document.createElement("video");
    video.controls = true;
    video.loop = true;
    video.autoplay = true;
    video.muted = true;
    video.src = job.files["truth_prediction.webm"];
    video.className = "pixels";
    video.id = "prediction-video";
    const table = document.createElement("table");
    for (const [key, value] of Object.entries(job.result)) {
      if (typeof value === "object") continue;
      const row = table.insertRow();
      row.insertCell().textContent = key;
      row.insertCell().textContent = typeof value === "number" ? +value.toFixed(4) : value;
    }
    return [paragraph("left: what happened | right: what the model predicted"), video, table];
  },
};

function showResult(job) {
  $("result-title").textContent = `${TASKS[job.task].label}: ${job.video.seconds.toFixed(1)} s, ` +
    `${job.video.width}x${job.video.height} at ${job.video.fps} frames/s (${job.seconds.toFixed(1)} s of work)`;
  $("result-body").replaceChildren(...RENDERERS[job.task](job));
  $("saliency").hidden = !job.saliency;  // what the model looked at, for tasks that provide it
  if (job.saliency) $("saliency-image").src = job.saliency;
  $("downloads").replaceChildren(...Object.entries(job.files).map(([name, url]) => {
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.textContent = "download " + name;
    return link;
  }));
  $("result").hidden = false;
}

$("task").addEventListener("change", showOptions);
$("job-form").addEventListener("submit", submitJob);
loadTasks().catch((error) => showError("cannot load the task list: " + error.message));
