"""The usage core every surface shares (figures, writes, validation, range and period
math), with no GraphQL and no principal; and `access` / `context`, the only modules that
know who is asking."""
