"""Handoff: a consultation request put in front of the school's contact, and escalated.

"Be om rådgivning" under a school's contacts sends a request of ids only (school, age group,
topic, who asks, when) to the first contact of that age group who can be reached in the
chat, and passes it on to the next when nobody answers in time or someone declines, then
to the reception's channel, and last tells the asker to phone. Requests wait in the store
(bot.core.records), so they survive a restart, and each step is a compare-and-swap, so two
replicas take it once. Modules: `requests` (the record), `chain` (who is next), `steps`
(the pure state changes), `messages` (what each side reads), `desk` (the store and the
courier that delivers), `reminders` (the feedback reminder after a report).
"""
