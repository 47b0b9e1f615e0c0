// The theme (pydata-sphinx-theme 0.17, sphinx-book-theme 1.3) attaches the sidebar
// toggles' click handlers to the first `.primary-toggle` and `.secondary-toggle` of the
// page only: a 0 x 0 button hidden in the navbar. The buttons a reader sees, in the
// article header, were left without one (on a phone the navigation never opened).
// Each visible toggle forwards its click to the first one of its kind.
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of [".primary-toggle", ".secondary-toggle"]) {
    const [first, ...others] = document.querySelectorAll(kind);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        first.click();
      });
    }
  }
});
