"""Pure rules of the service. Nothing here imports Flask or SQLAlchemy."""
