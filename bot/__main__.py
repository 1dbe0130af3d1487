"""`python -m bot` is the same as `referral-bot`."""

import sys

from bot.cli import main

sys.exit(main())
