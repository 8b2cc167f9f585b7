"""SMS gateways for the tests, named by SMS_BACKEND as a province's would be."""


class BrokenSmsBackend:
    """A gateway that refuses every message, quoting the number as real gateways do."""

    def send(self, phone: str, text: str) -> None:
        raise ConnectionError(f"gateway refused {phone}: quota exceeded")
