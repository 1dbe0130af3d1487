"""referral-bot: social services contacts and concern-report checklists for Swedish school staff."""

__version__ = "0.1.0"
