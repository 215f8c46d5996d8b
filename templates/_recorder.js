(function (config) {
  "use strict";
  // Offline stand-in for the PersonaClick SDK: records every call (the argument
  // arrays, in order) in window.personaclickRecorder.calls, answers profile get
  // with a sample profile, and shows what it recorded on the page. Nothing is
  // sent anywhere. config.expectedTracks (the events page only) holds the
  // [event, data] pairs the server-side check kept, in file order.
  var calls = [];
  var recorder = {
    calls: calls,
    expected: config.expected,
    expectedTracks: config.expectedTracks,
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

  function tracks() {
    return calls.filter(function (call) {
      return call[0] === "track";
    });
  }

  function trackVerdict() {
    var recorded = tracks(), expected = recorder.expectedTracks, i;
    if (!recorded.length && !expected.length) {
      return ["ok", "No track call: no event in the file passed the check, as the check says."];
    }
    if (recorded.length !== expected.length) {
      return ["bad", "MISMATCH: " + recorded.length + " track calls recorded, but the check " +
        "kept " + expected.length + " events to send."];
    }
    for (i = 0; i < recorded.length; i++) {
      if (!same(recorded[i].slice(1), expected[i])) {
        return ["bad", "MISMATCH: track call " + (i + 1) + " differs from the event the " +
          "server-side check kept."];
      }
    }
    return ["ok", "The track calls carry exactly the events the server-side check kept, in " +
      "file order."];
  }

  function verdict() {
    var i, set = null;
    if (recorder.expectedTracks) {
      return trackVerdict();
    }
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

  function hex(code, width) {
    var text = code.toString(16);
    while (text.length < width) {
      text = "0" + text;
    }
    return text;
  }

  // The escape shown for text[i] and how many code units it takes, or null for a
  // character shown as it is. The same characters the server side shows as
  // escapes (controls, DEL, C1, lone surrogates, noncharacters: pc_snippets.cli.page
  // visible()), plus U+2028 and U+2029, where a browser may break the line.
  function escapeAt(text, i) {
    var code = text.charCodeAt(i), low, point;
    if (code >= 0xd800 && code <= 0xdbff) {
      low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        point = (code - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        return (point & 0xfffe) === 0xfffe ? ["\\U" + hex(point, 8), 2, point] : null;
      }
      return ["\\u" + hex(code, 4), 1, code];
    }
    if (code < 0x20 || code === 0x7f) {
      return ["\\x" + hex(code, 2), 1, code];
    }
    if ((code >= 0x80 && code <= 0x9f) || (code >= 0xdc00 && code <= 0xdfff) ||
        (code >= 0xfdd0 && code <= 0xfdef) || code === 0xfffe || code === 0xffff ||
        code === 0x2028 || code === 0x2029) {
      return ["\\u" + hex(code, 4), 1, code];
    }
    return null;
  }

  // Text into node, every hidden character a visible <span class="esc"> escape.
  function appendText(node, text) {
    var start = 0, i = 0, found, mark;
    while (i < text.length) {
      found = escapeAt(text, i);
      if (found === null) {
        i += text.charCodeAt(i) >= 0xd800 && text.charCodeAt(i) <= 0xdbff ? 2 : 1;
        continue;
      }
      if (i > start) {
        node.appendChild(document.createTextNode(text.slice(start, i)));
      }
      mark = element("span", "esc", found[0]);
      mark.title = "U+" + hex(found[2], 4).toUpperCase();
      node.appendChild(mark);
      i += found[1];
      start = i;
    }
    if (start < text.length) {
      node.appendChild(document.createTextNode(text.slice(start)));
    }
  }

  // A value as shown: text as it is, anything else in its JSON spelling.
  function valueCell(tag, key, value) {
    var node = element(tag, "value");
    node.setAttribute("data-key", key);
    node.setAttribute("data-type", typeof value === "string" ? "text" : typeof value);
    appendText(node, typeof value === "string" ? value : String(JSON.stringify(value)));
    return node;
  }

  function count(number, noun) {
    return number + " " + noun + (number === 1 ? "" : "s");
  }

  function asItem(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value) ?
      value : {id: value};
  }

  // What a track call does, its products (one row each) and its other fields, as
  // PersonaClick documents the data: an id or an object adds one item, a list
  // replaces the cart or the wishlist, [] empties it; a purchase lists products.
  function layout(event, data) {
    var out = {action: "custom event", items: [], fields: {}}, what, key;
    var single = {view: "product view", remove_from_cart: "removes from the cart",
      remove_wish: "removes from the wishlist"};
    if (event === "cart" || event === "wish") {
      what = event === "cart" ? "the cart" : "the wishlist";
      if (Array.isArray(data)) {
        out.items = data.map(asItem);
        out.action = data.length ? "replaces " + what + " (" + count(data.length, "item") + ")" :
          "empties " + what;
      } else {
        out.items = [asItem(data)];
        out.action = "adds to " + what;
      }
    } else if (single[event]) {
      out.items = [asItem(data)];
      out.action = single[event];
    } else if (event === "category" || event === "search") {
      out.action = event === "category" ? "category view" : "search";
      out.fields[event === "category" ? "category" : "query"] = data;
    } else if (event === "purchase" && data !== null && typeof data === "object") {
      out.items = Array.isArray(data.products) ? data.products.map(asItem) : [];
      out.action = "purchase (" + count(out.items.length, "product") + ")";
      for (key in data) {
        if (Object.prototype.hasOwnProperty.call(data, key) && key !== "products") {
          out.fields[key] = data[key];
        }
      }
    } else if (data !== null && typeof data === "object" && !Array.isArray(data)) {
      out.fields = data;
    } else if (data !== undefined) {
      out.fields.data = data;
    }
    return out;
  }

  // Nested objects (a purchase's custom properties) as "custom.size" rows.
  function flat(prefix, value, out) {
    var key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (key in value) {
        if (Object.prototype.hasOwnProperty.call(value, key)) {
          flat(prefix ? prefix + "." + key : key, value[key], out);
        }
      }
    } else {
      out.push([prefix, value]);
    }
    return out;
  }

  var COLUMNS = ["id", "amount", "price"];

  function itemsTable(items) {
    var table = element("table", "items"), head = element("tr"), body = element("tbody");
    var i, j, row, other, rest;
    ["Product id", "Amount", "Price", "Other"].forEach(function (name) {
      var cell = element("th", "", name);
      cell.setAttribute("scope", "col");
      head.appendChild(cell);
    });
    table.appendChild(element("thead")).appendChild(head);
    for (i = 0; i < items.length; i++) {
      row = element("tr");
      row.setAttribute("data-item", String(i));
      for (j = 0; j < COLUMNS.length; j++) {
        row.appendChild(Object.prototype.hasOwnProperty.call(items[i], COLUMNS[j]) ?
          valueCell("td", COLUMNS[j], items[i][COLUMNS[j]]) : element("td", "none"));
      }
      other = element("td");
      rest = flat("", items[i], []).filter(function (pair) {
        return COLUMNS.indexOf(pair[0]) < 0;
      });
      rest.forEach(function (pair) {
        var line = element("div");
        line.appendChild(element("code", "id", pair[0] + ": "));
        line.appendChild(valueCell("span", pair[0], pair[1]));
        other.appendChild(line);
      });
      row.appendChild(other);
      body.appendChild(row);
    }
    table.appendChild(body);
    return table;
  }

  function fieldsList(fields) {
    var list = element("dl", "fields");
    flat("", fields, []).forEach(function (pair) {
      list.appendChild(element("dt", "", pair[0]));
      list.appendChild(valueCell("dd", pair[0], pair[1]));
    });
    return list;
  }

  function showTracks() {
    var table = document.getElementById("track-table");
    var note = document.getElementById("track-note");
    var body = table && table.tBodies && table.tBodies[0];
    var recorded = tracks(), i, row, cell, shape, name;
    if (!body || !note) {
      return;
    }
    body.textContent = "";
    for (i = 0; i < recorded.length; i++) {
      shape = layout(recorded[i][1], recorded[i][2]);
      row = element("tr");
      row.setAttribute("data-event", String(recorded[i][1]));
      row.appendChild(element("td", "", String(i + 1)));
      cell = element("td");
      name = element("code", "id event");
      appendText(name, String(recorded[i][1]));
      cell.appendChild(name);
      cell.appendChild(element("br"));
      cell.appendChild(element("span", "note action", shape.action));
      row.appendChild(cell);
      cell = element("td", "products");
      if (shape.items.length) {
        cell.appendChild(itemsTable(shape.items));
      }
      row.appendChild(cell);
      cell = element("td", "other");
      cell.appendChild(fieldsList(shape.fields));
      row.appendChild(cell);
      body.appendChild(row);
    }
    note.textContent = recorded.length ? count(recorded.length, "track call") + " recorded, " +
      "in order. Text is shown as it is (hidden characters as red escapes), numbers as numbers." :
      "No track calls recorded.";
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
    showTracks();
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
