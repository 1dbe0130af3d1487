"""The transport-agnostic core: catalog, lookup, rules, conversation and sessions."""
