// mediawatch review app: the only script. Everything works without it; it saves clicks and typed text.
"use strict";
(function () {
  // Forms whose fields a person types into carry data-keep: their text must never be dropped silently.
  function keptForms() { return Array.from(document.querySelectorAll("form[data-keep]")); }

  function isDirty(form) {
    return Array.from(form.elements).some(function (el) {
      if (el.type === "hidden" || el.disabled) { return false; }
      if (el.type === "checkbox" || el.type === "radio") { return el.checked !== el.defaultChecked; }
      if (el.tagName === "SELECT") {
        // With no option marked selected in the page, the first one is the default.
        var initial = Array.from(el.options).findIndex(function (o) { return o.defaultSelected; });
        return el.selectedIndex !== Math.max(initial, 0);
      }
      return "defaultValue" in el && el.value !== el.defaultValue;
    });
  }

  // Saved in the background: what was typed is now the form's "unchanged" state.
  function markSaved(form) {
    Array.from(form.elements).forEach(function (el) {
      if ("defaultValue" in el && el.type !== "hidden") { el.defaultValue = el.value; }
    });
  }

  // Post one form without leaving the page. Success is the app's usual 303 back to the page (kept
  // unfollowed: its message stays in the session for the page that comes next).
  function saveQuietly(form) {
    return fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual"
    }).then(function (r) { return r.type === "opaqueredirect"; }, function () { return false; });
  }

  var leaving = false;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.resubmit === "1") { leaving = true; return; }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    // Typed text in other forms (item A) is saved before this form (item C) takes the page away.
    var others = keptForms().filter(function (f) { return f !== form && isDirty(f); });
    if (others.length === 0) { leaving = true; return; }
    event.preventDefault();
    var submitter = event.submitter || null;
    others.reduce(function (chain, other) {
      return chain.then(function (ok) {
        if (!ok) { return false; }
        return saveQuietly(other).then(function (saved) {
          if (saved) { markSaved(other); return true; }
          // Not saved (session ended, refused...): post that form for real, so its page keeps the text.
          leaving = true;
          other.dataset.resubmit = "1";
          other.requestSubmit();
          return false;
        });
      });
    }, Promise.resolve(true)).then(function (ok) {
      if (!ok) { return; }
      form.dataset.resubmit = "1";
      if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    });
  }, true);

  // Leaving the page (a link, a tab, closing it) with unsaved text asks first.
  window.addEventListener("beforeunload", function (event) {
    if (leaving || !keptForms().some(isDirty)) { return; }
    event.preventDefault();
    event.returnValue = "";
  });

  document.addEventListener("DOMContentLoaded", function () {
    // The interface language applies as soon as it is chosen.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    // A shared preview link is selected on focus, ready to copy.
    document.querySelectorAll("input[data-select]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  });
}());
