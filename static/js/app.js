/* Small glue between htmx and Sortable: the server renders everything, this only moves cards,
   asks for a lost reason, puts a refused card back and says why. */
(function () {
  "use strict";

  var toastTimer = null;

  function showMessage(text, isError) {
    var toast = document.getElementById("toast");
    if (!toast) return;
    toast.textContent = text;
    toast.classList.toggle("error", Boolean(isError));
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, 6000);
  }

  /* Resolves with the reason typed (maybe empty), or null when the user cancels. */
  function askLostReason() {
    var dialog = document.getElementById("lost-reason-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return Promise.resolve("");
    var input = dialog.querySelector("textarea");
    input.value = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "confirm" ? input.value : null);
      });
      dialog.returnValue = "";
      dialog.showModal();
      input.focus();
    });
  }

  function cardOf(element) {
    return element.closest(".card");
  }

  /* Put a card back where the drag started (it may not have moved: the keyboard control). */
  function putBack(card) {
    var origin = card._origin;
    card.classList.remove("is-moving");
    card.removeAttribute("aria-busy");
    var form = card.querySelector(".move-form");
    if (form) form.elements.stage.value = card.dataset.stage;
    if (origin) {
      origin.list.insertBefore(card, origin.list.children[origin.index] || null);
      card._origin = null;
    }
  }

  function attachSortable(list) {
    if (list._sortable || typeof Sortable === "undefined") return;
    list._sortable = Sortable.create(list, {
      group: "board",
      animation: 150,
      draggable: ".card",
      filter: "select, button, .is-moving",
      preventOnFilter: false,
      onEnd: function (event) {
        if (event.from === event.to) return;  // the order inside a column means nothing
        var card = event.item;
        card._origin = { list: event.from, index: event.oldIndex };
        var form = card.querySelector(".move-form");
        form.elements.stage.value = event.to.dataset.stage;
        form.requestSubmit();
      }
    });
  }

  htmx.onLoad(function (root) {
    var lists = root.matches && root.matches(".cards") ? [root] : root.querySelectorAll(".cards");
    Array.prototype.forEach.call(lists, attachSortable);
  });

  /* Before a move goes out: ask for the lost reason when it is one, and mark the card busy. */
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("move-form")) return;
    var card = cardOf(form);
    var target = form.elements.stage.value;
    if (target === card.dataset.stage) {
      event.preventDefault();
      return;
    }
    form.elements.from_stage.value = card.dataset.stage;
    form.elements.lost_reason.value = "";
    event.preventDefault();
    var ready = target === "closed_lost" ? askLostReason() : Promise.resolve("");
    ready.then(function (reason) {
      if (reason === null) {
        putBack(card);
        return;
      }
      form.elements.lost_reason.value = reason;
      card.classList.add("is-moving");
      card.setAttribute("aria-busy", "true");
      event.detail.issueRequest(true);
    });
  });

  /* A column redrawn after a move or a quick add keeps the cards "show more" had loaded: tell the
     server how many each affected column shows, the moving card counted in the column it joins. */
  function cardsShown(stage, leaving) {
    var list = document.querySelector('ol.cards[data-stage="' + stage + '"]');
    if (!list) return 0;
    return Array.prototype.filter.call(list.children, function (item) {
      return item.classList.contains("card") && item !== leaving;
    }).length;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.target;
    if (!form.classList) return;
    var parameters = event.detail.parameters;
    if (form.classList.contains("move-form")) {
      var card = cardOf(form);
      var from = form.elements.from_stage.value;
      var to = form.elements.stage.value;
      parameters["shown_" + from] = cardsShown(from, card);
      parameters["shown_" + to] = cardsShown(to, card) + 1;
    } else if (form.classList.contains("quick-add")) {
      var stage = form.closest(".column").querySelector("ol.cards").dataset.stage;
      parameters["shown_" + stage] = cardsShown(stage, null);
    }
  });

  /* A move redraws the lead column out of band, its quick add form too: what the user was typing
     there is carried into the new form (htmx then restores the focus and the caret). */
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var old = event.detail.target.querySelector && event.detail.target.querySelector("form.quick-add");
    var fresh = old && event.detail.fragment.querySelector("form.quick-add");
    if (!fresh) return;
    Array.prototype.forEach.call(old.querySelectorAll("input:not([type=hidden]), select"), function (control) {
      var twin = fresh.elements[control.name];
      if (!twin) return;
      if (twin.tagName === "SELECT") {
        var offered = Array.prototype.some.call(twin.options, function (option) { return option.value === control.value; });
        if (!offered) return;  // a colleague no longer offered: the fresh form's own choice stands
        Array.prototype.forEach.call(twin.options, function (option) {
          option.toggleAttribute("selected", option.value === control.value);
        });
      } else {
        twin.setAttribute("value", control.value);
      }
      twin.value = control.value;
    });
  });

  /* Why a move was refused: the server's answer, else the board's own text for the case (text
     names a data-text-… attribute of the board, which the page renders in the reader's language). */
  function refused(event, text) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("move-form")) return;
    var card = cardOf(form);
    var xhr = event.detail.xhr;
    var board = card.closest(".board-layout");
    putBack(card);
    showMessage((xhr && xhr.status && xhr.responseText) || board.dataset[text], true);
  }

  document.addEventListener("htmx:responseError", function (event) {
    refused(event, "textMoveRefused");
  });
  document.addEventListener("htmx:sendError", function (event) {
    refused(event, "textMoveUnreachable");
  });

  /* While an input method composes text (Japanese kana to kanji, say), its keystrokes are not the
     search yet: keep them from htmx, and search once, for the committed text. A search already
     waiting out its delay does not go out mid-composition either (below). */
  function isSearchBox(element) {
    return Boolean(element.matches) && element.matches("form[role=search] input[type=search]");
  }

  document.addEventListener("compositionstart", function (event) {
    if (isSearchBox(event.target)) event.target.composing = true;
  }, true);
  document.addEventListener("compositionend", function (event) {
    if (!isSearchBox(event.target)) return;
    event.target.composing = false;
    event.target.dispatchEvent(new Event("input", { bubbles: true }));
  }, true);
  document.addEventListener("input", function (event) {
    if (isSearchBox(event.target) && (event.isComposing || event.target.composing)) event.stopImmediatePropagation();
  }, true);

  /* A search box asks for what it holds after a pause in typing; Enter asks at once. Text the page
     has already asked for (Enter came first, or the typing came back to it) is not asked for
     again: a second answer would redraw the results under the user's hands. */
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[role=search]");
    if (form) form.searchSent = event.detail.parameters.search;
  });
  document.addEventListener("htmx:confirm", function (event) {
    var box = event.target;
    if (!isSearchBox(box)) return;
    var sent = box.form.searchSent === undefined ? box.defaultValue : box.form.searchSent;
    if (box.composing || box.value === sent) event.preventDefault();
  });

  /* A page the browser kept whole for Back and Forward shows deals as they were: ask for it anew. */
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });

  /* After a move the columns are new: keep the keyboard user on the moved card (a card dragged
     with the mouse leaves focus, and so the scroll position, alone). The event comes before the
     swap, from the move form; htmx then moves the focus to the select's re-rendered twin. */
  document.addEventListener("deal-moved", function (event) {
    if (!event.target.contains(document.activeElement)) return;
    var select = document.querySelector("#deal-" + event.detail.id + " select");
    if (select) select.focus();
  });
})();
