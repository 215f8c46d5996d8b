(function () {
  "use strict";
  // Shows the profile get answer as text (never as HTML): a page function the
  // profile get snippet calls by name once the SDK (or the recorder) answers.
  window.personaclickTestPage = {
    showAnswer: function (profile) {
      var target = document.getElementById("profile-answer");
      if (target) {
        target.textContent = JSON.stringify(profile, null, 2);
      }
    }
  };
})();
