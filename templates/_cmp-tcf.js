/* A stub IAB TCF 2.2 CMP, written from the published CMP API v2 specification
 * (https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework):
 * __tcfapi(command, version, callback, parameter); addEventListener calls back at once
 * with the current TCData and again on every change (eventStatus "tcloaded" when a
 * stored TC string is loaded, "cmpuishown" while the UI waits for the visitor,
 * "useractioncomplete" after a choice); removeEventListener takes the listenerId.
 * The test drives it through window.tcfStub. A returning visitor's stored choice is
 * window.tcfStored = {purposes: {...}, vendors: {...}}, set before this script runs.
 */
(function () {
  "use strict";
  var listeners = {}, nextId = 1;
  var decision = window.tcfStored || null;
  var gdprApplies = window.tcfGdprApplies !== false;

  function copy(o) { var r = {}, k; for (k in o) { r[k] = o[k]; } return r; }

  function tcData(status, listenerId) {
    return {
      tcString: decision ? "CStubTcString" : "",
      tcfPolicyVersion: 4, cmpId: 1, cmpVersion: 1,
      gdprApplies: gdprApplies,
      eventStatus: status,
      cmpStatus: "loaded",
      listenerId: listenerId,
      isServiceSpecific: true, useNonStandardTexts: false,
      publisherCC: "DE", purposeOneTreatment: false,
      purpose: {consents: decision ? copy(decision.purposes) : {}, legitimateInterests: {}},
      vendor: {consents: decision ? copy(decision.vendors) : {}, legitimateInterests: {}},
      specialFeatureOptins: {},
      publisher: {consents: {}, legitimateInterests: {}, customPurpose: {}, restrictions: {}}
    };
  }

  window.__tcfapi = function (command, version, callback, parameter) {
    if (version !== 2 || typeof callback !== "function") { return; }
    if (command === "addEventListener") {
      var id = nextId++;
      listeners[id] = callback;
      callback(tcData(decision || !gdprApplies ? "tcloaded" : "cmpuishown", id), true);
    } else if (command === "removeEventListener") {
      var known = Object.prototype.hasOwnProperty.call(listeners, parameter);
      delete listeners[parameter];
      callback(known);
    } else if (command === "ping") {
      callback({gdprApplies: gdprApplies, cmpLoaded: true, cmpStatus: "loaded",
                displayStatus: decision ? "hidden" : "visible", apiVersion: "2.2",
                cmpVersion: 1, cmpId: 1, gvlVersion: 1, tcfPolicyVersion: 4});
    } else {
      callback(null, false);
    }
  };

  window.tcfStub = {
    // The visitor's choice: purpose and vendor consents as TCData has them ({1: true}).
    decide: function (purposes, vendors) {
      decision = {purposes: purposes, vendors: vendors || {}};
      Object.keys(listeners).forEach(function (id) {
        if (listeners[id]) { listeners[id](tcData("useractioncomplete", Number(id)), true); }
      });
    },
    listenerCount: function () { return Object.keys(listeners).length; }
  };
})();
