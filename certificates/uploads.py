"""Uploads are cut off at SCM_MAX_CSR_BYTES while they arrive: a bigger file is never kept
in memory or written to disk, let alone parsed. The only upload is a CSR, a few KB."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class LimitedUploadHandler(FileUploadHandler):
    def new_file(self, field_name, *args, **kwargs) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.SCM_MAX_CSR_BYTES:
            # Skip this file (the other fields are still read) and say so to the form.
            self.request.too_large_uploads = {*too_large(self.request), self.field_name}
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers build the file


def too_large(request) -> set[str]:
    """Names of the file fields whose upload was cut off for its size."""
    return getattr(request, "too_large_uploads", set())
