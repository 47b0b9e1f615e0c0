// An inline formula wider than its column (a long one on a phone) scrolls inside its
// own box instead of running past the text. Only those get the box: an inline-block
// with a scrollbar sits on its bottom edge, which would lift every short formula.
// Every formula that scrolls (display or inline) shows it: equations.css draws its
// scrollbar and a shadow on each edge beyond which more of it lies.
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

function markScrollEdges(box) {
  box.classList.toggle("mcdl-more-left", box.scrollLeft > 1);
  box.classList.toggle("mcdl-more-right", box.scrollLeft + box.clientWidth < box.scrollWidth - 1);
}

function markScrollingMath() {
  for (const box of document.querySelectorAll("mjx-container")) {
    const byDesign = box.getAttribute("display") === "true" || box.classList.contains("mcdl-wide-inline");
    const scrolls = byDesign && box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("mcdl-scrolls", scrolls);
    if (scrolls) {
      markScrollEdges(box);
      if (!box.dataset.mcdlScrollWatched) {
        box.dataset.mcdlScrollWatched = "1";
        box.addEventListener("scroll", () => markScrollEdges(box), {passive: true});
      }
    } else {
      box.classList.remove("mcdl-more-left", "mcdl-more-right");
    }
  }
}

function markMath() {
  markWideInlineMath();
  markScrollingMath();
}

window.addEventListener("load", () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(markMath);
  }
});
window.addEventListener("resize", markMath);
