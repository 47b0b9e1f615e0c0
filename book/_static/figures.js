// Each figure of the book opens full size in the browser when clicked or tapped.
// On a phone, a figure of panels side by side (wider than 1.8 times its height) is
// drawn at twice the screen's width in a box that scrolls sideways, one panel at a
// time legible, with the scroll cue of the equations (equations.css).
function markPanels(img, link) {
  if (img.naturalWidth > 1.8 * img.naturalHeight) link.classList.add("mcdl-panels");
}

document.addEventListener("DOMContentLoaded", () => {
  for (const img of document.querySelectorAll("main figure img")) {
    if (img.closest("a")) continue;
    const link = document.createElement("a");
    link.href = img.getAttribute("src");
    link.className = "mcdl-full-size";
    link.title = "Open the figure full size";
    img.replaceWith(link);
    link.appendChild(img);
    if (img.complete) markPanels(img, link);
    else img.addEventListener("load", () => markPanels(img, link));
  }
});
