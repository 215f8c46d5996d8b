/* A stub of OneTrust's documented browser behaviour (proprietary, not on npm): scripts
 * marked type="text/plain" class="optanon-category-C0004" (groups joined by "-", all
 * required) are activated once those groups are active; window.OnetrustActiveGroups
 * is ",C0001,...,"; every change raises OneTrustGroupsUpdated on window with the list
 * of active groups as detail, then calls window.OptanonWrapper if defined. API:
 * OneTrust.AllowAll(), OneTrust.RejectAll(), OneTrust.UpdateConsent("Category",
 * "C0004:0"). Needs activate.js.
 */
(function () {
  var ALL = ["C0001", "C0002", "C0003", "C0004"], groups = ["C0001"];
  function update(next) {
    groups = next;
    window.OnetrustActiveGroups = "," + groups.join(",") + ",";
    window.cmpActivate('script[type="text/plain"][class*="optanon-category-"]', function (el) {
      var m = /(?:^|\s)optanon-category-([A-Za-z0-9_-]+)/.exec(el.className);
      return m ? m[1].split("-") : [];
    }, function (g) { return groups.indexOf(g) >= 0; });
    window.dispatchEvent(new CustomEvent("OneTrustGroupsUpdated", {detail: groups.slice()}));
    if (typeof window.OptanonWrapper === "function") { window.OptanonWrapper(); }
  }
  window.OnetrustActiveGroups = ",C0001,";
  window.OneTrust = {
    AllowAll: function () { update(ALL.slice()); },
    RejectAll: function () { update(["C0001"]); },
    UpdateConsent: function (type, value) {
      var parts = String(value).split(":"), next = groups.filter(function (g) {
        return g !== parts[0];
      });
      if (type === "Category" && parts[1] === "1") { next.push(parts[0]); }
      update(next);
    }
  };
})();
