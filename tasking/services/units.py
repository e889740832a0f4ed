"""What a long job receives to open each batch's unit of work.

Services never commit (docs/README.md): a use case's writes are flushed and the delivery layer
commits them once. A job that works through many batches (the review sweep, the notification
sender, the data generator) is given `units`, a factory of the delivery layer's unit of work, and
wraps each batch in `with units():` so each batch commits or rolls back on its own.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

Units = Callable[[], AbstractContextManager[Session]]
