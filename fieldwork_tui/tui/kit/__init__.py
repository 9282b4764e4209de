"""The TUI kit: what every screen and dialog of fieldwork-tui is built on.

* `screen` — `KitScreen` / `KitModal` (focus on the main widget after every switch, one data seam
  `fetch`/`show` run off the UI thread, keys held until the screen is ready), `ActionArea` (a tab
  with its own actions);
* `keys` — `OrderedKeys`, the app mixin that hands keys over in order to the screen that was shown;
* `forms` — `FormDialog[T]`, the one dialog base (ctrl+s saves, escape cancels, Tab walks the
  fields, multi-line fields, saving through a worker without losing what was typed);
* `confirm` — the yes/no dialog before a destructive key acts;
* `filter_bar` — filter as you type: debounced, queried in a worker, the previous query dropped;
* `workers` — `run()`, the one way to work off the UI thread, with the one error handler;
* `actions`, `palette`, `help` — the command palette and `?` built from the bindings;
* `columns` — which table columns fit, by priority; `styles` — colours by meaning from the theme;
* `safe_text` — every text shown with its control characters made visible.

See `docs/tui-kit.md` for how to build a screen or a dialog on it.
"""
