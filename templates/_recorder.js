(function (config) {
  "use strict";
  // Offline stand-in for the PersonaClick SDK: records every call (the argument
  // arrays, in order) in window.personaclickRecorder.calls, answers profile get
  // with a sample profile, and shows what it recorded on the page. Nothing is
  // sent anywhere.
  var calls = [];
  var recorder = {
    calls: calls,
    expected: config.expected,
    sampleAnswer: config.sampleAnswer
  };
  var queued = window.personaclick && window.personaclick.q;

  function copy(value) {
    return JSON.parse(JSON.stringify(value));
  }

  // Deep equality that ignores key order (JavaScript puts integer-like keys first).
  function same(a, b) {
    var keys, i;
    if (a === b) {
      return true;
    }
    if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
      return false;
    }
    if (Array.isArray(a) !== Array.isArray(b)) {
      return false;
    }
    keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) {
      return false;
    }
    for (i = 0; i < keys.length; i++) {
      if (!Object.prototype.hasOwnProperty.call(b, keys[i]) || !same(a[keys[i]], b[keys[i]])) {
        return false;
      }
    }
    return true;
  }

  function describe(args) {
    return JSON.stringify(args, function (key, value) {
      return typeof value === "function" ? "[function]" : value;
    }, 2);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function verdict() {
    var i, set = null;
    for (i = 0; i < calls.length; i++) {
      if (calls[i][0] === "profile" && calls[i][1] === "set") {
        set = calls[i];
        break;
      }
    }
    if (set === null) {
      if (recorder.expected === null) {
        return ["ok", "No profile set call: nothing valid was left to send, as the check says."];
      }
      return ["bad", "No profile set call was recorded, but the check kept fields to send."];
    }
    if (same(set[2], recorder.expected)) {
      return ["ok", "The profile set call carries exactly the data the server-side check kept."];
    }
    return ["bad", "MISMATCH: the recorded profile set data differs from what the check kept."];
  }

  function show() {
    var list = document.getElementById("call-list");
    var status = document.getElementById("verdict");
    var i, item, result;
    if (!list || !status) {
      return;
    }
    list.textContent = "";
    for (i = 0; i < calls.length; i++) {
      item = element("li");
      item.appendChild(element("code", "", "personaclick(" + calls[i].slice(0, 2).map(function (v) {
        return JSON.stringify(v);
      }).join(", ") + (calls[i].length > 2 ? ", \u2026)" : ")")));
      item.appendChild(element("pre", "", describe(calls[i])));
      list.appendChild(item);
    }
    result = verdict();
    status.className = "verdict " + result[0];
    status.textContent = calls.length + (calls.length === 1 ? " call" : " calls") +
      " recorded. " + result[1];
  }

  window.personaclick = function () {
    var args = Array.prototype.slice.call(arguments);
    var callback;
    calls.push(args);
    if (args[0] === "profile" && args[1] === "get" && typeof args[2] === "function") {
      // The real SDK answers later, after a network round trip.
      callback = args[2];
      setTimeout(function () {
        callback(copy(recorder.sampleAnswer));
      }, 0);
    }
    show();
  };
  window.personaclickRecorder = recorder;
  if (queued) {
    // Calls made before the recorder existed wait in the loader's queue.
    for (var i = 0; i < queued.length; i++) {
      window.personaclick.apply(window, queued[i]);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  }
})
