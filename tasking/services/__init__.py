"""Use cases. Each takes the session, the acting principal and `now`; none reads request globals."""
