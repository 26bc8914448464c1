/* The draft page: edit profile and steps, comments, versions and diffs, review decisions. */
(function () {
  "use strict";
  var PL = window.PL, el = PL.el;
  var data = PL.readJson("draft-data");
  if (!data) return;

  var base = "/api/drafts/" + data.id;
  var labels = data.labels;
  var kinds = data.kinds || [];
  var kindLabel = {};
  kinds.forEach(function (k) { kindLabel[k.kind] = k.label; });
  var groups = [];
  kinds.forEach(function (k) { if (groups.indexOf(k.group) < 0) groups.push(k.group); });

  var statusBox = document.getElementById("page-status");
  var errorBox = document.getElementById("page-error");
  var stepsDirty = false, profileDirty = false, busy = false;

  function ok(message) { PL.show(errorBox, ""); PL.show(statusBox, message); }
  function fail(message) { PL.show(statusBox, ""); PL.show(errorBox, message); }

  /** A validation problem in the words of the page (field labels, step numbers); focuses the first field. */
  function failValidation(error) {
    var errors = error.problem && error.problem.errors;
    if (!errors || !errors.length) { fail(error.message); return; }
    var first = null;
    var parts = errors.map(function (e) {
      var step = /^steps\[(\d+)\]\.(\w+)$/.exec(e.field || "");
      var dec = /^decisions\[(\d+)\](?:\.branches\[(\d+)\])?(?:\.(\w+))?$/.exec(e.field || "");
      var where, id;
      if (dec) {
        var part = dec[3] === "question" ? "Frage" : dec[3] === "condition" ? "Bedingung" : dec[3] === "goto_step" ? "Weiter mit" : dec[3] === "after_step" ? "Nach Schritt" : "Zweige";
        where = "Entscheidung " + (Number(dec[1]) + 1) + (dec[2] !== undefined ? ", Zweig " + (Number(dec[2]) + 1) : "") + ", " + part;
        var suffix = { question: "-question", condition: "-condition", goto_step: "-goto", after_step: "-after" }[dec[3]] || "-add-branch";
        id = "dc-" + dec[1] + (dec[2] !== undefined ? "-b-" + dec[2] : "") + suffix;
      } else if (!e.field) {
        where = "Ablauf";
      } else if (step) {
        where = "Schritt " + (Number(step[1]) + 1) + ", " + (labels.steps[step[2]] || step[2]);
        id = "st-" + step[1] + "-" + (step[2] === "media_break" ? "media" : step[2]);
      } else {
        where = labels.fields[e.field] || e.field || "Angabe";
        var field = form && form.elements[e.field];
        id = field ? field.id : null;
      }
      var node = id && document.getElementById(id);
      if (node) { node.setAttribute("aria-invalid", "true"); if (!first) first = node; }
      return where + ": " + e.message;
    });
    fail("Die Änderung ist nicht gültig. " + parts.join(" "));
    if (first) first.focus();
  }

  // -- step editor -------------------------------------------------------------
  var editor = document.getElementById("step-editor");
  var steps = [], decisions = [], keySeq = 0;

  function loadSteps(profile) {
    steps = profile.steps.map(function (s) {
      var copy = Object.assign({}, s);
      copy._key = "k" + (keySeq++);
      copy._orig = s.n;
      return copy;
    });
    var keyOf = {};
    steps.forEach(function (s) { keyOf[s.n] = s._key; });
    // Decisions refer to steps by key, so moving steps keeps them attached; numbers are derived on save.
    decisions = (profile.decisions || []).map(function (d) {
      return { after: keyOf[d.after_step] || null, question: d.question, branches: d.branches.map(function (b) {
        return { condition: b.condition, goto: b.goto_step ? (keyOf[b.goto_step] || null) : null };
      }) };
    });
  }

  function positionOf(key) {
    for (var i = 0; i < steps.length; i++) if (steps[i]._key === key) return i + 1;
    return null;
  }

  function mapping() {
    var map = {};
    steps.forEach(function (s, i) { if (s._orig) map[s._orig] = i + 1; });
    return map;
  }

  function retarget(orig, map) {
    if (orig === null || orig === undefined) return null;
    if (map[orig]) return map[orig];
    var later = Object.keys(map).map(Number).filter(function (n) { return n > orig; }).sort(function (a, b) { return a - b; });
    return later.length ? map[later[0]] : null;
  }

  function currentDecisions() {
    return decisions.filter(function (d) { return positionOf(d.after); }).map(function (d) {
      return {
        after_step: positionOf(d.after), question: (d.question || "").trim(),
        branches: d.branches.map(function (b) { return { condition: (b.condition || "").trim(), goto_step: b.goto ? positionOf(b.goto) : null }; })
      };
    });
  }

  function setStepsDirty(value) {
    stepsDirty = value;
    var marker = document.getElementById("steps-dirty");
    if (marker) marker.hidden = !value;
  }

  function kindSelect(id, value, labelText) {
    var select = el("select", { id: id, "data-field": "kind" });
    groups.forEach(function (group) {
      var optgroup = el("optgroup", { label: group });
      kinds.filter(function (k) { return k.group === group; }).forEach(function (k) {
        optgroup.appendChild(el("option", { value: k.kind, selected: k.kind === value, text: k.label }));
      });
      select.appendChild(optgroup);
    });
    return [el("label", { class: "cell-label", for: id }, labelText), select];
  }

  function cellInput(i, field, value, labelText, attrs) {
    var id = "st-" + i + "-" + field;
    var input = el("input", Object.assign({ id: id, "data-field": field, value: value === null || value === undefined ? "" : String(value) }, attrs || {}));
    return [el("label", { class: "cell-label", for: id }, labelText), input];
  }

  function renderSteps(focus) {
    if (!editor) return;
    var tbody = el("tbody");
    steps.forEach(function (s, i) {
      var n = i + 1;
      var hidden = function (text) { return el("span", { class: "sr-only", text: text }); };
      var media = "st-" + i + "-media";
      tbody.appendChild(el("tr", { "data-i": String(i) },
        el("td", { class: "col-n", "data-label": "Nr." }, String(n), s._orig ? null : el("span", { class: "badge new", text: "neu" })),
        el("td", { class: "col-label" }, cellInput(i, "label", s.label, ["Bezeichnung", hidden(" Schritt " + n)], { required: true, maxlength: "300" })),
        el("td", { class: "col-kind" }, kindSelect("st-" + i + "-kind", s.kind, ["Baustein", hidden(" Schritt " + n)])),
        el("td", { class: "col-actor" }, cellInput(i, "actor", s.actor, ["Zuständig", hidden(" Schritt " + n)], { maxlength: "200" })),
        el("td", { class: "col-it" }, cellInput(i, "it_system", s.it_system, ["IT-System", hidden(" Schritt " + n)], { maxlength: "200" })),
        el("td", { class: "col-min" }, cellInput(i, "minutes", s.minutes, ["Minuten", hidden(" Schritt " + n)], { type: "number", min: "0", step: "any", inputmode: "decimal" })),
        el("td", { class: "col-mb" }, el("div", { class: "check" },
          el("input", { type: "checkbox", id: media, "data-field": "media_break", checked: !!s.media_break }),
          el("label", { for: media }, el("span", { class: "mb-text", text: "Medienbruch" }), hidden(" Schritt " + n)))),
        el("td", { class: "col-actions" }, el("div", { class: "row-buttons" },
          el("button", { type: "button", class: "icon secondary", "data-op": "up", disabled: i === 0, "aria-label": "Schritt " + n + " nach oben verschieben", title: "Nach oben" }, "↑"),
          el("button", { type: "button", class: "icon secondary", "data-op": "down", disabled: i === steps.length - 1, "aria-label": "Schritt " + n + " nach unten verschieben", title: "Nach unten" }, "↓"),
          el("button", { type: "button", class: "icon danger", "data-op": "delete", "aria-label": "Schritt " + n + " löschen", title: "Löschen" }, "✕")))
      ));
    });
    var table = el("table", { class: "step-table" },
      el("caption", { class: "sr-only", text: "Arbeitsschritte bearbeiten" }),
      el("thead", null, el("tr", null,
        ["Nr.", "Bezeichnung", "Baustein", "Zuständig", "IT-System", "Minuten", "Medien\u00adbruch", "Aktionen"].map(function (h) {
          return el("th", { scope: "col", text: h });
        }))),
      tbody);
    var decisionNodes = renderDecisions();
    editor.replaceChildren(
      steps.length ? el("div", { class: "table-wrap" }, table) : el("p", { class: "muted", text: "Noch keine Schritte. Fügen Sie den ersten Schritt hinzu." }),
      el("div", { class: "button-row editor-buttons" },
        el("button", { type: "button", id: "add-step", class: "secondary" }, "Schritt hinzufügen"),
        el("button", { type: "button", id: "save-steps" }, "Schritte speichern"),
        el("span", { id: "steps-dirty", class: "dirty", hidden: !stepsDirty, text: "Ungespeicherte Änderungen" })),
      decisionNodes);
    if (focus) {
      var target = document.getElementById(focus);
      if (target && !target.disabled) target.focus();
      else if (target) {
        var row = target.closest("tr");
        var alt = row && row.querySelector("button:not([disabled])");
        if (alt) alt.focus();
      }
    }
  }

  // -- decisions editor ----------------------------------------------------------
  function stepOptions(select, chosenKey, withEnd, afterKey) {
    if (withEnd) select.appendChild(el("option", { value: "", selected: !chosenKey, text: "Ende des Prozesses" }));
    var afterPos = afterKey ? positionOf(afterKey) : null;
    steps.forEach(function (s, i) {
      var back = withEnd && afterPos && i + 1 <= afterPos ? " (zurück)" : "";
      var text = "Schritt " + (i + 1) + ": " + (s.label || "ohne Bezeichnung") + back;
      select.appendChild(el("option", { value: s._key, selected: s._key === chosenKey, text: text.length > 70 ? text.slice(0, 69) + "…" : text }));
    });
    return select;
  }

  function renderDecisions() {
    var box = el("div", { class: "decisions-editor", id: "decisions-editor" }, el("h3", { text: "Entscheidungen" }),
      el("p", { class: "hint", text: "Eine Entscheidung steht nach einem Schritt. Jeder Zweig nennt eine Bedingung und wohin es " +
        "weitergeht: zu einem späteren Schritt, zurück zu einem früheren (Schleife) oder zum Ende des Prozesses." }));
    if (!decisions.length) box.appendChild(el("p", { class: "muted", text: "Noch keine Entscheidungen." }));
    decisions.forEach(function (d, di) {
      var no = di + 1, id = "dc-" + di;
      var after = stepOptions(el("select", { id: id + "-after", "data-dfield": "after", "data-d": String(di) }), d.after, false);
      var branches = el("ol", { class: "branch-list" }, d.branches.map(function (b, bi) {
        var bid = id + "-b-" + bi;
        var hidden = el("span", { class: "sr-only", text: " Zweig " + (bi + 1) + " der Entscheidung " + no });
        return el("li", { class: "branch" }, el("span", { class: "branch-no", "aria-hidden": "true", text: "Zweig " + (bi + 1) }),
          el("div", { class: "branch-cond" }, el("label", { for: bid + "-condition" }, "Bedingung", hidden.cloneNode(true)),
            el("input", { id: bid + "-condition", "data-dfield": "condition", "data-d": String(di), "data-b": String(bi), value: b.condition || "", maxlength: "300", placeholder: "z. B. ja, vollständig" })),
          el("div", { class: "branch-goto" }, el("label", { for: bid + "-goto" }, "Weiter mit", hidden.cloneNode(true)),
            stepOptions(el("select", { id: bid + "-goto", "data-dfield": "goto", "data-d": String(di), "data-b": String(bi) }), b.goto, true, d.after)),
          el("button", { type: "button", class: "danger small", "data-dop": "remove-branch", "data-d": String(di), "data-b": String(bi),
            "aria-label": "Zweig " + (bi + 1) + " der Entscheidung " + no + " entfernen" }, "Entfernen"));
      }));
      box.appendChild(el("fieldset", { class: "decision", "data-d": String(di) },
        el("legend", { text: "Entscheidung " + no }),
        el("div", { class: "decision-head" },
          el("div", null, el("label", { for: id + "-after" }, "Nach Schritt", el("span", { class: "sr-only", text: " (Entscheidung " + no + ")" })), after),
          el("div", null, el("label", { for: id + "-question" }, "Frage", el("span", { class: "sr-only", text: " (Entscheidung " + no + ")" })),
            el("input", { id: id + "-question", "data-dfield": "question", "data-d": String(di), value: d.question || "", maxlength: "300", placeholder: "z. B. Sind die Unterlagen vollständig?" }))),
        branches,
        el("div", { class: "button-row" },
          el("button", { type: "button", class: "secondary small", id: id + "-add-branch", "data-dop": "add-branch", "data-d": String(di) },
            "Zweig hinzufügen", el("span", { class: "sr-only", text: " (Entscheidung " + no + ")" })),
          el("button", { type: "button", class: "danger small", "data-dop": "remove-decision", "data-d": String(di) },
            "Entscheidung " + no + " löschen"))));
    });
    box.appendChild(el("div", { class: "button-row editor-buttons" },
      el("button", { type: "button", id: "add-decision", class: "secondary", disabled: !steps.length }, "Entscheidung hinzufügen"),
      el("button", { type: "button", id: "save-decisions" }, "Entscheidungen speichern")));
    return box;
  }

  function decisionClick(button) {
    var op = button.dataset.dop || button.id;
    var di = Number(button.dataset.d), d = decisions[di];
    if (op === "add-decision") {
      var used = decisions.map(function (x) { return x.after; });
      var free = steps.filter(function (s) { return used.indexOf(s._key) < 0; });
      var at = free.length ? free[free.length > 1 ? free.length - 2 : 0] : steps[steps.length - 1];
      var next = steps[steps.indexOf(at) + 1];
      decisions.push({ after: at._key, question: "", branches: [{ condition: "ja", goto: next ? next._key : null }, { condition: "nein", goto: null }] });
      setStepsDirty(true);
      renderSteps("dc-" + (decisions.length - 1) + "-question");
      stepAnnounce("Entscheidung " + decisions.length + " hinzugefügt. Bitte die Frage eingeben.");
    } else if (op === "add-branch") {
      d.branches.push({ condition: "", goto: null });
      setStepsDirty(true);
      renderSteps("dc-" + di + "-b-" + (d.branches.length - 1) + "-condition");
    } else if (op === "remove-branch") {
      d.branches.splice(Number(button.dataset.b), 1);
      setStepsDirty(true);
      renderSteps("dc-" + di + "-add-branch");
      stepAnnounce("Zweig entfernt.");
    } else if (op === "remove-decision") {
      decisions.splice(di, 1);
      setStepsDirty(true);
      renderSteps("add-decision");
      stepAnnounce("Entscheidung " + (di + 1) + " entfernt. Zum Übernehmen „Entscheidungen speichern“ wählen.");
    } else if (op === "save-decisions") {
      saveSteps("save-decisions");
    } else {
      return false;
    }
    return true;
  }

  function decisionInput(target) {
    var field = target.dataset.dfield;
    if (!field) return false;
    var d = decisions[Number(target.dataset.d)];
    if (field === "after") d.after = target.value;
    else if (field === "question") d.question = target.value;
    else {
      var b = d.branches[Number(target.dataset.b)];
      if (field === "condition") b.condition = target.value;
      else b.goto = target.value || null;
    }
    setStepsDirty(true);
    return true;
  }

  function decisionsProblem() {
    var seen = {};
    for (var di = 0; di < decisions.length; di++) {
      var d = decisions[di], id = "dc-" + di, no = "Entscheidung " + (di + 1) + ": ";
      if (!(d.question || "").trim()) return { error: no + "Bitte die Frage eingeben.", focus: id + "-question" };
      if (seen[d.after]) return { error: no + "Nach Schritt " + positionOf(d.after) + " steht schon eine Entscheidung. Bitte einen anderen Schritt wählen.", focus: id + "-after" };
      seen[d.after] = true;
      if (d.branches.length < 2) return { error: no + "Eine Entscheidung braucht mindestens zwei Zweige.", focus: id + "-add-branch" };
      if (d.branches.length > 10) return { error: no + "Höchstens zehn Zweige sind möglich.", focus: id + "-add-branch" };
      for (var bi = 0; bi < d.branches.length; bi++) {
        if (!(d.branches[bi].condition || "").trim()) return { error: no + "Bitte für Zweig " + (bi + 1) + " eine Bedingung eingeben.", focus: id + "-b-" + bi + "-condition" };
      }
    }
    return null;
  }

  /** A deleted step takes its decision with it; branches that led to it now lead to the step after it (or the end). */
  function forgetStep(key, index) {
    var following = steps[index] ? steps[index]._key : null;
    var dropped = decisions.filter(function (d) { return d.after === key; }).length;
    decisions = decisions.filter(function (d) { return d.after !== key; });
    decisions.forEach(function (d) { d.branches.forEach(function (b) { if (b.goto === key) b.goto = following; }); });
    return dropped;
  }

  function stepAnnounce(text) { ok(text); }

  if (editor) {
    editor.addEventListener("input", function (event) {
      if (decisionInput(event.target)) return;
      var row = event.target.closest("tr[data-i]");
      if (!row) return;
      var step = steps[Number(row.dataset.i)];
      var field = event.target.dataset.field;
      if (!field) return;
      if (field === "media_break") step.media_break = event.target.checked;
      else step[field] = event.target.value;
      setStepsDirty(true);
    });
    editor.addEventListener("change", function (event) {
      if (event.target.dataset.dfield === "after" || event.target.dataset.dfield === "goto") {
        decisionInput(event.target);
        if (event.target.dataset.dfield === "after") renderSteps(event.target.id);  // "(zurück)" marks follow
        return;
      }
      if (event.target.dataset.field === "media_break" || event.target.dataset.field === "kind") {
        var row = event.target.closest("tr[data-i]");
        var step = steps[Number(row.dataset.i)];
        if (event.target.dataset.field === "kind") step.kind = event.target.value;
        else step.media_break = event.target.checked;
        setStepsDirty(true);
      }
    });
    editor.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      if (button.closest("#decisions-editor") && decisionClick(button)) return;
      if (button.id === "add-step") {
        steps.push({ _key: "k" + (keySeq++), _orig: null, label: "", kind: "other", actor: null, it_system: null,
                     media_break: false, minutes: null, description: null, next_step: null });
        setStepsDirty(true);
        renderSteps("st-" + (steps.length - 1) + "-label");
        stepAnnounce("Schritt " + steps.length + " hinzugefügt. Bitte eine Bezeichnung eingeben.");
        return;
      }
      if (button.id === "save-steps") { saveSteps("save-steps"); return; }
      var op = button.dataset.op;
      var row = button.closest("tr[data-i]");
      if (!op || !row) return;
      var i = Number(row.dataset.i);
      if (op === "up" && i > 0) {
        steps.splice(i - 1, 0, steps.splice(i, 1)[0]);
        setStepsDirty(true);
        renderSteps(null);
        focusOp(i - 1, "up");
        stepAnnounce("„" + (steps[i - 1].label || "Neuer Schritt") + "“ ist jetzt Schritt " + i + ".");
      } else if (op === "down" && i < steps.length - 1) {
        steps.splice(i + 1, 0, steps.splice(i, 1)[0]);
        setStepsDirty(true);
        renderSteps(null);
        focusOp(i + 1, "down");
        stepAnnounce("„" + (steps[i + 1].label || "Neuer Schritt") + "“ ist jetzt Schritt " + (i + 2) + ".");
      } else if (op === "delete") {
        var removed = steps.splice(i, 1)[0];
        var dropped = forgetStep(removed._key, i);
        setStepsDirty(true);
        renderSteps(null);
        if (steps.length) focusOp(Math.min(i, steps.length - 1), "delete");
        else document.getElementById("add-step").focus();
        stepAnnounce("Schritt „" + (removed.label || "ohne Bezeichnung") + "“ entfernt" +
          (dropped ? ", mit der Entscheidung danach" : "") + ". Zum Übernehmen „Schritte speichern“ wählen.");
      }
    });
  }

  function focusOp(i, op) {
    var row = editor.querySelector('tr[data-i="' + i + '"]');
    if (!row) return;
    var button = row.querySelector('button[data-op="' + op + '"]');
    if (!button || button.disabled) button = row.querySelector("button:not([disabled])");
    if (button) button.focus();
  }

  function stepsPayload() {
    var map = mapping();
    var out = [];
    for (var i = 0; i < steps.length; i++) {
      var s = steps[i];
      var label = (s.label || "").trim();
      if (!label) return { error: "Schritt " + (i + 1) + ": Bitte eine Bezeichnung eingeben.", focus: "st-" + i + "-label" };
      var minutes = null;
      if (s.minutes !== null && s.minutes !== undefined && String(s.minutes).trim() !== "") {
        minutes = Number(String(s.minutes).replace(",", "."));
        if (!isFinite(minutes) || minutes < 0) return { error: "Schritt " + (i + 1) + ": Die Minuten müssen eine Zahl ab 0 sein.", focus: "st-" + i + "-minutes" };
      }
      out.push({
        n: i + 1, label: label, kind: s.kind || "other",
        actor: (s.actor || "").trim() || null, it_system: (s.it_system || "").trim() || null,
        media_break: !!s.media_break, minutes: minutes, description: s.description || null,
        next_step: s._orig ? retarget(s.next_step, map) : null
      });
    }
    var problem = decisionsProblem();
    if (problem) return problem;
    // A jump to the directly following step is no jump.
    out.forEach(function (s) { if (s.next_step === s.n + 1 || s.next_step === s.n) s.next_step = null; });
    return { steps: out, decisions: currentDecisions() };
  }

  function saveSteps(buttonId) {
    if (busy) return;
    buttonId = buttonId || "save-steps";
    var payload = stepsPayload();
    if (payload.error) {
      fail(payload.error);
      var field = document.getElementById(payload.focus);
      if (field) field.focus();
      return;
    }
    var button = document.getElementById(buttonId);
    var label = button ? button.textContent : "";
    busy = true;
    if (button) { button.disabled = true; button.textContent = "Wird gespeichert …"; }
    PL.api("PATCH", base, payload).then(function (profile) {
      if (reopened(profile)) return;
      loadSteps(profile);
      setStepsDirty(false);
      renderSteps(buttonId);
      return afterSave(profile, buttonId === "save-decisions" ? "Entscheidungen gespeichert" : "Schritte gespeichert");
    }).catch(function (error) {
      failValidation(error);
    }).then(function () {
      busy = false;
      var again = document.getElementById(buttonId);
      if (again) { again.disabled = false; again.textContent = label; }
    });
  }

  // -- profile form --------------------------------------------------------------
  var form = document.getElementById("profile-form");
  if (form) {
    form.addEventListener("input", function () { profileDirty = true; });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      var changes = {};
      var problem = null;
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || problem) return;
        var raw = field.value;
        if (field.dataset.list) {
          changes[field.name] = raw.split("\n").map(function (v) { return v.trim(); }).filter(Boolean);
        } else if (field.name === "case_volume_per_year") {
          if (raw.trim() === "") changes[field.name] = null;
          else if (!/^\d+$/.test(raw.trim())) problem = [field, "Fälle pro Jahr: Bitte eine ganze Zahl ab 0 eingeben."];
          else changes[field.name] = parseInt(raw, 10);
        } else if (field.name === "minutes_per_case") {
          var value = Number(raw.replace(",", "."));
          if (raw.trim() === "") changes[field.name] = null;
          else if (!isFinite(value) || value < 0) problem = [field, "Minuten pro Fall: Bitte eine Zahl ab 0 eingeben."];
          else changes[field.name] = value;
        } else {
          changes[field.name] = raw.trim() || null;
        }
      });
      if (!problem && !changes.title) problem = [form.elements.title, "Bitte einen Titel eingeben."];
      if (problem) { fail(problem[1]); problem[0].setAttribute("aria-invalid", "true"); problem[0].focus(); return; }
      Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (f) { f.removeAttribute("aria-invalid"); });
      busy = true;
      var button = document.getElementById("save-profile");
      button.disabled = true;
      PL.api("PATCH", base, changes).then(function (profile) {
        profileDirty = false;
        if (reopened(profile)) return;
        document.getElementById("draft-title").textContent = profile.title;
        return afterSave(profile, "Steckbrief gespeichert");
      }).catch(function (error) { failValidation(error); }).then(function () { busy = false; button.disabled = false; });
    });
  }

  /** An approved profile whose model changed is back in review: reload so that the actions match the state. */
  function reopened(profile) {
    if (data.profile.state === "approved" && profile.state === "in_review") {
      stepsDirty = profileDirty = false;
      window.location.assign(window.location.pathname + "?erledigt=reopened");
      return true;
    }
    return false;
  }

  function afterSave(profile, what) {
    data.profile = profile;
    document.getElementById("draft-version").textContent = "Version " + profile.version;
    renderCommentSteps();
    return Promise.all([refreshAnalysis(), refreshVersions()]).then(function () {
      ok(what + " (Version " + profile.version + "). Diagramm und Kennzahlen sind aktualisiert.");
    }, function (error) {
      ok(what + " (Version " + profile.version + ").");
      fail(error.message);
    });
  }

  function refreshAnalysis() {
    return PL.fragment("/entwuerfe/" + data.id + "/analyse").then(function (html) {
      document.getElementById("analysis").innerHTML = html;  // server-rendered, escaped markup
    });
  }

  // -- comments --------------------------------------------------------------------
  var commentsBox = document.getElementById("comments");
  var commentForm = document.getElementById("comment-form");
  var commentStep = document.getElementById("comment-step");

  function stepName(n) {
    var step = (data.profile.steps || []).filter(function (s) { return s.n === n; })[0];
    return "Schritt " + n + (step ? " „" + step.label + "“" : "");
  }

  function renderCommentSteps() {
    if (!commentStep) return;
    var chosen = commentStep.value;
    commentStep.replaceChildren(el("option", { value: "", text: "den ganzen Entwurf" }));
    (data.profile.steps || []).forEach(function (s) {
      commentStep.appendChild(el("option", { value: String(s.n), selected: String(s.n) === chosen, text: "Schritt " + s.n + ": " + s.label }));
    });
  }

  function renderComments(focusId) {
    var list = data.comments || [];
    var open = list.filter(function (c) { return !c.resolved; }).length;
    var nodes = [el("p", { class: "hint", text: list.length ? open + " offen, " + (list.length - open) + " erledigt" : "Noch keine Kommentare." })];
    if (list.length) {
      nodes.push(el("ul", { class: "comment-list" }, list.map(function (c) {
        var about = c.step_n ? "zu " + stepName(c.step_n) : "zum ganzen Entwurf";
        var item = el("li", { class: "comment" + (c.resolved ? " resolved" : ""), id: "comment-" + c.id, tabindex: "-1" },
          el("p", { class: "meta" }, el("strong", { text: c.author || "–" }), " · " + PL.formatDate(c.created_at) + " · " + about),
          el("p", { class: "comment-text", text: c.text }));
        if (c.resolved) {
          item.appendChild(el("p", { class: "meta", text: "Erledigt" + (c.resolved_by ? " von " + c.resolved_by : "") + " am " + PL.formatDate(c.resolved_at) }));
        } else {
          item.appendChild(el("button", { type: "button", class: "secondary small", "data-resolve": String(c.id) },
            "Als erledigt markieren", el("span", { class: "sr-only", text: ": " + c.text.slice(0, 60) })));
        }
        return item;
      })));
    }
    commentsBox.replaceChildren.apply(commentsBox, nodes);
    if (focusId) { var target = document.getElementById("comment-" + focusId); if (target) target.focus(); }
  }

  if (commentsBox) {
    commentsBox.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-resolve]");
      if (!button) return;
      button.disabled = true;
      var id = button.dataset.resolve;
      PL.api("POST", base + "/comments/" + id + "/resolve").then(function (answer) {
        data.comments = answer.comments;
        renderComments(id);
        ok("Kommentar als erledigt markiert.");
      }, function (error) { button.disabled = false; fail(error.message); });
    });
  }
  if (commentForm) {
    commentForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = document.getElementById("comment-text");
      if (!text.value.trim()) { fail("Bitte schreiben Sie einen Kommentar."); text.focus(); return; }
      var body = { text: text.value.trim() };
      if (commentStep.value) body.step_n = Number(commentStep.value);
      var button = commentForm.querySelector("button[type=submit]");
      button.disabled = true;
      PL.api("POST", base + "/comments", body).then(function (answer) {
        data.comments = answer.comments;
        text.value = "";
        renderComments(answer.id);
        ok("Kommentar hinzugefügt.");
      }, function (error) { fail(error.message); }).then(function () { button.disabled = false; });
    });
  }

  // -- versions and diffs ------------------------------------------------------------
  var versionsBox = document.getElementById("versions");
  var diffForm = document.getElementById("diff-form");
  var diffFrom = document.getElementById("diff-from");
  var diffTo = document.getElementById("diff-to");
  var diffBox = document.getElementById("diff");

  function noteText(note) {
    if (!note) return "–";
    var match = /^Status: (\w+)$/.exec(note);
    return match ? "Status: " + (labels.states[match[1]] || match[1]) : note;
  }

  function statusText(event) {
    var text = "Status: " + (labels.states[event.state] || event.state);
    if (event.action === "profile.publish" && event.visibility) text += " (" + (labels.visibility[event.visibility] || event.visibility) + ")";
    if (event.action === "profile.reopen") text += " – Schritte oder Entscheidungen nach der Freigabe geändert";
    return text;
  }

  /** Versions (changes of the content) and status changes in one list, newest first; only versions have a number. */
  function historyRows() {
    var entries = (data.versions || []).map(function (v, i) { return { at: v.created_at, order: i, version: v }; })
      .concat((data.status_history || []).map(function (s, i) { return { at: s.created_at, order: i, status: s }; }));
    function instant(iso) {  // UTC; SQLite gives no zone designator (as in PL.formatDate)
      var t = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso || "") ? iso : iso + "Z");
      return isNaN(t) ? 0 : t;
    }
    entries.sort(function (a, b) {
      var ta = instant(a.at), tb = instant(b.at);
      if (ta !== tb) return ta - tb;
      if (!a.status !== !b.status) return a.status ? 1 : -1;  // a save that reopened the review: the version first
      return a.order - b.order;
    });
    return entries.reverse().map(function (entry) {
      var v = entry.version, s = entry.status;
      if (v) {
        return el("tr", null, el("th", { scope: "row", "data-label": "Version", text: String(v.version) }),
          el("td", { "data-label": "Zeitpunkt", text: PL.formatDate(v.created_at) }),
          el("td", { "data-label": "Von", text: v.author || "–" }),
          el("td", { "data-label": "Anlass", text: noteText(v.note) }));
      }
      return el("tr", { class: "status-event" },
        el("th", { scope: "row", "data-label": "Version" }, el("span", { "aria-hidden": "true", text: "–" }),
          el("span", { class: "sr-only", text: "Statuswechsel, keine neue Version" })),
        el("td", { "data-label": "Zeitpunkt", text: PL.formatDate(s.created_at) }),
        el("td", { "data-label": "Von", text: s.author || "–" }),
        el("td", { "data-label": "Anlass", text: statusText(s) }));
    });
  }

  function renderVersions() {
    var versions = data.versions || [];
    var count = document.getElementById("versions-count");
    if (count) count.textContent = "(" + versions.length + ")";
    var rows = historyRows();
    versionsBox.replaceChildren(el("div", { class: "table-wrap versions-wrap" }, el("table", { class: "stack list-table compact" },
      el("caption", { class: "sr-only", text: "Versionen und Statuswechsel dieses Entwurfs, neueste zuerst" }),
      el("thead", null, el("tr", null, ["Version", "Zeitpunkt", "Von", "Anlass"].map(function (h) { return el("th", { scope: "col", text: h }); }))),
      el("tbody", null, rows))));
    [diffFrom, diffTo].forEach(function (select, index) {
      select.replaceChildren.apply(select, versions.map(function (v) {
        return el("option", { value: String(v.version), text: "Version " + v.version });
      }));
      var last = versions.length ? versions[versions.length - 1].version : 1;
      select.value = String(index === 0 ? Math.max(1, last - 1) : last);
    });
    var single = versions.length < 2;
    Array.prototype.forEach.call(diffForm.elements, function (f) { f.disabled = single; });
  }

  function refreshVersions() {
    return PL.api("GET", base + "/versions").then(function (answer) { data.versions = answer.versions; renderVersions(); });
  }

  function show(value, field) {
    if (value === null || value === undefined || value === "") return "–";
    if (Array.isArray(value)) return value.length ? value.join(", ") : "–";
    if (field === "state") return labels.states[value] || value;
    if (field === "visibility") return labels.visibility[value] || value;
    if (field === "kind") return kindLabel[value] || value;
    if (typeof value === "boolean") return value ? "ja" : "nein";
    return String(value);
  }

  function renderDiff(diff) {
    var nodes = [el("h3", { text: "Unterschiede von Version " + diff.from + " zu Version " + diff.to })];
    if (diff.fields.length) {
      nodes.push(el("div", { class: "table-wrap" }, el("table", { class: "list-table compact diff-table" },
        el("caption", { class: "sr-only", text: "Geänderte Felder" }),
        el("thead", null, el("tr", null, ["Feld", "Vorher", "Nachher"].map(function (h) { return el("th", { scope: "col", text: h }); }))),
        el("tbody", null, diff.fields.map(function (f) {
          return el("tr", null, el("th", { scope: "row", text: labels.fields[f.field] || f.field }),
            el("td", null, el("del", { text: show(f.before, f.field) })), el("td", null, el("ins", { text: show(f.after, f.field) })));
        })))));
    }
    if (diff.steps.length) {
      nodes.push(el("ul", { class: "diff-steps" }, diff.steps.map(function (c) {
        if (c.change === "added") return el("li", { class: "added" }, el("strong", { text: "Neu: " }), "Schritt " + c.after.n + " „" + c.after.label + "“ (" + show(c.after.kind, "kind") + ")");
        if (c.change === "removed") return el("li", { class: "removed" }, el("strong", { text: "Entfernt: " }), "Schritt " + c.before.n + " „" + c.before.label + "“");
        if (c.change === "moved") return el("li", { class: "moved" }, el("strong", { text: "Verschoben: " }), "„" + c.label + "“ von Position " + c.from + " nach " + c.to);
        var details = c.fields.map(function (f) { return (labels.steps[f] || f) + ": " + show(c.before[f], f) + " → " + show(c.after[f], f); }).join("; ");
        return el("li", { class: "changed" }, el("strong", { text: "Geändert: " }), "Schritt " + c.after.n + " „" + c.after.label + "“ – " + details);
      })));
    }
    if (diff.decisions_changed) nodes.push(el("p", { text: "Die Entscheidungen haben sich geändert." }));
    if (!diff.fields.length && !diff.steps.length && !diff.decisions_changed) nodes.push(el("p", { class: "muted", text: "Keine inhaltlichen Unterschiede." }));
    diffBox.replaceChildren.apply(diffBox, nodes);
  }

  if (diffForm) {
    diffForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (diffFrom.value === diffTo.value) { diffBox.replaceChildren(el("p", { class: "muted", text: "Bitte zwei verschiedene Versionen wählen." })); return; }
      PL.api("GET", base + "/diff?from=" + encodeURIComponent(diffFrom.value) + "&to=" + encodeURIComponent(diffTo.value))
        .then(renderDiff, function (error) { fail(error.message); });
    });
  }

  // -- review actions ------------------------------------------------------------------
  // -- confirmation before approve, publish, reject, archive ---------------------------
  var dialog = document.getElementById("confirm-dialog");
  var CONFIRM = {
    approve: { title: "Entwurf freigeben?", ok: "Freigeben",
               text: "Nach der Freigabe kann der Prozess veröffentlicht werden. Ändern sich danach Schritte oder Entscheidungen, ist eine erneute Freigabe nötig." },
    publish: { title: "Prozess veröffentlichen?", ok: "Veröffentlichen", text: null },
    reject: { title: "Entwurf ablehnen?", ok: "Ablehnen", danger: true,
              text: "Ein abgelehnter Entwurf kann danach nicht mehr bearbeitet werden." },
    archive: { title: "Prozess archivieren?", ok: "Archivieren", danger: true,
               text: "Ein archivierter Prozess ist danach nicht mehr in der Suche." }
  };

  function openComments() {
    return (data.comments || []).filter(function (c) { return !c.resolved; });
  }

  /** Ask in a modal dialog; resolves true when confirmed. Open comments are counted and named. */
  function confirmAction(action, visibility) {
    var spec = CONFIRM[action];
    if (!spec) return Promise.resolve(true);
    var body = document.getElementById("confirm-body");
    var nodes = [];
    if (action === "publish") {
      nodes.push(el("p", null, "Sichtbar: ", el("strong", { text: visibility === "netzwerk" ? "im Netzwerk – alle Kommunen finden ihn in der Suche" : "nur intern – Ihre Kommune" }), "."));
      nodes.push(el("p", null, el("a", { href: data.preview_url + (visibility === "intern" ? "?sichtbarkeit=intern" : ""), target: "_blank", rel: "noopener" }, "Vorschau ansehen (neues Fenster)")));
    } else {
      nodes.push(el("p", { text: spec.text }));
    }
    var open = openComments();
    var okLabel = spec.ok;
    if (open.length && (action === "approve" || action === "publish")) {
      okLabel = "Trotzdem " + spec.ok.charAt(0).toLowerCase() + spec.ok.slice(1);
      nodes.push(el("div", { class: "flash warning", role: "note" },
        el("p", null, el("strong", { text: "Es gibt noch " + PL.counted(open.length, "offenen Kommentar", "offene Kommentare") + "." })),
        el("ul", null, open.slice(0, 3).map(function (c) {
          return el("li", { text: (c.step_n ? "Schritt " + c.step_n + ": " : "") + (c.text.length > 90 ? c.text.slice(0, 89) + "…" : c.text) });
        })),
        open.length > 3 ? el("p", { text: "… und " + PL.counted(open.length - 3, "weiterer", "weitere") + "." }) : null,
        el("p", { text: "Sie können die Kommentare vorher unter „Kommentare“ als erledigt markieren." })));
    }
    document.getElementById("confirm-h").textContent = spec.title;
    body.replaceChildren.apply(body, nodes);
    var okButton = document.getElementById("confirm-ok");
    okButton.textContent = okLabel;
    okButton.className = spec.danger ? "danger" : "";
    if (!dialog || typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(spec.title));
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        resolve(dialog.returnValue === "ok");
      });
      dialog.showModal();
      (spec.danger || open.length ? document.getElementById("confirm-cancel") : okButton).focus();
    });
  }
  document.querySelectorAll("button[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (busy) return;
      var action = button.dataset.action;
      if (stepsDirty || profileDirty) {
        fail("Sie haben ungespeicherte Änderungen. Bitte speichern Sie zuerst die Schritte bzw. den Steckbrief.");
        return;
      }
      var url, body;
      if (action === "submit") { url = base + "/submit"; }
      else if (action === "approve" || action === "request_changes" || action === "reject") {
        var comment = document.getElementById("review-comment");
        var text = comment ? comment.value.trim() : "";
        if (action === "request_changes" && !text) {
          fail("Bitte beschreiben Sie im Kommentar, was geändert werden soll.");
          comment.focus();
          return;
        }
        url = base + "/review";
        body = { decision: action };
        if (text) body.comment = text;
      } else if (action === "publish") {
        var chosen = document.querySelector('input[name="visibility"]:checked');
        url = base + "/publish";
        body = { visibility: chosen ? chosen.value : "intern" };
      } else if (action === "archive") { url = base + "/archive"; }
      confirmAction(action, body && body.visibility).then(function (confirmed) {
        if (!confirmed) { button.focus(); return; }
        run(action, url, body);
      });
    });
  });

  function run(action, url, body) {
    busy = true;
    document.querySelectorAll("button[data-action]").forEach(function (b) { b.disabled = true; });
    PL.api("POST", url, body).then(function () {
      window.location.assign(window.location.pathname + "?erledigt=" + action);
    }, function (error) {
      busy = false;
      document.querySelectorAll("button[data-action]").forEach(function (b) { b.disabled = false; });
      fail(error.message);
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (stepsDirty || profileDirty) { event.preventDefault(); event.returnValue = ""; }
  });

  // -- start ------------------------------------------------------------------------------
  loadSteps(data.profile);
  if (data.can_edit) renderSteps(null);
  renderCommentSteps();
  renderComments(null);
  renderVersions();
})();
