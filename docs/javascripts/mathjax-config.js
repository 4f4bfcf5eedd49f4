// MathJax reads this before it loads; pymdownx.arithmatex (generic mode) wraps every formula
// in an element of class "arithmatex" with \( \) or \[ \] delimiters, and only those are typeset.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
};
