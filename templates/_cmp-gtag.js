/* What gtag.js / GTM do to the dataLayer when they load, for the test: they take over
 * dataLayer.push (chaining the push they find) and process every command, earlier
 * ones first. Here "processing" only records the consent commands it saw.
 */
(function () {
  var dl = window.dataLayer = window.dataLayer || [], seen = window.gtagSeen = [];
  function process(entry) {
    if (Object.prototype.toString.call(entry) === "[object Arguments]" && entry[0] === "consent") {
      seen.push(entry[1]);
    }
  }
  for (var i = 0; i < dl.length; i++) { process(dl[i]); }
  var push = dl.push;
  dl.push = function () {
    var result = push.apply(dl, arguments);
    for (var j = 0; j < arguments.length; j++) { process(arguments[j]); }
    return result;
  };
})();
