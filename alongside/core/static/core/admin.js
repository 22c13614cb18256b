// Move focus to the admin's error summary, as the NHS.UK error summary pattern does.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
