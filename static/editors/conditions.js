/*
 * The condition builder of device filters (rollouts/admin/forms.py, ConditionBuilderWidget): one row per
 * condition, and a live count of the devices the conditions match, asked of the admin's preview endpoint
 * (rollouts/admin/device_filters.py) as the rows change. Built on static/editors/editors.js.
 */
(function () {
  "use strict";
  const { make, parsed, frame, removeButton, typeOf, typedValue, typeSelect, valueControl } = window.OtaEditors;

  function conditionsEditor(container, textarea, config) {
    const fieldKinds = Object.fromEntries(config.fields.map((field) => [field.kind, field]));
    const preview = make("div", { className: "ota-preview", role: "status", "aria-live": "polite" });

    function split(name) {
      const [kind, ...rest] = name.split(".");
      return { kind, key: rest.join(".") };
    }

    function newRow(condition) {
      const { kind, key } = split(condition.field || "attributes.");
      const field = make("select", { className: "ota-field", "aria-label": "field" },
        config.fields.map((item) => make("option", { value: item.kind }, [item.label])));
      field.value = kind;
      const keyInput = make("input", { className: "ota-key", type: "text", value: key, "aria-label": "name" });
      const op = make("select", { className: "ota-op", "aria-label": "operator" });
      const row = make("div", { className: "ota-row ota-condition" }, [field, keyInput, op]);
      const values = Array.isArray(condition.value) ? condition.value : [condition.value];
      const type = typeOf(values[0]);
      const typeControl = typeSelect(type, "type of the value");
      row.append(typeControl);
      valueControl(row, type, values.map((item) => (item === undefined ? "" : item)).join(", "), "value");
      row.append(removeButton("remove this condition"));

      function refresh(keepOp) {
        const current = keepOp || op.value;
        const meta = fieldKinds[field.value];
        keyInput.hidden = !meta.keyed;
        keyInput.placeholder = meta.key_label || "";
        op.replaceChildren(...config.operators.filter((item) => item.kinds.includes(field.value))
          .map((item) => make("option", { value: item.name }, [item.label])));
        if (Array.from(op.options).some((option) => option.value === current)) op.value = current;
        const typed = config.typed_kinds.includes(field.value) && ["eq", "ne", "in"].includes(op.value);
        typeControl.hidden = !typed;
        if (!typed && typeControl.value !== "text") {
          typeControl.value = "text";
          valueControl(row, "text", "", "value");
        }
        row.querySelector(".ota-value").hidden = op.value === "exists";
      }
      field.addEventListener("change", () => refresh());
      op.addEventListener("change", () => refresh());
      typeControl.addEventListener("change", () => {
        valueControl(row, typeControl.value, row.querySelector(".ota-value").value, "value");
      });
      refresh(condition.op || "eq");
      return row;
    }

    function read(rows) {
      return Array.from(rows.querySelectorAll(".ota-condition"), (row) => {
        const kind = row.querySelector(".ota-field").value;
        const key = row.querySelector(".ota-key").value.trim();
        const op = row.querySelector(".ota-op").value;
        const condition = { field: fieldKinds[kind].keyed ? `${kind}.${key}` : kind, op };
        if (op === "exists") return condition;
        const type = row.querySelector(".ota-type").value;
        const text = row.querySelector(".ota-value").value;
        const typed = (item) => {
          const value = typedValue(type, item.trim());
          return value === undefined ? item.trim() : value;
        };
        condition.value = op === "in" ? text.split(",").filter((item) => item.trim()).map(typed) : typed(text);
        return condition;
      });
    }

    frame(container, textarea, {
      label: "conditions (all must hold)", addLabel: "Add a condition", newRow: () => newRow({}),
      accepts: (value) => value === null || (Array.isArray(value) && value.length <= config.max_conditions
        && value.every((item) => item && typeof item.field === "string" && typeof item.op === "string")),
      fill: (rows, value) => rows.replaceChildren(...(value || []).map(newRow)),
      read,
    });
    textarea.parentElement.append(preview);

    let timer = null;
    let asked = 0;
    function ask() {
      const value = parsed(textarea);
      const number = ++asked;
      if (!value.ok) {
        preview.textContent = "Not valid JSON yet.";
        return;
      }
      const csrf = textarea.form.querySelector("[name=csrfmiddlewaretoken]").value;
      preview.textContent = "Counting…";
      preview.dataset.state = "counting";
      fetch(config.preview_url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ conditions: value.value || [] }),
      }).then((response) => response.json().then((body) => ({ ok: response.ok, body })))
        .then(({ ok, body }) => {
          if (number !== asked) return;
          preview.replaceChildren();
          if (!ok) {
            preview.dataset.state = "invalid";
            const errors = make("ul", { className: "errorlist" });
            Object.entries(body.errors || {}).forEach(([key, messages]) => {
              messages.forEach((message) => errors.append(make("li", {}, [`${key}: ${message}`])));
            });
            preview.append(errors);
            return;
          }
          preview.dataset.state = "counted";
          preview.dataset.count = body.count;
          const what = body.exact ? `${body.count}` : `about ${body.count} (estimated)`;
          preview.append(make("strong", { className: "ota-preview-count" },
            [`${what} device${body.count === 1 ? "" : "s"} match now`]));
          if (body.uids.length) {
            const uids = make("span", { className: "ota-preview-uids" });
            body.uids.forEach((uid, index) => {
              const link = make("a", { href: `${config.device_url}?q=${encodeURIComponent(uid)}`, target: "_blank" },
                [uid]);
              uids.append(...(index ? [", ", link] : [link]));
            });
            preview.append(", e.g. ", uids);
          }
        })
        .catch(() => {
          if (number === asked) preview.textContent = "The preview could not be counted; saving still checks.";
        });
    }
    textarea.addEventListener("ota:changed", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 350);
    });
    textarea.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 350);
    });
    ask();
  }

  window.OtaEditors.register("conditions", conditionsEditor);
})();
