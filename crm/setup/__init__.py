"""Setup: marketing setup, salespeople, teams and the code lists contacts are classified by."""
