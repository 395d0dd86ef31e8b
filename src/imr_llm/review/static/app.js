// imr-llm review workbench: evidence links, the decision following the checklist, job progress.
// Everything also works without this script except live progress and the follow hint.
"use strict";
(function () {
  const token = document.querySelector('meta[name="review-token"]')?.content || "";

  // Evidence references: scroll the records pane to the line and highlight it.
  function showLine(id, focus) {
    const line = document.getElementById(id);
    if (!line) return false;
    document.querySelectorAll(".ln.hl").forEach((el) => el.classList.remove("hl"));
    const ref = document.querySelector(`a.ref[href="#${id}"]`);
    const end = ref ? Number(ref.dataset.end || 0) : 0;
    line.classList.add("hl");
    if (end) {
      const [doc, start] = [ref.dataset.doc, Number(ref.dataset.line)];
      for (let n = start + 1; n <= end; n++) document.getElementById(`${doc}-L${n}`)?.classList.add("hl");
    }
    line.scrollIntoView({ block: "center" });
    if (focus) line.focus({ preventScroll: true });
    return true;
  }
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest("a.ref");
    if (!a) return;
    const id = a.getAttribute("href").slice(1);
    if (showLine(id, false)) {
      ev.preventDefault();
      history.replaceState(null, "", "#" + id);
    }
  });
  if (location.hash.length > 1) showLine(location.hash.slice(1), false);

  // The decision follows the checklist (the rule lives in the library: /api/follow).
  async function follow(item, changed) {
    const statuses = [...document.querySelectorAll(`select.status[data-item="${item}"]`)].map((s) => s.value);
    const decision = document.getElementById(`item-${item}-decision`);
    const hint = document.getElementById(`item-${item}-follow`);
    if (!decision || !statuses.length) return;
    const resp = await fetch("/api/follow", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Review-Token": token },
      body: JSON.stringify({ statuses }),
    });
    if (!resp.ok) return;
    const data = await resp.json();
    if (changed === "status" && data.allowed.length === 1) {
      // (several status changes may answer out of order: the last answer names the decision)
      decision.value = data.allowed[0];
      hint.textContent = `decision follows the checklist: ${data.allowed[0]}`;
      if (decision.value !== decision.dataset.drafted) {
        hint.textContent += ` (the rationale below was written for ${decision.dataset.drafted}: edit it)`;
      }
      hint.classList.remove("warn");
    } else if (data.problems[decision.value]) {
      hint.textContent = data.problems[decision.value];
      hint.classList.add("warn");
    } else {
      hint.textContent = changed === "status" ? "the checklist allows this decision" : "";
      hint.classList.remove("warn");
    }
  }
  document.addEventListener("change", (ev) => {
    const el = ev.target;
    if (el.matches("select.status")) follow(el.dataset.item, "status");
    else if (el.matches("select.decision")) follow(el.dataset.item, "decision");
  });

  // Progress of the running job; the page reloads when it ends.
  const job = document.getElementById("job");
  if (job && job.dataset.state === "running") {
    const set = (sel, text) => { const el = job.querySelector(sel); if (el) el.textContent = text; };
    const poll = async () => {
      let data = null;
      try { data = await (await fetch("/api/job", { cache: "no-store" })).json(); } catch (e) { /* retry */ }
      if (data && data.state !== "running") { location.replace("/"); return; }
      if (data) {
        set(".job-stage", data.stage);
        set(".job-count", `${data.calls} of ~${data.total} model calls`);
        set(".job-elapsed", String(data.elapsed_s));
        const bar = job.querySelector("progress");
        if (bar) { bar.max = data.total; bar.value = data.calls; }
      }
      setTimeout(poll, 500);
    };
    setTimeout(poll, 300);
  }
})();
