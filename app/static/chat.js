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
  var ACCEPT_TEMPLATE = "Ja, das passt so.";

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
  var pageTitle = document.getElementById("page-title");
  var pending = false;
  var lastOpenPoints = data.open_points || [];
  var draftTitle = null;

  // -- draft panel ------------------------------------------------------------
  function valueText(value) {
    if (Array.isArray(value)) return value.join(", ");
    if (typeof value === "number") return PL.formatNumber(value);
    return String(value);
  }

  function filled(value) {
    return !(value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length));
  }

  function renderDraft(draft, openPoints) {
    if (Array.isArray(openPoints)) lastOpenPoints = openPoints;
    var total = data.slot_total || 15;
    var done = Math.max(0, total - lastOpenPoints.length);
    progress.max = total;
    progress.value = done;
    progressLabel.textContent = "Erfasst: " + done + " von " + total + " Angaben";
    openPointsBox.textContent = lastOpenPoints.length ? "Noch offen: " + lastOpenPoints.join(", ") + "."
                                                     : "Alle Angaben sind erfasst.";

    var children = [];
    var title = draft.title && draft.title !== PLACEHOLDER_TITLE ? draft.title : "(noch ohne Namen)";
    children.push(el("p", { class: "draft-title" }, el("strong", { text: title })));
    var dl = el("dl", { class: "fields compact" });
    FIELDS.forEach(function (pair) {
      if (!filled(draft[pair[0]])) return;
      dl.appendChild(el("div", null, el("dt", { text: pair[1] }), el("dd", { text: valueText(draft[pair[0]]) })));
    });
    if (dl.childNodes.length) children.push(dl);

    children.push(el("h3", { text: "Arbeitsschritte (" + (draft.steps || []).length + ")" }));
    if (draft.steps && draft.steps.length) {
      var list = el("ol", { class: "draft-steps" });
      draft.steps.forEach(function (step) {
        var block = kinds[step.kind] || { label: step.kind, group: "" };
        var meta = [step.actor, step.it_system, step.media_break ? "Medienbruch" : null,
                    step.minutes !== null && step.minutes !== undefined ? PL.formatNumber(step.minutes) + " Min." : null]
          .filter(Boolean).join(" · ");
        list.appendChild(el("li", null,
          el("span", { class: "step-n", "aria-hidden": "true", text: String(step.n) }),
          el("div", { class: "step-body" },
            el("span", { class: "step-label", text: step.label }),
            el("span", { class: "kind grp-" + (GROUP_SLUGS[block.group] || "other"), text: block.label }),
            meta ? el("span", { class: "meta", text: meta }) : null)));
      });
      children.push(list);
    } else {
      children.push(el("p", { class: "muted", text: "Noch keine Schritte. Beschreiben Sie, was Sie der Reihe nach tun." }));
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
    draftBox.replaceChildren.apply(draftBox, children);
    if (draft.title && draft.title !== PLACEHOLDER_TITLE) {
      draftTitle = draft.title;
      if (pageTitle) pageTitle.textContent = draft.title;
      document.title = draft.title + " – Prozesslotse";
    }
  }

  // -- messages ---------------------------------------------------------------
  function offeredTitle(message) {
    if (!message || message.slot !== "confirm_template") return null;
    var found = (message.suggestions || []).filter(function (s) { return message.text.indexOf("„" + s.title + "“") >= 0; });
    return found.length ? found[0].title : "";
  }

  function removeAdoptButtons() {
    messages.querySelectorAll("button.adopt").forEach(function (b) { b.remove(); });
  }

  function messageNode(message) {
    var offered = message.role === "assistant" && data.can_write ? offeredTitle(message) : null;
    var node = el("div", { class: "msg msg-" + message.role },
      el("p", { class: "msg-who", text: message.role === "assistant" ? "Assistent" : "Sie" }),
      el("div", { class: "msg-text", text: message.text }));
    if (message.suggestions && message.suggestions.length) {
      var cards = el("ul", { class: "cards compact" });
      message.suggestions.forEach(function (s) {
        var card = el("li", { class: "card suggestion" },
          el("p", { class: "suggestion-title" }, el("a", { href: "/prozesse/" + s.id, target: "_blank", rel: "noopener", text: s.title })),
          el("p", { class: "meta", text: (s.municipality || "–") + (s.land ? " · " + s.land : "") }),
          s.snippet ? el("p", { class: "snippet", text: s.snippet }) : null);
        if (offered && offered === s.title) {
          card.appendChild(el("button", { type: "button", class: "adopt", "data-title": s.title },
            "Vorlage übernehmen", el("span", { class: "sr-only", text: ": " + s.title + " (" + (s.municipality || "") + ")" })));
        }
        cards.appendChild(card);
      });
      node.appendChild(el("div", { class: "suggestions" },
        el("p", { class: "suggestions-title", text: "Ähnliche Prozesse anderer Kommunen" }), cards));
    }
    if (offered === "") {  // the offered template is not among the cards: one button for the offer itself
      node.appendChild(el("button", { type: "button", class: "adopt" }, "Vorgeschlagene Vorlage übernehmen"));
    }
    return node;
  }

  function append(node) {
    messages.appendChild(node);
    messages.scrollTop = messages.scrollHeight;
    return node;
  }

  function setTyping(on) {
    if (typing) typing.hidden = !on;
    if (sendButton) sendButton.setAttribute("aria-disabled", on ? "true" : "false");
    if (finishButton) finishButton.disabled = on;
  }

  function deliver(text, clientId, bubble) {
    pending = true;
    setTyping(true);
    PL.show(errorBox, "");
    var url = "/api/interviews/" + data.id + "/messages";
    function attempt(n) {
      return PL.api("POST", url, { text: text, client_id: clientId }).then(function (answer) {
        pending = false;
        setTyping(false);
        bubble.classList.remove("failed");
        var note = bubble.querySelector(".failed-note");
        if (note) note.remove();
        removeAdoptButtons();
        append(messageNode(answer.reply));
        renderDraft(answer.draft, answer.open_points);
      }, function (error) {
        var retry = error.status === 0 || error.status >= 500 || error.status === 409 || error.status === 429;
        if (retry && n < 2) return PL.sleep(800 * (n + 1)).then(function () { return attempt(n + 1); });
        pending = false;
        setTyping(false);
        if (error.status === 400 || error.status === 422) {
          // Refused and not stored: give the text back for editing.
          bubble.remove();
          if (textarea && !textarea.value) textarea.value = text;
          PL.show(errorBox, error.message);
          if (textarea) textarea.focus();
          return;
        }
        bubble.classList.add("failed");
        var old = bubble.querySelector(".failed-note");
        if (old) old.remove();
        var again = el("button", { type: "button", class: "secondary small" }, "Erneut senden");
        again.addEventListener("click", function () {
          if (pending) return;
          deliver(text, clientId, bubble);  // the same client_id: the server answers it once
        });
        bubble.appendChild(el("p", { class: "failed-note" }, "Nicht gesendet. ", again));
        PL.show(errorBox, error.message);
      });
    }
    return attempt(0);
  }

  function send(text) {
    if (pending) return false;
    text = (text || "").trim();
    if (!text) {
      PL.show(errorBox, "Bitte schreiben Sie zuerst eine Nachricht.");
      return false;
    }
    var bubble = append(messageNode({ role: "clerk", text: text }));
    if (textarea) textarea.value = "";
    deliver(text, PL.uuid(), bubble);
    return true;
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
      PL.show(errorBox, error.message);
    });
  }

  // -- wiring -----------------------------------------------------------------
  renderDraft(data.draft, data.open_points);
  setTyping(false);
  messages.scrollTop = messages.scrollHeight;

  if (composer && textarea) {
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      send(textarea.value);
      textarea.focus();
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey && !event.isComposing) {
        event.preventDefault();
        send(textarea.value);
      }
    });
    textarea.focus();
  }
  messages.addEventListener("click", function (event) {
    var button = event.target.closest("button.adopt");
    if (!button || pending) return;
    if (send(ACCEPT_TEMPLATE)) removeAdoptButtons();
    if (textarea) textarea.focus();
  });
  if (finishButton) finishButton.addEventListener("click", finish);
})();
