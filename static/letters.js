// Progressive enhancement for the letter form: the "cc expects an answer" box only
// matters for cc recipients, so it is hidden while a row is "to". Works without it.
(function () {
  "use strict";
  function sync(row) {
    var role = row.querySelector("select[name$='-role']");
    var expects = row.querySelector("input[name$='-expects_answer']");
    if (!role || !expects) { return; }
    var field = expects.closest(".field");
    if (field) { field.hidden = role.value !== "cc"; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#recipients li.row").forEach(function (row) {
      sync(row);
      var role = row.querySelector("select[name$='-role']");
      if (role) { role.addEventListener("change", function () { sync(row); }); }
    });
  });
})();
