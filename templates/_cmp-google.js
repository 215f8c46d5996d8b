/* A stub CMP for Google Consent Mode v2, written from Google's documentation: the
 * page's gtag() pushes its `arguments` object onto window.dataLayer, the CMP sets
 * the defaults with gtag("consent", "default", {...}) before any tag and calls
 * gtag("consent", "update", {...}) when the visitor chooses. The test drives it
 * through window.googleCmp.
 */
window.dataLayer = window.dataLayer || [];
function gtag() { window.dataLayer.push(arguments); }
gtag("consent", "default", {
  ad_storage: "denied", ad_user_data: "denied", ad_personalization: "denied",
  analytics_storage: "denied", wait_for_update: 500
});
window.googleCmp = {
  set: function (value, keys) {
    var update = {};
    (keys || ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage"])
      .forEach(function (k) { update[k] = value; });
    gtag("consent", "update", update);
  },
  accept: function () { this.set("granted"); },
  refuse: function () { this.set("denied"); }
};
