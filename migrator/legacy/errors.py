"""The error raised for legacy constructs the runtime cannot reproduce faithfully."""


class LegacyUnsupported(Exception):
    """A legacy construct that cannot be emulated on current torch.

    Raised instead of running on with different numbers; the message is one line and
    names the construct (e.g. "`torch.pstrf` (pivoted Cholesky) has no torch equivalent").
    """
