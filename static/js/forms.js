/* Forms: a deal form's fields that only some stages have follow its stage select. The server
   renders the form right for the stage it shows (and refuses a value that does not fit the stage
   chosen), so without this script the form still works; with it, no field sits in view that the
   chosen stage decides. */
(function () {
  "use strict";

  function controlsOf(part) {
    return part.querySelectorAll("input, select, textarea");
  }

  function holdsValue(control) {
    return control.value.trim() !== "";
  }

  /* Show what applies to the chosen stage and hide the rest. A hidden field is disabled, so it sends
     nothing and the stage decides it, but it keeps its value: choosing its stage again brings it
     back, and until then a note beside the stage says it is not saved, so nothing typed is dropped
     without the user knowing. keepRefused: leave a field in view that carries the server's message. */
  function follow(form, keepRefused) {
    var stage = form.elements.stage.value;
    Array.prototype.forEach.call(form.querySelectorAll("[data-stages]"), function (part) {
      var applies = part.dataset.stages.split(" ").indexOf(stage) !== -1 ||
        (keepRefused && part.querySelector("[aria-invalid=true]") !== null);
      part.hidden = !applies;
      Array.prototype.forEach.call(controlsOf(part), function (control) { control.disabled = !applies; });
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-dropped]"), function (note) {
      var control = form.elements[note.dataset.dropped];
      note.hidden = !(control && control.disabled && holdsValue(control));
    });
  }

  function stageForms(root) {
    var selector = "form.deal-form";
    var found = Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll(selector) : []);
    if (root.matches && root.matches(selector)) found.push(root);
    return found.filter(function (form) { return form.elements.stage; });
  }

  function start(root) {
    stageForms(root).forEach(function (form) { follow(form, true); });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (event.target.name === "stage" && form && stageForms(form).length) follow(form, false);
    /* A menu that acts when chosen (the language menu); its button serves without a script. */
    if (form && event.target.hasAttribute("data-submit-on-change")) form.requestSubmit();
  });

  /* Forms swapped in by htmx (a refused submit answers the form again) start the same way. */
  if (typeof htmx !== "undefined") {
    htmx.onLoad(start);
  } else {
    start(document);
  }
})();
