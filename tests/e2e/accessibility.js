// Page-side checks for tests/e2e/test_accessibility.py, evaluated after axe-core.
// Defines window.a11yChecks: {axe(options), focus()}; both return plain data.
window.a11yChecks = (function () {
  "use strict";

  // Any CSS colour as [r, g, b, alpha]; a canvas normalises the syntax.
  function rgba(css) {
    var probe = document.createElement("canvas").getContext("2d");
    probe.fillStyle = "#000";
    probe.fillStyle = css;
    var value = probe.fillStyle;
    if (value.charAt(0) === "#") {
      return [1, 3, 5].map(function (i) { return parseInt(value.slice(i, i + 2), 16); }).concat(1);
    }
    var parts = value.match(/[\d.]+/g).map(Number);
    return parts.length === 4 ? parts : parts.concat(1);
  }

  // WCAG 2 relative luminance and contrast ratio.
  function luminance(colour) {
    var channel = function (c) {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(colour[0]) + 0.7152 * channel(colour[1]) + 0.0722 * channel(colour[2]);
  }

  function contrast(a, b) {
    var one = luminance(a);
    var two = luminance(b);
    return (Math.max(one, two) + 0.05) / (Math.min(one, two) + 0.05);
  }

  // The first opaque background at or above the element.
  function backgroundOf(element) {
    for (var node = element; node; node = node.parentElement) {
      var colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour[3] > 0.5) {
        return colour;
      }
    }
    return [255, 255, 255, 1];
  }

  function describe(element) {
    var text = (element.textContent || element.getAttribute("aria-label") || element.name || "");
    return "<" + element.tagName.toLowerCase() + "> \"" + text.replace(/\s+/g, " ").trim().slice(0, 40) + "\"";
  }

  async function axeCheck(options) {
    var results = await window.axe.run(document, options);
    var violations = results.violations.map(function (v) {
      return {
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(function (n) {
          return {
            impact: n.impact, target: n.target.join(" "),
            summary: (n.failureSummary || "").replace(/\s+/g, " ").slice(0, 240),
          };
        }),
      };
    });
    // axe leaves text of one or two characters (a count in a badge) undecided;
    // measured here with the same formula against 4.5:1, as for any text.
    var failing = [];
    results.incomplete.forEach(function (result) {
      if (result.id !== "color-contrast") {
        return;
      }
      result.nodes.forEach(function (node) {
        var short = node.any.some(function (check) {
          return check.data && check.data.messageKey === "shortTextContent";
        });
        var element = document.querySelector(node.target.join(" "));
        if (!short || !element) {
          return;
        }
        var ratio = contrast(rgba(getComputedStyle(element).color), backgroundOf(element));
        if (ratio < 4.5) {
          failing.push({
            impact: "serious", target: node.target.join(" "),
            summary: "short text at " + ratio.toFixed(2) + ":1, needs 4.5:1",
          });
        }
      });
    });
    if (failing.length) {
      violations.push({
        id: "color-contrast (short text)", impact: "serious",
        help: "Elements must meet minimum color contrast ratio thresholds", nodes: failing,
      });
    }
    return violations;
  }

  // A focused control shows an outline at least 2 px wide whose colour stands
  // out 3:1 from what is behind it (WCAG 2.4.7, 1.4.11); null when it does.
  function focusProblem(element) {
    var style = getComputedStyle(element);
    if (!element.matches(":focus-visible") || style.outlineStyle === "none" ||
        parseFloat(style.outlineWidth) < 2) {
      return describe(element) + ": no visible focus outline";
    }
    // An outline drawn outside the element lies on its parent's background.
    var outside = parseFloat(style.outlineOffset) >= 0;
    var behind = backgroundOf(outside ? element.parentElement : element);
    var ratio = contrast(rgba(style.outlineColor), behind);
    if (ratio < 3) {
      return describe(element) + ": focus outline at " + ratio.toFixed(2) + ":1, needs 3:1";
    }
    return null;
  }

  // Every control, focused in turn (after a key press, so :focus-visible
  // applies as for a keyboard user).
  function focusCheck() {
    var selector = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), " +
      "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
    var problems = [];
    document.querySelectorAll(selector).forEach(function (element) {
      var box = element.getBoundingClientRect();
      if ((box.width === 0 && box.height === 0) || getComputedStyle(element).visibility === "hidden") {
        return;
      }
      element.focus();
      if (document.activeElement === element) {
        var problem = focusProblem(element);
        if (problem) {
          problems.push(problem);
        }
      }
    });
    if (document.activeElement) {
      document.activeElement.blur();
    }
    return problems;
  }

  function focusedCheck() {
    return focusProblem(document.activeElement);
  }

  return { axe: axeCheck, focus: focusCheck, focused: focusedCheck };
})();
