/* A stub of Cookiebot's documented browser behaviour (Cookiebot is proprietary, not on
 * npm): scripts marked type="text/plain" data-cookieconsent="marketing" (a
 * comma-separated list of categories) are activated once those categories are
 * consented; state is window.Cookiebot.consent.{necessary,preferences,statistics,
 * marketing}; the events CookiebotOnAccept (any consent, also partial),
 * CookiebotOnDecline (declined or withdrawn) and CookiebotOnConsentReady are raised on
 * window. API: Cookiebot.submitCustomConsent(preferences, statistics, marketing),
 * Cookiebot.withdraw(). Needs activate.js.
 */
(function () {
  var consent = {necessary: true, preferences: false, statistics: false, marketing: false};
  function fire(name) { window.dispatchEvent(new Event(name)); }
  function activate() {
    window.cmpActivate('script[type="text/plain"][data-cookieconsent]', function (el) {
      return el.getAttribute("data-cookieconsent").split(",").map(function (c) {
        return c.trim();
      });
    }, function (c) { return consent[c] === true; });
  }
  var cb = window.Cookiebot = {
    consent: consent, consented: false, declined: false, hasResponse: false,
    submitCustomConsent: function (preferences, statistics, marketing) {
      consent.preferences = !!preferences;
      consent.statistics = !!statistics;
      consent.marketing = !!marketing;
      cb.hasResponse = true;
      cb.consented = consent.preferences || consent.statistics || consent.marketing;
      cb.declined = !cb.consented;
      activate();
      fire(cb.consented ? "CookiebotOnAccept" : "CookiebotOnDecline");
      fire("CookiebotOnConsentReady");
    },
    withdraw: function () {
      consent.preferences = consent.statistics = consent.marketing = false;
      cb.consented = false;
      cb.declined = true;
      fire("CookiebotOnDecline");
      fire("CookiebotOnConsentReady");
    }
  };
})();
