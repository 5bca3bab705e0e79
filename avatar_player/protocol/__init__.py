"""Sans-I/O Motion Server protocol: schema, codecs, error table and both endpoints.

No asyncio, no Qt: bytes in, events out, bytes to send.
"""
