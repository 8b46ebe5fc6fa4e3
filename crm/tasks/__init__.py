"""Tasks, phone calls and meetings, for a salesperson or a whole team."""
