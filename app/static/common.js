/* Prozesslotse: small helpers shared by the pages (no dependencies). */
(function () {
  "use strict";
  var PL = (window.PL = window.PL || {});

  PL.csrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };

  /** An error with a German message for the user; ``status`` 0 means no connection. */
  function ApiError(message, status, problem) {
    this.name = "ApiError";
    this.message = message;
    this.status = status;
    this.problem = problem || null;
  }
  ApiError.prototype = Object.create(Error.prototype);
  PL.ApiError = ApiError;

  /** Call the JSON API with the session cookie and the CSRF header; rejects with an ApiError. */
  PL.api = function (method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": PL.csrfToken() }
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(
      function (response) {
        var type = response.headers.get("Content-Type") || "";
        var parse = type.indexOf("json") >= 0 ? response.json().catch(function () { return null; })
                                               : Promise.resolve(null);
        return parse.then(function (data) {
          if (response.ok) return data;
          var detail = data && (data.detail || data.title);
          if (!detail) {
            detail = response.status >= 500
              ? "Der Server hat einen Fehler gemeldet (HTTP " + response.status + "). Bitte versuchen Sie es in Kürze erneut."
              : "Die Anfrage wurde abgelehnt (HTTP " + response.status + ").";
          }
          if (response.status === 401) detail = PL.SESSION_EXPIRED;  // one sentence; PL.show adds the link
          throw new ApiError(detail, response.status, data);
        });
      },
      function () {
        throw new ApiError("Keine Verbindung zum Server. Bitte prüfen Sie die Netzwerkverbindung und versuchen Sie es erneut.", 0);
      }
    );
  };

  /** Fetch an HTML fragment of a page (same session). */
  PL.fragment = function (url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (response) {
      if (!response.ok) throw new ApiError("Die Ansicht konnte nicht aktualisiert werden (HTTP " + response.status + ").", response.status);
      return response.text();
    }, function () {
      throw new ApiError("Keine Verbindung zum Server. Die Ansicht konnte nicht aktualisiert werden.", 0);
    });
  };

  /** Create an element: el("p", {class: "x"}, "text", child, ...). Text is never parsed as HTML. */
  PL.el = function (tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = value;
        else if (key === "dataset") Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
        else if (value === true) node.setAttribute(key, "");
        else node.setAttribute(key, value);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) child.forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
      else node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  };

  /** A v4 UUID; crypto.randomUUID needs a secure context, getRandomValues does not. */
  PL.uuid = function () {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      try { return window.crypto.randomUUID(); } catch (e) { /* fall through */ }
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  };

  PL.readJson = function (id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  };

  PL.formatDate = function (iso) {
    if (!iso) return "–";
    // Times are UTC; SQLite returns them without a zone designator.
    var date = new Date(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : iso + "Z");
    if (isNaN(date.getTime())) return iso;
    var options = { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Berlin" };
    try { return date.toLocaleString("de-DE", options); } catch (e) { delete options.timeZone; return date.toLocaleString("de-DE", options); }
  };

  /** "1 Schritt", "2 Schritte": the browser twin of app/domain/wording.py::counted. */
  PL.counted = function (n, singular, plural) {
    return PL.formatNumber(n) + " " + (Number(n) === 1 ? singular : plural);
  };

  /** Capitalise only the first letter ("in Prüfung" -> "In Prüfung"). */
  PL.sentenceStart = function (text) {
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  };

  PL.formatNumber = function (value) {
    if (value === null || value === undefined || value === "") return "–";
    return Number(value).toLocaleString("de-DE", { maximumFractionDigits: 1 });
  };

  /** Show a message in a region (role=alert or role=status); empty text hides it. */
  PL.show = function (node, text) {
    if (!node) return;
    if (text && typeof text === "object") text = text.message;
    if (text === PL.SESSION_EXPIRED) {
      node.replaceChildren("Ihre Sitzung ist abgelaufen – bitte ",
        PL.el("a", { href: PL.loginUrl(), class: "login-again", text: "melden Sie sich neu an" }), ".");
      node.hidden = false;
      return;
    }
    node.textContent = text || "";
    node.hidden = !text;
  };

  PL.SESSION_EXPIRED = "Ihre Sitzung ist abgelaufen – bitte melden Sie sich neu an.";

  /** The sign-in page, coming back to this page afterwards. */
  PL.loginUrl = function () {
    return "/anmelden?next=" + encodeURIComponent(window.location.pathname + window.location.search);
  };

  PL.sleep = function (ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); };
})();
