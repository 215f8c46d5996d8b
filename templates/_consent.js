(function (config) {
  "use strict";
  // The consent switch of a test page (pc-snippets page --consent-source KIND):
  // the Accept, Refuse and Withdraw buttons drive the built-in stand-in CMP
  // (templates/_cmp-*.js) through its own API, the way a visitor's choice in
  // the real consent manager would, and the state line says what was chosen.
  var category = config.category;
  var ACTIONS = {
    tcf: {
      accept: function () { window.tcfStub.decide({1: true}); },
      refuse: function () { window.tcfStub.decide({1: false}); },
      withdraw: function () { window.tcfStub.decide({1: false}); }
    },
    google: {
      accept: function () { window.googleCmp.accept(); },
      refuse: function () { window.googleCmp.refuse(); },
      withdraw: function () { window.googleCmp.refuse(); }
    },
    cookiebot: {
      accept: function () { window.Cookiebot.submitCustomConsent(category === "preferences",
        category === "statistics", category === "marketing"); },
      refuse: function () { window.Cookiebot.submitCustomConsent(false, false, false); },
      withdraw: function () { window.Cookiebot.withdraw(); }
    },
    onetrust: {
      accept: function () { window.OneTrust.AllowAll(); },
      refuse: function () { window.OneTrust.RejectAll(); },
      withdraw: function () { window.OneTrust.UpdateConsent("Category", category + ":0"); }
    }
  };
  var STATES = {accept: "accepted", refuse: "refused", withdraw: "withdrawn"};

  function start() {
    var state = document.getElementById("consent-state"), actions = ACTIONS[config.kind];
    if (!state || !actions) {
      return;
    }
    ["accept", "refuse", "withdraw"].forEach(function (name) {
      var button = document.getElementById("consent-" + name);
      if (!button) {
        return;
      }
      button.addEventListener("click", function () {
        actions[name]();
        state.textContent = STATES[name];
        state.setAttribute("data-state", STATES[name]);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})
