"""Custom registration questions of an event and the guests' answers.

- ``models``: questions (kind, bilingual label and help, required, categories, order), their
  choices and the answers.
- ``service``: the organizer's changes to questions (create, edit, move, hide, delete).
- ``answers``: the one place that validates answers, whoever sends them (the guest's forms,
  the portal, the API, spreadsheet imports), and stores, loads, shows and filters them.
"""
