/**
 * The operations pages' only script, served from this server (CSP `script-src 'self'`, no inline
 * script): every few seconds it fetches the same page and swaps in the parts marked `data-live`.
 * It waits while a form is being filled (focus in a POST form, or a keep-alive form open), so a
 * refresh never eats what someone types. Without script the page still works; it just needs a reload.
 */
export const REFRESH_INTERVAL_MS = 5_000;

export const OPERATIONS_SCRIPT = `'use strict';
(function () {
  var live = function () { return document.querySelectorAll('[data-live]'); };
  if (live().length === 0) return;
  var busy = function () {
    var active = document.activeElement;
    return (active && active.closest && active.closest('form[method="post"]')) || document.querySelector('details[open]');
  };
  var refresh = function () {
    if (document.hidden || busy()) return Promise.resolve();
    return fetch(location.href, { credentials: 'same-origin', headers: { 'X-Refresh': '1' } })
      .then(function (response) { return response.ok ? response.text() : undefined; })
      .then(function (text) {
        if (text === undefined || busy()) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html');
        live().forEach(function (element) {
          var next = fresh.querySelector('[data-live="' + element.getAttribute('data-live') + '"]');
          if (next && next.innerHTML !== element.innerHTML) element.innerHTML = next.innerHTML;
        });
        document.documentElement.setAttribute('data-refreshed', String(Date.now()));
      });
  };
  setInterval(function () { refresh().catch(function () {}); }, ${REFRESH_INTERVAL_MS});
})();
`;
