// The one script of an HTML worksheet (allowed by the page's content-security policy through its hash):
// it keeps what the student types in this browser and saves it as a submission file `exgen grade` reads
// ({"student", "name", "answers": {"exercise.part": "text"}}). It reads and writes nothing else: no
// network, no other page's data; a loaded file only fills this page's answer boxes.
(() => {
  "use strict";
  const form = document.getElementById("answers");
  if (!form) return;
  const student = form.dataset.student;
  const name = form.dataset.name;
  const kept = "exgen-answers:" + form.dataset.page;
  const boxes = [...form.querySelectorAll("textarea[name]")];
  const status = document.getElementById("answers-status");
  const say = (text) => { status.textContent = text; };
  // The page holds its messages in its own language (data-msg-*); {name} marks a value.
  const msg = (key, values = {}) => (form.dataset[key] || "").replace(/\{(\w+)\}/g, (m, k) => String(values[k]));
  const answers = () => {
    const out = {};
    for (const box of boxes) if (box.value.trim()) out[box.name] = box.value;
    return out;
  };
  const fill = (given) => {
    let n = 0;
    for (const box of boxes) {
      if (typeof given[box.name] === "string") { box.value = given[box.name]; n += 1; }
    }
    return n;
  };
  const keep = () => { try { localStorage.setItem(kept, JSON.stringify(answers())); } catch (e) { /* off */ } };
  try {
    const earlier = JSON.parse(localStorage.getItem(kept) || "{}");
    if (earlier && typeof earlier === "object" && fill(earlier)) say(msg("msgRestored"));
  } catch (e) { /* storage off or unreadable: start empty */ }
  form.addEventListener("input", keep);
  form.addEventListener("submit", (event) => event.preventDefault());
  document.getElementById("answers-save").addEventListener("click", () => {
    const given = answers();
    const file = new Blob([JSON.stringify({student, name, answers: given}, null, 2) + "\n"],
                          {type: "application/json"});
    const link = document.createElement("a");
    link.href = URL.createObjectURL(file);
    link.download = student + "-answers.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    say(msg("msgSaved", {file: link.download, count: Object.keys(given).length, total: boxes.length}));
  });
  const load = document.getElementById("answers-load");
  load.addEventListener("change", () => {
    const chosen = load.files[0];
    load.value = "";
    if (!chosen) return;
    if (chosen.size > 1000000) { say(msg("msgTooLarge")); return; }
    const reader = new FileReader();
    reader.onload = () => {
      let doc = null;
      try { doc = JSON.parse(reader.result); } catch (e) { doc = null; }
      if (!doc || typeof doc !== "object" || typeof doc.answers !== "object" || doc.answers === null) {
        say(msg("msgNotAnswers"));
      } else if (doc.student !== student) {
        say(msg("msgOtherStudent", {student}));
      } else {
        say(msg("msgLoaded", {count: fill(doc.answers), file: chosen.name}));
        keep();
      }
    };
    reader.readAsText(chosen);
  });
})();
