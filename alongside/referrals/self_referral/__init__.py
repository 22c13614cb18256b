"""The public self-referral journey: question pages, check your answers, confirmation."""
