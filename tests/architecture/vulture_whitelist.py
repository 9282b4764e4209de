"""Names vulture (tests/architecture/test_dead_code.py) reports as unused but that are used — by a library,
a template, the schema or the next piece of work. Every entry says why; delete an entry once its reason is
gone. Anything else vulture reports is dead code: delete the code, not the warning.

Framework hooks (Textual handlers and class variables, typer commands, Alembic revision variables) are
ignored by name in `[tool.vulture]` (pyproject.toml) instead.
"""
# ruff: noqa: B018, F821
# fmt: off

# -- set for a library, which reads them --------------------------------------------------------------
__getattr__                          # services/bundle/__init__.py: Python calls it (PEP 562), the export imported when first used
_.handle_starttag                    # domain/bundle_crosscheck.py: html.parser calls it
_.compress_type, _.external_attr     # zipfile.ZipInfo (bundle, backup)
_.freeze_panes, _.font, _.number_format, _.data_type  # openpyxl cells and sheets
_.quotePrefix, _.alignment, _.pageSetUpPr, _.print_title_rows  # openpyxl (store/xlsx.py)
_.orientation, _.fitToWidth, _.fitToHeight, _.gridLines  # openpyxl page setup (store/xlsx.py)
_.comment, _.sheet_state, _.fitToPage  # openpyxl (issue 17: the testing workbook)
_.isolation_level                    # the sqlite3 connection (store/db.py)
_.readable                           # io.RawIOBase protocol: the vault intake is read by io.BufferedReader (store/vault.py)
_.disabled                           # Textual widgets
_.virtual_size                       # Textual scroll view (VirtualTable)
version                              # typer's --version option (an eager callback)
parameters                           # Textual's check_action(action, parameters) signature
background                           # Rich's Style.apply(text, background) signature (tui/kit/safe_text.py)

# -- schema columns: written by the services, read generically (journal, bundle, replay, Alembic) --------
first_used_at                        # SignerKey: when a key first signed in the engagement (issue 13)
updated_at, original_path, concluded_by, performed_by, source_sha256, imported_by, imported_at
policy_preset, created_by, population_row_id, tested_by, tested_at, report_date
_.updated_at, _.concluded_by, _.tested_by, _.tested_at
updated_by, reconciliation_note, recorded_by, recorded_at  # issue 17: test steps and the extract record
_.updated_by, _.reconciliation_note, _.recorded_by, _.recorded_at
set_by, set_at, reviewed_by, reviewed_at, _.set_by, _.set_at, _.reviewed_by, _.reviewed_at  # issue 16 (journaled)
released_by, _.released_by          # ControlHold: who checked the control in (issue 20, journaled)

# -- read by a Jinja template of the bundle (vulture does not read templates) --------------------------
expansion_total                      # SamplePlan (workpaper.html.j2), also the CLI's JSON
population_member                    # ControlPaper (workpaper.html.j2: the population file's link)
_._party_for                         # OscalBuilder's cache of party uuids
other_interview, other_statement     # interview memos' coached-answer notes (interview.html.j2)

# -- called by Textual or Rich (hooks and signatures vulture cannot see) ---------------------------------
_.discover, _.apply                  # command-palette Provider.discover (kit/palette.py), LineFilter.apply
_.suggester                          # Input.suggester, read by the Input (dialogs set it after fetching)
markup                               # App.notify's signature (the app overrides it: always plain text)
KEYS_LABEL                           # read by getattr: what kit/catalogue.py calls a class in key lists

# -- read by tests only: what a screen or service last did -------------------------------------------
_.wait_settled, _.keys_settled       # kit: the filter bar's last query and the app's held keys are done
_.last_result, _.last_report         # ExportScreen: the bundle it wrote and its verification
_.read_error                         # vault copy thread: the error the caller re-raises
control_flags                        # services/controls/facts.py: the flags of every control in one pass
SORT_KEYS                            # services/requests/triage.py: the sort keys RequestQuery accepts

# -- plain data the UI will read (issue 18 step 3 trims ControlRecords and the request detail) ---------
review_notes, _.review_notes         # ControlRecords
control_title                        # RequestDetail
source_sha256                        # PopulationResult (also the CLI's --json)

# -- domain rules and kit parts on main, tested, waiting for their callers (their issue wires them) --------
safe_member                          # domain/bundle_names.py (issue 21: member-name caps)
category_of, is_at_or_after, activities, RESPONSE_BUSINESS_DAYS, duplicate
unresolved_count                     # domain/dispositions.py (issue 11; the services count in SQL)
attribute_sample_size, hypergeometric_sample_size  # domain/sampling.py (issue 21: sampling method)
fingerprint                          # services/identity.py Signer (issue 13 fills it: the signing key)
