"""Campaign analytics: attribution, funnels, cost, ROI and uplift against a holdout."""
