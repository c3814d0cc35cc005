/*
 * Structured editors over the admin's JSON textareas (catalog/admin/widgets.py).
 *
 * Progressive enhancement: the textarea stays in the form and is what gets posted;
 * each editor writes the JSON into it on every change, so the server validates
 * exactly what it validates without JavaScript. "Edit as JSON" shows the textarea
 * again. A value an editor cannot show (nested JSON) is left as plain text.
 * No dependencies, no build step.
 */
(function () {
  "use strict";

  function make(tag, properties, children) {
    const element = document.createElement(tag);
    Object.entries(properties || {}).forEach(([name, value]) => {
      if (name === "dataset") {
        Object.assign(element.dataset, value);
      } else if (name in element && name !== "list") {
        element[name] = value;
      } else {
        element.setAttribute(name, value);
      }
    });
    (children || []).forEach((child) => element.append(child));
    return element;
  }

  function parsed(textarea) {
    const text = textarea.value.trim();
    if (!text) {
      return { ok: true, value: null };
    }
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (error) {
      return { ok: false };
    }
  }

  function isScalar(value) {
    return value === null || ["string", "number", "boolean"].includes(typeof value);
  }

  function button(label, onClick, extra) {
    const element = make("button", Object.assign({ type: "button", className: "ota-editor-button" }, extra), [label]);
    element.addEventListener("click", onClick);
    return element;
  }

  /* A value typed as text, number or yes/no (JSON keeps 3 and "3" apart). */
  const TYPES = [["text", "text"], ["number", "number"], ["boolean", "true/false"]];

  function typeOf(value) {
    if (typeof value === "number") return "number";
    if (typeof value === "boolean") return "boolean";
    return "text";
  }

  function typedValue(type, text) {
    if (type === "number") {
      const number = Number(text);
      return text.trim() !== "" && Number.isFinite(number) ? number : undefined;
    }
    if (type === "boolean") {
      return text === "true";
    }
    return text;
  }

  function valueControl(row, type, value, label) {
    const old = row.querySelector(".ota-value");
    let control;
    if (type === "boolean") {
      control = make("select", { className: "ota-value", "aria-label": label },
        [make("option", { value: "true" }, ["true"]), make("option", { value: "false" }, ["false"])]);
      control.value = value === false || value === "false" ? "false" : "true";
    } else {
      control = make("input", { className: "ota-value", type: "text", "aria-label": label,
        value: value === undefined || value === null ? "" : String(value) });
      if (type === "number") control.inputMode = "decimal";
    }
    if (old) old.replaceWith(control); else row.append(control);
    return control;
  }

  function typeSelect(type, label) {
    const select = make("select", { className: "ota-type", "aria-label": label },
      TYPES.map(([name, text]) => make("option", { value: name }, [text])));
    select.value = type;
    return select;
  }

  /* Shared frame: rows, an "add" button, an "edit as JSON" toggle, and the textarea kept in sync. */
  function frame(container, textarea, options) {
    const rows = make("div", { className: "ota-rows", role: "group", "aria-label": options.label });
    const add = button(options.addLabel, () => {
      const row = options.newRow();
      rows.append(row);
      const first = row.querySelector("input, select");
      if (first) first.focus();
      sync();
    }, { className: "ota-editor-button ota-add" });
    const toggle = button("Edit as JSON", () => {
      const showing = !textarea.hidden;
      if (showing) {
        const value = parsed(textarea);
        if (!value.ok || !options.accepts(value.value)) {
          textarea.setCustomValidity("This JSON cannot be shown as rows: edit it here.");
          textarea.reportValidity();
          return;
        }
        textarea.setCustomValidity("");
        options.fill(rows, value.value);
      }
      textarea.hidden = showing;
      editor.hidden = !showing;
      toggle.textContent = showing ? "Edit as JSON" : "Edit as rows";
    }, { className: "ota-editor-button ota-toggle" });
    const editor = make("div", { className: "ota-structured" }, [rows, add]);
    container.querySelector(".ota-editor-static").hidden = true;
    textarea.before(editor, make("p", { className: "ota-editor-tools" }, [toggle]));

    function sync() {
      textarea.value = JSON.stringify(options.read(rows));
      textarea.dispatchEvent(new Event("ota:changed", { bubbles: true }));
    }
    rows.addEventListener("input", sync);
    rows.addEventListener("change", sync);
    rows.addEventListener("click", (event) => {
      if (event.target.classList.contains("ota-remove")) {
        const row = event.target.closest(".ota-row");
        const next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        sync();
        (next ? next.querySelector("input, select") : add).focus();
      }
    });
    const value = parsed(textarea);
    if (!value.ok || !options.accepts(value.value)) {
      editor.hidden = true;
      toggle.textContent = "Edit as rows";
      container.querySelector(".ota-editor-tools").append(" This value is nested JSON: edit it as text.");
      return { rows, sync };
    }
    options.fill(rows, value.value);
    textarea.hidden = true;
    return { rows, sync };
  }

  function removeButton(label) {
    return button("×", () => {}, { className: "ota-editor-button ota-remove", title: label, "aria-label": label });
  }

  /* --- key/value: a flat JSON object ------------------------------------------------------ */
  function keyValueEditor(container, textarea) {
    function newRow(key, value) {
      const type = typeOf(value);
      const row = make("div", { className: "ota-row" }, [
        make("input", { className: "ota-key", type: "text", value: key || "", "aria-label": "key",
          placeholder: "key" }),
        typeSelect(type, "type of the value"),
      ]);
      valueControl(row, type, value, "value");
      row.append(removeButton("remove this pair"));
      row.querySelector(".ota-type").addEventListener("change", (event) => {
        valueControl(row, event.target.value, row.querySelector(".ota-value").value, "value");
      });
      return row;
    }
    frame(container, textarea, {
      label: "key/value pairs", addLabel: "Add a pair", newRow: () => newRow("", ""),
      accepts: (value) => value === null || (typeof value === "object" && !Array.isArray(value)
        && Object.values(value).every(isScalar) && !Object.values(value).includes(null)),
      fill: (rows, value) => {
        rows.replaceChildren(...Object.entries(value || {}).map(([key, item]) => newRow(key, item)));
      },
      read: (rows) => {
        const result = {};
        rows.querySelectorAll(".ota-row").forEach((row) => {
          const key = row.querySelector(".ota-key").value.trim();
          const control = row.querySelector(".ota-value");
          const value = typedValue(row.querySelector(".ota-type").value, control.value);
          control.setCustomValidity(value === undefined ? "Give a number." : "");
          if (key) result[key] = value === undefined ? control.value : value;
        });
        return result;
      },
    });
  }

  /* --- a list of strings (tags) ------------------------------------------------------------ */
  function listEditor(container, textarea) {
    function newRow(item) {
      return make("div", { className: "ota-row" }, [
        make("input", { className: "ota-item", type: "text", value: item || "", "aria-label": "item" }),
        removeButton("remove this item"),
      ]);
    }
    frame(container, textarea, {
      label: "items", addLabel: "Add an item", newRow: () => newRow(""),
      accepts: (value) => value === null || (Array.isArray(value) && value.every((item) => typeof item === "string")),
      fill: (rows, value) => rows.replaceChildren(...(value || []).map(newRow)),
      read: (rows) => Array.from(rows.querySelectorAll(".ota-item"), (input) => input.value.trim()).filter(Boolean),
    });
  }

  /* --- allowed source versions: ticked from the module's known versions, or typed ------------ */
  function versionsEditor(container, textarea, config) {
    const value = parsed(textarea);
    if (!value.ok || !(value.value === null || Array.isArray(value.value))) return;
    const chosen = new Set(value.value || []);
    const list = make("fieldset", { className: "ota-version-picker" }, [make("legend", {}, ["Known versions"])]);
    const boxes = make("div", { className: "ota-version-boxes" });
    const other = make("input", { type: "text", className: "ota-version-other", placeholder: "another version",
      "aria-label": "another version" });
    const addOther = button("Add", () => {
      const version = other.value.trim();
      if (version) {
        chosen.add(version);
        other.value = "";
        render();
        sync();
      }
    });
    other.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        addOther.click();
      }
    });
    const note = make("p", { className: "help ota-version-note" });
    list.append(boxes, make("div", { className: "ota-row" }, [other, addOther]), note);
    container.querySelector(".ota-editor-static").hidden = true;
    textarea.before(list);
    textarea.hidden = true;
    const moduleSelect = config.module_field ? document.getElementsByName(config.module_field)[0] : null;

    function moduleId() {
      return moduleSelect ? moduleSelect.value : config.module;
    }
    function sync() {
      textarea.value = JSON.stringify(Array.from(chosen));
      const over = chosen.size > config.max;
      note.textContent = chosen.size === 0 ? "None ticked: any version may be updated."
        : `${chosen.size} ticked${over ? ` — at most ${config.max} are allowed` : ""}.`;
      note.classList.toggle("errornote", over);
    }
    function render() {
      const known = config.versions[moduleId()] || [];
      const shown = known.concat(Array.from(chosen).filter((version) => !known.includes(version)));
      boxes.replaceChildren(...shown.map((version) => {
        const box = make("input", { type: "checkbox", value: version, checked: chosen.has(version) });
        box.addEventListener("change", () => {
          if (box.checked) chosen.add(version); else chosen.delete(version);
          sync();
        });
        return make("label", { className: "ota-version" }, [box, " ", version]);
      }));
      if (!shown.length) {
        boxes.append(make("p", { className: "help" }, [moduleId() ? "No release of this module yet."
          : "Choose the module first; its versions appear here."]));
      }
    }
    if (moduleSelect) moduleSelect.addEventListener("change", render);
    render();
    sync();
  }

  const EDITORS = { keyvalue: keyValueEditor, list: listEditor, versions: versionsEditor };

  /* Other scripts add editors here (static/editors/conditions.js), before the page has loaded. */
  window.OtaEditors = {
    register: (name, editor) => { EDITORS[name] = editor; },
    make, parsed, button, frame, removeButton, typeOf, typedValue, typeSelect, valueControl,
  };

  function enhance(root) {
    root.querySelectorAll(".ota-editor[data-ota-editor]").forEach((container) => {
      if (container.dataset.otaEnhanced) return;
      container.dataset.otaEnhanced = "1";
      const textarea = container.querySelector("textarea");
      const editor = EDITORS[container.dataset.otaEditor];
      if (textarea && editor && !textarea.disabled) {
        editor(container, textarea, JSON.parse(container.dataset.otaConfig || "{}"));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => enhance(document));
})();
