// An inline formula wider than its column (a long one on a phone) scrolls inside its
// own box instead of running past the text. Only those get the box: an inline-block
// with a scrollbar sits on its bottom edge, which would lift every short formula.
function markWideInlineMath() {
  for (const box of document.querySelectorAll('mjx-container:not([display="true"])')) {
    box.classList.remove("mcdl-wide-inline");
    let column = box.parentElement;
    while (column && (column.clientWidth === 0 || getComputedStyle(column).display.startsWith("inline"))) {
      column = column.parentElement;
    }
    if (column && box.getBoundingClientRect().width > column.clientWidth) {
      box.classList.add("mcdl-wide-inline");
    }
  }
}

window.addEventListener("load", () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(markWideInlineMath);
  }
});
window.addEventListener("resize", markWideInlineMath);
