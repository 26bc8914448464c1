/* The clerk's chat: send messages (Enter), show replies, keep the draft beside the chat up to date. */
(function () {
  "use strict";
  var PL = window.PL, el = PL.el;
  var data = PL.readJson("interview-data");
  if (!data) return;

  var GROUP_SLUGS = {
    "Informationsfluss": "info", "Medienwechsel": "medien", "Dokumentation": "doku",
    "Informationsbeschaffung und Koordination": "koord", "Inhaltliche Verwaltungsarbeit": "verw"
  };
  var FIELDS = [
    ["trigger", "Auslöser"], ["result", "Ergebnis"], ["customer", "Kunde"], ["org_unit", "Zuständige Stelle"],
    ["participants", "Beteiligte"], ["it_systems", "IT-Systeme"], ["documents", "Dokumente"],
    ["case_volume_per_year", "Fälle pro Jahr"], ["minutes_per_case", "Minuten pro Fall"],
    ["legal_basis", "Rechtsgrundlagen"], ["waiting", "Wartezeiten und Fristen"], ["exceptions", "Sonderfälle"],
    ["category", "Kategorie"]
  ];
  var PLACEHOLDER_TITLE = "Neuer Prozess";
  var MAX_CHARS = data.max_message_chars || 4000;
  var NEAR_LIMIT = Math.floor(MAX_CHARS * 0.9);

  var kinds = {};
  (data.kinds || []).forEach(function (k) { kinds[k.kind] = k; });

  var messages = document.getElementById("messages");
  var typing = document.querySelector("#typing .typing-inner");
  var errorBox = document.getElementById("chat-error");
  var composer = document.getElementById("composer");
  var textarea = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var finishButton = document.getElementById("finish");
  var finished = document.getElementById("finished");
  var draftBox = document.getElementById("draft");
  var progress = document.getElementById("progress");
  var progressLabel = document.getElementById("progress-label");
  var openPointsBox = document.getElementById("open-points");
  var declinedBox = document.getElementById("declined-points");
  var counter = document.getElementById("message-count");
  var pageTitle = document.getElementById("page-title");
  var pending = false;
  var lastOpenPoints = data.open_points || [];
  var lastDeclined = data.declined_points || [];
  var draftTitle = null;
  var currentDraft = data.draft;
  var canUndo = !!data.can_undo;
  var editing = null;  // null, "profile", a step index, or "new"
  var panelBusy = false;
  var draftStatus = document.getElementById("draft-status");
  var draftError = document.getElementById("draft-error");
  var currentQuestion = document.getElementById("current-question");
  var layout = document.getElementById("chat-app");
  var draftTab = document.getElementById("tab-draft");
  var UNSENT_KEY = "prozesslotse.nachricht." + data.id;
  // The slot of the last assistant question: sent as answer_to so the answer is filed where it was asked.
  var lastSlot = (data.messages || []).reduce(function (slot, m) { return m.role === "assistant" ? m.slot : slot; }, null);

  // -- draft panel ------------------------------------------------------------
  function valueText(value) {
    if (Array.isArray(value)) return value.join(", ");
    if (typeof value === "number") return PL.formatNumber(value);
    return String(value);
  }

  function filled(value) {
    return !(value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length));
  }

  /** Progress: a slot is done when it is not open; what the clerk said has nothing counts as done. */
  function renderProgress(openPoints, declined) {
    if (Array.isArray(openPoints)) lastOpenPoints = openPoints;
    if (Array.isArray(declined)) lastDeclined = declined;
    var total = data.slot_total || 15;
    var done = Math.max(0, total - lastOpenPoints.length);
    progress.max = total;
    progress.value = done;
    progressLabel.textContent = "Erfasst: " + done + " von " + total + " Angaben";
    if (lastOpenPoints.length) openPointsBox.textContent = "Noch offen: " + lastOpenPoints.join(", ") + ".";
    else openPointsBox.textContent = lastDeclined.length ? "Nichts mehr offen." : "Alle Angaben sind erfasst.";
    if (declinedBox) {
      declinedBox.textContent = lastDeclined.length ? "Ohne Angabe (laut Ihnen keine): " + lastDeclined.join(", ") + "." : "";
      declinedBox.hidden = !lastDeclined.length;
    }
  }

  function renderDraft(draft, openPoints, declined) {
    renderProgress(openPoints, declined);

    var children = [];
    var title = draft.title && draft.title !== PLACEHOLDER_TITLE ? draft.title : "(noch ohne Namen)";
    children.push(el("p", { class: "draft-title" }, el("strong", { text: title })));
    if (editing === "profile") {
      children.push(profileForm(draft));
    } else {
      var dl = el("dl", { class: "fields compact" });
      FIELDS.forEach(function (pair) {
        if (!filled(draft[pair[0]])) return;
        dl.appendChild(el("div", null, el("dt", { text: pair[1] }), el("dd", { text: valueText(draft[pair[0]]) })));
      });
      if (dl.childNodes.length) children.push(dl);
      if (data.can_write) children.push(el("p", { class: "panel-actions" },
        el("button", { type: "button", class: "secondary small", id: "edit-profile", "data-op": "profile" }, "Angaben bearbeiten")));
    }

    children.push(el("h3", { text: "Arbeitsschritte (" + (draft.steps || []).length + ")" }));
    if (draft.steps && draft.steps.length) {
      var list = el("ol", { class: "draft-steps" });
      draft.steps.forEach(function (step, i) {
        if (editing === i) { list.appendChild(el("li", { class: "editing" }, stepForm(step, i))); return; }
        var block = kinds[step.kind] || { label: step.kind, group: "" };
        var meta = [step.actor, step.it_system, step.media_break ? "Medienbruch" : null,
                    step.minutes !== null && step.minutes !== undefined ? PL.formatNumber(step.minutes) + " Min." : null]
          .filter(Boolean).join(" · ");
        list.appendChild(el("li", { "data-i": String(i) },
          el("span", { class: "step-n", "aria-hidden": "true", text: String(step.n) }),
          el("div", { class: "step-body" },
            el("span", { class: "step-label", text: step.label }),
            el("span", { class: "kind grp-" + (GROUP_SLUGS[block.group] || "other"), text: block.label }),
            meta ? el("span", { class: "meta", text: meta }) : null,
            data.can_write ? stepTools(step, i, draft.steps.length) : null)));
      });
      children.push(list);
    } else {
      children.push(el("p", { class: "muted", text: "Noch keine Schritte. Beschreiben Sie, was Sie der Reihe nach tun." }));
    }
    if (data.can_write) {
      if (editing === "new") children.push(stepForm({ label: "", kind: "other", actor: null, it_system: null, minutes: null, media_break: false }, "new"));
      else children.push(el("p", { class: "panel-actions" }, el("button", { type: "button", class: "secondary small", id: "add-step", "data-op": "add" }, "Schritt hinzufügen")));
    }
    if (draft.decisions && draft.decisions.length) {
      children.push(el("h3", { text: "Entscheidungen" }));
      var decisions = el("ul", { class: "decisions" });
      draft.decisions.forEach(function (d) {
        var branches = d.branches.map(function (b) {
          return b.condition + " → " + (b.goto_step ? "Schritt " + b.goto_step : "Ende");
        }).join("; ");
        decisions.appendChild(el("li", null, "Nach Schritt " + d.after_step + ": ", el("strong", { text: d.question }),
                                 " (" + branches + ")"));
      });
      children.push(decisions);
    }
    if (data.can_write && canUndo) {
      children.unshift(el("p", { class: "panel-actions undo-row" },
        el("button", { type: "button", class: "secondary small", id: "undo", "data-op": "undo" }, "Letzte Änderung rückgängig")));
    }
    currentDraft = draft;
    draftBox.replaceChildren.apply(draftBox, children);
    if (draftTab) draftTab.textContent = "Entwurf (" + PL.counted((draft.steps || []).length, "Schritt", "Schritte") + ")";
    if (draft.title && draft.title !== PLACEHOLDER_TITLE) {
      draftTitle = draft.title;
      if (pageTitle) pageTitle.textContent = draft.title;
      document.title = draft.title + " – Prozesslotse";
    }
  }

  // -- editing the draft in the panel (PATCH /api/interviews/<id>/draft) -------------------
  function stepTools(step, i, count) {
    var name = " Schritt " + step.n + ": " + step.label;
    return el("span", { class: "step-tools" },
      el("button", { type: "button", class: "link-button", "data-op": "edit", "data-i": String(i) }, "Bearbeiten", el("span", { class: "sr-only", text: name })),
      el("button", { type: "button", class: "link-button", "data-op": "up", "data-i": String(i), disabled: i === 0, "aria-label": "Nach oben:" + name }, "↑"),
      el("button", { type: "button", class: "link-button", "data-op": "down", "data-i": String(i), disabled: i === count - 1, "aria-label": "Nach unten:" + name }, "↓"),
      el("button", { type: "button", class: "link-button danger-link", "data-op": "delete", "data-i": String(i) }, "Löschen", el("span", { class: "sr-only", text: name })));
  }

  function field(id, label, control) {
    return el("div", { class: "panel-field" }, el("label", { for: id, text: label }), control);
  }

  function stepForm(step, i) {
    var p = "ps-" + i + "-";
    var select = el("select", { id: p + "kind", name: "kind" });
    var groups = {};
    (data.kinds || []).forEach(function (k) {
      if (!groups[k.group]) { groups[k.group] = el("optgroup", { label: k.group }); select.appendChild(groups[k.group]); }
      groups[k.group].appendChild(el("option", { value: k.kind, selected: k.kind === step.kind, text: k.label }));
    });
    return el("form", { class: "panel-form step-form", "data-form": "step", "data-i": String(i), novalidate: true },
      el("p", { class: "panel-form-title", text: i === "new" ? "Neuer Schritt" : "Schritt " + step.n + " bearbeiten" }),
      field(p + "label", "Bezeichnung", el("input", { id: p + "label", name: "label", maxlength: "300", value: step.label || "" })),
      field(p + "kind", "Baustein", select),
      field(p + "actor", "Zuständig", el("input", { id: p + "actor", name: "actor", maxlength: "300", value: step.actor || "" })),
      field(p + "it_system", "IT-System", el("input", { id: p + "it_system", name: "it_system", maxlength: "300", value: step.it_system || "" })),
      field(p + "minutes", "Minuten", el("input", { id: p + "minutes", name: "minutes", inputmode: "decimal", value: step.minutes === null || step.minutes === undefined ? "" : String(step.minutes).replace(".", ",") })),
      el("div", { class: "radio" }, el("input", { type: "checkbox", id: p + "media_break", name: "media_break", checked: !!step.media_break }),
        el("label", { for: p + "media_break", text: "Medienbruch (Papier ↔ digital)" })),
      el("div", { class: "button-row" }, el("button", { type: "submit" }, "Übernehmen"),
        el("button", { type: "button", class: "secondary", "data-op": "cancel" }, "Abbrechen")));
  }

  var PROFILE_FIELDS = [["title", "Name des Prozesses", "input"], ["trigger", "Auslöser", "textarea"], ["result", "Ergebnis", "textarea"],
    ["customer", "Kunde", "input"], ["org_unit", "Zuständige Stelle", "input"], ["participants", "Beteiligte", "list"],
    ["it_systems", "IT-Systeme", "list"], ["documents", "Dokumente", "list"], ["legal_basis", "Rechtsgrundlagen", "list"],
    ["case_volume_per_year", "Fälle pro Jahr", "number"], ["minutes_per_case", "Minuten pro Fall", "number"]];

  function profileForm(draft) {
    var form = el("form", { class: "panel-form", "data-form": "profile", novalidate: true },
      el("p", { class: "panel-form-title", text: "Angaben bearbeiten" }));
    PROFILE_FIELDS.forEach(function (f) {
      var id = "pf-" + f[0], value = draft[f[0]];
      if (f[0] === "title" && value === PLACEHOLDER_TITLE) value = "";
      var control;
      if (f[2] === "list") control = el("textarea", { id: id, name: f[0], rows: "2", "aria-describedby": "pf-list-hint" });
      else if (f[2] === "textarea") control = el("textarea", { id: id, name: f[0], rows: "2", maxlength: "2000" });
      else control = el("input", { id: id, name: f[0], maxlength: "300", inputmode: f[2] === "number" ? "decimal" : null });
      control.value = Array.isArray(value) ? value.join("\n") : (value === null || value === undefined ? "" : String(value));
      form.appendChild(field(id, f[1], control));
    });
    form.appendChild(el("p", { class: "hint", id: "pf-list-hint", text: "Bei Beteiligten, IT-Systemen, Dokumenten und Rechtsgrundlagen: eine Angabe pro Zeile." }));
    form.appendChild(el("div", { class: "button-row" }, el("button", { type: "submit" }, "Übernehmen"),
      el("button", { type: "button", class: "secondary", "data-op": "cancel" }, "Abbrechen")));
    return form;
  }

  function numberOrNull(text, label) {
    text = String(text || "").trim().replace(/\./g, "").replace(",", ".");
    if (!text) return null;
    var n = Number(text);
    if (!isFinite(n) || n < 0) throw new Error(label + ": Bitte eine Zahl ab 0 eingeben.");
    return n;
  }

  function stepsCopy() { return (currentDraft.steps || []).map(function (s) { return Object.assign({}, s); }); }

  function patchDraft(changes, done, focusId) {
    if (panelBusy) return;
    panelBusy = true;
    PL.show(draftError, "");
    PL.api("PATCH", "/api/interviews/" + data.id + "/draft", changes).then(function (answer) {
      panelBusy = false;
      editing = null;
      applyAnswer(answer, done, focusId);
    }, function (error) {
      panelBusy = false;
      PL.show(draftError, error);
    });
  }

  function applyAnswer(answer, done, focusId) {
    canUndo = !!answer.can_undo;
    renderDraft(answer.draft, answer.open_points);
    PL.show(draftStatus, done);
    var target = focusId && document.getElementById(focusId);
    if (target) target.focus();
  }

  function undo() {
    if (panelBusy) return;
    panelBusy = true;
    PL.api("POST", "/api/interviews/" + data.id + "/draft/undo").then(function (answer) {
      panelBusy = false;
      editing = null;
      applyAnswer(answer, "Die letzte Änderung ist rückgängig gemacht.", "draft-h");
    }, function (error) { panelBusy = false; PL.show(draftError, error); });
  }

  function startEditing(what, focusId) {
    editing = what;
    PL.show(draftError, "");
    renderDraft(currentDraft);
    var target = document.getElementById(focusId);
    if (target) target.focus();
  }

  function submitStep(form) {
    var i = form.dataset.i;
    var get = function (name) { return form.elements[name]; };
    var label = get("label").value.trim();
    var minutes;
    try { minutes = numberOrNull(get("minutes").value, "Minuten"); } catch (e) { PL.show(draftError, e.message); get("minutes").focus(); return; }
    if (!label) { PL.show(draftError, "Bitte eine Bezeichnung für den Schritt eingeben."); get("label").focus(); return; }
    var values = { label: label, kind: get("kind").value, actor: get("actor").value.trim() || null,
                   it_system: get("it_system").value.trim() || null, minutes: minutes, media_break: get("media_break").checked };
    var steps = stepsCopy();
    if (i === "new") { steps.push(values); patchDraft({ steps: steps }, "Schritt " + steps.length + " „" + label + "“ hinzugefügt.", "add-step"); }
    else { Object.assign(steps[Number(i)], values); patchDraft({ steps: steps }, "Schritt " + (Number(i) + 1) + " gespeichert.", "draft-h"); }
  }

  function submitProfile(form) {
    var changes = {};
    try {
      PROFILE_FIELDS.forEach(function (f) {
        var raw = form.elements[f[0]].value;
        if (f[2] === "list") changes[f[0]] = raw.split("\n").map(function (v) { return v.trim(); }).filter(Boolean);
        else if (f[2] === "number") changes[f[0]] = numberOrNull(raw, f[1]);
        else changes[f[0]] = raw.trim() || null;
      });
    } catch (e) { PL.show(draftError, e.message); return; }
    if (!changes.title) changes.title = currentDraft.title || PLACEHOLDER_TITLE;
    if (changes.case_volume_per_year !== null) changes.case_volume_per_year = Math.round(changes.case_volume_per_year);
    patchDraft(changes, "Angaben gespeichert.", "edit-profile");
  }

  function panelClick(event) {
    var button = event.target.closest("button[data-op]");
    if (!button || !draftBox.contains(button)) return;
    var op = button.dataset.op, i = Number(button.dataset.i);
    if (op === "cancel") { editing = null; renderDraft(currentDraft); PL.show(draftError, ""); return; }
    if (op === "undo") { undo(); return; }
    if (op === "add") { startEditing("new", "ps-new-label"); return; }
    if (op === "profile") { startEditing("profile", "pf-title"); return; }
    if (op === "edit") { startEditing(i, "ps-" + i + "-label"); return; }
    var steps = stepsCopy();
    if (op === "up" || op === "down") {
      var j = op === "up" ? i - 1 : i + 1;
      steps.splice(j, 0, steps.splice(i, 1)[0]);
      patchDraft({ steps: steps }, "„" + steps[j].label + "“ ist jetzt Schritt " + (j + 1) + ".", null);
    } else if (op === "delete") {
      var removed = steps.splice(i, 1)[0];
      patchDraft({ steps: steps }, "Schritt „" + removed.label + "“ gelöscht. „Letzte Änderung rückgängig“ holt ihn zurück.", "draft-h");
    }
  }

  function panelSubmit(event) {
    var form = event.target.closest("form[data-form]");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.form === "profile") submitProfile(form); else submitStep(form);
  }

  // -- messages ---------------------------------------------------------------
  /** The chat message a card's button sends; the engine reads the title and the town (engine.chosen_card). */
  function templateMessage(title, town) {
    return "Ich nehme die Vorlage „" + title + "“" + (town ? " aus " + town : "") + ".";
  }

  /** Every card of the latest message can be taken as the template; the button says which one. */
  function adoptButton(title, town) {
    return el("button", { type: "button", class: "adopt secondary small", "data-title": title, "data-town": town,
                          "aria-label": "Als Vorlage nehmen: „" + title + "“" + (town ? " aus " + town : "") },
      "Als Vorlage nehmen");
  }

  // Cards offered for choosing; bumped when the clerk answers, so late look-ups add no buttons to old messages.
  var cardRound = 0;

  function stepsText(n) { return PL.counted(n, "Arbeitsschritt", "Arbeitsschritte"); }

  /** A card whose number of steps is known: shown with it (and, on the latest message, with its button),
      or left out when the process has no steps – it could not serve as a template. */
  function settleCard(card, n, offer) {
    var block = card.closest(".suggestions");
    if (n === 0) {
      card.remove();
      if (block && !block.querySelector("li.suggestion")) block.remove();
      return;
    }
    if (n !== null && !card.querySelector(".card-steps")) {
      card.querySelector(".suggestion-main").appendChild(el("p", { class: "card-steps", text: stepsText(n) }));
    }
    if (offer) card.appendChild(adoptButton(card.dataset.title, card.dataset.town || ""));
    card.hidden = false;
    if (block) block.hidden = false;
  }

  /** The cards of a message: those of a new reply are hidden until it is known that their process has
      steps (the page's own cards know it already); the latest message's cards get their buttons. */
  function offerCards(node, latest) {
    if (!node) return;
    var round = ++cardRound;
    var offer = !!latest && data.can_write;
    var lookups = [];
    node.querySelectorAll("li.suggestion[data-id]").forEach(function (card) {
      if (card.dataset.steps !== undefined) { settleCard(card, Number(card.dataset.steps), offer); return; }
      // Answered meanwhile: the card is still shown, but an old message gets no button.
      lookups.push(PL.api("GET", "/api/processes/" + encodeURIComponent(card.dataset.id)).then(function (profile) {
        settleCard(card, (profile && profile.steps || []).length, offer && round === cardRound);
      }, function () {
        settleCard(card, null, offer && round === cardRound);  // not known: shown, the assistant will say
      }));
    });
    // data-cards="settled" once every card is shown or left out (what the browser tests wait for).
    if (!lookups.length) { node.dataset.cards = "settled"; return; }
    Promise.all(lookups).then(function () {
      node.dataset.cards = "settled";
      if (messages.lastElementChild === node) reveal(node);
    });
  }

  /** Once the clerk has answered, the buttons of older messages go (the cards stay as links). */
  function removeAdoptButtons() {
    cardRound++;
    messages.querySelectorAll("button.adopt").forEach(function (b) { b.remove(); });
  }

  /** A compact line per card; the snippet behind "Details" (the same markup as _message.html). */
  function suggestionCard(s) {
    return el("li", { class: "suggestion", "data-id": String(s.id), "data-title": s.title, "data-town": s.municipality || "",
                      hidden: true },
      el("div", { class: "suggestion-main" },
        el("p", { class: "suggestion-title" }, el("a", { href: "/prozesse/" + s.id, target: "_blank", rel: "noopener", text: s.title })),
        el("p", { class: "meta", text: (s.municipality || "–") + (s.land ? " · " + s.land : "") })),
      s.snippet ? el("details", { class: "suggestion-details" },
        el("summary", null, "Details", el("span", { class: "sr-only", text: " zu „" + s.title + "“" })),
        el("p", { class: "snippet", text: s.snippet })) : null);
  }

  function messageNode(message) {
    var node = el("div", { class: "msg msg-" + message.role },
      el("p", { class: "msg-who", text: message.role === "assistant" ? "Assistent" : "Sie" }),
      el("div", { class: "msg-text", text: message.text }));
    if (message.suggestions && message.suggestions.length) {
      node.appendChild(el("div", { class: "suggestions", hidden: true },
        el("p", { class: "suggestions-title", text: "Ähnliche Prozesse anderer Kommunen" }),
        el("ul", { class: "suggestion-list" }, message.suggestions.map(suggestionCard))));
    }
    return node;
  }

  function append(node) {
    messages.appendChild(node);
    messages.scrollTop = messages.scrollHeight;
    return node;
  }

  /** Show the newest message from below, but never so far down that the end of its text – the question –
      leaves the view: when its cards are taller than the room below the text, the text's last lines stay. */
  function reveal(node) {
    messages.scrollTop = messages.scrollHeight;
    var text = node && node.querySelector(".msg-text");
    if (!text) return;
    var box = messages.getBoundingClientRect(), end = text.getBoundingClientRect();
    var room = Math.min(end.height, box.height * 0.45);  // this much of the text's end is kept in view
    if (end.bottom - room < box.top) messages.scrollTop -= box.top - (end.bottom - room);
  }

  function revealLatest() {
    var last = messages.lastElementChild;
    if (last && last.classList.contains("msg-assistant")) reveal(last); else messages.scrollTop = messages.scrollHeight;
  }

  /** On phones the latest question stays visible above the message box (see app.css). */
  function showQuestion(text) {
    if (!currentQuestion) return;
    if (!text) {
      var all = messages.querySelectorAll(".msg-assistant .msg-text");
      text = all.length ? all[all.length - 1].textContent : "";
    }
    currentQuestion.textContent = text;
    currentQuestion.hidden = !text;
    watchLatest();
  }

  // The question is repeated above the box only while the end of the latest assistant message's text – the
  // question – is out of view (on a phone the keyboard pushes it away; a long text or the cards below it do
  // not count); app.css shows it only below 700 px, scrolled to its end.
  var watcher = null;
  function watchLatest() {
    if (!currentQuestion || !("IntersectionObserver" in window)) return;
    var all = messages.querySelectorAll(".msg-assistant .msg-text");
    if (!all.length) return;
    var text = all[all.length - 1];
    var end = text.querySelector(".question-end") || text.appendChild(el("span", { class: "question-end", "aria-hidden": "true" }));
    if (watcher) watcher.disconnect();
    watcher = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        currentQuestion.classList.toggle("in-view", entry.isIntersecting);
        if (!entry.isIntersecting) currentQuestion.scrollTop = currentQuestion.scrollHeight;
      });
    });
    watcher.observe(end);
  }

  function keepUnsent(text) {
    try { if (text) window.localStorage.setItem(UNSENT_KEY, text); else window.localStorage.removeItem(UNSENT_KEY); }
    catch (e) { /* storage full or disabled: the text just is not kept */ }
  }

  function unsent() {
    try { return window.localStorage.getItem(UNSENT_KEY) || ""; } catch (e) { return ""; }
  }

  function setTyping(on) {
    if (typing) typing.hidden = !on;
    if (sendButton) sendButton.setAttribute("aria-disabled", on ? "true" : "false");
    if (finishButton) finishButton.disabled = on;
  }

  function deliver(text, clientId, bubble, answerTo, typed) {
    pending = true;
    setTyping(true);
    PL.show(errorBox, "");
    var url = "/api/interviews/" + data.id + "/messages";
    function attempt(n) {
      var body = { text: text, client_id: clientId };
      if (answerTo) body.answer_to = answerTo;
      return PL.api("POST", url, body).then(function (answer) {
        pending = false;
        setTyping(false);
        bubble.classList.remove("failed");
        var note = bubble.querySelector(".failed-note");
        if (note) note.remove();
        removeAdoptButtons();
        var reply = append(messageNode(answer.reply));
        reveal(reply);
        offerCards(reply, true);
        lastSlot = answer.reply.slot || null;
        showQuestion(answer.reply.text);
        canUndo = false;  // the conversation's answer is now the last change
        if (editing === null) renderDraft(answer.draft, answer.open_points, answer.declined_points);
        else { currentDraft = answer.draft; renderProgress(answer.open_points, answer.declined_points); }
      }, function (error) {
        var retry = error.status === 0 || error.status >= 500 || error.status === 409 || error.status === 429;
        if (retry && n < 2) return PL.sleep(800 * (n + 1)).then(function () { return attempt(n + 1); });
        pending = false;
        setTyping(false);
        if (error.status === 401 && textarea && !textarea.value) {
          keepUnsent(text);  // after signing in again the text is back in the box
        }
        if (error.status === 400 || error.status === 422) {
          // Refused and not stored (e.g. too long): the text goes back into the box exactly as typed.
          bubble.remove();
          if (textarea && typed !== undefined) {
            var meanwhile = textarea.value.trim();
            textarea.value = meanwhile && meanwhile !== typed.trim() ? typed + "\n\n" + textarea.value : typed;
            keepUnsent(textarea.value);
            updateCounter();
          }
          PL.show(errorBox, error);
          if (textarea) textarea.focus();
          return;
        }
        bubble.classList.add("failed");
        var old = bubble.querySelector(".failed-note");
        if (old) old.remove();
        var again = el("button", { type: "button", class: "secondary small" }, "Erneut senden");
        again.addEventListener("click", function () {
          if (pending) return;
          deliver(text, clientId, bubble, answerTo, typed);  // the same client_id: the server answers it once
        });
        bubble.appendChild(el("p", { class: "failed-note" }, "Nicht gesendet. ", again));
        PL.show(errorBox, error);
      });
    }
    return attempt(0);
  }

  /** Send a message; ``fromBox``: it is the typed text, so the box is emptied (and refilled if refused). */
  function send(text, fromBox) {
    if (pending) return false;
    var typed = fromBox ? text : undefined;
    text = (text || "").trim();
    if (!text) {
      PL.show(errorBox, "Bitte schreiben Sie zuerst eine Nachricht.");
      return false;
    }
    var bubble = append(messageNode({ role: "clerk", text: text }));
    if (fromBox && textarea) {
      textarea.value = "";
      keepUnsent("");
      updateCounter();
    }
    deliver(text, PL.uuid(), bubble, lastSlot, typed);
    return true;
  }

  /** "123 von 4000 Zeichen" under the box; a warning near and over the limit. */
  function updateCounter() {
    if (!counter || !textarea) return;
    var n = textarea.value.length;
    var over = n > MAX_CHARS;
    var text = PL.formatNumber(n) + " von " + PL.formatNumber(MAX_CHARS) + " Zeichen";
    if (over) text += " – " + PL.formatNumber(n - MAX_CHARS) + " zu viel, bitte kürzen.";
    else if (n >= NEAR_LIMIT) text += " – bald ist die Grenze erreicht.";
    if (counter.textContent !== text) counter.textContent = text;
    counter.classList.toggle("near", n >= NEAR_LIMIT && !over);
    counter.classList.toggle("over", over);
    if (over) textarea.setAttribute("aria-invalid", "true"); else textarea.removeAttribute("aria-invalid");
  }

  // -- finishing --------------------------------------------------------------
  function showFinished(draftId, submitted, error) {
    var link = "/entwuerfe/" + draftId;
    var named = draftTitle ? "Der Entwurf „" + draftTitle + "“" : "Ihr Entwurf";
    var parts = [el("h3", { text: submitted ? "Zur Prüfung gegeben" : "Entwurf angelegt" })];
    if (submitted) {
      parts.push(el("p", { text: "Danke! " + named + " liegt jetzt bei der Prozessmodellierung Ihrer Kommune (Status: in Prüfung)." }));
    } else {
      parts.push(el("p", { text: named + " ist angelegt, aber noch nicht zur Prüfung gegeben: " + (error ? error.message : "") +
                                 " Sie können ihn auf der Entwurfsseite zur Prüfung geben." }));
    }
    parts.push(el("ul", { class: "plain links" },
      el("li", null, el("a", { href: link, text: "Entwurf ansehen" })),
      el("li", null, el("a", { href: "/meine", text: "Meine Interviews und Entwürfe" })),
      el("li", null, el("a", { href: "/erfassen", text: "Weiteren Prozess erfassen" }))));
    finished.replaceChildren.apply(finished, parts);
    finished.hidden = false;
    if (composer) composer.remove();
    var finishBox = finishButton && finishButton.closest(".finish");
    if (finishBox) finishBox.remove();
    removeAdoptButtons();
    data.can_write = false;
    editing = null;
    renderDraft(currentDraft);  // without the edit tools: a draft in review is changed on its own page
    var status = document.getElementById("interview-status");
    if (status) status.textContent = "abgeschlossen";
    finished.focus();
    finished.scrollIntoView({ block: "nearest" });
  }

  function finish() {
    if (pending) return;
    pending = true;
    finishButton.disabled = true;
    finishButton.textContent = "Wird übergeben …";
    PL.show(errorBox, "");
    var draftId = null;
    PL.api("POST", "/api/interviews/" + data.id + "/finish").then(function (answer) {
      draftId = answer.draft_id;
      return PL.api("POST", "/api/drafts/" + draftId + "/submit").then(function () { return true; }, function (error) {
        if (error.status === 409) return true;  // already in review
        throw error;
      });
    }).then(function () {
      pending = false;
      showFinished(draftId, true);
    }, function (error) {
      pending = false;
      if (draftId) { showFinished(draftId, false, error); return; }
      finishButton.disabled = false;
      finishButton.textContent = "Fertig – zur Prüfung geben";
      PL.show(errorBox, error);
    });
  }

  // -- wiring -----------------------------------------------------------------
  renderDraft(data.draft, data.open_points, data.declined_points);
  var latest = messages.lastElementChild;
  if (latest && latest.classList.contains("msg-assistant")) offerCards(latest, true);
  setTyping(false);
  revealLatest();
  showQuestion(null);
  draftBox.addEventListener("click", panelClick);
  draftBox.addEventListener("submit", panelSubmit);

  // Phones: chat and draft are two views with a switch (app.css hides the other one below 700 px).
  document.querySelectorAll("button[data-view]").forEach(function (button) {
    button.addEventListener("click", function () {
      layout.dataset.view = button.dataset.view;
      document.querySelectorAll("button[data-view]").forEach(function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
      if (button.dataset.view === "chat") revealLatest();
    });
  });

  if (composer && textarea) {
    if (!textarea.value) textarea.value = unsent();
    updateCounter();
    textarea.addEventListener("input", function () { keepUnsent(textarea.value); updateCounter(); });
    // Text typed before this script ran (slow page) is kept too when the page goes away.
    // Only ever adds: a refused message put back for after signing in must not be cleared here.
    window.addEventListener("pagehide", function () { if (textarea.value) keepUnsent(textarea.value); });
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      send(textarea.value, true);
      textarea.focus();
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey && !event.isComposing) {
        event.preventDefault();
        send(textarea.value, true);
      }
    });
    textarea.focus();
  }
  messages.addEventListener("click", function (event) {
    var button = event.target.closest("button.adopt");
    if (!button || pending) return;
    // Through the normal send path: the chat shows exactly what was chosen, and the box keeps what is typed there.
    if (send(templateMessage(button.dataset.title, button.dataset.town))) removeAdoptButtons();
    if (textarea) textarea.focus();
  });
  if (finishButton) finishButton.addEventListener("click", finish);
})();
