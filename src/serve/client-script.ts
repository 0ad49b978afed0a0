// The dashboard's one script, served as /static/app.js (the Content-Security-Policy runs no inline script). It
// follows the page's feed: on a state change it fetches the page's fragments again (server-rendered, escaped),
// on a line of output it appends a text node. Actions are POSTed with the session's CSRF token in a header.
export const CLIENT_SCRIPT = String.raw`'use strict';
(function () {
  var body = document.body;
  var csrfMeta = document.querySelector('meta[name="wave-csrf"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute('content') : null;
  var state = document.getElementById('live-state');
  var refreshing = false;
  var again = false;

  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    var parts = Array.prototype.slice.call(document.querySelectorAll('[data-fragment]'));
    Promise.all(parts.map(function (el) {
      return fetch(el.getAttribute('data-fragment'), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) { if (text !== null) el.innerHTML = text; });
    })).catch(function () {}).then(function () {
      refreshing = false;
      if (again) { again = false; refresh(); }
    });
  }

  function appendOutput(event) {
    var out = document.getElementById('output');
    if (!out || event.stepId !== body.getAttribute('data-step')) return;
    out.appendChild(document.createTextNode(event.line + '\n'));
  }

  var live = body.getAttribute('data-live');
  if (live && window.EventSource) {
    var opened = false;
    var source = new EventSource(live);
    source.addEventListener('open', function () {
      if (state) state.textContent = 'live';
      if (opened) refresh();
      opened = true;
    });
    source.addEventListener('error', function () { if (state) state.textContent = 'reconnecting'; });
    source.addEventListener('output', function (m) { appendOutput(JSON.parse(m.data)); });
    source.addEventListener('change', function () { refresh(); });
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    var action = form && form.getAttribute('data-action');
    if (!action) return;
    e.preventDefault();
    var result = document.getElementById('action-result');
    if (!csrf) { if (result) result.textContent = 'open the login link wave serve printed to use actions'; return; }
    var data = new URLSearchParams(new FormData(form));
    fetch(action, { method: 'POST', body: data, credentials: 'same-origin', headers: { 'x-wave-csrf': csrf } })
      .then(function (r) { return r.json(); })
      .then(function (answer) { if (result) result.textContent = answer.message || answer.error || ''; refresh(); })
      .catch(function (err) { if (result) result.textContent = String(err); });
  });
})();
`;
