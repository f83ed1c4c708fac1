"""Earning: daily check-ins and streaks, share links and referrals, tiers, badges, leaderboard."""
