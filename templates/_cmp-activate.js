/* Shared by the Cookiebot and OneTrust stubs: how their documented script activation
 * works. A blocked script is a script element of type="text/plain" with ATTRIBUTE; once its categories
 * are consented, it is re-created as a real script with the same attributes (but not
 * the type) and the same text, in the same place. The nonce is copied from the IDL
 * property: Chromium hides a nonce'd element's nonce *attribute* ("nonce hiding").
 */
window.cmpActivate = function (selector, categoriesOf, allowed) {
  var blocked = document.querySelectorAll(selector), i, j, el, s, a, cats, ok;
  for (i = 0; i < blocked.length; i++) {
    el = blocked[i];
    cats = categoriesOf(el);
    ok = cats.length > 0;
    for (j = 0; j < cats.length; j++) { if (!allowed(cats[j])) { ok = false; } }
    if (!ok) { continue; }
    s = document.createElement("script");
    for (j = 0; j < el.attributes.length; j++) {
      a = el.attributes[j];
      if (a.name !== "type" && a.name !== "nonce") { s.setAttribute(a.name, a.value); }
    }
    if (el.nonce) { s.nonce = el.nonce; }
    s.text = el.text;
    el.parentNode.replaceChild(s, el);
  }
};
