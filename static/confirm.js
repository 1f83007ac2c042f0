// Forms with data-confirm ask before they are sent (an inline onsubmit handler would break the
// Content Security Policy, which allows no inline script).
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
